"""Issue 16, item 6: three citizens' journeys on a phone (390 x 844), measured. From the click on
"sign in with the national identity account" to the confirmation with the dossier code, the
walk of bench/journeys.py counts the pages, the questions given and typed, the taps, the choices
from a list and the uploads, and estimates the human time from its per-field model (documented
in docs/accessibility.md); no wall-clock time is asserted. axe (WCAG 2.0 A/AA, 2.1 AA, 2.2 AA)
checks every page of the portal on the way. `bench/journeys.py` prints the same figures as a
table (PORTAL_JOURNEY_REPORT names the JSON file this test writes)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from bench.journeys import MODEL, Journey, Page, walk
from dossiers.models import Dossier
from procedures.services import procedures_load
from tests.conftest import PDF_BYTES
from tests.e2e.a11y import Audit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HA_NOI, HOAN_KIEM = "01", "00070"


def _born_days_ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


# Per procedure: who signs in, what she answers where nothing is given (`<step>-<field>`), and
# what the issue or docs/eforms.md promise: the e-form's pages (its steps and check your
# answers) and, for birth registration, the 3-minute target.
JOURNEYS: dict[str, dict[str, Any]] = {
    "birth_registration": {
        "procedure": "1.001193",
        "person": "Nguyễn Thị Lan",
        "answers": {
            "child-full_name": "Trần Minh An",
            "child-sex": "male",
            "child-date_of_birth": _born_days_ago(24),
            "province-province": HA_NOI,
            "commune-commune": HOAN_KIEM,
            "commune-place_detail": "Bệnh viện Phụ sản Hà Nội",
            "review-declaration": True,
        },
        "max_form_pages": 8,
        "max_seconds": 180,
    },
    "marriage_registration": {
        "procedure": "1.000894",
        "person": "Phạm Thị Mai",  # the bride: her page is prefilled, the groom's is typed
        "answers": {
            "eligibility-of_age": "yes",
            "eligibility-voluntary": True,
            "husband-full_name": "Hoàng Văn Nam",
            "husband-identification_number": "048090001234",
            "husband-date_of_birth": "1990-02-14",
            "husband-residence": "Phường Hải Châu, Thành phố Đà Nẵng",
            "husband-marital_status": "single",
            "reg_province-province": HA_NOI,
            "reg_commune-commune": HOAN_KIEM,
            "reg_commune-residence_detail": "Số 5 phố Hàng Bạc",
            "review-declaration": True,
        },
        "max_form_pages": 8,
    },
    "permanent_residence": {
        "procedure": "1.004222",
        "person": "Nguyễn Thị Lan",  # moving into a home she owns, alone
        "answers": {
            "new_province-province": HA_NOI,
            "new_commune-commune": HOAN_KIEM,
            "new_commune-address_detail": "Số 12 phố Hàng Bạc",
            "basis-basis": "owned",
            "owned-ownership_document": "Giấy chứng nhận số CS 012345",
            "members_question-with_others": "no",
            "consent-relationship_to_head": "head",
            "consent-consent": "self",
            "review-declaration": True,
        },
        "max_form_pages": 10,
    },
}

# Pages whose screenshot goes to docs/screenshots/ (every page of birth registration).
KEY_PAGES = {
    "marriage_registration": {"eligibility", "husband", "wife", "review", "confirmation"},
    "permanent_residence": {"person", "basis", "consent", "review", "confirmation"},
}


@pytest.fixture
def portal(live_server, national_settings, settings, agency_hk, police_hk, tmp_path):
    settings.PORTAL_BASE_URL = live_server.url
    cache.clear()
    procedures_load()
    upload = tmp_path / "giay-to.pdf"
    upload.write_bytes(PDF_BYTES)
    return {"url": live_server.url, "upload": upload}


def _report(journey: Journey) -> None:
    """Adds the journey's figures to the JSON file bench/journeys.py reads, if it asked."""
    path = os.environ.get("PORTAL_JOURNEY_REPORT")
    if not path:
        return
    report = Path(path)
    rows = json.loads(report.read_text("utf-8")) if report.exists() else []
    rows = [row for row in rows if row["form_key"] != journey.form_key] + [journey.as_dict()]
    report.write_text(json.dumps(rows, ensure_ascii=False, indent=1), "utf-8")


@pytest.mark.parametrize("form_key", list(JOURNEYS))
def test_journey_measured_on_a_phone(portal, phone, shot, form_key):
    spec = JOURNEYS[form_key]
    audit = Audit(viewport="phone")
    base = portal["url"]

    def on_page(page, record: Page) -> None:
        if page.url.startswith(base):  # the portal's pages (not the mock SSO's)
            audit.check(page, f"{form_key}-{record.number:02d}-{record.name}")
        if form_key not in KEY_PAGES or record.name in KEY_PAGES[form_key]:
            slug = form_key.replace("_", "-")
            shot(page, f"journey-{slug}-{record.number:02d}-{record.name.replace('_', '-')}")

    journey = walk(
        phone,
        base,
        spec["procedure"],
        form_key,
        spec["person"],
        spec["answers"],
        portal["upload"],
        on_page=on_page,
    )
    _report(journey)

    # it reached the confirmation, and the dossier is there
    assert journey.pages[-1].kind == "confirmation"
    assert Dossier.objects.filter(code=journey.code).exists()
    # every page the browser showed is one record: the count does not depend on addresses
    assert len(journey.navigations) == len(journey.pages), journey.navigations
    assert [page.kind for page in journey.pages[:2]] == ["sso", "step"]
    assert journey.pages[-2].kind == "review"
    assert journey.form_pages == len(journey.pages) - 2
    assert journey.form_pages <= spec["max_form_pages"], journey.summary()
    # the figures add up: every question is given or answered (or optional and left empty)
    for page in journey.pages:
        acted = page.typed + page.taps + page.chosen + page.uploads
        assert page.given + acted <= page.questions or page.kind == "review", page
    assert journey.total("given") > 0  # prefill did its part
    # the estimate is the model's sum over the counts (never a stopwatch)
    assert journey.seconds() == pytest.approx(sum(page.seconds(MODEL) for page in journey.pages))
    if "max_seconds" in spec:
        assert journey.seconds() <= spec["max_seconds"], journey.summary()
    audit.assert_clean()

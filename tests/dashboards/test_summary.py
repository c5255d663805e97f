"""The one-page PDF summary of a dashboard (issue 16 item 5): a real PDF of one page with the
figures of the unit and period in the reader's language, checked for access exactly like the
dashboard, and a wrong period is a page that says so."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader

from dashboards.models import ScopeLevel
from dashboards.rollups import rollups_rebuild
from dossiers.states.business import Status

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(make_dossier, agency_hk, agency_bd, agency_dn):
    for day in ("2025-11-05", "2026-01-05", "2026-02-10", "2026-03-03"):
        make_dossier(agency_hk, submitted=at(day), channel=2)
        make_dossier(agency_bd, submitted=at(day), channel=1, status=Status.REFUSED)
        make_dossier(agency_dn, submitted=at(day), channel=2)
    rollups_rebuild()


def signed_in(client, officer_login, user, language):
    officer_login(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def pdf_text(response) -> tuple[int, str]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return len(reader.pages), " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Service-quality summary", "period 2026", "compared with 2025", "Dossiers by month", "Provinces by dossiers finished on time", "Service index"]),
        ("vi", ["Bản tóm tắt chất lượng phục vụ", "kỳ 2026", "so với 2025", "Hồ sơ theo tháng", "Bộ chỉ số phục vụ"]),
    ],
)  # fmt: skip
def test_the_national_summary_is_one_page_with_the_figures(
    client, officer_login, national_official, history, hanoi, language, words
):
    client = signed_in(client, officer_login, national_official, language)
    pages, text = pdf_text(client.get(reverse("dashboards:summary_national"), {"period": "2026"}))
    assert pages == 1
    for word in words:
        assert word in text, (word, text)
    assert hanoi.name in text


def test_the_summary_has_the_dashboards_cards_in_the_readers_number_format(
    client, officer_login, national_official, history
):
    client = signed_in(client, officer_login, national_official, "en")
    page = client.get(reverse("dashboards:unit_national"), {"period": "2026"})
    cards = page.context["cards"]
    _pages, text = pdf_text(client.get(reverse("dashboards:summary_national"), {"period": "2026"}))
    for card in cards[:4]:
        assert card.name in text
        assert card.value in text


def test_another_provinces_official_cannot_have_its_summary(
    client, officer_login, official, history, hanoi, da_nang, agency_dn
):
    user = official("hanoi.official", ScopeLevel.PROVINCE, province=hanoi)
    client = signed_in(client, officer_login, user, "en")
    own = client.get(reverse("dashboards:summary", args=["province", hanoi.pk]), {"period": "2026"})
    pages, text = pdf_text(own)
    assert pages == 1
    assert hanoi.name in text
    for url in (
        reverse("dashboards:summary", args=["province", da_nang.pk]),
        reverse("dashboards:summary", args=["agency", agency_dn.pk]),
        reverse("dashboards:summary_national"),
    ):
        assert client.get(url, {"period": "2026"}).status_code == 404, url


def test_without_a_scope_or_the_second_factor_there_is_no_summary(
    client, officer_hk, national_official
):
    url = reverse("dashboards:summary_national")
    client.force_login(officer_hk)
    assert client.get(url).status_code == 404
    client.force_login(national_official)
    assert client.get(url).status_code == 302  # to the code step


@pytest.mark.parametrize("period", ["2026-13", "<script>", "1999", "2026-Q5", "²⁰²⁶", "9" * 300])
def test_a_wrong_period_is_a_clear_error_page(client, officer_login, national_official, period):
    client = signed_in(client, officer_login, national_official, "en")
    response = client.get(reverse("dashboards:summary_national"), {"period": period})
    assert response.status_code == 400
    page = response.content.decode()
    assert "is not a period" in page
    assert "<script>" not in page


def test_a_malformed_procedure_or_unit_is_a_404(client, officer_login, national_official):
    client = signed_in(client, officer_login, national_official, "en")
    assert client.get(reverse("dashboards:summary_national"), {"procedure": "²"}).status_code == 404
    assert client.get(reverse("dashboards:summary", args=["province", 999999])).status_code == 404


def test_an_empty_period_still_makes_one_page(client, officer_login, national_official, history):
    client = signed_in(client, officer_login, national_official, "en")
    pages, text = pdf_text(
        client.get(reverse("dashboards:summary_national"), {"period": "2024-05"})
    )
    assert pages == 1
    assert "no data" in text.lower()


def test_the_dashboard_links_to_its_summary_and_wraps_each_table_in_details(
    client, officer_login, national_official, history
):
    client = signed_in(client, officer_login, national_official, "vi")
    page = client.get(reverse("dashboards:unit_national"), {"period": "2026-Q1"}).content.decode()
    assert reverse("dashboards:summary_national") + "?period=2026-Q1" in page
    assert "Tải bản tóm tắt (PDF)" in page
    assert page.count('<details class="dash-details">') >= 4
    assert "Xem bảng số liệu" in page

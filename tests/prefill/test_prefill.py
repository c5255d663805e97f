"""Prefill: parallel lookups with a circuit breaker, audited; verified values locked on the
server; a source a procedure cannot do without stops the form but keeps the draft."""

from __future__ import annotations

import threading
import time

import pytest

from dossiers.eforms import get_definition
from dossiers.eforms.loading import definition_file
from dossiers.models import EForm, FormDraft
from portal.models import AuditEvent
from prefill.circuit import CircuitBreaker, CircuitSettings
from prefill.registry import SourceUnavailableError, registry
from prefill.services import Lookup, prefill_fetch_many
from tests.dossiers.wizard_steps import APPLICANT, CHILD, post, start

pytestmark = pytest.mark.django_db


class FakeSource:
    """A registry source that records its calls, optionally slow or down."""

    def __init__(self, key: str, delay: float = 0.0, down: bool = False) -> None:
        self.key = key
        self.label = key
        self.attributes = ("full_name",)
        self.delay = delay
        self.down = down
        self.calls: list[tuple[str, float, float]] = []
        self.lock = threading.Lock()

    def fetch(self, subject_id: str):
        started = time.monotonic()
        time.sleep(self.delay)
        with self.lock:
            self.calls.append((subject_id, started, time.monotonic()))
        if self.down:
            raise SourceUnavailableError(f"{self.key} down")
        return {"full_name": f"{self.key}:{subject_id}", "verified": True}


@pytest.fixture
def fake_sources():
    added = {key: FakeSource(key, delay=0.2) for key in ("a", "b", "c")}
    for key, source in added.items():
        registry.add(key, source)
    yield added
    for key in added:
        registry.remove(key)


def test_sources_are_fetched_in_parallel_and_audited(fake_sources, citizen_a):
    lookups = [Lookup(key, "001190012345") for key in ("a", "b", "c")]
    results = prefill_fetch_many(actor=citizen_a, lookups=lookups, purpose="test")
    assert {r.record["full_name"] for r in results.values()} == {
        "a:001190012345",
        "b:001190012345",
        "c:001190012345",
    }
    spans = [call[1:] for source in fake_sources.values() for call in source.calls]
    latest_start = max(start for start, _ in spans)
    earliest_end = min(end for _, end in spans)
    assert latest_start < earliest_end, "the three lookups overlapped in time"
    assert AuditEvent.objects.filter(action="prefill.lookup", object_id="001190012345").count() == 3


def test_open_circuit_skips_the_source_without_calling_it(fake_sources, citizen_a, settings):
    settings.PREFILL_CIRCUIT = {"threshold": 2, "window": 60, "cooldown": 30}
    fake_sources["a"].down = True
    fake_sources["a"].delay = 0
    for _ in range(2):
        result = prefill_fetch_many(actor=citizen_a, lookups=[Lookup("a", "1")], purpose="t")
        assert result[Lookup("a", "1")].unavailable
    assert len(fake_sources["a"].calls) == 2
    skipped = prefill_fetch_many(actor=citizen_a, lookups=[Lookup("a", "1")], purpose="t")[
        Lookup("a", "1")
    ]
    assert skipped.skipped
    assert skipped.unavailable
    assert len(fake_sources["a"].calls) == 2  # no third call: the circuit is open
    assert AuditEvent.objects.filter(details__outcome="circuit_open").count() == 1


def test_circuit_half_open_trial_closes_on_success():
    breaker = CircuitBreaker("x", CircuitSettings(threshold=1, window=60, cooldown=10))
    breaker.record_failure(now=1000.0)
    assert not breaker.allow(now=1005.0)
    assert breaker.allow(now=1011.0)  # the one trial after the cooldown
    assert not breaker.allow(now=1011.5)  # no second trial at the same time
    breaker.record_success()
    assert breaker.allow(now=1012.0)
    assert not breaker.is_open(now=1012.0)


def test_failed_trial_opens_the_circuit_again():
    breaker = CircuitBreaker("y", CircuitSettings(threshold=1, window=60, cooldown=10))
    breaker.record_failure(now=1000.0)
    assert breaker.allow(now=1011.0)
    breaker.record_failure(now=1011.0)
    assert breaker.is_open(now=1015.0)


@pytest.fixture
def wizard(
    client, settings, national_settings, hanoi, hoan_kiem, agency_hk, birth_version, citizen_a
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(citizen_a)
    url = start(client)
    post(client, url, "child", CHILD)
    post(client, url, "applicant", APPLICANT)
    return url


def test_verified_identity_is_read_only_and_a_changed_value_is_refused(client, wizard):
    page = client.get(wizard, follow=True).content.decode()
    assert 'name="mother-full_name"' in page
    assert (
        "readonly"
        in page.split('name="mother-full_name"')[0].rsplit("<input", 1)[1]
        + page.split('name="mother-full_name"')[1].split(">", 1)[0]
    )
    assert "verified, cannot be changed here" in page
    changed = {
        "full_name": "Nguyễn Thị Khác",
        "identification_number": "001190012345",
        "date_of_birth": "1990-03-12",
        "ethnicity": "Kinh",
        "nationality": "Việt Nam",
        "residence": "Hà Nội",
    }
    response = post(client, wizard, "mother", changed)
    assert response.status_code == 200
    assert "cannot be changed here" in response.content.decode()
    # the residence is not locked: a person may have moved
    ok = post(
        client,
        wizard,
        "mother",
        {**changed, "full_name": "Nguyễn Thị Lan", "residence": "Nơi ở mới"},
    )
    assert ok.status_code == 302


def test_a_draft_whose_locks_were_tampered_with_is_refused(client, wizard):
    client.get(wizard, follow=True)
    draft = FormDraft.objects.get()
    storage = draft.storage
    storage["extra_data"]["prefill"]["locked"]["mother"]["full_name"] = "Ai Đó"
    FormDraft.objects.filter(pk=draft.pk).update(storage=storage)
    assert client.get(wizard, follow=True).status_code == 400


def test_a_crucial_source_down_stops_the_form_and_keeps_the_draft(
    client,
    settings,
    national_settings,
    national_services,
    hanoi,
    hoan_kiem,
    agency_hk,
    birth_version,
    citizen_a,
    monkeypatch,
):
    # an administrator marks the population database crucial for this form (an EForm row
    # overrides the reviewed file)
    data = definition_file("birth_registration")
    data["crucial_sources"] = ["population"]
    EForm.objects.create(key="birth_registration", definition=data)
    settings.NATIONAL_SERVICES_URL = "http://127.0.0.1:9"
    settings.PREFILL_TIMEOUT_SECONDS = 0.3
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(citizen_a)
    url = start(client)
    response = client.get(url, follow=True)
    assert response.status_code == 503
    assert "cannot continue right now" in response.content.decode()
    assert FormDraft.objects.filter(pk=url.rstrip("/").rsplit("/", 1)[-1]).exists()
    # when the database answers again, the same draft carries on
    settings.NATIONAL_SERVICES_URL = national_services.url
    CircuitBreaker("population").record_success()
    assert client.get(url, follow=True).status_code == 200


def test_birth_registration_asks_a_signed_in_parent_to_type_under_30_percent(
    national_settings, hanoi, hoan_kiem, birth_version, citizen_a
):
    """Issue 4's target: a logged-in parent types at most 30% of the e-form's fields."""
    from dossiers.eforms import prefill_coverage

    citizen_a.phone = "0912345678"  # as the SSO gives it
    definition = get_definition("birth_registration")
    coverage = prefill_coverage(
        definition, definition.prefill(user=citizen_a, version=birth_version)
    )
    assert coverage.text_fields == 19
    assert coverage.prefilled == 14  # mother 6, father 6 (spouse), e-mail and phone
    assert coverage.defaulted == 2  # ethnicity, nationality of the child
    assert coverage.typed == 3  # the child's name and date of birth, the place of birth
    assert coverage.typed_share <= 0.30


def test_an_issued_result_joins_the_applicants_e_document_store(
    national_settings, submit, citizen_a, officer_hk, agency_hk, django_capture_on_commit_callbacks
):
    """Reuse: the result of a finished dossier is in the citizen's store for later dossiers."""
    from dossiers.services import dossier_issue_result, dossier_receive, dossier_start_processing
    from prefill.national_client import NationalDataClient

    dossier = dossier_receive(dossier=submit(citizen_a), officer=officer_hk, agency=agency_hk)
    dossier = dossier_start_processing(dossier=dossier, officer=officer_hk, agency=agency_hk)
    with django_capture_on_commit_callbacks(execute=True):
        dossier = dossier_issue_result(dossier=dossier, officer=officer_hk, agency=agency_hk)
    stored = [
        d
        for d in NationalDataClient().list_documents("001190012345")
        if d.get("dossier_code") == dossier.code
    ]
    assert len(stored) == 1
    assert stored[0]["result_code"] == "KQ-GKS"
    assert AuditEvent.objects.filter(
        action="edocuments.store_result", object_id=str(dossier.pk)
    ).exists()


def test_birth_registration_preselects_the_mothers_province_only(
    national_settings, hanoi, hoan_kiem, birth_version, citizen_a
):
    """Issue 16: the province of birth defaults to the one the mother lives in (from the
    population database, with its source shown); the commune stays hers to choose."""
    from django.utils import translation

    definition = get_definition("birth_registration")
    with translation.override("en"):
        context = definition.prefill(user=citizen_a, version=birth_version)
    assert context.initial["province"] == {"province": "01"}  # Hà Nội, Lan's current address
    assert context.sources["province"]["province"] == "from the national population database"
    assert "commune" not in context.initial
    assert "commune" not in context.sources

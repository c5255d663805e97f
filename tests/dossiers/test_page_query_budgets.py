"""Query budgets of the list pages a citizen and an officer open all day: the count of queries
has a ceiling, and it does not grow with the rows listed (rows made with the factories, in
every lifecycle state)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import DossierEventFactory, DossierFactory

pytestmark = pytest.mark.django_db

STATES = ({}, {"received": True}, {"in_processing": True}, {"supplement_requested": True},
          {"result_ready": True}, {"returned": True}, {"refused": True}, {"overdue": True})  # fmt: skip


def queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries), response.content.decode()


def dossiers_in_every_state(rounds: int, **fields) -> list[str]:
    codes = []
    for _ in range(rounds):
        for traits in STATES:
            dossier = DossierFactory(**fields, **traits)
            DossierEventFactory(dossier=dossier)
            codes.append(dossier.code)
    return codes


def open_drafts(user, count: int) -> list[str]:
    """E-form drafts the person left open, of the procedures of their dossiers."""
    from dossiers.models import Dossier, FormDraft

    versions = [d.procedure_version for d in Dossier.objects.filter(applicant=user)[:count]]
    return [
        str(FormDraft.objects.create(user=user, procedure_version=version).pk)
        for version in versions
    ]


#: page -> the most queries it may make (session, user, locale and the page's own reads;
#: My dossiers: the list's version, the catalogue's revision, the open drafts)
CITIZEN_PAGES = {"dossiers:mine": 7, "portal:notifications": 6}


@pytest.mark.parametrize("page", sorted(CITIZEN_PAGES))
def test_a_citizens_list_pages_stay_within_budget_whatever_they_hold(
    client, citizen_a, agency_hk, page, monkeypatch
):
    monkeypatch.setattr("dossiers.views.LIST_CACHE_SECONDS", 0)  # the list read every time
    client.force_login(citizen_a)
    url = reverse(page)
    codes = dossiers_in_every_state(1, applicant=citizen_a, competent_agency=agency_hk)
    drafts = open_drafts(citizen_a, 1)
    queries(client, url)  # the session and caches warm
    few, _ = queries(client, url)
    codes += dossiers_in_every_state(3, applicant=citizen_a, competent_agency=agency_hk)
    drafts += open_drafts(citizen_a, 6)
    many, page_text = queries(client, url)
    assert many <= few <= CITIZEN_PAGES[page], (few, many)
    if page == "dossiers:mine":
        assert all(code in page_text for code in codes)
        assert len(drafts) == 7
        assert all(f'id="draft-{draft}"' in page_text for draft in drafts)


OFFICER_PAGES = {
    **{f"queue={key}": 12 for key in ("new", "processing", "approval", "supplement", "result")},
    # the finished dossiers' pages are never counted (portal.pagination.uncounted_page)
    "queue=done": 12,
    # no tab chosen: the officer's roles choose it (one query more)
    "": 13,
    "queue=processing&deadline=late": 12,
    # the open and the processed-this-month counts from their indexes, one query each (§30)
    "workload": 11,
}


@pytest.mark.parametrize("page", sorted(OFFICER_PAGES))
def test_an_officers_list_pages_stay_within_budget_whatever_they_hold(
    client, citizen_a, officer_hk, agency_hk, officer_login, page
):
    officer_login(client, officer_hk)
    if page == "workload":
        url = reverse("backoffice:workload")
    else:
        url = reverse("backoffice:queue") + ("?" + page if page else "")
    dossiers_in_every_state(1, applicant=citizen_a, competent_agency=agency_hk)
    queries(client, url)
    few, _ = queries(client, url)
    codes = dossiers_in_every_state(3, applicant=citizen_a, competent_agency=agency_hk)
    many, page_text = queries(client, url)
    assert many <= few <= OFFICER_PAGES[page], (few, many)
    if page.startswith("queue=") and page != "queue=approval":
        assert any(code in page_text for code in codes), "the queue lists the new rows"


def test_my_dossiers_is_read_once_and_shows_every_change_at_once(
    client, citizen_a, officer_hk, agency_hk, django_capture_on_commit_callbacks
):
    from dossiers.services.processing import dossier_receive

    client.force_login(citizen_a)
    url = reverse("dossiers:mine")
    dossier = DossierFactory(applicant=citizen_a, competent_agency=agency_hk)
    computed, page_text = queries(client, url)
    cached, again = queries(client, url)
    assert cached < computed, (computed, cached)
    assert dossier.code in again
    assert again.count("<tr>") == page_text.count("<tr>")
    assert 'tag-status-1"' in page_text
    with django_capture_on_commit_callbacks(execute=True):
        dossier_receive(dossier=dossier, officer=officer_hk, agency=agency_hk)
    _, page_text = queries(client, url)
    assert 'tag-status-2">Đã tiếp nhận<' in page_text
    assert 'tag-status-1"' not in page_text
    newer = DossierFactory(applicant=citizen_a, competent_agency=agency_hk)
    _, page_text = queries(client, url)
    assert newer.code in page_text


def test_the_queue_reads_its_rows_columns_once_with_the_assignee(
    client, citizen_a, officer_hk, agency_hk, officer_login
):
    """The queue loads only the columns a row shows (selectors.QUEUE_ROW_FIELDS): a column a
    row needs but the list does not load would cost a query per row, which this counts, with
    the assignee's name (a join) and the procedure's name in both languages."""
    from dossiers.models import Dossier
    from portal.models import User

    officer_login(client, officer_hk)
    colleague = User.objects.create(username="hk.colleague", full_name="Lê Thị Hoa")
    url = reverse("backoffice:queue") + "?queue=processing"
    DossierFactory(applicant=citizen_a, competent_agency=agency_hk, in_processing=True)
    queries(client, url)
    few, _ = queries(client, url)
    for _ in range(5):
        DossierFactory(
            applicant=citizen_a,
            competent_agency=agency_hk,
            in_processing=True,
            assigned_to=colleague,
            subject_name="Trần Minh An",
        )
    many, text = queries(client, url)
    assert many == few
    assert text.count("Lê Thị Hoa") >= 5
    assert "Trần Minh An" in text
    procedure = Dossier.objects.filter(assigned_to=colleague).first().procedure_version.procedure
    assert procedure.name in text
    procedure.name_en = "Registration of a birth"
    procedure.save(update_fields=["name_en"])
    client.cookies["django_language"] = "en"
    english, text = queries(client, url)
    assert english == few
    assert "Registration of a birth" in text

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


#: page -> the most queries it may make (session, user, locale and the page's own reads)
CITIZEN_PAGES = {"dossiers:mine": 6, "portal:notifications": 6}


@pytest.mark.parametrize("page", sorted(CITIZEN_PAGES))
def test_a_citizens_list_pages_stay_within_budget_whatever_they_hold(
    client, citizen_a, agency_hk, page
):
    client.force_login(citizen_a)
    url = reverse(page)
    codes = dossiers_in_every_state(1, applicant=citizen_a, competent_agency=agency_hk)
    queries(client, url)  # the session and caches warm
    few, _ = queries(client, url)
    codes += dossiers_in_every_state(3, applicant=citizen_a, competent_agency=agency_hk)
    many, page_text = queries(client, url)
    assert many <= few <= CITIZEN_PAGES[page], (few, many)
    if page == "dossiers:mine":
        assert all(code in page_text for code in codes)


OFFICER_PAGES = {
    **{f"queue={key}": 20 for key in ("new", "processing", "supplement", "result", "done")},
    "queue=processing&deadline=late": 20,
    "workload": 9,
}


@pytest.mark.parametrize("page", sorted(OFFICER_PAGES))
def test_an_officers_list_pages_stay_within_budget_whatever_they_hold(
    client, citizen_a, officer_hk, agency_hk, officer_login, page
):
    officer_login(client, officer_hk)
    if page == "workload":
        url = reverse("backoffice:workload")
    else:
        url = reverse("backoffice:queue") + "?" + page
    dossiers_in_every_state(1, applicant=citizen_a, competent_agency=agency_hk)
    queries(client, url)
    few, _ = queries(client, url)
    codes = dossiers_in_every_state(3, applicant=citizen_a, competent_agency=agency_hk)
    many, page_text = queries(client, url)
    assert many <= few <= OFFICER_PAGES[page], (few, many)
    if page.startswith("queue="):
        assert any(code in page_text for code in codes), "the queue lists the new rows"

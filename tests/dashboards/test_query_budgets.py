"""Query budgets of the dashboards and the public statistics: a ceiling, and no growth with the
number of provinces, agencies and dossiers they rank (rows made with the factories, then rolled
up as the drain does)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards.rollups import rollups_rebuild
from tests.factories import AgencyFactory, DossierFactory

from .conftest import at

pytestmark = pytest.mark.django_db

TRAITS = ({}, {"received": True}, {"returned": True}, {"refused": True})
DAYS = ("2026-02-10", "2026-03-03")


def history(agencies: int) -> list:
    made = AgencyFactory.create_batch(agencies)
    for agency in made:
        for day in DAYS:
            for traits in TRAITS:
                DossierFactory(competent_agency=agency, submitted_at=at(day), **traits)
    rollups_rebuild()
    return made


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)


#: page -> the most queries it may make. The unit pages carry the index card (issue 16 item 5):
#: +5 fixed queries of the index's catalogue, complaints and copies (its figures and the
#: previous period's come with the months in one query); the charts add none.
BUDGETS = {"national": 22, "national index": 21, "province": 21, "agency": 22, "public agency": 10}


def test_dashboards_stay_within_budget_however_many_units_they_rank(
    client, officer_login, national_official, settings
):
    settings.DASHBOARDS_PAGE_CACHE_SECONDS = 0  # the figures computed on every request
    officer_login(client, national_official)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    first = history(2)[0]

    def urls() -> dict[str, str]:
        return {
            "national": reverse("dashboards:unit_national"),
            "national index": reverse("dashboards:index_national"),
            "province": reverse("dashboards:unit", args=["province", first.province.pk]),
            "agency": reverse("dashboards:unit", args=["agency", first.pk]),
            "public agency": reverse("dashboards:public_agency", args=[first.code]),
        }

    period = "?period=2026"
    for url in urls().values():
        queries(client, url + period)  # caches warm
    few = {name: queries(client, url + period) for name, url in urls().items()}
    more = history(6)
    national = client.get(urls()["national"] + period).content.decode()
    assert all(agency.province.name in national for agency in more), "the ranking lists them"
    many = {name: queries(client, url + period) for name, url in urls().items()}
    over = {name: (few[name], BUDGETS[name]) for name in BUDGETS if few[name] > BUDGETS[name]}
    grew = {name: (few[name], many[name]) for name in BUDGETS if many[name] > few[name]}
    assert not over, f"over budget (queries, budget): {over}"
    assert not grew, f"grows with the units ranked (few, many): {grew}"


def test_a_dashboards_figures_are_computed_once_per_cache_period_and_language(
    client, officer_login, national_official, settings
):
    from django.core.cache import cache

    settings.DASHBOARDS_PAGE_CACHE_SECONDS = 30
    officer_login(client, national_official)
    first = history(1)[0]
    url = reverse("dashboards:unit_national") + "?period=2026"
    computed = queries(client, url)
    cached = queries(client, url)
    assert cached < computed - 5, (computed, cached)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert queries(client, url) == computed, "English has its own figures"
    more = history(1)
    page = client.get(url).content.decode()
    assert more[0].province.name not in page, "within the cache period the figures stay"
    cache.clear()  # the cache period is over
    page = client.get(url).content.decode()
    assert more[0].province.name in page
    assert first.province.name in page

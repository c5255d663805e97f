"""Browse the catalogue by facets (GET, no JavaScript), with counts and bilingual labels."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from django.conf import settings
from django.urls import reverse

from procedures.selectors import CatalogueFilters, catalogue_facets, procedure_search
from procedures.services import DATA_DIR

URL = reverse("procedures:catalogue")


def _files() -> list[dict]:
    return [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(DATA_DIR.glob("[0-9].*.json"))
    ]


def _codes(**filters) -> set[str]:
    return set(procedure_search("", CatalogueFilters(**filters)).values_list("code", flat=True))


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.django_db
def test_each_filter_selects_what_the_data_says(real_catalogue):
    files = _files()
    assert _codes(life_event="having_a_baby") == {
        d["code"] for d in files if "having_a_baby" in d.get("life_events", [])
    }
    assert _codes(audience="business") == {
        d["code"] for d in files if "business" in d.get("applicant_types", [])
    }
    assert _codes(essential=True) == {d["code"] for d in files if d.get("essential_service")}
    assert _codes(ministry="000.00.00.G15") == {
        d["code"] for d in files if d.get("ministry") == "000.00.00.G15"
    }
    assert _codes(sector="HOTICH") == {d["code"] for d in files if d["sector"]["code"] == "HOTICH"}
    by_kind = {
        d["code"]
        for d in files
        if any(
            level["competent_agency_kind"] == "social_insurance"
            for level in d["versions"][-1]["levels"]
        )
    }
    assert _codes(agency="social_insurance") == by_kind
    assert _codes(level=0) == {
        d["code"] for d in files if any(lv["level"] == 0 for lv in d["versions"][-1]["levels"])
    }


@pytest.mark.django_db
def test_filters_combine(real_catalogue):
    both = _codes(life_event="having_a_baby", agency="social_insurance")
    assert both == _codes(life_event="having_a_baby") & _codes(agency="social_insurance")
    assert both  # the health-insurance card for a child, the birth bundle
    assert _codes(life_event="having_a_baby", audience="business") == set()


@pytest.mark.django_db
def test_facet_counts_keep_the_other_filters(real_catalogue):
    files = _files()
    facets = {f.name: f for f in catalogue_facets("", CatalogueFilters())}
    expected = Counter(event for d in files for event in d.get("life_events", []))
    assert {o.value: o.count for o in facets["life_event"].options} == dict(expected)

    filters = CatalogueFilters(agency="commune_police")
    facets = {f.name: f for f in catalogue_facets("", filters)}
    for option in facets["life_event"].options:
        assert option.count == len(_codes(agency="commune_police", life_event=option.value))
    # the facet's own options still show what choosing another kind would give
    kinds = {o.value: o.count for o in facets["agency"].options}
    assert kinds["commune_committee"] == len(_codes(agency="commune_committee"))
    assert next(o for o in facets["agency"].options if o.value == "commune_police").selected


@pytest.mark.django_db
def test_facet_counts_follow_the_search(real_catalogue):
    facets = {f.name: f for f in catalogue_facets("khai sinh", CatalogueFilters())}
    found = set(procedure_search("khai sinh").values_list("code", flat=True))
    assert sum(o.count for o in facets["audience"].options) >= len(found) > 0
    citizen = next(o for o in facets["audience"].options if o.value == "citizen")
    assert citizen.count == len(found & _codes(audience="citizen"))


@pytest.mark.django_db
def test_page_browse_by_life_event_in_english(real_catalogue, english):
    response = english.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Browse by life event" in body
    assert "Having a baby" in body
    assert 'href="?life_event=having_a_baby"' in body

    response = english.get(URL, {"life_event": "having_a_baby", "agency": "social_insurance"})
    body = response.content.decode()
    for procedure in response.context["page"].object_list:
        assert procedure.name_en in body  # English names of the catalogue data
    assert len(response.context["page"].object_list) == len(
        _codes(life_event="having_a_baby", agency="social_insurance")
    )
    # active filters can be removed one by one, keeping the other
    assert 'href="?agency=social_insurance"' in body
    assert '<details class="filters-panel" open>' in body


@pytest.mark.django_db
def test_page_search_and_filter_together(real_catalogue, english):
    response = english.get(URL, {"q": "dang ki khai xinh", "level": "3"})
    assert response.status_code == 200
    codes = [p.code for p in response.context["page"].object_list]
    assert codes[0] == "1.001193"
    assert 'value="dang ki khai xinh"' in response.content.decode()


@pytest.mark.django_db
def test_an_invalid_filter_is_reported_and_the_rest_still_works(real_catalogue, english):
    response = english.get(URL, {"q": "khai sinh", "level": "9", "ministry": "nope"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<title>Error: " in body
    assert 'href="#id_level"' in body
    assert "Choose a ministry from the list." in body
    assert 'value="khai sinh"' in body  # what was typed is kept
    assert response.context["page"].paginator.count > 0


@pytest.mark.django_db
def test_nothing_found_says_what_to_do(real_catalogue, english):
    body = english.get(URL, {"q": "qqqzzz wwwxxx"}).content.decode()
    assert "No procedure matches." in body
    assert "18001096" in body


@pytest.mark.django_db
def test_list_page_queries_are_bounded(real_catalogue, english, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        english.get(URL, {"life_event": "moving_house"})
    with django_assert_max_num_queries(20):
        english.get(URL, {"q": "dang ky thuong tru", "audience": "citizen"})


@pytest.mark.django_db
def test_api_search_and_filters(real_catalogue, client):
    response = client.get("/api/procedures/", {"q": "doi bang lai xe"})
    assert response.status_code == 200
    first = response.json()["results"][0]
    assert first["code"] == "3.000347"
    assert first["life_events"] == ["vehicles_and_driving"]
    assert first["ministry"] == "000.00.00.G01"
    response = client.get(
        "/api/procedures/", {"life_event": "having_a_baby", "audience": "citizen"}
    )
    assert {r["code"] for r in response.json()["results"]} == _codes(
        life_event="having_a_baby", audience="citizen"
    )
    response = client.get("/api/procedures/", {"level": "nine"})
    assert response.status_code == 400
    assert "level" in response.json() or "level" in json.dumps(response.json())

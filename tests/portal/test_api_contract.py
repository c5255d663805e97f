"""What the API answers where its schema used to disagree (docs/api/openapi.yaml, kept true by
tests/security/test_api_fuzz.py): page numbers, query parameters, 404s in JSON."""

from __future__ import annotations

import pytest
from django.conf import settings

from procedures.models import Sector

pytestmark = pytest.mark.django_db

CATALOGUE = "/api/procedures/"


def _invalid_page(response) -> bool:
    return (
        response.status_code == 404
        and response["Content-Type"] == "application/json"
        and set(response.json()) == {"detail"}
    )


@pytest.mark.parametrize("page", ["0", "-1", "last", "٣", "\uff13", "1.0", " 1", "9" * 5000, "2"])
def test_a_page_that_is_not_a_page_of_the_results_is_drfs_404(client, birth_version, page):
    assert _invalid_page(client.get(CATALOGUE, {"page": page}))


def test_page_one_empty_or_absent_is_the_first_page(client, birth_version):
    for query in ({}, {"page": ""}, {"page": "1"}):
        response = client.get(CATALOGUE, query)
        assert response.status_code == 200
        assert [p["code"] for p in response.json()["results"]] == ["1.001193"]


def test_a_page_given_twice_is_a_404(client, birth_version):
    assert _invalid_page(client.get(f"{CATALOGUE}?page=1&page=1"))


def test_an_address_of_no_operation_under_api_is_a_json_404(client, birth_version):
    for path in ("/api/procedures/abc/", "/api/procedures/1.001193x/", "/api/nothing/"):
        response = client.get(path)
        assert response.status_code == 404
        assert set(response.json()) == {"detail"}
    page = client.get("/no-such-page/")  # elsewhere, the page of the site
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "query",
    [
        {"level": "2"},  # the district level no longer exists
        {"level": "٣"},
        {"level": "x"},
        {"agency": "ministryx"},
        {"audience": "alien"},
        {"essential": "AAA"},
        {"q": "x" * 201},
    ],
)
def test_a_filter_outside_its_values_is_a_400_naming_it(client, birth_version, query):
    response = client.get(CATALOGUE, query)
    assert response.status_code == 400
    assert set(response.json()) == set(query)
    assert all(isinstance(m, str) for m in next(iter(response.json().values())))


def test_a_filter_given_twice_is_a_400(client, birth_version):
    response = client.get(f"{CATALOGUE}?level=3&level=1")
    assert response.status_code == 400
    assert set(response.json()) == {"level"}
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    response = client.get(f"{CATALOGUE}?level=3&level=1")
    assert response.json() == {"level": ["Chỉ gửi tham số này một lần."]}


def test_an_empty_filter_is_no_filter(client, birth_version):
    query = dict.fromkeys(
        ["q", "level", "sector", "agency", "ministry", "audience", "essential"], ""
    )
    response = client.get(CATALOGUE, {**query, "life_event": ""})
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_reference_data_that_matches_nothing_gives_no_result(client, birth_version):
    """A sector, ministry or life event is a code of data that changes: one that matches no
    procedure gives an empty page, not an error."""
    assert Sector.objects.exists()
    for query in ({"sector": "NOPE"}, {"ministry": "000.00.00.G99"}, {"life_event": "nope"}):
        response = client.get(CATALOGUE, query)
        assert response.status_code == 200, query
        assert response.json()["count"] == 0
    assert client.get(CATALOGUE, {"level": "3", "essential": "true"}).status_code == 200

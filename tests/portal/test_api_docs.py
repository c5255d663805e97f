"""The API schema and its docs are served by the portal itself, with no asset from a CDN."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_schema_lists_catalogue_and_tracking(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/procedures/" in paths
    assert "/api/procedures/{code}/" in paths
    assert "/api/tracking/" in paths


def test_swagger_ui_loads_only_local_assets(client):
    body = client.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', body)
    assert assets, "the docs page references its assets"
    for asset in assets:
        assert asset.startswith("/"), asset


def test_catalogue_api(client, birth_version):
    listing = client.get("/api/procedures/?q=khai sinh").json()
    assert [p["code"] for p in listing["results"]] == ["1.001193"]
    detail = client.get("/api/procedures/1.001193/").json()
    assert detail["version"]["online_level"] == "full"
    assert detail["version"]["cases"][0]["components"][1]["code"] == "GCS"
    assert client.get("/api/procedures/9.999999/").status_code == 404

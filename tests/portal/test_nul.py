"""A NUL character anywhere a person or a system can put one is a 400 before any view runs
(PostgreSQL refuses it in text: it ended in a 500), in the person's language."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url", ["/procedures/%00/", "/dossiers/1%002/", "/procedures/?q=a%00b", "/track/?x%00=1"]
)
def test_nul_in_the_path_or_the_query_is_a_400_page(client, birth_version, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("language", "title"),
    [("en", "The request could not be read"), ("vi", "Không đọc được yêu cầu")],
)
def test_the_400_page_speaks_the_persons_language(client, birth_version, language, title):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get("/procedures/%00/").content.decode()
    assert title in page
    assert f'<html lang="{language}">' in page


def test_nul_under_api_is_a_json_400(client, birth_version):
    for url in ("/api/procedures/?q=%00", "/api/interop/dossiers/%00/", "/api/procedures/%00/"):
        response = client.get(url)
        assert response.status_code == 400
        assert set(response.json()) == {"detail"}


def test_the_api_refusal_speaks_the_persons_language(client, birth_version):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    response = client.get("/api/procedures/?q=%00")
    assert response.json() == {"detail": "Yêu cầu không được chứa ký tự NUL."}


def test_nul_in_a_posted_form_is_a_400_urlencoded_or_multipart(client, birth_version):
    data = {"code": "00070.00.H01-261203-0001\x00", "id_last4": "2345"}
    encoded = client.post(
        "/track/", urlencode(data), content_type="application/x-www-form-urlencoded"
    )
    assert encoded.status_code == 400
    assert client.post("/track/", data).status_code == 400  # multipart


def test_a_csrf_exempt_view_reads_its_own_body(client, db):
    """The payment platform's callback is checked as signed bytes by its own view."""
    response = client.post(
        "/payments/callback/", "a=\x00", content_type="application/x-www-form-urlencoded"
    )
    assert response["Content-Type"] == "application/json"
    assert 400 <= response.status_code < 500


def test_a_form_without_nul_goes_on(client, birth_version):
    assert client.get("/procedures/?q=khai%20sinh").status_code == 200

"""Whole public pages cached for visitors who are not signed in (portal/pagecache.py): served
without a query, each with the visitor's own CSRF token, per language, forgotten on any change
of the catalogue, and never for a signed-in person or a visitor with a message waiting."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.pagecache import CSRF_PLACEHOLDER
from procedures.models import Procedure
from procedures.selectors import catalogue_changed

PAGES = [
    "/",
    "/procedures/",
    "/procedures/?q=dang+ky+khai+sinh",
    "/procedures/?life_event=having_a_baby&audience=citizen",
    "/procedures/1.001193/",
]
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _get(client: Client, url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert CSRF_PLACEHOLDER not in body
    return body, len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_a_public_page_is_served_again_without_a_query_and_identical_but_for_the_token(
    real_catalogue, client, url
):
    first, first_queries = _get(client, url)
    again, again_queries = _get(client, url)
    assert first_queries > 0
    assert again_queries == 0
    assert TOKEN.sub("", first) == TOKEN.sub("", again)
    tokens = TOKEN.findall(first) + TOKEN.findall(again)
    assert tokens, "the language switch carries a token"
    assert len(set(TOKEN.findall(first))) == 1  # one token per page, as Django renders it


@pytest.mark.django_db
def test_the_token_of_a_cached_page_is_the_visitors_own_and_accepted(real_catalogue):
    warm = Client(enforce_csrf_checks=True)
    _get(warm, "/procedures/")  # cached by someone else
    visitor = Client(enforce_csrf_checks=True)
    body, queries = _get(visitor, "/procedures/")
    assert queries == 0
    token = TOKEN.search(body).group(1)
    response = visitor.post(
        reverse("set_language"),
        {"language": "en", "next": "/procedures/", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert visitor.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    # Someone else's token from the same cached page is refused.
    stranger = Client(enforce_csrf_checks=True)
    stranger.get("/procedures/")
    refused = stranger.post(
        reverse("set_language"),
        {"language": "en", "next": "/", "csrfmiddlewaretoken": token},
    )
    assert refused.status_code == 403


@pytest.mark.django_db
def test_each_language_has_its_own_page(real_catalogue, client):
    vietnamese, _ = _get(client, "/procedures/1.001193/")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english, queries = _get(client, "/procedures/1.001193/")
    assert queries > 0  # not the Vietnamese page from the cache
    assert "Đăng ký khai sinh" in vietnamese
    assert 'lang="vi"' in vietnamese
    assert "Birth registration" in english
    assert 'lang="en"' in english


@pytest.mark.django_db
def test_a_change_to_the_catalogue_is_shown_at_once(real_catalogue, client):
    before, _ = _get(client, "/procedures/1.001193/")
    Procedure.objects.filter(code="1.001193").update(name="Đăng ký khai sinh (sửa đổi)")
    catalogue_changed()  # what the loader and the admin do after a change
    after, queries = _get(client, "/procedures/1.001193/")
    assert queries > 0
    assert "(sửa đổi)" not in before
    assert "(sửa đổi)" in after


@pytest.mark.django_db
def test_a_signed_in_person_gets_their_own_page(real_catalogue, client, citizen_a):
    _get(client, "/procedures/")  # the anonymous page is cached
    client.force_login(citizen_a)
    body, queries = _get(client, "/procedures/")
    assert queries > 0
    assert citizen_a.display_name in body
    assert reverse("dossiers:mine") in body


@pytest.mark.django_db
def test_a_waiting_message_is_shown_not_skipped_by_the_cache(real_catalogue, client, rf):
    _get(client, "/procedures/")
    request = rf.get("/")
    storage = CookieStorage(request)
    storage.add(message_levels.SUCCESS, "Đã lưu hồ sơ nháp của bạn.")
    response = client.get("/")  # any response to carry the cookie
    storage.update(response)
    client.cookies[storage.cookie_name] = response.cookies[storage.cookie_name].value
    body, queries = _get(client, "/procedures/")
    assert "Đã lưu hồ sơ nháp của bạn." in body
    assert queries > 0
    _, queries = _get(client, "/procedures/")  # shown once, then the cached page again
    assert queries == 0


@pytest.mark.django_db
def test_addresses_the_catalogue_does_not_know_are_not_cached(real_catalogue, client):
    for url in (
        "/procedures/?utm_source=zalo",
        "/procedures/?q=a&q=b",
        "/procedures/?q=" + "x" * 201,
    ):
        _get(client, url)
        _, queries = _get(client, url)
        assert queries > 0, url


@pytest.mark.django_db
def test_an_unknown_procedure_is_a_404_every_time(real_catalogue, client):
    for _ in range(2):
        assert client.get("/procedures/9.999999/").status_code == 404

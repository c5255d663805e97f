"""Errors are pages of the portal in the person's language, never Django's bare English ones."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.utils import translation
from django.views import defaults

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "title"),
    [("en", "Page not found"), ("vi", "Không tìm thấy trang")],
)
def test_an_unknown_address_is_the_portal_404_in_the_person_language(client, language, title):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert title in html
    assert "18001096" in html  # the help line
    assert "Not Found</h1>" not in html


@pytest.mark.parametrize(
    ("view", "status", "title"),
    [
        (defaults.bad_request, 400, "The request could not be read"),
        (defaults.permission_denied, 403, "You cannot do this here"),
        (defaults.server_error, 500, "Sorry, there is a problem with the service"),
    ],
)
def test_400_403_and_500_are_portal_pages(view, status, title):
    request = RequestFactory().get("/")
    with translation.override("en"):
        response = view(request) if view is defaults.server_error else view(request, Exception())
    assert response.status_code == status
    html = response.content.decode()
    assert title in html
    assert "18001096" in html


def test_a_form_without_its_csrf_token_gets_the_portal_403(citizen_a):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(citizen_a)
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = browser.post("/feedback/complaints/new/", {"content": "kept"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "You cannot do this here" in html
    assert "CSRF verification failed" not in html

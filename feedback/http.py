"""Typing of requests in views that require a signed-in user (django-stubs' documented way)."""

from __future__ import annotations

from django.http import HttpRequest

from portal.models import User


class AuthedRequest(HttpRequest):
    user: User

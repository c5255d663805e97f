"""Shared pieces of the REST API."""

from __future__ import annotations

from django_ratelimit.exceptions import Ratelimited
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's handler, with rate limiting answered as 429 rather than 403."""
    if isinstance(exc, Ratelimited):
        return Response(
            {"detail": "Too many requests. Try again in a minute."},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": "60"},
        )
    return drf_exception_handler(exc, context)

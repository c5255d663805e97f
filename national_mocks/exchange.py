"""The data exchange platform side shared by every mocked registry: signed requests.

`@require_signature` wraps a view so that only registered clients reach it (401 JSON with
a reason otherwise). The cryptography itself is in `request_signing`, which the
portal's client uses too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import cache

from django.http import HttpRequest, HttpResponse, JsonResponse

import request_signing as signing

from .config import CONFIG


@cache
def registered_clients() -> dict[str, str]:
    return signing.parse_clients(CONFIG.clients)


@cache
def nonce_cache() -> signing.NonceCache:
    """One cache per process: with several workers, replay protection is best-effort."""
    return signing.NonceCache(ttl_seconds=2 * CONFIG.max_skew_seconds + 5)


def check_signature(request: HttpRequest) -> str:
    """The calling client's id; raise signing.SignatureError if the request is not signed."""
    return signing.verify(
        method=request.method or "GET",
        path=request.get_full_path(),
        headers=request.headers,
        body=request.body,
        clients=registered_clients(),
        nonce_cache=nonce_cache(),
        max_skew=CONFIG.max_skew_seconds,
    )


def require_signature(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            request.national_client_id = check_signature(request)  # type: ignore[attr-defined]
        except signing.SignatureError as exc:
            response = JsonResponse({"error": "unauthorized", "reason": exc.reason}, status=401)
            response["WWW-Authenticate"] = 'HMAC realm="national-data-exchange"'
            return response
        return view(request, *args, **kwargs)

    return wrapper

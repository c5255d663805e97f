"""Whole public pages cached for people who are not signed in.

A page of the public catalogue is the same for every visitor who is not signed in, except for
the CSRF token of its forms (the language switch, "Start online"). :func:`anonymous_page`
caches the rendered page per address, language, day and *version* (a string the caller
supplies, e.g. the catalogue's revision, which changes on every change of what the page
shows), with a placeholder where the token goes; every response, hit or miss, gets the
visitor's own token in its place (``get_token``, which also sets the CSRF cookie as rendering
the tag would).

Never cached: a signed-in person's page, a request with messages waiting to be shown, any
method but GET and HEAD, a response that is not a 200, sets a cookie, changes the session or
says ``Cache-Control: private`` or ``no-store``. The page is keyed by the whole address
(path and query string), so a caller that accepts arbitrary query strings should pass
``cacheable`` to refuse the ones it does not know: the cache is bounded by its timeout and
the cache server's eviction (docker-compose.yml's Redis: ``maxmemory`` with ``volatile-lru``,
which evicts cache entries, never the broker's queued tasks).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.response import SimpleTemplateResponse
from django.utils import timezone
from django.utils.translation import get_language

#: Put in the page instead of the CSRF token while a cacheable page renders (see
#: :func:`context_processor`); never reaches a visitor.
CSRF_PLACEHOLDER = "pagecache0csrf0placeholder0a81f9c2d7"
_PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode()
_RENDERING = "_pagecache_rendering"


def context_processor(request: HttpRequest) -> dict[str, Any]:
    """Template context processor (after Django's own csrf one): the placeholder instead of
    the token while :func:`anonymous_page` renders a page it will cache."""
    if getattr(request, _RENDERING, False):
        return {"csrf_token": CSRF_PLACEHOLDER}
    return {}


def _eligible(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    user = getattr(request, "user", None)
    if user is None or user.is_authenticated:
        return False
    return len(get_messages(request)) == 0  # len() does not mark them as shown


def _key(request: HttpRequest, version: str) -> str:
    parts = "\n".join(
        [
            version,
            get_language() or "",
            timezone.localdate().isoformat(),
            request.scheme or "",
            request.get_host(),
            request.get_full_path(),
        ]
    )
    return "pagecache:" + hashlib.sha256(parts.encode()).hexdigest()


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "")
    if "private" in cache_control or "no-store" in cache_control:
        return False
    session = getattr(request, "session", None)
    return not (session is not None and session.modified)


def _with_token(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if _PLACEHOLDER_BYTES in response.content:
        response.content = response.content.replace(_PLACEHOLDER_BYTES, get_token(request).encode())
    return response


def anonymous_page(
    *,
    version: Callable[[], str],
    timeout: int,
    cacheable: Callable[[HttpRequest], bool] | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view whose page, for anyone not signed in, depends only on its address, the
    language, the day and ``version()``; cache it for ``timeout`` seconds."""
    from django.core.cache import cache

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not _eligible(request) or (cacheable is not None and not cacheable(request)):
                return view(request, *args, **kwargs)
            key = _key(request, version())
            entry = cache.get(key)
            if entry is not None:
                content_type, content = entry
                return _with_token(request, HttpResponse(content, content_type=content_type))
            setattr(request, _RENDERING, True)
            try:
                response = view(request, *args, **kwargs)
                if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                    response.render()
            finally:
                setattr(request, _RENDERING, False)
            if _storable(request, response):
                cache.set(key, (response["Content-Type"], response.content), timeout)
            return _with_token(request, response)

        return wrapper

    return decorator

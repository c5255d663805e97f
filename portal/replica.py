"""Reads from a streaming replica (issue 12 part 2).

Only the reads that tolerate a little lag go to the replica: a view says so with
:func:`reads_may_lag` (the public catalogue, public statistics, dashboards and their exports,
a person's list of dossiers, an officer's queue). Everything else, every write, every read in
a transaction, and the accounts, sessions and sign-in tables, stays on the primary.

Read-your-writes: :class:`ReplicaPinningMiddleware` sends every read of a request to the
primary when the request writes (any method but GET/HEAD/OPTIONS/TRACE, or a write seen by
the router) and for ``REPLICA_PIN_SECONDS`` afterwards, through a cookie (the way
django-multidb-router pins). :func:`pin_all_reads` does the same for everyone, for the
catalogue after an edit, so that no page is cached from a replica that has not seen it yet.

Fallback: a replica that cannot be reached (refused, timed out, broken) is marked down for
``REPLICA_RETRY_SECONDS`` in this process and the reads go to the primary, logged; a view
whose replica connection broke mid-way runs again on the primary (the views marked here only
read). The connection's ``connect_timeout`` (``DATABASE_REPLICA_CONNECT_TIMEOUT``) bounds the
one request that finds it down.

Without ``DATABASE_REPLICA_URL`` (``REPLICA_DATABASE`` is None) nothing changes: every read
goes to ``default``. Migrations never run on the replica.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

#: The cookie that pins a browser's reads to the primary after it wrote.
PIN_COOKIE = "portal_pin_primary"
#: Never read from the replica: who is signed in, their session, second factor, lockouts.
PRIMARY_ONLY_APPS = frozenset(
    {"sessions", "auth", "portal", "otp_totp", "otp_static", "django_otp", "axes", "admin"}
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_GLOBAL_PIN_KEY = "portal:replica:pinned-until"


@dataclass
class _RequestState:
    pinned: bool
    wrote: bool = False
    global_pin_checked: bool = False


_lag_ok: ContextVar[bool] = ContextVar("portal_replica_lag_ok", default=False)
_request: ContextVar[_RequestState | None] = ContextVar("portal_replica_request", default=None)
#: alias -> time.monotonic() until which the replica is not tried again in this process
_down_until: dict[str, float] = {}


def replica_alias() -> str | None:
    """The replica's alias when one is configured, else None."""
    alias = getattr(settings, "REPLICA_DATABASE", None)
    if alias and alias in connections.settings:
        return str(alias)
    return None


def mark_down(alias: str, exc: BaseException) -> None:
    seconds = float(getattr(settings, "REPLICA_RETRY_SECONDS", 30))
    _down_until[alias] = time.monotonic() + seconds
    logger.warning(
        "replica %r unavailable (%s: %s): reads go to the primary for %.0f s",
        alias,
        type(exc).__name__,
        str(exc).strip().splitlines()[0] if str(exc).strip() else "",
        seconds,
    )
    try:
        connections[alias].close()
    except DatabaseError:
        connections[alias].connection = None


def replica_is_usable(alias: str) -> bool:
    """False while the replica is marked down; otherwise connect if needed (bounded by the
    connect_timeout) and mark it down if that fails. An open connection is trusted: if it
    broke, :func:`reads_may_lag` sees the error and runs the view again on the primary."""
    if _down_until.get(alias, 0.0) > time.monotonic():
        return False
    connection = connections[alias]
    if connection.connection is not None:
        return True
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        mark_down(alias, exc)
        return False
    _down_until.pop(alias, None)
    return True


def pin_all_reads(seconds: float | None = None) -> None:
    """Send every lag-tolerant read of every process to the primary for a while (after a
    change that pages are cached from, e.g. the catalogue's revision)."""
    if replica_alias() is None:
        return
    seconds = float(settings.REPLICA_PIN_SECONDS if seconds is None else seconds)
    cache.set(_GLOBAL_PIN_KEY, time.time() + seconds, int(seconds) + 1)


def _pinned() -> bool:
    state = _request.get()
    if state is None:
        return False
    if state.pinned:
        return True
    if not state.global_pin_checked:
        state.global_pin_checked = True
        until = cache.get(_GLOBAL_PIN_KEY)
        state.pinned = until is not None and float(until) > time.time()
    return state.pinned


class ReplicaRouter:
    """DATABASE_ROUTERS entry: lag-tolerant reads to the replica, everything else to default."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        alias = replica_alias()
        if (
            alias is None
            or not _lag_ok.get()
            or model._meta.app_label in PRIMARY_ONLY_APPS
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
            or _pinned()
            or not replica_is_usable(alias)
        ):
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        state = _request.get()
        if state is not None and model._meta.app_label not in PRIMARY_ONLY_APPS:
            state.wrote = True
            state.pinned = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool:
        return db == DEFAULT_DB_ALIAS


def _replica_failed(alias: str) -> bool:
    connection = connections[alias]
    return bool(connection.errors_occurred) or (
        connection.connection is not None and not connection.is_usable()
    )


_View = TypeVar("_View", bound=Callable[..., Any])


def reads_may_lag(view: _View) -> _View:
    """Decorate a view that only reads and may show data a second old: its reads go to the
    replica (unless pinned). If the replica fails mid-way, the view runs again on the primary."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = _lag_ok.set(True)
        try:
            return view(request, *args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            alias = replica_alias()
            if alias is None or not _replica_failed(alias):
                raise
            mark_down(alias, exc)
            _lag_ok.set(False)
            return view(request, *args, **kwargs)
        finally:
            _lag_ok.reset(token)

    return cast(_View, wrapper)


class ReplicaPinningMiddleware:
    """Pins a request's reads to the primary when it writes or carries the pin cookie, and
    sets the cookie (``REPLICA_PIN_SECONDS``) on a response to a request that wrote."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if replica_alias() is None:
            return self.get_response(request)
        unsafe = request.method not in SAFE_METHODS
        state = _RequestState(pinned=unsafe or PIN_COOKIE in request.COOKIES)
        token = _request.set(state)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        if unsafe or state.wrote:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=int(settings.REPLICA_PIN_SECONDS),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

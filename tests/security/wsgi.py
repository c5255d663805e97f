"""The portal's WSGI application for in-process HTTP tests (schemathesis's WSGI transport)."""

from __future__ import annotations

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from tests.security.postgres_like import own_transaction, postgres_like


class InProcessApp:
    """Django's WSGI handler as Django's test client runs it: the test's database connection
    (and its transaction) is not closed at the end of each request, and the request has a
    client address, as every WSGI server gives one. Each request runs in its own savepoint,
    with what PostgreSQL refuses refused on SQLite too (tests/security/postgres_like.py)."""

    requests = 0

    def __init__(self) -> None:
        self._handler: WSGIHandler | None = None

    def __call__(self, environ, start_response):
        environ.setdefault("REMOTE_ADDR", "127.0.0.1")
        if self._handler is None:
            self._handler = WSGIHandler()
        type(self).requests += 1
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            with own_transaction(), postgres_like():
                result = self._handler(environ, start_response)
                try:
                    body = b"".join(result)
                finally:
                    if hasattr(result, "close"):
                        result.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return [body]

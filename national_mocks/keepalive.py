"""HTTP/1.1 keep-alive for the mocked services.

Django's development server (the one `python -m national_mocks` runs) closes the connection
after any answer without a Content-Length, so every lookup of a client paid a new TCP
connection (and a new server thread), unlike the real registries behind the data exchange.
This middleware sets Content-Length on every complete (non-streaming) answer, which lets the
threaded server keep the connection open for the client's next request.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase


def content_length(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    def middleware(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        if not response.streaming and not response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))  # type: ignore[attr-defined]
        return response

    return middleware

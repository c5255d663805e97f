"""Requests refused before any view reads them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .api import API_PREFIX
from .object_storage import storage_unavailable

logger = logging.getLogger(__name__)

NUL = "\x00"


def _contains_nul(pairs: Iterable[tuple[str, list[str]]]) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in pairs)


class RefuseNulMiddleware:
    """A NUL character in the path, the query string or a posted form: a 400 in the person's
    language (JSON under /api/), before any view runs.

    No code, search or text of the portal contains one, and PostgreSQL refuses it in any text
    (psycopg2 raises ValueError): without this, `/dossiers/%00/`, `?q=%00` or a sign-in with
    a NUL in the user name reached a query and ended in a 500.

    A form's body is read where CsrfViewMiddleware reads it anyway (a POST to a view that is
    not csrf_exempt). The csrf_exempt views read their body themselves: the API through its
    serializers (which refuse NUL), the payment callback as signed bytes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path_info or _contains_nul(request.GET.lists()):
            return bad_request(request)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if request.method != "POST" or getattr(view_func, "csrf_exempt", False):
            return None
        if _contains_nul(request.POST.lists()):  # (Django drops it from file names)
            return bad_request(request)
        return None


def bad_request(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            {"detail": _("A NUL character is not allowed in a request.")}, status=400
        )
    return render(request, "400.html", status=400)  # the portal's 400 page


class StorageUnavailableMiddleware:
    """The object store not answering (production's S3 bucket down or unreachable) during a
    request: a 503 page in the person's language that says what happened and that what they
    entered is kept (the wizard saves its draft before the error comes here, see
    dossiers.wizard_storage.DraftStorage.set_step_files), instead of the generic 500; JSON under
    /api/. A store that answers with a refusal (4xx) is a defect and stays a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not storage_unavailable(exception):
            return None
        logger.warning(
            "object storage unavailable during %s %s: %s",
            request.method,
            request.path,
            exception,
        )
        if request.path.startswith(API_PREFIX):
            response: HttpResponse = JsonResponse(
                {"detail": _("The document store is not answering. Try again in a few minutes.")},
                status=503,
            )
        else:
            response = render(request, "portal/storage_unavailable.html", status=503)
        response["Retry-After"] = "60"
        return response

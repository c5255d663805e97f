"""The portal's URLs plus /bench/bare/, a view that does nothing (only the bench uses this)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from web.urls import urlpatterns as portal_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), *portal_urlpatterns]

"""Service-wide views: index, health, JSON error pages."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from .config import CONFIG
from .faults import SERVICES, is_down


def index(request: HttpRequest) -> JsonResponse:
    base = CONFIG.base_url
    return JsonResponse(
        {
            "service": "national mocks (demo)",
            "health": f"{base}/health",
            "population": f"{base}/population/v1/citizens/<identification_number>",
            "business": f"{base}/business/v1/enterprises/<enterprise_code>",
            "insurance": f"{base}/insurance/v1/people/<identification_number>",
            "vehicles": f"{base}/transport/v1/people/<identification_number>/vehicles",
            "edocuments": f"{base}/documents/v1/owners/<owner>/documents",
            "sso": f"{CONFIG.issuer}/.well-known/openid-configuration",
            "payment": f"{base}/payment/v1/init",
        }
    )


def health(request: HttpRequest) -> JsonResponse:
    """Always 200 while the process serves; says which mocked services are switched off."""
    return JsonResponse(
        {
            "status": "ok",
            "services": {name: "down" if is_down(name) else "up" for name in SERVICES},
        }
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"error": "not_found"}, status=404)


def server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"error": "server_error"}, status=500)

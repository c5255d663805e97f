"""Per-service fault injection for load tests: delay, jitter, random errors, outage.

Each mocked registry is a named service (SERVICES: "population", "sso", "ministry",
"business", "insurance", "vehicles" (vehicles and driving licences), "edocuments",
"payment"); `NATIONAL_MOCKS_DOWN` lists the ones that answer 503; `NATIONAL_MOCKS_SERVICE_DELAYS`
gives some of them a delay of their own (else `NATIONAL_MOCKS_DELAY_MS`).
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from .config import CONFIG, SERVICES

_rng = random.SystemRandom()

__all__ = ["SERVICES", "inject_faults", "is_down", "national_service", "unavailable"]


def is_down(service: str) -> bool:
    down = CONFIG.down
    return service in down or "all" in down


def unavailable(service: str) -> JsonResponse:
    response = JsonResponse({"error": "service_unavailable", "service": service}, status=503)
    response["Retry-After"] = "30"
    return response


def inject_faults(service: str) -> HttpResponse | None:
    """Sleep as configured; return a 503 response if the call should fail, else None."""
    delay_ms = float(CONFIG.delay_for(service))
    if CONFIG.jitter_ms > 0:
        delay_ms += _rng.uniform(0, CONFIG.jitter_ms)
    if delay_ms > 0:
        time.sleep(delay_ms / 1000)
    if is_down(service):
        return unavailable(service)
    rate = CONFIG.error_rate
    if rate > 0 and _rng.random() < rate:
        return unavailable(service)
    return None


def national_service(service: str) -> Callable:
    """Decorate a view of the named service with the configured faults."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            return inject_faults(service) or view(request, *args, **kwargs)

        return wrapper

    return decorator

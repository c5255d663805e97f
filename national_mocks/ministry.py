"""Mock of a ministry's own system that receives the portal's dossier webhooks.

- `POST /ministry/v1/dossiers`: checks the signature the way docs/interop.md tells a real
  receiver to (its own implementation, not the portal's code), refuses a stale timestamp,
  answers 202 for a new delivery and 200 for one it already has (deduplicated by
  `X-Portal-Delivery`). Fault injection: service name "ministry" (`NATIONAL_MOCKS_DOWN`,
  `NATIONAL_MOCKS_ERROR_RATE`, `NATIONAL_MOCKS_DELAY_MS`).
- `GET /ministry/v1/received`: what it received, oldest first (for tests and the demo);
  `?delivery=<id>` filters by delivery id.

Environment: `NATIONAL_MOCKS_MINISTRY_SECRET` (default "demo-ministry-webhook-secret"), the
secret the portal's agency is configured with. What it receives is kept in memory (one
process), as a mock may.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
import time
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from .config import CONFIG
from .faults import national_service

DEFAULT_SECRET = "demo-ministry-webhook-secret"  # noqa: S105 - demo default, overridable
MAX_KEPT = 1000

_lock = threading.Lock()
_received: list[dict[str, Any]] = []
_duplicates: dict[str, int] = {}


def ministry_secret() -> str:
    return os.environ.get("NATIONAL_MOCKS_MINISTRY_SECRET", "").strip() or DEFAULT_SECRET


def _refuse(reason: str) -> JsonResponse:
    return JsonResponse({"error": "unauthorized", "reason": reason}, status=401)


def _signature_problem(request: HttpRequest) -> str | None:
    """None when the request is signed as documented; else a short reason."""
    timestamp = request.headers.get("X-Portal-Timestamp", "")
    signature = request.headers.get("X-Portal-Signature", "")
    if not timestamp or not signature.startswith("sha256="):
        return "missing_signature"
    try:
        skew = abs(time.time() - int(timestamp))
    except ValueError:
        return "stale_timestamp"
    if skew > CONFIG.max_skew_seconds:
        return "stale_timestamp"
    expected = hmac.new(
        ministry_secret().encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, signature.removeprefix("sha256=").lower()):
        return "bad_signature"
    return None


@require_POST
@national_service("ministry")
def receive(request: HttpRequest) -> JsonResponse:
    problem = _signature_problem(request)
    if problem:
        return _refuse(problem)
    delivery_id = request.headers.get("X-Portal-Delivery", "").strip()
    if not delivery_id:
        return JsonResponse({"error": "missing_delivery_id"}, status=400)
    try:
        document = json.loads(request.body)
        code = str(document["dossier"]["code"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "invalid_body"}, status=400)
    with _lock:
        if any(item["delivery_id"] == delivery_id for item in _received):
            _duplicates[delivery_id] = _duplicates.get(delivery_id, 0) + 1
            return JsonResponse({"status": "duplicate", "delivery_id": delivery_id}, status=200)
        _received.append(
            {
                "delivery_id": delivery_id,
                "dossier_code": code,
                "timestamp": request.headers["X-Portal-Timestamp"],
                "received_at": time.time(),
                "body": document,
            }
        )
        del _received[:-MAX_KEPT]
    return JsonResponse(
        {"status": "accepted", "delivery_id": delivery_id, "reference": f"BO-{code}"},
        status=202,
    )


@require_GET
def received(request: HttpRequest) -> JsonResponse:
    wanted = request.GET.get("delivery", "")
    with _lock:
        items = [i for i in _received if not wanted or i["delivery_id"] == wanted]
        duplicates = {k: v for k, v in _duplicates.items() if not wanted or k == wanted}
    return JsonResponse(
        {"count": len(items), "received": items, "duplicates": duplicates},
        json_dumps_params={"ensure_ascii": False},
    )

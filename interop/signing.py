"""The webhook signature (no Django import: a receiver written in Python may copy this file).

    X-Portal-Timestamp: <unix seconds>
    X-Portal-Signature: sha256=<lowercase hex HMAC-SHA256(secret, timestamp + "." + body)>

`body` is the exact bytes of the request body. A receiver recomputes the HMAC with the
agency's secret, compares in constant time and refuses a timestamp too far from its clock.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER_TIMESTAMP = "X-Portal-Timestamp"
HEADER_SIGNATURE = "X-Portal-Signature"
HEADER_DELIVERY = "X-Portal-Delivery"
SCHEME = "sha256="
DEFAULT_MAX_SKEW_SECONDS = 300


def compute(secret: str, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of `timestamp + "." + body` with `secret`."""
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign_headers(
    *, secret: str, body: bytes, delivery_id: str, timestamp: int | None = None
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        HEADER_TIMESTAMP: ts,
        HEADER_SIGNATURE: SCHEME + compute(secret, ts, body),
        HEADER_DELIVERY: delivery_id,
    }


def verify(
    *,
    secret: str,
    timestamp: str,
    signature: str,
    body: bytes,
    max_skew: int = DEFAULT_MAX_SKEW_SECONDS,
    now: float | None = None,
) -> bool:
    """True when `signature` ("sha256=<hex>") signs `timestamp` and `body` and is fresh."""
    if not signature.startswith(SCHEME):
        return False
    try:
        skew = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    if skew > max_skew:
        return False
    return hmac.compare_digest(compute(secret, timestamp, body), signature[len(SCHEME) :].lower())

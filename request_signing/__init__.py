"""Request signing of the national data exchange platform, shared by the portal (prefill/) and
the national mocks: the one module both sides import (no Django import).

A registered client signs every request with HMAC-SHA256 over

    METHOD \\n PATH(?QUERY) \\n TIMESTAMP \\n NONCE \\n sha256-hex(BODY)

and sends `X-Client-Id`, `X-Timestamp` (unix seconds), `X-Nonce` and `X-Signature`
(lowercase hex). The receiver rejects unknown clients, a bad signature, a timestamp more than
`max_skew` seconds away from its clock and a nonce it has already seen in that window.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping

HEADER_CLIENT_ID = "X-Client-Id"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_SIGNATURE = "X-Signature"

DEFAULT_MAX_SKEW_SECONDS = 300
MAX_NONCE_LENGTH = 128

# Reasons returned to the caller (they contain no secret and no personal data).
MISSING_SIGNATURE = "missing_signature"
UNKNOWN_CLIENT = "unknown_client"
STALE_TIMESTAMP = "stale_timestamp"
BAD_SIGNATURE = "bad_signature"
REPLAYED_NONCE = "replayed_nonce"


class SignatureError(Exception):
    """The request is not correctly signed; `reason` is one of the constants above."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_clients(spec: str) -> dict[str, str]:
    """Parse "id:secret,id2:secret2" (the secret may itself contain colons)."""
    clients: dict[str, str] = {}
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        client_id, sep, secret = item.partition(":")
        if not sep or not client_id or not secret:
            raise ValueError("each client must be written as id:secret")
        clients[client_id.strip()] = secret.strip()
    return clients


def body_digest(body: bytes | None) -> str:
    return hashlib.sha256(body or b"").hexdigest()


def string_to_sign(method: str, path: str, timestamp: str, nonce: str, body: bytes | None) -> str:
    return "\n".join([method.upper(), path, timestamp, nonce, body_digest(body)])


def compute_signature(
    secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes | None
) -> str:
    message = string_to_sign(method, path, timestamp, nonce, body)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def sign_headers(
    *,
    client_id: str,
    secret: str,
    method: str,
    path: str,
    body: bytes | None = b"",
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Headers to add to a request. `path` is the request target: path plus "?query" if any."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(16)
    return {
        HEADER_CLIENT_ID: client_id,
        HEADER_TIMESTAMP: ts,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: compute_signature(secret, method, path, ts, nonce, body),
    }


class NonceCache:
    """Nonces seen recently, per process, thread-safe, bounded (oldest forgotten first).

    A nonce only needs remembering while its timestamp is acceptable (2 x max skew).
    """

    def __init__(self, ttl_seconds: float, max_entries: int = 100_000) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, key: str, now: float | None = None) -> bool:
        """Remember `key`; False if it was already there (a replay)."""
        now = time.time() if now is None else now
        with self._lock:
            while self._seen:
                oldest_key, expires = next(iter(self._seen.items()))
                if expires > now and len(self._seen) < self.max_entries:
                    break
                del self._seen[oldest_key]
            if key in self._seen:
                return False
            self._seen[key] = now + self.ttl
            return True


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    return (value or "").strip()


def verify(
    *,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes | None,
    clients: Mapping[str, str],
    nonce_cache: NonceCache | None = None,
    max_skew: int = DEFAULT_MAX_SKEW_SECONDS,
    now: float | None = None,
) -> str:
    """Check a signed request and return the client id; raise SignatureError otherwise.

    The nonce is recorded only after the signature is valid, so nobody can burn
    another client's nonces.
    """
    client_id = _header(headers, HEADER_CLIENT_ID)
    timestamp = _header(headers, HEADER_TIMESTAMP)
    nonce = _header(headers, HEADER_NONCE)
    signature = _header(headers, HEADER_SIGNATURE)
    if not (client_id and timestamp and nonce and signature) or len(nonce) > MAX_NONCE_LENGTH:
        raise SignatureError(MISSING_SIGNATURE)
    secret = clients.get(client_id)
    if secret is None:
        raise SignatureError(UNKNOWN_CLIENT)
    now = time.time() if now is None else now
    try:
        skew = abs(now - int(timestamp))
    except ValueError:
        raise SignatureError(STALE_TIMESTAMP) from None
    if skew > max_skew:
        raise SignatureError(STALE_TIMESTAMP)
    expected = compute_signature(secret, method, path, timestamp, nonce, body)
    if not hmac.compare_digest(expected, signature.lower()):
        raise SignatureError(BAD_SIGNATURE)
    if nonce_cache is not None and not nonce_cache.add(f"{client_id}\n{nonce}", now=now):
        raise SignatureError(REPLAYED_NONCE)
    return client_id

"""The payment platform's message signature, the portal's side (no Django import).

`secure_hash` = lowercase hex SHA-256 of the message's signed fields, in their documented
order, joined by "|", followed by "|" and the shared secret. A value may not contain "|"
(it would make two different messages sign alike), so `clean_text` removes it from free
text before signing. Verification never raises on malformed input and compares in constant
time. The mock platform (`national_mocks/payment.py`) has its own implementation on purpose;
tests/payments/test_signing.py checks both against a known answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any

from portal.numbers import ascii_digits

TIME_FORMAT = "%Y%m%d%H%M%S"
VN_TZ = dt.timezone(dt.timedelta(hours=7))

INIT_FIELDS = (
    "partner_code",
    "reference",
    "amount",
    "currency",
    "language",
    "transaction_info",
    "create_time",
    "client_ip",
    "return_url",
    "callback_url",
)
INIT_RESPONSE_FIELDS = ("code", "reference", "transaction_id", "payment_url")
CALLBACK_FIELDS = (
    "partner_code",
    "reference",
    "transaction_id",
    "amount",
    "currency",
    "result_code",
    "method",
    "pay_time",
    "callback_id",
    "send_time",
)
RETURN_FIELDS = ("reference", "transaction_id", "amount", "result_code", "pay_time")
QUERY_FIELDS = ("partner_code", "reference", "create_time", "request_id", "request_time")
QUERY_RESPONSE_FIELDS = (
    "code",
    "reference",
    "transaction_id",
    "amount",
    "currency",
    "status",
    "result_code",
    "method",
    "pay_time",
    "response_time",
)


class MalformedValue(ValueError):
    """A value that cannot be signed (not text or a whole number, or containing "|")."""


def _as_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MalformedValue(type(value).__name__)
    text = str(value)
    if "|" in text:
        raise MalformedValue("|")
    return text


def clean_text(value: str) -> str:
    """Free text made signable: no "|", no control characters, one line."""
    return " ".join("".join(c if c.isprintable() else " " for c in value).replace("|", "/").split())


def secure_hash(values: Sequence[Any], secret: str) -> str:
    joined = "|".join([*(_as_text(v) for v in values), secret])
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def sign(message: Mapping[str, Any], fields: Sequence[str], secret: str) -> str:
    return secure_hash([message.get(name, "") for name in fields], secret)


def verify(message: Mapping[str, Any], fields: Sequence[str], secret: str) -> bool:
    """True when `message["secure_hash"]` signs `fields`; False for anything malformed."""
    if not isinstance(message, Mapping) or not secret:
        return False
    given = message.get("secure_hash")
    if not isinstance(given, str) or len(given) != 64:
        return False
    try:
        expected = sign(message, fields, secret)
    except MalformedValue:
        return False
    return hmac.compare_digest(expected.encode("ascii"), given.lower().encode("utf-8"))


def format_time(value: dt.datetime) -> str:
    return value.astimezone(VN_TZ).strftime(TIME_FORMAT)


def parse_time(value: Any) -> dt.datetime | None:
    """yyyyMMddHHmmss in Vietnam time, or None."""
    if not ascii_digits(value, length=14):
        return None
    try:
        return dt.datetime.strptime(value, TIME_FORMAT).replace(tzinfo=VN_TZ)
    except ValueError:
        return None


def within(value: Any, *, now: dt.datetime, seconds: int) -> bool:
    moment = parse_time(value)
    return moment is not None and abs((now - moment).total_seconds()) <= seconds

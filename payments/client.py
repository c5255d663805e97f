"""The signed HTTP client of the national payment platform (INIT and QUERY).

Configured by settings (`PAYMENT_PLATFORM_URL`, `PAYMENT_PARTNER_CODE`, `PAYMENT_SECRET`,
`PAYMENT_TIMEOUT_SECONDS`), so the real platform replaces the mock by configuration.
Raises `PlatformUnavailable` (timeout, connection, 5xx, an answer whose signature is wrong)
or `PlatformRefused` (the platform refused the request: its code and error).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.utils import timezone

from . import signing

logger = logging.getLogger(__name__)


class PlatformUnavailable(Exception):
    """The platform did not answer usefully; try again later."""


class PlatformRefused(Exception):
    def __init__(self, code: str, error: str, status: int) -> None:
        super().__init__(f"{code} {error} (HTTP {status})")
        self.code = code
        self.error = error
        self.status = status


@dataclass(frozen=True)
class InitResult:
    transaction_id: str
    payment_url: str


@dataclass(frozen=True)
class QueryResult:
    status: str  # pending | paid | failed | cancelled | expired
    transaction_id: str
    amount: int
    currency: str
    result_code: str
    method: str
    pay_time: str


class PaymentPlatformClient:
    def __init__(
        self,
        *,
        base_url: str | None = None,
        partner_code: str | None = None,
        secret: str | None = None,
        timeout: float | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = (base_url or settings.PAYMENT_PLATFORM_URL).rstrip("/")
        self.partner_code = partner_code or settings.PAYMENT_PARTNER_CODE
        self.secret = secret or settings.PAYMENT_SECRET
        self.timeout = timeout or settings.PAYMENT_TIMEOUT_SECONDS
        self.session = session or requests.Session()

    def _post(self, path: str, message: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self.session.post(
                f"{self.base_url}{path}", json=message, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise PlatformUnavailable(type(exc).__name__) from exc
        if response.status_code >= 500:
            raise PlatformUnavailable(f"HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError as exc:
            raise PlatformUnavailable("not JSON") from exc
        if not isinstance(answer, dict):
            raise PlatformUnavailable("not an object")
        if response.status_code != 200 or answer.get("code") != "00":
            raise PlatformRefused(
                str(answer.get("code", "")), str(answer.get("error", "")), response.status_code
            )
        return answer

    def init(
        self,
        *,
        reference: str,
        amount: int,
        language: str,
        transaction_info: str,
        create_time: str,
        client_ip: str,
        return_url: str,
        callback_url: str,
    ) -> InitResult:
        message: dict[str, Any] = {
            "partner_code": self.partner_code,
            "reference": reference,
            "amount": amount,
            "currency": "VND",
            "language": language,
            "transaction_info": signing.clean_text(transaction_info),
            "create_time": create_time,
            "client_ip": client_ip,
            "return_url": return_url,
            "callback_url": callback_url,
        }
        message["secure_hash"] = signing.sign(message, signing.INIT_FIELDS, self.secret)
        answer = self._post("/v1/init", message)
        if not signing.verify(answer, signing.INIT_RESPONSE_FIELDS, self.secret):
            raise PlatformUnavailable("the INIT answer is not signed by the platform")
        if answer.get("reference") != reference or not answer.get("payment_url"):
            raise PlatformUnavailable("the INIT answer is for another reference")
        return InitResult(
            transaction_id=str(answer["transaction_id"]), payment_url=str(answer["payment_url"])
        )

    def query(self, *, reference: str, create_time: str) -> QueryResult:
        message: dict[str, Any] = {
            "partner_code": self.partner_code,
            "reference": reference,
            "create_time": create_time,
            "request_id": secrets.token_hex(12),
            "request_time": signing.format_time(timezone.now()),
        }
        message["secure_hash"] = signing.sign(message, signing.QUERY_FIELDS, self.secret)
        answer = self._post("/v1/query", message)
        if not signing.verify(answer, signing.QUERY_RESPONSE_FIELDS, self.secret):
            raise PlatformUnavailable("the QUERY answer is not signed by the platform")
        if answer.get("reference") != reference or not signing.within(
            answer.get("response_time"),
            now=timezone.now(),
            seconds=settings.PAYMENT_MAX_SKEW_SECONDS,
        ):
            raise PlatformUnavailable("the QUERY answer is stale or for another reference")
        amount = answer.get("amount")
        if not isinstance(amount, int):
            raise PlatformUnavailable("the QUERY answer has no amount")
        return QueryResult(
            status=str(answer.get("status", "")),
            transaction_id=str(answer.get("transaction_id", "")),
            amount=amount,
            currency=str(answer.get("currency", "")),
            result_code=str(answer.get("result_code", "")),
            method=str(answer.get("method", "")),
            pay_time=str(answer.get("pay_time", "")),
        )

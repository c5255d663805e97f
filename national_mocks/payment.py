"""Mock of the national payment platform (service name "payment"), see docs/payments.md.

- `POST /payment/v1/init` (JSON): a partner (the portal) asks for a payment. The fields
  `partner_code|reference|amount|currency|language|transaction_info|create_time|client_ip|
  return_url|callback_url` are signed: `secure_hash` = hex SHA-256 of those values joined by
  "|" followed by "|" and the partner's shared secret. Answers a transaction id and the URL
  of the payment page, signed the same way (`code|reference|transaction_id|payment_url`).
  Refusals: `{"code": ..., "error": ...}` with 400 (01 invalid_request, 04 stale_time),
  401 (02 unknown_partner, 03 bad_signature) or 409 (05 duplicate_reference: the same
  reference was already initialised, e.g. a replayed message).
- `GET/POST /payment/v1/pay/<transaction id>`: the citizen's page (choose a bank card, an
  international card or an e-wallet, then "Pay" or "Cancel"; "a card that is declined" is
  there to try a failure). The outcome sends the browser back to the partner's `return_url`
  (signed query string) and the signed server-to-server callback (IPN) to `callback_url`,
  retried with backoff until the partner answers HTTP 200 with code "00" or "02".
- `POST /payment/v1/query` (JSON, signed `partner_code|reference|create_time|request_id|
  request_time`): the state of a transaction by reference + creation time. A request id is
  accepted once (06 replayed_request).

Environment (read once): `NATIONAL_MOCKS_PAYMENT_PARTNERS` ("code:secret,...", default
"DVCQG:demo-payment-secret"), `NATIONAL_MOCKS_PAYMENT_TTL_SECONDS` (900: an unpaid
transaction expires), `NATIONAL_MOCKS_PAYMENT_CALLBACK_RETRIES` (4),
`NATIONAL_MOCKS_PAYMENT_CALLBACK_BACKOFF_MS` (1000, doubled at each retry),
`NATIONAL_MOCKS_PAYMENT_CALLBACK_LOST` (0..1: that share of callbacks is never sent, so the
partner must use QUERY), and the common faults (`NATIONAL_MOCKS_DOWN=payment`, error rate,
delay). The time window of signed messages is `NATIONAL_MOCKS_MAX_SKEW_SECONDS` (300).
Transactions live in the memory of one process (a mock may), at most 10,000.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import random
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from request_signing import NonceCache, parse_clients

from .config import CONFIG
from .faults import national_service

logger = logging.getLogger(__name__)

TIME_FORMAT = "%Y%m%d%H%M%S"
VN_TZ = dt.timezone(dt.timedelta(hours=7))
MAX_KEPT = 10_000

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

# Answer codes of the platform's API.
OK = "00"
INVALID_REQUEST = "01"
UNKNOWN_PARTNER = "02"
BAD_SIGNATURE = "03"
STALE_TIME = "04"
DUPLICATE_REFERENCE = "05"
REPLAYED_REQUEST = "06"
NOT_FOUND = "07"
ERRORS = {
    INVALID_REQUEST: ("invalid_request", 400),
    UNKNOWN_PARTNER: ("unknown_partner", 401),
    BAD_SIGNATURE: ("bad_signature", 401),
    STALE_TIME: ("stale_time", 400),
    DUPLICATE_REFERENCE: ("duplicate_reference", 409),
    REPLAYED_REQUEST: ("replayed_request", 409),
    NOT_FOUND: ("not_found", 404),
}

# Result codes of a transaction.
RESULT_PAID = "00"
RESULT_CANCELLED = "24"
RESULT_DECLINED = "51"
RESULT_EXPIRED = "15"

METHODS = {
    "atm": "Thẻ ATM nội địa / tài khoản ngân hàng",
    "card": "Thẻ quốc tế (Visa, Mastercard, JCB)",
    "wallet": "Ví điện tử",
    "declined": "Thẻ thử nghiệm bị từ chối (để thử thanh toán không thành công)",
}


def _env(name: str, default: str) -> str:
    return os.environ.get(f"NATIONAL_MOCKS_PAYMENT_{name}", "").strip() or default


@dataclass(frozen=True)
class PaymentConfig:
    partners: dict[str, str]
    ttl_seconds: int
    callback_retries: int
    callback_backoff_ms: int
    callback_lost: float

    @classmethod
    def from_env(cls) -> PaymentConfig:
        return cls(
            partners=parse_clients(_env("PARTNERS", "DVCQG:demo-payment-secret")),
            ttl_seconds=int(_env("TTL_SECONDS", "900")),
            callback_retries=int(_env("CALLBACK_RETRIES", "4")),
            callback_backoff_ms=int(_env("CALLBACK_BACKOFF_MS", "1000")),
            callback_lost=float(_env("CALLBACK_LOST", "0")),
        )


PAYMENT = PaymentConfig.from_env()
_rng = random.SystemRandom()


# --- Signatures (the platform's own implementation) --------------------------------------


def secure_hash(values: list[str], secret: str) -> str:
    return hashlib.sha256("|".join([*values, secret]).encode("utf-8")).hexdigest()


def sign(message: dict[str, Any], fields: tuple[str, ...], secret: str) -> str:
    return secure_hash([str(message.get(name, "")) for name in fields], secret)


def signature_ok(message: dict[str, Any], fields: tuple[str, ...], secret: str) -> bool:
    given = message.get("secure_hash")
    if not isinstance(given, str):
        return False
    expected = sign(message, fields, secret)
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())


def now_vn() -> dt.datetime:
    return dt.datetime.now(VN_TZ)


def format_time(value: dt.datetime) -> str:
    return value.astimezone(VN_TZ).strftime(TIME_FORMAT)


def parse_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or re.fullmatch(r"[0-9]{14}", value) is None:
        return None
    try:
        return dt.datetime.strptime(value, TIME_FORMAT).replace(tzinfo=VN_TZ)
    except ValueError:
        return None


def time_in_window(value: object) -> bool:
    moment = parse_time(value)
    return (
        moment is not None and abs((now_vn() - moment).total_seconds()) <= CONFIG.max_skew_seconds
    )


# --- Transactions (in memory) ------------------------------------------------------------


@dataclass
class Transaction:
    transaction_id: str
    partner_code: str
    reference: str
    amount: int
    currency: str
    language: str
    transaction_info: str
    create_time: str
    client_ip: str
    return_url: str
    callback_url: str
    created: float = field(default_factory=time.time)
    status: str = "pending"
    result_code: str = ""
    method: str = ""
    pay_time: str = ""
    callbacks: list[dict[str, Any]] = field(default_factory=list)

    def expire_if_due(self) -> None:
        if self.status == "pending" and time.time() - self.created > PAYMENT.ttl_seconds:
            self.status = "expired"
            self.result_code = RESULT_EXPIRED


_lock = threading.Lock()
_transactions: OrderedDict[str, Transaction] = OrderedDict()
_by_reference: dict[tuple[str, str], str] = {}
_query_ids = NonceCache(ttl_seconds=2 * CONFIG.max_skew_seconds + 5)


def _store(txn: Transaction) -> bool:
    """Keep a new transaction; False when the partner's reference is already taken."""
    key = (txn.partner_code, txn.reference)
    with _lock:
        if key in _by_reference:
            return False
        _transactions[txn.transaction_id] = txn
        _by_reference[key] = txn.transaction_id
        while len(_transactions) > MAX_KEPT:
            _old_id, old = _transactions.popitem(last=False)
            _by_reference.pop((old.partner_code, old.reference), None)
    return True


def _get(transaction_id: str) -> Transaction | None:
    with _lock:
        txn = _transactions.get(transaction_id)
        if txn is not None:
            txn.expire_if_due()
        return txn


def _find(partner_code: str, reference: str) -> Transaction | None:
    with _lock:
        transaction_id = _by_reference.get((partner_code, reference))
    return _get(transaction_id) if transaction_id else None


# --- API ---------------------------------------------------------------------------------


def _refuse(code: str, detail: str = "") -> JsonResponse:
    error, status = ERRORS[code]
    body = {"code": code, "error": error}
    if detail:
        body["field"] = detail
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _json(request: HttpRequest) -> dict[str, Any] | None:
    try:
        document = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None
    return document if isinstance(document, dict) else None


def _authenticate(message: dict[str, Any], fields: tuple[str, ...]) -> str | None:
    """None when the partner and signature are good; else the refusal code."""
    secret = PAYMENT.partners.get(str(message.get("partner_code", "")))
    if secret is None:
        return UNKNOWN_PARTNER
    if not signature_ok(message, fields, secret):
        return BAD_SIGNATURE
    return None


def _valid_url(value: object) -> bool:
    if not isinstance(value, str) or len(value) > 500:
        return False
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _init_problem(message: dict[str, Any]) -> str | None:
    """The first malformed field of an INIT message, or None."""
    for name in INIT_FIELDS:
        value = message.get(name)
        if name == "amount":
            if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 10**12:
                return name
            continue
        if not isinstance(value, str) or "|" in value or len(value) > 500:
            return name
    if not 1 <= len(message["reference"]) <= 64:
        return "reference"
    if message["currency"] != "VND":
        return "currency"
    if message["language"] not in {"vi", "en"}:
        return "language"
    if parse_time(message["create_time"]) is None:
        return "create_time"
    for name in ("return_url", "callback_url"):
        if not _valid_url(message[name]):
            return name
    return None


@require_POST
@national_service("payment")
def init(request: HttpRequest) -> JsonResponse:
    message = _json(request)
    if message is None:
        return _refuse(INVALID_REQUEST, "body")
    problem = _init_problem(message)
    if problem:
        return _refuse(INVALID_REQUEST, problem)
    refusal = _authenticate(message, INIT_FIELDS)
    if refusal:
        return _refuse(refusal)
    if not time_in_window(message["create_time"]):
        return _refuse(STALE_TIME)
    txn = Transaction(
        transaction_id=f"{now_vn():%y%m%d}{secrets.token_hex(8).upper()}",
        **{name: message[name] for name in INIT_FIELDS},
    )
    if not _store(txn):
        return _refuse(DUPLICATE_REFERENCE)
    secret = PAYMENT.partners[txn.partner_code]
    answer = {
        "code": OK,
        "message": "success",
        "reference": txn.reference,
        "transaction_id": txn.transaction_id,
        "payment_url": f"{CONFIG.base_url}/payment/v1/pay/{txn.transaction_id}",
        "expires_in": PAYMENT.ttl_seconds,
    }
    answer["secure_hash"] = sign(answer, INIT_RESPONSE_FIELDS, secret)
    response = JsonResponse(answer)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@national_service("payment")
def query(request: HttpRequest) -> JsonResponse:
    message = _json(request)
    if message is None:
        return _refuse(INVALID_REQUEST, "body")
    for name in QUERY_FIELDS:
        value = message.get(name)
        if not isinstance(value, str) or not value or "|" in value or len(value) > 128:
            return _refuse(INVALID_REQUEST, name)
    refusal = _authenticate(message, QUERY_FIELDS)
    if refusal:
        return _refuse(refusal)
    if not time_in_window(message["request_time"]):
        return _refuse(STALE_TIME)
    partner = message["partner_code"]
    if not _query_ids.add(f"{partner}\n{message['request_id']}"):
        return _refuse(REPLAYED_REQUEST)
    txn = _find(partner, message["reference"])
    if txn is None or txn.create_time != message["create_time"]:
        return _refuse(NOT_FOUND)
    answer = {
        "code": OK,
        "reference": txn.reference,
        "transaction_id": txn.transaction_id,
        "amount": txn.amount,
        "currency": txn.currency,
        "status": txn.status,
        "result_code": txn.result_code,
        "method": txn.method,
        "pay_time": txn.pay_time,
        "response_time": format_time(now_vn()),
    }
    answer["secure_hash"] = sign(answer, QUERY_RESPONSE_FIELDS, PAYMENT.partners[partner])
    response = JsonResponse(answer)
    response["Cache-Control"] = "no-store"
    return response


# --- Callback (IPN) ----------------------------------------------------------------------


def callback_message(txn: Transaction, secret: str) -> dict[str, Any]:
    """The IPN body, signed now: each attempt has its own id, send time and signature."""
    message: dict[str, Any] = {
        "partner_code": txn.partner_code,
        "reference": txn.reference,
        "transaction_id": txn.transaction_id,
        "amount": txn.amount,
        "currency": txn.currency,
        "result_code": txn.result_code,
        "status": txn.status,
        "method": txn.method,
        "pay_time": txn.pay_time,
        "callback_id": secrets.token_hex(8),
        "send_time": format_time(now_vn()),
    }
    message["secure_hash"] = sign(message, CALLBACK_FIELDS, secret)
    return message


def _acknowledged(response: requests.Response) -> bool:
    if response.status_code != 200:
        return False
    try:
        return response.json().get("code") in {"00", "02"}
    except (ValueError, AttributeError):
        return False


def send_callback(txn: Transaction) -> None:
    """POST the IPN until the partner acknowledges it; retries with doubling backoff."""
    secret = PAYMENT.partners[txn.partner_code]
    delay = PAYMENT.callback_backoff_ms / 1000
    for attempt in range(1, PAYMENT.callback_retries + 2):
        message = callback_message(txn, secret)
        outcome: dict[str, Any] = {"attempt": attempt, "send_time": message["send_time"]}
        try:
            response = requests.post(txn.callback_url, json=message, timeout=5)
            outcome["status"] = response.status_code
            done = _acknowledged(response)
        except requests.RequestException as exc:
            outcome["error"] = type(exc).__name__
            done = False
        with _lock:
            txn.callbacks.append(outcome)
        logger.info("payment %s: callback attempt %s %s", txn.reference, attempt, outcome)
        if done:
            return
        time.sleep(delay)
        delay *= 2


def _dispatch_callback(txn: Transaction) -> None:
    if PAYMENT.callback_lost > 0 and _rng.random() < PAYMENT.callback_lost:
        logger.info("payment %s: callback lost (fault injection)", txn.reference)
        with _lock:
            txn.callbacks.append({"lost": True})
        return
    threading.Thread(target=send_callback, args=(txn,), daemon=True).start()


# --- The citizen's payment page ----------------------------------------------------------


def _amount_label(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def _page(request: HttpRequest, txn: Transaction | None, context: dict[str, Any], status: int):
    nonce = secrets.token_urlsafe(16)
    target = ""
    if txn is not None:
        parts = urlsplit(txn.return_url)
        target = f"{parts.scheme}://{parts.netloc}"
    response = render(
        request,
        "national_mocks/payment.html",
        {
            "csp_nonce": nonce,
            "txn": txn,
            "amount_label": _amount_label(txn.amount) if txn else "",
            "methods": METHODS.items(),
            **context,
        },
        status=status,
    )
    response["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; form-action 'self' {target}; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    response["Cache-Control"] = "no-store"
    return response


def _return_redirect(txn: Transaction) -> HttpResponseRedirect:
    secret = PAYMENT.partners[txn.partner_code]
    params = {
        "reference": txn.reference,
        "transaction_id": txn.transaction_id,
        "amount": str(txn.amount),
        "result_code": txn.result_code,
        "pay_time": txn.pay_time,
    }
    params["secure_hash"] = sign(params, RETURN_FIELDS, secret)
    separator = "&" if "?" in txn.return_url else "?"
    return HttpResponseRedirect(f"{txn.return_url}{separator}{urlencode(params)}")


@require_http_methods(["GET", "POST"])
@national_service("payment")
def pay(request: HttpRequest, transaction_id: str) -> HttpResponse:
    txn = _get(transaction_id)
    if txn is None:
        return _page(request, None, {"message": "Không tìm thấy giao dịch."}, 404)
    if txn.status != "pending":
        if request.method == "POST" or txn.status == "expired":
            return _page(request, txn, {"finished": True}, 200 if txn.status != "expired" else 410)
        return _return_redirect(txn)
    if request.method == "GET":
        return _page(request, txn, {}, 200)
    if request.POST.get("action") == "cancel":
        outcome = ("cancelled", RESULT_CANCELLED, "")
    else:
        method = request.POST.get("method", "")
        if method not in METHODS:
            context = {"error": "Hãy chọn một phương thức thanh toán."}
            return _page(request, txn, context, 400)
        if method == "declined":
            outcome = ("failed", RESULT_DECLINED, method)
        else:
            outcome = ("paid", RESULT_PAID, method)
    with _lock:
        if txn.status != "pending":  # paid in another tab meanwhile
            return _page(request, txn, {"finished": True}, 200)
        txn.status, txn.result_code, txn.method = outcome
        txn.pay_time = format_time(now_vn())
    _dispatch_callback(txn)
    return _return_redirect(txn)

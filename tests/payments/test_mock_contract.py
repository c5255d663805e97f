"""Contract of the mock national payment platform, over real HTTP: INIT, the payment page,
the signed callback (with retries), QUERY, refusals and fault injection."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from payments import signing

from .conftest import PARTNER, SECRET, pay_on_platform


def _now(delta_seconds: int = 0) -> str:
    return signing.format_time(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delta_seconds))


def init_message(sink_url: str, **overrides) -> dict:
    message = {
        "partner_code": PARTNER,
        "reference": f"TEST-{secrets.token_hex(6)}",
        "amount": 58000,
        "currency": "VND",
        "language": "vi",
        "transaction_info": "Lệ phí hồ sơ TEST",
        "create_time": _now(),
        "client_ip": "203.0.113.7",
        "return_url": f"{sink_url}/payments/return/",
        "callback_url": f"{sink_url}/payments/callback/",
    }
    message.update(overrides)
    message["secure_hash"] = signing.sign(message, signing.INIT_FIELDS, SECRET)
    return message


def post_init(platform, message: dict) -> requests.Response:
    return requests.post(f"{platform.url}/payment/v1/init", json=message, timeout=5)


def query_message(reference: str, create_time: str, **overrides) -> dict:
    message = {
        "partner_code": PARTNER,
        "reference": reference,
        "create_time": create_time,
        "request_id": secrets.token_hex(8),
        "request_time": _now(),
        **overrides,
    }
    message["secure_hash"] = signing.sign(message, signing.QUERY_FIELDS, SECRET)
    return message


def post_query(platform, message: dict) -> requests.Response:
    return requests.post(f"{platform.url}/payment/v1/query", json=message, timeout=5)


def test_init_answers_a_signed_payment_url(payment_platform, sink):
    message = init_message(sink.url)
    response = post_init(payment_platform, message)
    assert response.status_code == 200
    answer = response.json()
    assert answer["code"] == "00"
    assert answer["reference"] == message["reference"]
    assert answer["payment_url"] == (
        f"{payment_platform.url}/payment/v1/pay/{answer['transaction_id']}"
    )
    assert signing.verify(answer, signing.INIT_RESPONSE_FIELDS, SECRET)
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("tamper", "status", "code", "error"),
    [
        ({"secure_hash": "0" * 64}, 401, "03", "bad_signature"),
        ({"amount": 1}, 401, "03", "bad_signature"),  # changed after signing
        ({"partner_code": "NOBODY"}, 401, "02", "unknown_partner"),
        ({"amount": "58000"}, 400, "01", "invalid_request"),
        ({"currency": "USD"}, 400, "01", "invalid_request"),
        ({"transaction_info": "a|b"}, 400, "01", "invalid_request"),
        ({"callback_url": "ftp://x"}, 400, "01", "invalid_request"),
    ],
)
def test_init_refusals(payment_platform, sink, tamper, status, code, error):
    message = {**init_message(sink.url), **tamper}
    response = post_init(payment_platform, message)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["error"] == error


def test_init_refuses_a_stale_time_and_a_replay(payment_platform, sink):
    stale = init_message(sink.url, create_time=_now(-3600))
    response = post_init(payment_platform, stale)
    assert (response.status_code, response.json()["code"]) == (400, "04")
    message = init_message(sink.url)
    assert post_init(payment_platform, message).status_code == 200
    replay = post_init(payment_platform, message)
    assert (replay.status_code, replay.json()) == (
        409,
        {"code": "05", "error": "duplicate_reference"},
    )


def test_init_refuses_what_is_not_json(payment_platform):
    response = requests.post(f"{payment_platform.url}/payment/v1/init", data=b"\xff{", timeout=5)
    assert (response.status_code, response.json()["code"]) == (400, "01")


def test_payment_page_is_self_contained_and_pay_sends_back_and_calls_back(payment_platform, sink):
    message = init_message(sink.url)
    answer = post_init(payment_platform, message).json()
    page = requests.get(answer["payment_url"], timeout=5)
    assert page.status_code == 200
    assert "58.000 đồng" in page.text
    assert 'name="viewport"' in page.text
    assert not re.search(r"<(script|link|img)\b", page.text)  # no external asset
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert sink.url in page.headers["Content-Security-Policy"]  # the redirect after the form

    missing = requests.post(answer["payment_url"], data={"action": "pay"}, timeout=5)
    assert missing.status_code == 400
    assert "Hãy chọn một phương thức thanh toán." in missing.text

    redirect = pay_on_platform(answer["payment_url"], method="card")
    location = urlsplit(redirect.headers["Location"])
    assert location.path == "/payments/return/"
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert params["result_code"] == "00"
    assert params["reference"] == message["reference"]
    assert signing.verify(params, signing.RETURN_FIELDS, SECRET)

    (callback,) = sink.wait(1)
    assert callback["path"] == "/payments/callback/"
    ipn = json.loads(callback["body"])
    assert {k: ipn[k] for k in ("reference", "amount", "currency", "result_code", "method")} == {
        "reference": message["reference"],
        "amount": 58000,
        "currency": "VND",
        "result_code": "00",
        "method": "card",
    }
    assert ipn["status"] == "paid"
    assert ipn["transaction_id"] == answer["transaction_id"]
    assert signing.verify(ipn, signing.CALLBACK_FIELDS, SECRET)
    # paying again on the same page does nothing more
    again = requests.post(answer["payment_url"], data={"action": "pay", "method": "atm"}, timeout=5)
    assert "Giao dịch đã kết thúc" in again.text


def test_the_callback_is_retried_until_the_partner_answers_ok(payment_platform, sink):
    sink.answers = [(500, {"code": "99"}), (200, {"code": "97"})]
    answer = post_init(payment_platform, init_message(sink.url)).json()
    pay_on_platform(answer["payment_url"])
    received = sink.wait(3)
    assert len(received) == 3
    bodies = [json.loads(r["body"]) for r in received]
    assert len({b["secure_hash"] for b in bodies}) == 3  # re-signed at each attempt
    assert all(signing.verify(b, signing.CALLBACK_FIELDS, SECRET) for b in bodies)
    time.sleep(0.5)
    assert len(sink.received) == 3  # acknowledged: no more


def test_cancel_and_declined(payment_platform, sink):
    cancelled = post_init(payment_platform, init_message(sink.url)).json()
    redirect = pay_on_platform(cancelled["payment_url"], action="cancel")
    assert "result_code=24" in redirect.headers["Location"]
    declined = post_init(payment_platform, init_message(sink.url)).json()
    redirect = pay_on_platform(declined["payment_url"], method="declined")
    assert "result_code=51" in redirect.headers["Location"]
    statuses = sorted(json.loads(r["body"])["status"] for r in sink.wait(2))
    assert statuses == ["cancelled", "failed"]


def test_query_by_reference_and_time(payment_platform, sink):
    message = init_message(sink.url)
    post_init(payment_platform, message)
    pending = post_query(
        payment_platform, query_message(message["reference"], message["create_time"])
    )
    assert pending.status_code == 200
    assert pending.json()["status"] == "pending"
    assert signing.verify(pending.json(), signing.QUERY_RESPONSE_FIELDS, SECRET)
    answer = post_init(payment_platform, init_message(sink.url)).json()  # another one
    assert answer["code"] == "00"

    # another creation time than the payment's (one minute earlier: `_now(-1)` could equal it
    # when the query came a second after the INIT, as it did once under load)
    created = signing.parse_time(message["create_time"])
    assert created is not None
    earlier = signing.format_time(created - dt.timedelta(minutes=1))
    wrong_time = query_message(message["reference"], earlier)
    assert post_query(payment_platform, wrong_time).status_code == 404
    unknown = post_query(payment_platform, query_message("NOPE", message["create_time"]))
    assert (unknown.status_code, unknown.json()["code"]) == (404, "07")
    replay = query_message(message["reference"], message["create_time"])
    assert post_query(payment_platform, replay).status_code == 200
    again = post_query(payment_platform, replay)
    assert (again.status_code, again.json()["code"]) == (409, "06")
    forged = {
        **query_message(message["reference"], message["create_time"]),
        "secure_hash": "1" * 64,
    }
    assert post_query(payment_platform, forged).status_code == 401
    stale = query_message(message["reference"], message["create_time"], request_time=_now(-3600))
    assert (post_query(payment_platform, stale).json()["code"]) == "04"


def test_callback_lost_leaves_query(platform_factory, sink):
    platform = platform_factory(NATIONAL_MOCKS_PAYMENT_CALLBACK_LOST="1")
    message = init_message(sink.url)
    answer = post_init(platform, message).json()
    pay_on_platform(answer["payment_url"])
    time.sleep(1.0)
    assert sink.received == []
    paid = post_query(platform, query_message(message["reference"], message["create_time"]))
    assert paid.json()["status"] == "paid"
    assert paid.json()["result_code"] == "00"


def test_expiry_and_outage(platform_factory, sink):
    platform = platform_factory(
        NATIONAL_MOCKS_PAYMENT_TTL_SECONDS="1", NATIONAL_MOCKS_DOWN="population"
    )
    message = init_message(sink.url)
    answer = post_init(platform, message).json()
    time.sleep(1.5)
    assert requests.get(answer["payment_url"], timeout=5).status_code == 410
    expired = post_query(platform, query_message(message["reference"], message["create_time"]))
    assert (expired.json()["status"], expired.json()["result_code"]) == ("expired", "15")
    down = platform_factory(NATIONAL_MOCKS_DOWN="payment")
    response = post_init(down, init_message(sink.url))
    assert response.status_code == 503
    assert requests.get(f"{down.url}/health", timeout=5).json()["services"]["payment"] == "down"

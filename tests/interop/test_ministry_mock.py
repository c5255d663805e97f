"""The mock ministry checks webhooks as docs/interop.md tells a real receiver to."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

import pytest
import requests

from tests.interop.conftest import MINISTRY_SECRET


def signed(body: bytes, *, secret: str = MINISTRY_SECRET, timestamp: int | None = None):
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Portal-Timestamp": ts,
        "X-Portal-Signature": f"sha256={digest}",
        "X-Portal-Delivery": str(uuid.uuid4()),
    }


BODY = json.dumps({"event": "dossier.delivered", "dossier": {"code": "X-1"}}).encode()


@pytest.fixture
def url(national_services) -> str:
    return f"{national_services.url}/ministry/v1/dossiers"


def test_accepts_a_signed_webhook_once(url, national_services):
    headers = signed(BODY)
    first = requests.post(url, data=BODY, headers=headers, timeout=5)
    assert first.status_code == 202
    assert first.json()["status"] == "accepted"
    again = requests.post(url, data=BODY, headers=headers, timeout=5)
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    listing = requests.get(
        f"{national_services.url}/ministry/v1/received",
        params={"delivery": headers["X-Portal-Delivery"]},
        timeout=5,
    ).json()
    assert listing["count"] == 1
    assert listing["received"][0]["dossier_code"] == "X-1"
    assert listing["duplicates"] == {headers["X-Portal-Delivery"]: 1}


@pytest.mark.parametrize(
    ("make_headers", "reason"),
    [
        (lambda: {"Content-Type": "application/json"}, "missing_signature"),
        (lambda: signed(BODY, secret="another-secret-entirely"), "bad_signature"),
        (lambda: signed(BODY, timestamp=int(time.time()) - 3600), "stale_timestamp"),
        (lambda: signed(b'{"tampered": 1}'), "bad_signature"),
    ],
)
def test_refuses_what_is_not_signed_as_documented(url, make_headers, reason):
    # signed when the test runs, not when it is collected (a long suite would make every
    # signature stale)
    response = requests.post(url, data=BODY, headers=make_headers(), timeout=5)
    assert response.status_code == 401
    assert response.json()["reason"] == reason


def test_the_secret_comes_from_the_environment(national_services_factory):
    mocks = national_services_factory(NATIONAL_MOCKS_MINISTRY_SECRET="a-ministry-secret-of-ours")
    url = f"{mocks.url}/ministry/v1/dossiers"
    assert requests.post(url, data=BODY, headers=signed(BODY), timeout=5).status_code == 401
    headers = signed(BODY, secret="a-ministry-secret-of-ours")
    assert requests.post(url, data=BODY, headers=headers, timeout=5).status_code == 202


def test_fault_injection_by_service_name(national_services_factory):
    mocks = national_services_factory(NATIONAL_MOCKS_DOWN="ministry")
    url = f"{mocks.url}/ministry/v1/dossiers"
    response = requests.post(url, data=BODY, headers=signed(BODY), timeout=5)
    assert response.status_code == 503
    assert response.json()["service"] == "ministry"

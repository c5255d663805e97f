"""Public tracking: code + last four digits, no personal data, no oracle, rate-limited."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dossier(submit, citizen_a, agency_hk):
    return submit(citizen_a)


def test_page_shows_timeline_without_personal_data(client, dossier):
    response = client.post(
        reverse("dossiers:track"), {"code": dossier.code.lower(), "id_last4": "2345"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert dossier.code in body
    assert "Bệnh viện" not in body
    for personal in ("Nguyễn Thị Lan", "Trần Minh An", "001190012345", "citizen-a@example.vn"):
        assert personal not in body


def test_wrong_code_and_wrong_digits_look_the_same(client, dossier):
    wrong_digits = client.post(
        reverse("dossiers:track"), {"code": dossier.code, "id_last4": "9999"}
    )
    wrong_code = client.post(
        reverse("dossiers:track"), {"code": dossier.code[:-1] + "9", "id_last4": "2345"}
    )
    assert wrong_digits.status_code == wrong_code.status_code == 200

    def strip(response) -> str:
        body = re.sub(r'value="[^"]*"', "", response.content.decode())  # tokens and echoed input
        return body.replace(dossier.code[:-1] + "9", "").replace(dossier.code, "")

    assert strip(wrong_digits) == strip(wrong_code)
    assert (
        "No dossier matches" in wrong_code.content.decode()
        or "Không" in wrong_code.content.decode()
    )


def test_api_tracking(client, dossier):
    ok = client.post(
        "/api/tracking/",
        {"code": dossier.code, "id_last4": "2345"},
        content_type="application/json",
    )
    assert ok.status_code == 200
    data = ok.json()
    assert data["code"] == dossier.code
    assert [e["action"] for e in data["timeline"]] == ["submitted", "routed"]
    assert "applicant_name" not in data
    assert "Nguyễn" not in ok.content.decode()
    wrong = client.post(
        "/api/tracking/",
        {"code": dossier.code, "id_last4": "0000"},
        content_type="application/json",
    )
    missing = client.post(
        "/api/tracking/", {"code": "NOPE", "id_last4": "2345"}, content_type="application/json"
    )
    assert wrong.status_code == missing.status_code == 404
    assert wrong.json() == missing.json()


def test_tracking_is_rate_limited(client, dossier, settings):
    settings.PUBLIC_TRACKING_RATE = "3/m"
    statuses = [
        client.post(
            reverse("dossiers:track"), {"code": dossier.code, "id_last4": f"{n:04d}"}
        ).status_code
        for n in range(5)
    ]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]
    api = client.post(
        "/api/tracking/",
        {"code": dossier.code, "id_last4": "2345"},
        content_type="application/json",
    )
    assert api.status_code == 429


def test_tracking_is_limited_per_code_whatever_the_address(client, dossier, settings):
    """Issue 15 finding 8: the limit was per address only (10,000 suffixes of one code are
    100 addresses for 10 minutes). Wrong answers are now counted per code too."""
    settings.PUBLIC_TRACKING_RATE = "1000/m"
    settings.PUBLIC_TRACKING_CODE_RATE = "5/h"
    right = dossier.applicant_personal_id[-4:]
    wrong = [f"{n:04d}" for n in range(20) if f"{n:04d}" != right][:5]
    for n, suffix in enumerate(wrong):
        guesser = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        page = guesser.post(reverse("dossiers:track"), {"code": dossier.code, "id_last4": suffix})
        assert page.status_code == 200
        assert 'id="nf-title"' in page.content.decode()  # "No dossier matches"
    # the sixth address, even with the right digits, learns nothing until the window ends
    locked = Client(REMOTE_ADDR="198.51.100.77").post(
        reverse("dossiers:track"), {"code": dossier.code, "id_last4": right}
    )
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) >= 1
    html = locked.content.decode()
    assert 'id="locked-title"' in html
    assert 'id="nf-title"' not in html
    assert dossier.applicant_name not in html
    api = Client(REMOTE_ADDR="198.51.100.78").post(
        "/api/tracking/", {"code": dossier.code, "id_last4": right}, content_type="application/json"
    )
    assert api.status_code == 429
    # another code is not affected, and a code that does not exist is counted the same way
    # (the lock tells nothing about which codes exist)
    for n in range(5):
        Client(REMOTE_ADDR=f"198.51.100.{n + 1}").post(
            reverse("dossiers:track"), {"code": "H99.99-261203-9999", "id_last4": f"{n:04d}"}
        )
    assert (
        Client()
        .post(reverse("dossiers:track"), {"code": "H99.99-261203-9999", "id_last4": "0000"})
        .status_code
        == 429
    )


def test_a_right_answer_is_not_counted(client, dossier, settings):
    settings.PUBLIC_TRACKING_RATE = "1000/m"
    settings.PUBLIC_TRACKING_CODE_RATE = "2/h"
    right = dossier.applicant_personal_id[-4:]
    for _ in range(5):
        page = client.post(reverse("dossiers:track"), {"code": dossier.code, "id_last4": right})
        assert page.status_code == 200
        assert dossier.code in page.content.decode()


def test_behind_a_proxy_each_client_has_its_own_address_limit(dossier, settings):
    """ASVS 15.3.4 (docs/security.md): behind the TLS proxy every client had the proxy's
    address, so one guesser used up everyone's tracking limit."""
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.PUBLIC_TRACKING_RATE = "2/m"
    settings.PUBLIC_TRACKING_CODE_RATE = "1000/h"
    proxy = {"REMOTE_ADDR": "10.0.0.2"}

    def post(client_address: str) -> int:
        return (
            Client(**proxy, HTTP_X_FORWARDED_FOR=f"{client_address}, 10.0.0.1")
            .post(reverse("dossiers:track"), {"code": dossier.code, "id_last4": "0000"})
            .status_code
        )

    assert [post("198.51.100.1") for _ in range(3)] == [200, 200, 429]
    assert post("198.51.100.2") == 200  # another citizen behind the same proxy

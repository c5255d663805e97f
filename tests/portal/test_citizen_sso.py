"""Citizen sign-in through the national SSO (OpenID Connect, mozilla-django-oidc) against the
mock SSO over real HTTP. Every failure of the callback (a refused code, an ID token the portal
must not accept, an SSO that is down, slow or answers nonsense) ends on the sign-in page with
"sign-in failed" in the reader's language, is logged and audited, never a 500. The portal
uses PKCE (S256) and the SSO checks the verifier."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from html import unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from national_mocks import people
from portal.auth import CitizenOIDCBackend
from portal.models import AuditEvent, User
from tests.fixtures_mocks import NationalServices, free_port

pytestmark = pytest.mark.django_db

LAN_PID = "001190012345"
CALLBACK_URI = "http://127.0.0.1:8000/oidc/callback/"
FAILURE_URL = "/login/?sso=failed"
FAILED_VI = "Đăng nhập bằng tài khoản định danh điện tử không thành công. Vui lòng thử lại."
FAILED_EN = "Signing in with the national identity account did not work. Please try again."
FAILED_ACTION = "account.sso_login_failed"


def lan_sub() -> str:
    person = people.by_identification_number(LAN_PID)
    assert person is not None
    return person.sub


@pytest.fixture
def sso(client, national_settings, national_services) -> NationalServices:
    client.defaults["HTTP_HOST"] = "127.0.0.1:8000"
    return national_services


def start(client) -> dict[str, str]:
    """Press "sign in with the national identity account": the authorization request."""
    response = client.get(reverse("oidc_authentication_init"))
    assert response.status_code == 302
    url = response["Location"]
    return {"url": url, **{k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}}


def choose_at_sso(services: NationalServices, authorize_url: str, sub: str | None = None) -> str:
    """Pick the identity on the SSO's page: the callback URL (path and query) it sends back."""
    page = requests.get(authorize_url, timeout=5)
    assert page.status_code == 200, page.text
    login_request = re.search(r'name="request" value="([^"]+)"', page.text)
    assert login_request
    chosen = requests.post(
        f"{services.issuer}/authorize",
        data={"request": unescape(login_request.group(1)), "identity": sub or lan_sub()},
        allow_redirects=False,
        timeout=5,
    )
    assert chosen.status_code == 302
    location = urlsplit(chosen.headers["Location"])
    assert "code" in parse_qs(location.query)
    return f"{location.path}?{location.query}"


def sign_in(client, services: NationalServices):
    """The whole flow; the response of the portal's callback."""
    return client.get(choose_at_sso(services, start(client)["url"]))


def assert_signed_in(client, response) -> None:
    assert response.status_code == 302
    assert response["Location"] != FAILURE_URL
    user = User.objects.get(personal_id=LAN_PID)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert not AuditEvent.objects.filter(action=FAILED_ACTION).exists()


def assert_refused(client, response, caplog, reason: str) -> AuditEvent:
    """On the sign-in page with "sign-in failed", not signed in, logged and audited."""
    assert response.status_code == 302
    assert response["Location"] == FAILURE_URL
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert FAILED_VI in page.content.decode()
    event = AuditEvent.objects.get(action=FAILED_ACTION)
    assert event.actor is None
    assert event.details["reason"] == reason, event.details
    assert event.ip_address == "127.0.0.1"
    warnings = [
        r for r in caplog.records if r.name == "portal.auth" and r.levelno >= logging.WARNING
    ]
    assert any(reason in r.getMessage() for r in warnings), [r.getMessage() for r in warnings]
    return event


# --- The code ------------------------------------------------------------------------------------


def test_sign_in_works(client, sso):
    assert_signed_in(client, sign_in(client, sso))


def test_a_deactivated_account_is_signed_out_at_its_next_request(client, sso):
    assert_signed_in(client, sign_in(client, sso))
    assert client.get(reverse("dossiers:mine")).status_code == 200
    User.objects.filter(personal_id=LAN_PID).update(is_active=False)
    page = client.get(reverse("dossiers:mine"))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("portal:login"))


def test_an_already_redeemed_code_ends_on_the_failure_page(client, sso, caplog):
    authorization = start(client)
    callback = choose_at_sso(sso, authorization["url"])
    code = parse_qs(urlsplit(callback).query)["code"][0]
    verifier = client.session["oidc_states"][authorization["state"]]["code_verifier"]
    redeemed = requests.post(
        f"{sso.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK_URI,
            **({"code_verifier": verifier} if verifier else {}),
        },
        auth=(sso.sso_client_id, sso.sso_client_secret),
        timeout=5,
    )
    assert redeemed.status_code == 200, redeemed.text

    event = assert_refused(client, client.get(callback), caplog, "code_refused")
    assert event.details["error"] == "invalid_grant"
    assert code not in json.dumps(event.details)


def test_a_forged_code_ends_on_the_failure_page_in_english_for_an_english_reader(
    client, sso, caplog
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    state = start(client)["state"]
    response = client.get(reverse("oidc_authentication_callback"), {"code": "x", "state": state})
    assert response.status_code == 302
    assert response["Location"] == FAILURE_URL
    assert FAILED_EN in client.get(FAILURE_URL).content.decode()
    assert AuditEvent.objects.get(action=FAILED_ACTION).details["reason"] == "code_refused"


def test_refused_sign_ins_do_not_lock_citizens_out(client, sso, caplog, national_settings):
    """The officers' lockout (django-axes, per username and address) is not for the SSO's
    callback: refusals there are not password guesses, and many citizens share an address."""
    national_settings.AXES_FAILURE_LIMIT = 2
    for _ in range(3):
        state = start(client)["state"]
        client.get(reverse("oidc_authentication_callback"), {"code": "x", "state": state})
    assert AuditEvent.objects.filter(action=FAILED_ACTION).count() == 3
    assert not AccessAttempt.objects.exists()
    response = sign_in(client, sso)
    assert response.status_code == 302
    assert response["Location"] != FAILURE_URL
    assert client.session["_auth_user_id"]


def test_a_callback_replayed_after_sign_in_ends_on_the_failure_page(client, sso, caplog):
    callback = choose_at_sso(sso, start(client)["url"])
    assert_signed_in(client, client.get(callback))
    client.logout()
    assert_refused(client, client.get(callback), caplog, "state_unknown")


def test_an_error_from_the_sso_ends_on_the_failure_page(client, sso, caplog):
    state = start(client)["state"]
    response = client.get(
        reverse("oidc_authentication_callback"), {"error": "invalid_request", "state": state}
    )
    event = assert_refused(client, response, caplog, "sso_error")
    assert event.details["error"] == "invalid_request"


def test_cancelling_at_the_sso_is_not_a_refusal(client, sso):
    state = start(client)["state"]
    response = client.get(
        reverse("oidc_authentication_callback"), {"error": "access_denied", "state": state}
    )
    assert response["Location"] == FAILURE_URL
    assert not AuditEvent.objects.filter(action=FAILED_ACTION).exists()


# --- PKCE ----------------------------------------------------------------------------------------


def test_the_portal_sends_an_s256_pkce_challenge(client, sso):
    authorization = start(client)
    assert authorization["code_challenge_method"] == "S256"
    verifier = client.session["oidc_states"][authorization["state"]]["code_verifier"]
    assert 43 <= len(verifier) <= 128
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    assert authorization["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert_signed_in(client, client.get(choose_at_sso(sso, authorization["url"])))


def test_a_wrong_pkce_verifier_is_refused_by_the_sso(client, sso, caplog):
    authorization = start(client)
    callback = choose_at_sso(sso, authorization["url"])
    session = client.session
    assert session["oidc_states"][authorization["state"]]["code_verifier"]
    session["oidc_states"][authorization["state"]]["code_verifier"] = "w" * 64
    session.save()
    event = assert_refused(client, client.get(callback), caplog, "code_refused")
    assert event.details["error"] == "invalid_grant"


# --- The ID token --------------------------------------------------------------------------------

DROP = object()


def claims_for(services: NationalServices, nonce: str, /, **changes: Any) -> dict[str, Any]:
    """Lan's claims as the SSO would sign them; `iat` and `exp` changes are seconds from now."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": services.issuer,
        "sub": lan_sub(),
        "aud": services.sso_client_id,
        "iat": now,
        "exp": now + 600,
        "nonce": nonce,
    }
    for name, value in changes.items():
        if value is DROP:
            claims.pop(name)
        elif name in {"iat", "exp"}:
            claims[name] = now + value
        else:
            claims[name] = value
    return claims


def unsigned_token(claims: dict[str, Any], **header: Any) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT', **header})}.{part(claims)}."


def callback_with_id_token(client, services: NationalServices, make_token):
    """The real flow, but the token endpoint's answer carries `make_token(nonce)` as ID token
    (the access token stays the SSO's, so the userinfo call is real)."""
    authorization = start(client)
    real_get_token = CitizenOIDCBackend.get_token

    def get_token(backend, payload):
        return {**real_get_token(backend, payload), "id_token": make_token(authorization["nonce"])}

    callback = choose_at_sso(services, authorization["url"])
    with mock.patch.object(CitizenOIDCBackend, "get_token", get_token):
        return client.get(callback)


ACCEPTED = {
    "as the SSO signs it": {},
    "issued within the clock skew": {"iat": 30},
    "several audiences, we are the authorized party": {
        "aud": ["national-portal", "tax-portal"],
        "azp": "national-portal",
    },
}


@pytest.mark.parametrize("changes", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_id_token_accepted(client, sso, changes):
    response = callback_with_id_token(
        client, sso, lambda nonce: sso.mint_id_token(claims_for(sso, nonce, **changes))
    )
    assert_signed_in(client, response)


REFUSED_CLAIMS = {
    "without exp": {"exp": DROP},
    "expired": {"iat": -700, "exp": -100},
    "without iat": {"iat": DROP},
    "issued in the future": {"iat": 600, "exp": 1200},
    "several audiences without azp": {"aud": ["national-portal", "tax-portal"]},
    "azp of another client": {"azp": "tax-portal"},
    "several audiences, azp of another client": {
        "aud": ["national-portal", "tax-portal"],
        "azp": "tax-portal",
    },
    "for another client": {"aud": "tax-portal"},
    "from another issuer": {"iss": "https://sso.example.net"},
    "without sub": {"sub": DROP},
    "another nonce": {"nonce": "not-the-nonce"},
}


@pytest.mark.parametrize("changes", REFUSED_CLAIMS.values(), ids=REFUSED_CLAIMS.keys())
def test_id_token_refused(client, sso, caplog, changes):
    response = callback_with_id_token(
        client, sso, lambda nonce: sso.mint_id_token(claims_for(sso, nonce, **changes))
    )
    assert_refused(client, response, caplog, "id_token_invalid")


def _alg_none(sso):
    return lambda nonce: unsigned_token(claims_for(sso, nonce))


def _alg_none_with_kid(sso):
    kid = sso.sso_signing_key().thumbprint()
    return lambda nonce: unsigned_token(claims_for(sso, nonce), kid=kid)


def _hs256_with_the_client_secret(sso):
    key = OctKey.import_key(sso.sso_client_secret)
    return lambda nonce: jwt.encode({"alg": "HS256"}, claims_for(sso, nonce), key)


def _another_key(sso):
    key = RSAKey.generate_key(2048, private=True)
    kid = sso.sso_signing_key().thumbprint()
    return lambda nonce: jwt.encode({"alg": "RS256", "kid": kid}, claims_for(sso, nonce), key)


def _without_kid(sso):
    key = sso.sso_signing_key()
    return lambda nonce: jwt.encode({"alg": "RS256"}, claims_for(sso, nonce), key)


REFUSED_TOKENS = {
    "alg none": _alg_none,
    "alg none with the SSO's kid": _alg_none_with_kid,
    "HS256 signed with the client secret": _hs256_with_the_client_secret,
    "signed by another key": _another_key,
    "without kid": _without_kid,
    "not a JWT": lambda sso: lambda nonce: "not-a-jwt",
    "missing": lambda sso: lambda nonce: None,
}


@pytest.mark.parametrize("make", REFUSED_TOKENS.values(), ids=REFUSED_TOKENS.keys())
def test_malformed_id_token_refused(client, sso, caplog, make):
    response = callback_with_id_token(client, sso, make(sso))
    assert_refused(client, response, caplog, "id_token_invalid")


def test_clock_skew_comes_from_the_settings(client, sso, national_settings, caplog):
    national_settings.OIDC_CLOCK_SKEW_SECONDS = 5
    response = callback_with_id_token(
        client, sso, lambda nonce: sso.mint_id_token(claims_for(sso, nonce, iat=30))
    )
    assert_refused(client, response, caplog, "id_token_invalid")


# --- An SSO that is down, slow or answers nonsense -----------------------------------------------


class _StubHandler(BaseHTTPRequestHandler):
    server: _StubServer

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, content_type, body, delay = self.server.answer
        time.sleep(delay)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


class _StubServer(ThreadingHTTPServer):
    daemon_threads = True
    answer: tuple[int, str, bytes, float]


@pytest.fixture
def stub_server() -> Iterator[_StubServer]:
    """An HTTP server on 127.0.0.1 that gives every request `.answer`."""
    server = _StubServer(("127.0.0.1", 0), _StubHandler)
    server.answer = (200, "application/json", b"{}", 0.0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


ENDPOINTS = {
    "token": "OIDC_OP_TOKEN_ENDPOINT",
    "jwks": "OIDC_OP_JWKS_ENDPOINT",
    "userinfo": "OIDC_OP_USER_ENDPOINT",
}
FAULTS = {
    # name: (answer, reason); answer None: nothing listens
    "unreachable": (None, "sso_unavailable"),
    "down": (
        (503, "application/json", b'{"error": "service_unavailable"}', 0.0),
        "sso_unavailable",
    ),
    "too slow": ((200, "application/json", b"{}", 4.0), "sso_unavailable"),
    "not JSON": ((200, "text/html", b"<html>maintenance</html>", 0.0), "sso_answer_invalid"),
    "a JSON list": ((200, "application/json", b"[]", 0.0), "sso_answer_invalid"),
    "a JSON object of another shape": (
        (200, "application/json", b'{"keys": "none", "id_token": 1}', 0.0),
        "sso_answer_invalid",
    ),
}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("fault", FAULTS)
def test_sso_failure_ends_on_the_failure_page(
    client, sso, national_settings, caplog, stub_server, endpoint, fault
):
    answer, reason = FAULTS[fault]
    if answer is None:
        url = f"http://127.0.0.1:{free_port()}/sso/{endpoint}"
    else:
        stub_server.answer = answer
        url = f"http://127.0.0.1:{stub_server.server_port}/sso/{endpoint}"
    callback = choose_at_sso(sso, start(client)["url"])
    setattr(national_settings, ENDPOINTS[endpoint], url)
    national_settings.OIDC_TIMEOUT = 2.0  # the stub waits 4 s; the real SSO answers in ms
    response = client.get(callback)
    event = assert_refused(client, response, caplog, reason)
    assert event.details["endpoint"] == endpoint


def test_userinfo_refusing_the_access_token_ends_on_the_failure_page(client, sso, caplog):
    authorization = start(client)
    real_get_token = CitizenOIDCBackend.get_token

    def get_token(backend, payload):
        return {**real_get_token(backend, payload), "access_token": "revoked"}

    callback = choose_at_sso(sso, authorization["url"])
    with mock.patch.object(CitizenOIDCBackend, "get_token", get_token):
        response = client.get(callback)
    event = assert_refused(client, response, caplog, "userinfo_refused")
    assert event.details["error"] == "invalid_token"


def _lan_userinfo(**changes: Any) -> dict[str, Any]:
    person = people.by_identification_number(LAN_PID)
    assert person is not None
    info = person.sso_claims()
    for name, value in changes.items():
        if value is DROP:
            info.pop(name)
        else:
            info[name] = value
    return info


USERINFO_ANSWERS = {
    "without sub": {"sub": DROP},
    "another subject": {"sub": "someone-else"},
    "account type as text": {"account_type": "1"},
    "account type null": {"account_type": None},
    "level of assurance as text": {"loa": "high"},
    "birthdate not a date": {"birthdate": "12/03/1990"},
    "name too long for the account": {"name": "N" * 201},
    "personal id too long for the account": {"personal_id": "0" * 13},
}


@pytest.mark.parametrize("changes", USERINFO_ANSWERS.values(), ids=USERINFO_ANSWERS.keys())
def test_userinfo_the_account_cannot_take_ends_on_the_failure_page(
    client, sso, national_settings, caplog, stub_server, changes
):
    stub_server.answer = (
        200,
        "application/json",
        json.dumps(_lan_userinfo(**changes)).encode(),
        0.0,
    )
    callback = choose_at_sso(sso, start(client)["url"])
    national_settings.OIDC_OP_USER_ENDPOINT = f"http://127.0.0.1:{stub_server.server_port}/"
    event = assert_refused(client, client.get(callback), caplog, "sso_answer_invalid")
    assert event.details["endpoint"] == "userinfo"
    assert LAN_PID not in json.dumps(event.details) + event.reason


def test_userinfo_as_the_sso_gives_it_signs_in(client, sso, national_settings, stub_server):
    stub_server.answer = (200, "application/json", json.dumps(_lan_userinfo()).encode(), 0.0)
    callback = choose_at_sso(sso, start(client)["url"])
    national_settings.OIDC_OP_USER_ENDPOINT = f"http://127.0.0.1:{stub_server.server_port}/"
    assert_signed_in(client, client.get(callback))


def test_claims_no_account_may_take_end_on_the_failure_page_without_locking_out(
    client, sso, national_settings, caplog, stub_server
):
    """An account type the portal does not know: refused, and not counted by django-axes,
    which at its limit locked every citizen of the address out (429) before."""
    national_settings.AXES_FAILURE_LIMIT = 2
    stub_server.answer = (
        200,
        "application/json",
        json.dumps(_lan_userinfo(account_type=9)).encode(),
        0.0,
    )
    for attempt in range(3):
        callback = choose_at_sso(sso, start(client)["url"])
        national_settings.OIDC_OP_USER_ENDPOINT = f"http://127.0.0.1:{stub_server.server_port}/"
        response = client.get(callback)
        assert response.status_code == 302, attempt
        assert response["Location"] == FAILURE_URL
    events = AuditEvent.objects.filter(action=FAILED_ACTION)
    assert [e.details["reason"] for e in events] == ["account_refused"] * 3
    assert not AccessAttempt.objects.exists()
    national_settings.OIDC_OP_USER_ENDPOINT = f"{sso.issuer}/userinfo"
    response = sign_in(client, sso)
    assert response.status_code == 302
    assert response["Location"] != FAILURE_URL


def test_an_officers_personal_id_from_the_sso_ends_on_the_failure_page(
    client, sso, caplog, officer_hk
):
    officer_hk.personal_id = LAN_PID
    officer_hk.save()
    event = assert_refused(client, sign_in(client, sso), caplog, "account_refused")
    assert "account.sso_link_refused" in AuditEvent.objects.values_list("action", flat=True)
    assert event.ip_address == "127.0.0.1"
    officer_hk.refresh_from_db()
    assert officer_hk.sso_subject is None

"""The mocked national SSO over real HTTP: discovery, code flow, tokens, userinfo, logout."""

import base64
import hashlib
import html
import json
import re
import time
from pathlib import Path
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core import signing
from django.core.exceptions import SuspiciousOperation
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from joserfc.jwt import JWTClaimsRegistry
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from tests.fixtures_mocks import TEST_SECRET_KEY

REDIRECT_URI = "http://127.0.0.1:8000/oidc/callback/"
PEOPLE = json.loads(
    (Path(__file__).resolve().parents[2] / "national_mocks/data/people.json").read_text("utf-8")
)["people"]
LAN = next(p for p in PEOPLE if p["identification_number"] == "001190012345")
CLAIMS = {
    "account_type",
    "personal_id",
    "name",
    "birthdate",
    "tech_id",
    "loa",
    "email",
    "phone_number",
}


def authorize_params(services, **overrides):
    params = {
        "client_id": services.sso_client_id,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": "openid profile",
        "state": "state-123",
        "nonce": "nonce-456",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def login_form(services, **overrides):
    response = requests.get(
        f"{services.issuer}/authorize", params=authorize_params(services, **overrides), timeout=5
    )
    assert response.status_code == 200, response.text
    match = re.search(r'name="request" value="([^"]+)"', response.text)
    assert match
    return response, html.unescape(match.group(1))


def choose(services, login_request, sub=LAN["sso"]["sub"], **extra):
    return requests.post(
        f"{services.issuer}/authorize",
        data={"request": login_request, "identity": sub, **extra},
        allow_redirects=False,
        timeout=5,
    )


def get_code(services, person=LAN, **overrides):
    _, login_request = login_form(services, **overrides)
    response = choose(services, login_request, person["sso"]["sub"])
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    return query["code"][0]


def exchange(services, code, *, auth="basic", secret=None, redirect_uri=REDIRECT_URI, **extra):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    data.update(extra)
    secret = services.sso_client_secret if secret is None else secret
    kwargs = {}
    if auth == "basic":
        kwargs["auth"] = (services.sso_client_id, secret)
    else:
        data.update(client_id=services.sso_client_id, client_secret=secret)
    return requests.post(f"{services.issuer}/token", data=data, timeout=5, **kwargs)


def decode_id_token(services, id_token):
    key_set = KeySet.import_key_set(requests.get(f"{services.issuer}/jwks", timeout=5).json())
    token = jwt.decode(id_token, key_set, algorithms=["RS256"])
    JWTClaimsRegistry(
        iss={"essential": True, "value": services.issuer},
        aud={"essential": True, "value": services.sso_client_id},
        exp={"essential": True},
        iat={"essential": True},
        sub={"essential": True},
    ).validate(token.claims)
    return token


# --- Discovery and keys ---------------------------------------------------------------------


def test_discovery_document(national_services):
    response = requests.get(
        f"{national_services.issuer}/.well-known/openid-configuration", timeout=5
    )
    assert response.status_code == 200
    doc = response.json()
    issuer = national_services.issuer
    assert doc["issuer"] == issuer == f"{national_services.url}/sso"
    assert doc["authorization_endpoint"] == f"{issuer}/authorize"
    assert doc["token_endpoint"] == f"{issuer}/token"
    assert doc["userinfo_endpoint"] == f"{issuer}/userinfo"
    assert doc["jwks_uri"] == f"{issuer}/jwks"
    assert doc["end_session_endpoint"] == f"{issuer}/logout"
    assert doc["response_types_supported"] == ["code"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert set(doc["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
    }
    assert CLAIMS <= set(doc["claims_supported"])


def test_jwks_has_one_public_rsa_signing_key(national_services):
    keys = requests.get(f"{national_services.issuer}/jwks", timeout=5).json()["keys"]
    assert len(keys) == 1
    key = keys[0]
    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    assert key["use"] == "sig"
    assert key["kid"]
    assert {"n", "e"} <= set(key)
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


def test_key_file_is_shared_by_restarts(national_services, national_services_factory):
    before = requests.get(f"{national_services.issuer}/jwks", timeout=5).json()
    key_file = national_services.env["NATIONAL_MOCKS_SSO_KEY_FILE"]
    assert Path(key_file).stat().st_mode & 0o077 == 0
    other = national_services_factory(NATIONAL_MOCKS_SSO_KEY_FILE=key_file)
    assert requests.get(f"{other.issuer}/jwks", timeout=5).json() == before


# --- Authorization endpoint -----------------------------------------------------------------


def test_authorize_page_lists_the_demo_identities(national_services):
    response, _ = login_form(national_services)
    page = response.text
    assert "<title>Đăng nhập bằng tài khoản định danh điện tử" in page
    assert '<html lang="vi">' in page
    assert "mô phỏng" in page
    for person in PEOPLE:
        assert person["full_name"] in page
        assert f'value="{person["sso"]["sub"]}"' in page
    assert "http" not in re.sub(r'(action|value)="[^"]*"', "", page).split("</head>")[0]
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "form-action 'self' http://127.0.0.1:8000" in csp


def test_choosing_an_identity_redirects_with_code_and_state(national_services):
    _, login_request = login_form(national_services)
    response = choose(national_services, login_request)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    query = parse_qs(location.query)
    assert query["state"] == ["state-123"]
    assert len(query["code"][0]) > 20


def test_cancel_returns_access_denied(national_services):
    _, login_request = login_form(national_services)
    response = choose(national_services, login_request, cancel="1")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query == {"error": ["access_denied"], "state": ["state-123"]}


def test_tampered_login_request_is_refused(national_services):
    _, login_request = login_form(national_services)
    response = choose(national_services, login_request[:-2] + "xx")
    assert response.status_code == 400
    assert "Location" not in response.headers


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://evil.example/oidc/callback/",
        "http://127.0.0.1:8000/other/",
        "http://127.0.0.1:8000@evil.example/oidc/callback/",
        "http://127.0.0.1:8000/oidc/callback/?next=http://evil.example",
        "https://127.0.0.1:8000/oidc/callback/",
        None,
    ],
)
def test_unregistered_redirect_uri_is_400_without_redirect(national_services, redirect_uri):
    response = requests.get(
        f"{national_services.issuer}/authorize",
        params=authorize_params(national_services, redirect_uri=redirect_uri),
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_localhost_on_any_port_is_allowed(national_services):
    uri = "http://localhost:43210/oidc/callback/"
    response = requests.get(
        f"{national_services.issuer}/authorize",
        params=authorize_params(national_services, redirect_uri=uri),
        timeout=5,
    )
    assert response.status_code == 200


def test_unknown_client_is_400(national_services):
    response = requests.get(
        f"{national_services.issuer}/authorize",
        params=authorize_params(national_services, client_id="stranger"),
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"scope": "profile"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
def test_invalid_request_is_redirected_with_an_error(national_services, overrides, error):
    response = requests.get(
        f"{national_services.issuer}/authorize",
        params=authorize_params(national_services, **overrides),
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["error"] == [error]
    assert query["state"] == ["state-123"]


# --- Token endpoint -------------------------------------------------------------------------


@pytest.mark.parametrize("auth", ["basic", "post"])
def test_code_exchange_returns_a_valid_id_token(national_services, auth):
    code = get_code(national_services)
    response = exchange(national_services, code, auth=auth)

    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] > 0
    assert body["access_token"]
    token = decode_id_token(national_services, body["id_token"])
    jwks = requests.get(f"{national_services.issuer}/jwks", timeout=5).json()
    assert token.header["alg"] == "RS256"
    assert token.header["kid"] == jwks["keys"][0]["kid"]
    claims = token.claims
    assert claims["sub"] == LAN["sso"]["sub"]
    assert claims["aud"] == national_services.sso_client_id
    assert claims["nonce"] == "nonce-456"
    assert claims["account_type"] == 1
    assert claims["personal_id"] == "001190012345"
    assert claims["name"] == "Nguyễn Thị Lan"
    assert claims["birthdate"] == "1990-03-12"
    assert claims["tech_id"] == LAN["sso"]["tech_id"]
    assert claims["loa"] == 2
    assert claims["email"] == "lan.nguyen@example.vn"
    assert claims["phone_number"] == LAN["sso"]["phone_number"]
    now = time.time()
    assert claims["iat"] <= now + 5
    assert claims["exp"] > now
    assert abs(claims["auth_time"] - now) < 60
    digest = hashlib.sha256(body["access_token"].encode()).digest()[:16]
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_id_token_without_nonce_when_none_was_sent(national_services):
    code = get_code(national_services, nonce=None)
    body = exchange(national_services, code).json()
    assert "nonce" not in decode_id_token(national_services, body["id_token"]).claims


@pytest.mark.parametrize("auth", ["basic", "post"])
def test_bad_client_secret_is_401(national_services, auth):
    code = get_code(national_services)
    response = exchange(national_services, code, auth=auth, secret="not-the-secret")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    # the code was not consumed by the failed attempt
    assert exchange(national_services, code).status_code == 200


def test_missing_client_authentication_is_401(national_services):
    code = get_code(national_services)
    response = requests.post(
        f"{national_services.issuer}/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        timeout=5,
    )
    assert response.status_code == 401


def test_code_cannot_be_used_twice(national_services):
    code = get_code(national_services)
    assert exchange(national_services, code).status_code == 200
    second = exchange(national_services, code, auth="post")
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"


def test_redirect_uri_must_match_the_authorization_request(national_services):
    code = get_code(national_services)
    response = exchange(
        national_services, code, redirect_uri="http://127.0.0.1:9999/oidc/callback/"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(("age", "expected"), [(60, 200), (130, 400)])
def test_code_expires_after_two_minutes(national_services, age, expected):
    payload = {
        "client_id": national_services.sso_client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid",
        "state": "",
        "nonce": "n",
        "code_challenge": "",
        "code_challenge_method": "",
        "sub": LAN["sso"]["sub"],
        "auth_time": int(time.time()) - age,
        "jti": f"forged-{age}",
    }
    with mock.patch("django.core.signing.time.time", return_value=time.time() - age):
        code = signing.dumps(
            payload, key=TEST_SECRET_KEY, salt="national_mocks.sso.code", compress=True
        )
    response = exchange(national_services, code)
    assert response.status_code == expected, response.text


def test_code_signed_with_another_key_is_refused(national_services):
    code = signing.dumps({"sub": LAN["sso"]["sub"]}, key="x" * 50, salt="national_mocks.sso.code")
    response = exchange(national_services, code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_unsupported_grant_type(national_services):
    response = exchange(national_services, "whatever", grant_type="password")
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


# --- PKCE (RFC 7636) ---------------------------------------------------------------------------

# RFC 7636, appendix B
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def s256(verifier):
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def pkce_code(services, challenge=RFC_CHALLENGE, method="S256"):
    return get_code(services, code_challenge=challenge, code_challenge_method=method)


def test_pkce_s256(national_services):
    assert s256(RFC_VERIFIER) == RFC_CHALLENGE
    wrong = exchange(national_services, pkce_code(national_services), code_verifier="w" * 50)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    right = exchange(national_services, pkce_code(national_services), code_verifier=RFC_VERIFIER)
    assert right.status_code == 200, right.text


def test_pkce_plain_and_plain_is_the_default_method(national_services):
    verifier = "p" * 43
    code = pkce_code(national_services, challenge=verifier, method="plain")
    assert exchange(national_services, code, code_verifier="q" * 43).status_code == 400
    assert exchange(national_services, code, code_verifier=verifier).status_code == 200
    code = pkce_code(national_services, challenge=verifier, method=None)
    assert exchange(national_services, code, code_verifier=s256(verifier)).status_code == 400
    assert exchange(national_services, code, code_verifier=verifier).status_code == 200


@pytest.mark.parametrize(
    "verifier",
    [None, "", RFC_VERIFIER[:-1], RFC_VERIFIER + "x", RFC_CHALLENGE],
    ids=["missing", "empty", "shorter", "longer", "the challenge itself"],
)
def test_pkce_missing_or_wrong_verifier_is_invalid_grant(national_services, verifier):
    extra = {} if verifier is None else {"code_verifier": verifier}
    response = exchange(national_services, pkce_code(national_services), **extra)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "verifier",
    ["a" * 42, "a" * 129, "a" * 42 + "+", "a" * 42 + " ", "a" * 42 + "é"],
    ids=["42 characters", "129 characters", "plus sign", "space", "non-ASCII"],
)
def test_pkce_verifier_of_another_form_than_rfc_7636_is_invalid_grant(national_services, verifier):
    """43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~" (section 4.1),
    even when its S256 hash is the challenge."""
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    code = pkce_code(national_services, challenge=challenge.rstrip(b"=").decode())
    response = exchange(national_services, code, code_verifier=verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_pkce_verifier_without_a_challenge_is_invalid_grant(national_services):
    """A verifier for a code requested without a challenge: a PKCE downgrade (RFC 9700, 2.1.1)."""
    response = exchange(national_services, get_code(national_services), code_verifier=RFC_VERIFIER)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("challenge", "method"),
    [
        (RFC_CHALLENGE, "S512"),
        (RFC_CHALLENGE, "s256"),
        ("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw", "S256"),
        (RFC_CHALLENGE.replace("-", "+"), "S256"),
        ("x" * 129, "plain"),
        ("", "S256"),
    ],
    ids=["unknown method", "lower-case method", "too short", "not base64url", "too long", "empty"],
)
def test_malformed_pkce_challenge_is_redirected_with_invalid_request(
    national_services, challenge, method
):
    response = requests.get(
        f"{national_services.issuer}/authorize",
        params={
            **authorize_params(national_services),
            "code_challenge": challenge,
            "code_challenge_method": method,
        },
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["error"] == ["invalid_request"]
    assert query["state"] == ["state-123"]
    assert "code" not in query


# --- Userinfo -------------------------------------------------------------------------------


def test_userinfo_returns_the_claims(national_services):
    body = exchange(national_services, get_code(national_services)).json()
    response = requests.get(
        f"{national_services.issuer}/userinfo",
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=5,
    )
    assert response.status_code == 200
    info = response.json()
    assert set(info) == {"sub", *CLAIMS}
    id_claims = decode_id_token(national_services, body["id_token"]).claims
    assert info == {k: id_claims[k] for k in info}


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic abc"])
def test_userinfo_without_a_valid_token_is_401(national_services, header):
    headers = {"Authorization": header} if header else {}
    response = requests.get(f"{national_services.issuer}/userinfo", headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


# --- Logout ---------------------------------------------------------------------------------


def test_logout_redirects_to_an_allowed_uri(national_services):
    response = requests.get(
        f"{national_services.issuer}/logout",
        params={
            "post_logout_redirect_uri": "http://127.0.0.1:8000/",
            "client_id": national_services.sso_client_id,
            "state": "s1",
        },
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "http://127.0.0.1:8000/?state=s1"


def test_logout_with_id_token_hint(national_services):
    id_token = exchange(national_services, get_code(national_services)).json()["id_token"]
    response = requests.get(
        f"{national_services.issuer}/logout",
        params={"post_logout_redirect_uri": "http://localhost:8000/", "id_token_hint": id_token},
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "http://localhost:8000/"


@pytest.mark.parametrize(
    "uri", ["http://evil.example/", "http://127.0.0.1:8000@evil.example/", "javascript:alert(1)"]
)
def test_logout_refuses_other_uris(national_services, uri):
    response = requests.get(
        f"{national_services.issuer}/logout",
        params={"post_logout_redirect_uri": uri},
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_logout_without_uri_shows_a_page(national_services):
    response = requests.get(f"{national_services.issuer}/logout", timeout=5)
    assert response.status_code == 200
    assert "Bạn đã đăng xuất" in response.text


# --- The portal's relying party (mozilla-django-oidc) ---------------------------------------


@pytest.mark.parametrize("use_basic_auth", [False, True])
def test_mozilla_django_oidc_accepts_the_tokens(
    national_settings, national_services, use_basic_auth
):
    national_settings.OIDC_TOKEN_USE_BASIC_AUTH = use_basic_auth
    backend = OIDCAuthenticationBackend()
    token_info = backend.get_token(
        {
            "client_id": national_settings.OIDC_RP_CLIENT_ID,
            "client_secret": national_settings.OIDC_RP_CLIENT_SECRET,
            "grant_type": "authorization_code",
            "code": get_code(national_services),
            "redirect_uri": REDIRECT_URI,
        }
    )

    payload = backend.verify_token(token_info["id_token"], nonce="nonce-456")
    assert payload["personal_id"] == "001190012345"
    assert payload["aud"] == national_settings.OIDC_RP_CLIENT_ID
    with pytest.raises(SuspiciousOperation, match="Nonce"):
        backend.verify_token(token_info["id_token"], nonce="another-nonce")
    info = backend.get_userinfo(token_info["access_token"], token_info["id_token"], payload)
    assert info["sub"] == payload["sub"]
    assert info["email"] == "lan.nguyen@example.vn"


def test_mozilla_django_oidc_rejects_a_token_signed_by_another_key(national_settings):
    other_key = RSAKey.generate_key(2048, private=True)
    jwks = requests.get(national_settings.OIDC_OP_JWKS_ENDPOINT, timeout=5).json()
    forged = jwt.encode(
        {"alg": "RS256", "kid": jwks["keys"][0]["kid"]},
        {"sub": "x", "nonce": "n", "exp": int(time.time()) + 60},
        other_key,
    )
    with pytest.raises(SuspiciousOperation, match="verification failed"):
        OIDCAuthenticationBackend().verify_token(forged, nonce="n")


def test_sso_outage_answers_503(national_services_factory):
    services = national_services_factory(NATIONAL_MOCKS_DOWN="sso")
    response = requests.get(f"{services.issuer}/.well-known/openid-configuration", timeout=5)
    assert response.status_code == 503
    assert response.json()["service"] == "sso"

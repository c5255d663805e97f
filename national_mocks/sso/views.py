"""OpenID Connect endpoints: discovery, authorize, token, userinfo, jwks, end-session."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import time
from typing import Any
from urllib.parse import unquote_plus, urlencode

from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from joserfc import jwt
from joserfc.errors import JoseError

from request_signing import NonceCache

from .. import people
from ..config import CONFIG
from ..faults import national_service
from . import clients, keys
from .clients import SsoClient

LOGIN_SALT = "national_mocks.sso.login"
CODE_SALT = "national_mocks.sso.code"
ACCESS_SALT = "national_mocks.sso.access"
PAGE_TITLE = "Đăng nhập bằng tài khoản định danh điện tử"

CLAIMS_SUPPORTED = [
    *("iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash"),
    *("account_type", "personal_id", "name", "birthdate", "tech_id", "loa"),
    *("email", "phone_number"),
]

#: RFC 7636: the methods, and the form of a verifier (4.1) and so of a challenge (4.2)
PKCE_METHODS = ("S256", "plain")
PKCE_FORM = re.compile(r"[A-Za-z0-9._~-]{43,128}")

_used_codes = NonceCache(ttl_seconds=CONFIG.sso_code_ttl + 60)


def _endpoint(name: str) -> str:
    return f"{CONFIG.base_url}/sso/{name}"


def _oauth_error(error: str, description: str, status: int = 400) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    form_targets: str = "",
) -> HttpResponse:
    """An HTML page with its own strict CSP (inline style allowed by nonce only)."""
    nonce = secrets.token_urlsafe(16)
    response = render(
        request, template, {"title": PAGE_TITLE, "csp_nonce": nonce, **context}, status=status
    )
    response["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; form-action 'self' {form_targets}; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    response["Cache-Control"] = "no-store"
    return response


def _error_page(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return _page(request, "national_mocks/sso_error.html", {"message": message}, status=status)


def _with_params(uri: str, params: dict[str, str]) -> str:
    params = {k: v for k, v in params.items() if v}
    if not params:
        return uri
    return f"{uri}{'&' if '?' in uri else '?'}{urlencode(params)}"


def _origin(uri: str) -> str:
    scheme, _, rest = uri.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


# --- Discovery and keys ---------------------------------------------------------------------


@require_GET
@national_service("sso")
def discovery(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "issuer": CONFIG.issuer,
            "authorization_endpoint": _endpoint("authorize"),
            "token_endpoint": _endpoint("token"),
            "userinfo_endpoint": _endpoint("userinfo"),
            "jwks_uri": _endpoint("jwks"),
            "end_session_endpoint": _endpoint("logout"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [keys.ALGORITHM],
            "scopes_supported": ["openid", "profile", "email", "phone"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": list(PKCE_METHODS),
            "claims_supported": CLAIMS_SUPPORTED,
        }
    )


@require_GET
@national_service("sso")
def jwks(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(keys.jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response


# --- Authorization endpoint -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@national_service("sso")
def authorize(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _authorize_choose(request)
    params = request.GET
    client = clients.get(params.get("client_id"))
    if client is None:
        return _error_page(request, "Ứng dụng (client_id) chưa được đăng ký với hệ thống.")
    redirect_uri = params.get("redirect_uri", "")
    if not client.allows_redirect(redirect_uri):
        return _error_page(request, "Địa chỉ chuyển hướng (redirect_uri) không được phép.")
    state = params.get("state", "")
    if params.get("response_type") != "code":
        return HttpResponseRedirect(
            _with_params(redirect_uri, {"error": "unsupported_response_type", "state": state})
        )
    scope = params.get("scope", "")
    if "openid" not in scope.split():
        return HttpResponseRedirect(
            _with_params(
                redirect_uri,
                {"error": "invalid_scope", "error_description": "openid required", "state": state},
            )
        )
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    if challenge is not None or method is not None:
        method = method or "plain"  # RFC 7636, 4.3: plain unless the client says otherwise
        if method not in PKCE_METHODS or not PKCE_FORM.fullmatch(challenge or ""):
            return HttpResponseRedirect(
                _with_params(
                    redirect_uri,
                    {
                        "error": "invalid_request",
                        "error_description": "invalid code_challenge or code_challenge_method",
                        "state": state,
                    },
                )
            )
    login_request = signing.dumps(
        {
            "client_id": client.client_id,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": state,
            "nonce": params.get("nonce", ""),
            "code_challenge": challenge or "",
            "code_challenge_method": method or "",
        },
        salt=LOGIN_SALT,
        compress=True,
    )
    return _page(
        request,
        "national_mocks/sso_authorize.html",
        {
            "client_id": client.client_id,
            "login_request": login_request,
            "people": people.all_people(),
            "action": request.path,
        },
        form_targets=_origin(redirect_uri),
    )


def _authorize_choose(request: HttpRequest) -> HttpResponse:
    try:
        login = signing.loads(
            request.POST.get("request", ""),
            salt=LOGIN_SALT,
            max_age=CONFIG.sso_login_page_ttl,
        )
    except signing.BadSignature:
        return _error_page(request, "Phiên đăng nhập đã hết hạn hoặc không hợp lệ. Hãy thử lại.")
    client = clients.get(login["client_id"])
    if client is None or not client.allows_redirect(login["redirect_uri"]):
        return _error_page(request, "Ứng dụng hoặc địa chỉ chuyển hướng không còn được phép.")
    if "cancel" in request.POST:
        return HttpResponseRedirect(
            _with_params(login["redirect_uri"], {"error": "access_denied", "state": login["state"]})
        )
    person = people.by_sub(request.POST.get("identity", ""))
    if person is None:
        return _error_page(request, "Danh tính được chọn không tồn tại.")
    code = signing.dumps(
        {
            **login,
            "sub": person.sub,
            "auth_time": int(time.time()),
            "jti": secrets.token_urlsafe(16),
        },
        salt=CODE_SALT,
        compress=True,
    )
    return HttpResponseRedirect(
        _with_params(login["redirect_uri"], {"code": code, "state": login["state"]})
    )


# --- Token endpoint -------------------------------------------------------------------------


def _authenticate_client(request: HttpRequest) -> SsoClient | JsonResponse:
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        if "client_secret" in request.POST:
            return _oauth_error("invalid_request", "use one client authentication method")
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        raw_id, _, raw_secret = decoded.partition(":")
        client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        posted_id = request.POST.get("client_id")
        if posted_id and posted_id != client_id:
            client_id = ""  # two different identities: refuse
    else:
        client_id = request.POST.get("client_id", "")
        secret = request.POST.get("client_secret", "")
    client = clients.get(client_id)
    if client is None or not secret or not client.check_secret(secret):
        response = _oauth_error("invalid_client", "client authentication failed", status=401)
        response["WWW-Authenticate"] = 'Basic realm="national-sso"'
        return response
    return client


def _pkce_ok(code: dict[str, Any], verifier: str | None) -> bool:
    """RFC 7636, 4.6: the verifier (of the form of 4.1) transformed by the method of the
    authorization request is its challenge. Without a challenge there must be no verifier
    either (a PKCE downgrade, RFC 9700 2.1.1)."""
    challenge = code.get("code_challenge") or ""
    if not challenge:
        return verifier is None
    if verifier is None or not PKCE_FORM.fullmatch(verifier):
        return False
    if code.get("code_challenge_method") == "S256":
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:
        computed = verifier
    return secrets.compare_digest(computed, challenge)


def _at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def issue_id_token(
    person: people.Person,
    *,
    client_id: str,
    nonce: str,
    auth_time: int,
    access_token: str | None = None,
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        **person.sso_claims(),
        "iss": CONFIG.issuer,
        "aud": client_id,
        "iat": now,
        "exp": now + CONFIG.sso_id_token_ttl,
        "auth_time": auth_time,
    }
    if nonce:
        claims["nonce"] = nonce
    if access_token:
        claims["at_hash"] = _at_hash(access_token)
    header = {"alg": keys.ALGORITHM, "typ": "JWT", "kid": keys.kid()}
    return jwt.encode(header, claims, keys.signing_key(), algorithms=[keys.ALGORITHM])


@require_POST
@national_service("sso")
def token(request: HttpRequest) -> JsonResponse:
    client = _authenticate_client(request)
    if isinstance(client, JsonResponse):
        return client
    if request.POST.get("grant_type") != "authorization_code":
        return _oauth_error("unsupported_grant_type", "only authorization_code is supported")
    try:
        code = signing.loads(
            request.POST.get("code", ""),
            salt=CODE_SALT,
            max_age=CONFIG.sso_code_ttl,
        )
    except signing.SignatureExpired:
        return _oauth_error("invalid_grant", "authorization code expired")
    except signing.BadSignature:
        return _oauth_error("invalid_grant", "invalid authorization code")
    if code["client_id"] != client.client_id:
        return _oauth_error("invalid_grant", "code issued to another client")
    if request.POST.get("redirect_uri") != code["redirect_uri"]:
        return _oauth_error("invalid_grant", "redirect_uri does not match")
    if not _pkce_ok(code, request.POST.get("code_verifier")):
        return _oauth_error("invalid_grant", "PKCE verification failed")
    person = people.by_sub(code["sub"])
    if person is None:
        return _oauth_error("invalid_grant", "unknown subject")
    if not _used_codes.add(code["jti"]):
        return _oauth_error("invalid_grant", "authorization code already used")

    access_token = signing.dumps(
        {
            "sub": person.sub,
            "client_id": client.client_id,
            "scope": code["scope"],
            "jti": secrets.token_urlsafe(12),
        },
        salt=ACCESS_SALT,
    )
    id_token = issue_id_token(
        person,
        client_id=client.client_id,
        nonce=code.get("nonce", ""),
        auth_time=code["auth_time"],
        access_token=access_token,
    )
    response = JsonResponse(
        {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": CONFIG.sso_access_token_ttl,
            "id_token": id_token,
            "scope": code["scope"],
        }
    )
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


# --- Userinfo -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@national_service("sso")
def userinfo(request: HttpRequest) -> JsonResponse:
    header = request.headers.get("Authorization", "")
    person = None
    if header[:7].lower() == "bearer ":
        try:
            data = signing.loads(
                header[7:].strip(),
                salt=ACCESS_SALT,
                max_age=CONFIG.sso_access_token_ttl,
            )
        except signing.BadSignature:
            data = {}
        person = people.by_sub(data.get("sub", ""))
    if person is None:
        response = _oauth_error("invalid_token", "missing, invalid or expired token", status=401)
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response
    response = JsonResponse(person.sso_claims(), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


# --- End session ----------------------------------------------------------------------------


def _client_from_id_token(id_token: str) -> SsoClient | None:
    try:
        claims = jwt.decode(id_token, keys.signing_key(), algorithms=[keys.ALGORITHM]).claims
    except (JoseError, ValueError):  # an undecodable hint simply identifies no client
        return None
    aud = claims.get("aud")
    return clients.get(aud if isinstance(aud, str) else None)


@require_http_methods(["GET", "POST"])
@national_service("sso")
def logout(request: HttpRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    uri = params.get("post_logout_redirect_uri", "")
    if params.get("client_id"):
        candidates = [c for c in [clients.get(params["client_id"])] if c]
    elif params.get("id_token_hint"):
        candidates = [c for c in [_client_from_id_token(params["id_token_hint"])] if c]
    else:
        candidates = list(clients.registered().values())
    if uri:
        if any(c.allows_post_logout(uri) for c in candidates):
            return HttpResponseRedirect(_with_params(uri, {"state": params.get("state", "")}))
        return _error_page(request, "Địa chỉ chuyển hướng sau khi đăng xuất không được phép.")
    return _page(request, "national_mocks/sso_logged_out.html", {})

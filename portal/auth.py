"""Citizen sign-in through the national SSO (OpenID Connect, authorization-code flow with
PKCE).

mozilla-django-oidc runs the flow; this backend verifies the RS256 ID token with PyJWT (the
library's own dependency) as OpenID Connect Core 3.1.3.7 asks: signature from the provider's
JWKS, issuer, audience, authorized party, `exp` and `iat` required and checked with a small clock
skew, nonce. It maps the national claims onto our account.

Whatever goes wrong between the SSO's redirect and the signed-in page (a refused code, an ID
token we do not accept, an SSO that is down, slow or answers nonsense, claims no account may
take, a callback whose state we never issued) raises `SignInRefused`;
`CitizenOIDCCallbackView` logs and audits it and sends the person to the sign-in page's
"sign-in failed" message, never to a 500.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

import jsonschema
import jwt
import requests
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from .audit import audit_record
from .models import AccountType
from .otp import client_ip

logger = logging.getLogger(__name__)

#: claims an ID token must carry (OpenID Connect Core 2)
REQUIRED_ID_TOKEN_CLAIMS = ["iss", "sub", "aud", "exp", "iat"]

#: the userinfo answer as the account can take it (types and lengths of portal.User's fields)
USERINFO_SCHEMA = {
    "type": "object",
    "required": ["sub"],
    "properties": {
        "sub": {"type": "string", "minLength": 1, "maxLength": 64},
        "account_type": {"type": "integer"},
        "loa": {"type": ["integer", "null"], "minimum": 0, "maximum": 32767},
        "personal_id": {"type": ["string", "null"], "maxLength": 12},
        "name": {"type": ["string", "null"], "maxLength": 200},
        "birthdate": {"type": ["string", "null"], "format": "date"},
        "email": {"type": ["string", "null"], "maxLength": 254},
        "phone_number": {"type": ["string", "null"], "maxLength": 20},
    },
}
_userinfo_validator = jsonschema.Draft202012Validator(
    USERINFO_SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


class SignInRefused(Exception):
    """A citizen sign-in the portal does not complete. `reason` is one of: code_refused,
    userinfo_refused (the SSO said no), sso_unavailable (unreachable, timed out, 5xx),
    sso_answer_invalid (not the JSON it should be), id_token_invalid, account_refused (no
    account may be used for these claims), state_unknown, sso_error (an error from the SSO)."""

    def __init__(self, reason: str, detail: str = "", **details: str) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.details = details


@contextlib.contextmanager
def _calling_the_sso(endpoint: str) -> Iterator[None]:
    """Turn what `requests` raises on a call to the SSO into a `SignInRefused`."""
    try:
        yield
    except requests.JSONDecodeError as exc:
        raise SignInRefused("sso_answer_invalid", "not JSON", endpoint=endpoint) from exc
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else 0
        if status >= 500 or not status:
            raise SignInRefused("sso_unavailable", f"HTTP {status}", endpoint=endpoint) from exc
        reason = "code_refused" if endpoint == "token" else f"{endpoint}_refused"
        raise SignInRefused(
            reason, f"HTTP {status}", endpoint=endpoint, error=_oauth_error(exc.response)
        ) from exc
    except requests.RequestException as exc:  # connection refused, timeout, TLS...
        raise SignInRefused("sso_unavailable", type(exc).__name__, endpoint=endpoint) from exc


def _oauth_error(response: requests.Response | None) -> str:
    """The `error` code of an OAuth error answer (RFC 6749 5.2), "" if there is none."""
    try:
        error = response.json().get("error") if response is not None else ""
    except (ValueError, AttributeError):
        return ""
    return error[:64] if isinstance(error, str) else ""


class CitizenOIDCBackend(OIDCAuthenticationBackend):
    def get_token(self, payload: dict[str, Any]) -> dict[str, Any]:
        with _calling_the_sso("token"):
            token_info = super().get_token(payload)
        if not isinstance(token_info, dict) or not all(
            isinstance(token_info.get(name), str) for name in ("id_token", "access_token")
        ):
            raise SignInRefused(
                "sso_answer_invalid", "no id_token or access_token", endpoint="token"
            )
        return token_info

    def retrieve_matching_jwk(self, token: str) -> jwt.PyJWK:
        with _calling_the_sso("jwks"):
            try:
                return super().retrieve_matching_jwk(token)
            except (KeyError, TypeError, AttributeError) as exc:  # not a JWKS
                raise SignInRefused("sso_answer_invalid", "not a JWK set", endpoint="jwks") from exc
            except (jwt.PyJWKError, jwt.InvalidKeyError) as exc:  # a key PyJWT cannot use
                raise SignInRefused(
                    "sso_answer_invalid", f"unusable key: {exc}", endpoint="jwks"
                ) from exc

    def get_payload_data(self, token: str, key: Any) -> dict[str, Any]:
        """Signature and claims by PyJWT: never an unsigned token (the library's
        OIDC_ALLOW_UNSECURED_JWT is not read), `exp`/`iat`/`nbf` with the clock skew."""
        return jwt.decode(
            token,
            key,
            algorithms=[self.OIDC_RP_SIGN_ALGO],
            audience=self.OIDC_RP_CLIENT_ID,
            issuer=self.get_settings("OIDC_OP_ISSUER"),
            leeway=self.get_settings("OIDC_CLOCK_SKEW_SECONDS", 60),
            options={"require": REQUIRED_ID_TOKEN_CLAIMS},
        )

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != self.OIDC_RP_SIGN_ALGO or not isinstance(
                header.get("kid"), str
            ):
                raise SignInRefused(
                    "id_token_invalid",
                    f"header alg={header.get('alg')!r} kid={header.get('kid')!r}",
                )
            payload = super().verify_token(token, **kwargs)
        except (jwt.PyJWTError, SuspiciousOperation) as exc:  # signature, claims, nonce...
            raise SignInRefused("id_token_invalid", str(exc)) from exc
        self._check_authorized_party(payload)
        return payload

    def _check_authorized_party(self, payload: dict[str, Any]) -> None:
        """OpenID Connect Core 3.1.3.7, 4 and 5: with several audiences `azp` must be there;
        when it is there it must be this portal."""
        audience = payload["aud"]
        several = isinstance(audience, list) and len(audience) > 1
        azp = payload.get("azp")
        if several and azp is None:
            raise SignInRefused("id_token_invalid", "several audiences and no azp")
        if azp is not None and azp != self.OIDC_RP_CLIENT_ID:
            raise SignInRefused("id_token_invalid", f"azp {azp!r} is not this portal")

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]):
        with _calling_the_sso("userinfo"):
            info = super().get_userinfo(access_token, id_token, payload)
        problem = jsonschema.exceptions.best_match(_userinfo_validator.iter_errors(info))
        if problem is not None:
            where = "/".join(str(p) for p in problem.absolute_path) or "(top)"
            raise SignInRefused(
                "sso_answer_invalid", f"{where}: {problem.validator}", endpoint="userinfo"
            )
        # OpenID Connect Core 5.3.2: the answer must be about the subject of the ID token
        if info["sub"] != payload.get("sub"):
            raise SignInRefused(
                "sso_answer_invalid", "not the ID token's subject", endpoint="userinfo"
            )
        return info

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]):
        """No account for these claims is a refusal like the others (the library would return
        None, which django-axes counts as a failed password for no username from this address
        and, at its limit, locks every citizen signing in from there out)."""
        try:
            user = super().get_or_create_user(access_token, id_token, payload)
        except SuspiciousOperation as exc:  # claims not verified, several accounts
            raise SignInRefused("account_refused", str(exc)) from exc
        if user is None:  # create_user refused to link the personal id
            raise SignInRefused("account_refused", "the account may not be used")
        return user

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get("sub")) and int(claims.get("account_type", 0)) in AccountType.values

    def filter_users_by_claims(self, claims: dict[str, Any]):
        """The account of this SSO subject; else the account holding the personal
        identification number the SSO vouches for (created at a counter or by an earlier
        identity provider), which is then linked to the subject."""
        users = self.UserModel.objects.filter(sso_subject=claims["sub"])
        if not users.exists() and claims.get("personal_id"):
            # only a plain citizen account never linked to another subject: never an
            # officer's or a staff account (those keep their password and second factor)
            users = self.UserModel.objects.filter(
                personal_id=claims["personal_id"],
                sso_subject__isnull=True,
                is_staff=False,
                is_superuser=False,
                memberships__isnull=True,
            )
        return users

    def _apply_claims(self, user, claims: dict[str, Any]) -> None:
        user.sso_subject = claims["sub"]
        user.full_name = claims.get("name", "") or user.full_name
        user.email = claims.get("email", "") or user.email
        user.phone = claims.get("phone_number", "") or user.phone
        user.account_type = int(claims.get("account_type", AccountType.PERSON))
        user.personal_id = claims.get("personal_id") or None
        user.level_of_assurance = int(claims.get("loa", 0) or 0)
        birthdate = claims.get("birthdate")
        user.date_of_birth = dt.date.fromisoformat(birthdate) if birthdate else None

    @transaction.atomic
    def create_user(self, claims: dict[str, Any]):
        pid = claims.get("personal_id")
        if pid and self.UserModel.objects.filter(personal_id=pid).exists():
            # the number belongs to an account the SSO may not take over (an officer's, or one
            # linked to another subject): refuse rather than sign in as someone else
            audit_record(
                actor=None,
                action="account.sso_link_refused",
                object_type="portal.user",
                object_id=pid,
            )
            return None
        user = self.UserModel(username=f"sso-{claims['sub']}"[:150], sso_subject=claims["sub"])
        user.set_unusable_password()
        self._apply_claims(user, claims)
        user.save()
        audit_record(actor=user, action="account.create_from_sso", obj=user)
        return user

    def get_user(self, user_id: Any):
        """The signed-in citizen of a session, unless the account was deactivated since:
        the library's own lookup lets a deactivated account stay signed in."""
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None

    @transaction.atomic
    def update_user(self, user, claims: dict[str, Any]):
        self._apply_claims(user, claims)
        user.save()
        return user


class CitizenOIDCCallbackView(OIDCAuthenticationCallbackView):
    """The SSO's redirect back to us (OIDC_CALLBACK_CLASS): a refused sign-in is logged,
    audited and shown as "sign-in failed" on the sign-in page (LOGIN_REDIRECT_URL_FAILURE)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        error = request.GET.get("error")
        if error == "access_denied":  # the person cancelled on the SSO's page
            logger.info("citizen sign-in cancelled at the SSO")
        elif error:
            self.record(request, SignInRefused("sso_error", error=error[:64]))
        elif "code" in request.GET and request.GET.get("state") not in request.session.get(
            "oidc_states", {}
        ):  # a callback replayed, or from another browser
            return self.refused(request, SignInRefused("state_unknown"))
        try:
            return super().get(request)
        except SignInRefused as refusal:
            return self.refused(request, refusal)

    def refused(self, request: HttpRequest, refusal: SignInRefused) -> HttpResponse:
        self.record(request, refusal)
        return self.login_failure()

    @staticmethod
    def record(request: HttpRequest, refusal: SignInRefused) -> None:
        logger.warning("citizen sign-in refused: %s %s", refusal, refusal.details or "")
        audit_record(
            actor=None,
            action="account.sso_login_failed",
            reason=str(refusal)[:200],
            ip_address=client_ip(request),
            details={"reason": refusal.reason, **refusal.details},
        )

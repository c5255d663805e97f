"""Citizen sign-in through the national SSO (OpenID Connect, authorization-code flow).

mozilla-django-oidc runs the flow and verifies the RS256 ID token against the provider's
JWKS; this backend maps the national claims onto our account.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .audit import audit_record
from .models import AccountType


class CitizenOIDCBackend(OIDCAuthenticationBackend):
    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """Also check the issuer and the audience, which the library leaves unchecked."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token audience is not this portal")
        issuer = self.get_settings("OIDC_OP_ISSUER", None)
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("ID token issuer is not the national SSO")
        return payload

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

    @transaction.atomic
    def update_user(self, user, claims: dict[str, Any]):
        self._apply_claims(user, claims)
        user.save()
        return user

"""Citizen sign-in through the national SSO (OpenID Connect)."""

from mozilla_django_oidc.auth import OIDCAuthenticationBackend


class CitizenOIDCBackend(OIDCAuthenticationBackend):
    pass

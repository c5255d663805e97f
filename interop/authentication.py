"""`Authorization: Api-Key <key>` for agencies' systems, and scopes per view.

No header: 401. Unknown or revoked key: 401. A valid key without the view's scope: 403.
The authenticated user is the agency's system user (`services.system_user_for`), the auth
object the `ApiKey`.
"""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission

from . import selectors, services
from .models import ApiKey

KEYWORD = "Api-Key"


def raw_key_from(request) -> str | None:
    """The key of an `Authorization: Api-Key <key>` header; None without such a header."""
    header = get_authorization_header(request).split()
    if not header or header[0].lower() != KEYWORD.lower().encode():
        return None
    if len(header) != 2:
        raise exceptions.AuthenticationFailed("Invalid Api-Key header: give exactly one key.")
    try:
        return header[1].decode("ascii")
    except UnicodeDecodeError:
        raise exceptions.AuthenticationFailed("Invalid API key.") from None


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        raw_key = raw_key_from(request)
        if raw_key is None:
            return None
        key = selectors.api_key_lookup(raw_key=raw_key)
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid API key.")
        if not key.is_active:
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        services.api_key_touch(api_key=key)
        return services.system_user_for(agency=key.agency), key

    def authenticate_header(self, request) -> str:
        return f'{KEYWORD} realm="interop"'


class HasScope(BasePermission):
    """The view's `required_scope` must be one of the key's scopes."""

    message = "This API key does not have the scope this operation needs."

    def has_permission(self, request, view) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return False
        scope = getattr(view, "required_scope", None)
        if scope is None:
            return False
        if not key.has_scope(scope):
            self.message = f'This API key does not have the scope "{scope}".'
            return False
        return True

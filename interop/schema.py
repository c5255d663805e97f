"""The OpenAPI description of the API-key authentication (drf-spectacular extension)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "interop.authentication.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                'An agency system\'s key, sent as "Authorization: Api-Key <key>". Each key '
                'belongs to one agency and has scopes: "dossiers:read", "dossiers:status", '
                '"dossiers:result".'
            ),
        }


class SignedSystemAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "interop.sync_api.SignedSystemAuthentication"
    name = "dataExchangeSignature"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Signature",
            "description": (
                "A connected system's request, signed as on the national data exchange "
                "platform: X-Client-Id (the system's code), X-Timestamp (unix seconds, within "
                "300 s), X-Nonce (used once) and X-Signature, the lowercase hex HMAC-SHA256 with "
                "the system's secret of METHOD, PATH (with ?query), TIMESTAMP, NONCE and the "
                "SHA-256 hex of the body, joined by newlines (docs/synchronisation.md)."
            ),
        }

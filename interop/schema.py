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

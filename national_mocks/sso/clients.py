"""Registered relying parties of the mocked SSO (env NATIONAL_MOCKS_SSO_CLIENTS).

Format: "client_id:secret:pattern pattern,client2:secret2:pattern". A pattern is a redirect
URI in which "*" stands for one host label or a port (letters, digits, "-"), so
"http://127.0.0.1:*/oidc/callback/" allows every port and nothing else (no "@", no path).
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from ..config import CONFIG

_WILDCARD = "[A-Za-z0-9-]+"


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(re.escape(pattern).replace(r"\*", _WILDCARD))


def _origin(uri: str) -> str:
    scheme, sep, rest = uri.partition("://")
    return f"{scheme}{sep}{rest.split('/', 1)[0]}"


@dataclass(frozen=True)
class SsoClient:
    client_id: str
    secret: str
    redirect_patterns: tuple[re.Pattern[str], ...]
    origin_patterns: tuple[re.Pattern[str], ...]

    def check_secret(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret.encode(), secret.encode())

    def allows_redirect(self, uri: str) -> bool:
        return any(p.fullmatch(uri) for p in self.redirect_patterns)

    def allows_post_logout(self, uri: str) -> bool:
        """Any page on the origin of an allowed redirect URI."""
        try:
            parts = urlsplit(uri)
        except ValueError:
            return False
        if parts.scheme not in {"http", "https"} or "@" in parts.netloc or "\\" in uri:
            return False
        origin = f"{parts.scheme}://{parts.netloc}"
        return any(p.fullmatch(origin) for p in self.origin_patterns)


def parse_sso_clients(spec: str) -> dict[str, SsoClient]:
    clients = {}
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        parts = item.split(":", 2)
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise ValueError("each SSO client must be written as id:secret:pattern [pattern...]")
        client_id, secret, patterns = (p.strip() for p in parts)
        uris = patterns.split()
        clients[client_id] = SsoClient(
            client_id=client_id,
            secret=secret,
            redirect_patterns=tuple(_compile(u) for u in uris),
            origin_patterns=tuple(_compile(_origin(u)) for u in uris),
        )
    return clients


@cache
def registered() -> dict[str, SsoClient]:
    return parse_sso_clients(CONFIG.sso_clients)


def get(client_id: str | None) -> SsoClient | None:
    return registered().get(client_id or "")

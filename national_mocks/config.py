"""Configuration of the mocked national services, read once from the environment.

Environment variables (all optional):

- NATIONAL_MOCKS_BASE_URL: public base URL, default http://127.0.0.1:8001
- NATIONAL_MOCKS_ISSUER: OpenID issuer, default <base URL>/sso
- NATIONAL_MOCKS_SECRET_KEY: signs authorization codes and access tokens; must be the same
  in every worker (the default is fine for the demo, not for anything else)
- NATIONAL_MOCKS_ALLOWED_HOSTS: comma list, default "*" (a mock on an internal network)
- NATIONAL_MOCKS_DEBUG (0/1), NATIONAL_MOCKS_LOG_LEVEL (INFO)
- NATIONAL_MOCKS_CLIENTS: data-exchange clients "id:secret,id2:secret2"
- NATIONAL_MOCKS_MAX_SKEW_SECONDS: accepted clock skew of signed requests, default 300
- NATIONAL_MOCKS_PEOPLE_FILE: the demo people (JSON), default national_mocks/data/people.json
- NATIONAL_MOCKS_SSO_CLIENTS: "id:secret:pattern pattern,id2:secret2:pattern", patterns are
  redirect URIs where "*" stands for one host label or port (letters, digits, "-")
- NATIONAL_MOCKS_SSO_KEY_FILE: RSA private key (PEM), created if missing,
  default var/mock-sso-key.pem (relative paths are relative to the repository)
- NATIONAL_MOCKS_SSO_CODE_TTL (120), NATIONAL_MOCKS_SSO_ID_TOKEN_TTL (600),
  NATIONAL_MOCKS_SSO_ACCESS_TOKEN_TTL (3600), NATIONAL_MOCKS_SSO_LOGIN_PAGE_TTL (600): seconds
- NATIONAL_MOCKS_SYNTHETIC_PEOPLE: how many synthetic people (national_mocks.synthetic) the
  registries answer for besides the demo people, default 10000 (0: demo people only)
- NATIONAL_MOCKS_ENTERPRISES_FILE: the demo enterprises (JSON),
  default national_mocks/data/enterprises.json
- fault injection: NATIONAL_MOCKS_DELAY_MS, NATIONAL_MOCKS_JITTER_MS,
  NATIONAL_MOCKS_ERROR_RATE (0..1), NATIONAL_MOCKS_DOWN (comma list of service names, or "all"),
  NATIONAL_MOCKS_SERVICE_DELAYS ("population:150,insurance:150": the delay of those services in
  milliseconds, instead of NATIONAL_MOCKS_DELAY_MS; the other services keep that one)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent

#: the named services (fault injection applies per service; see faults.py)
SERVICES = (
    "population",
    "sso",
    "ministry",
    "business",
    "insurance",
    "vehicles",
    "edocuments",
    "payment",
    "pki",
)

DEFAULT_SECRET_KEY = "insecure-national-mocks-demo-key-7c1e0b5d9a2f4e68b3d1"  # noqa: S105 - demo default, overridable
DEFAULT_CLIENTS = "national-portal:demo-data-exchange-secret"
DEFAULT_SSO_CLIENTS = (
    "national-portal:demo-sso-client-secret:"
    "http://127.0.0.1:*/oidc/callback/ http://localhost:*/oidc/callback/"
)


@dataclass(frozen=True)
class Config:
    base_url: str
    issuer: str
    secret_key: str
    debug: bool
    allowed_hosts: list[str]
    log_level: str
    clients: str
    max_skew_seconds: int
    people_file: Path
    enterprises_file: Path
    synthetic_people: int
    sso_clients: str
    sso_key_file: Path
    sso_code_ttl: int
    sso_id_token_ttl: int
    sso_access_token_ttl: int
    sso_login_page_ttl: int
    delay_ms: int
    jitter_ms: int
    error_rate: float
    down: list[str]
    service_delays: dict[str, int] = field(default_factory=dict)

    def delay_for(self, service: str) -> int:
        """The added latency of one service, in milliseconds (before jitter)."""
        return self.service_delays.get(service, self.delay_ms)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Config:
        def get(name: str, default: str) -> str:
            return environ.get(f"NATIONAL_MOCKS_{name}", "").strip() or default

        def as_list(name: str, default: str = "") -> list[str]:
            return [item.strip() for item in get(name, default).split(",") if item.strip()]

        def as_path(name: str, default: Path) -> Path:
            path = Path(get(name, str(default)))
            return path if path.is_absolute() else REPO_DIR / path

        base_url = get("BASE_URL", "http://127.0.0.1:8001").rstrip("/")
        return cls(
            base_url=base_url,
            issuer=get("ISSUER", f"{base_url}/sso").rstrip("/"),
            secret_key=get("SECRET_KEY", DEFAULT_SECRET_KEY),
            debug=get("DEBUG", "0").lower() in {"1", "true", "yes"},
            allowed_hosts=as_list("ALLOWED_HOSTS", "*"),
            log_level=get("LOG_LEVEL", "INFO"),
            clients=get("CLIENTS", DEFAULT_CLIENTS),
            max_skew_seconds=int(get("MAX_SKEW_SECONDS", "300")),
            people_file=as_path("PEOPLE_FILE", PACKAGE_DIR / "data" / "people.json"),
            enterprises_file=as_path("ENTERPRISES_FILE", PACKAGE_DIR / "data" / "enterprises.json"),
            synthetic_people=int(get("SYNTHETIC_PEOPLE", "10000")),
            sso_clients=get("SSO_CLIENTS", DEFAULT_SSO_CLIENTS),
            sso_key_file=as_path("SSO_KEY_FILE", REPO_DIR / "var" / "mock-sso-key.pem"),
            sso_code_ttl=int(get("SSO_CODE_TTL", "120")),
            sso_id_token_ttl=int(get("SSO_ID_TOKEN_TTL", "600")),
            sso_access_token_ttl=int(get("SSO_ACCESS_TOKEN_TTL", "3600")),
            sso_login_page_ttl=int(get("SSO_LOGIN_PAGE_TTL", "600")),
            delay_ms=int(get("DELAY_MS", "0")),
            jitter_ms=int(get("JITTER_MS", "0")),
            error_rate=float(get("ERROR_RATE", "0")),
            down=as_list("DOWN"),
            service_delays=parse_service_delays(get("SERVICE_DELAYS", "")),
        )


def parse_service_delays(text: str) -> dict[str, int]:
    """`"population:150, insurance:150"` -> {"population": 150, "insurance": 150}."""
    delays: dict[str, int] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, _, value = item.partition(":")
        name = name.strip()
        if name not in SERVICES:
            raise ValueError(
                f"NATIONAL_MOCKS_SERVICE_DELAYS: unknown service {name!r} "
                f"(one of {', '.join(SERVICES)})"
            )
        try:
            delay = int(value.strip())
        except ValueError:
            delay = -1
        if delay < 0:
            raise ValueError(
                f"NATIONAL_MOCKS_SERVICE_DELAYS: {item!r} is not service:milliseconds "
                "(a whole number, 0 or more)"
            )
        delays[name] = delay
    return delays


CONFIG = Config.from_env()

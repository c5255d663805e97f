"""pytest plugin: the mocked national services as a real HTTP service in a subprocess.

Fixtures:
- `national_services` (session): one server on a free port of 127.0.0.1, default settings;
  `.url`, `.issuer`, `.env` and `.log_path`.
- `national_settings(settings, national_services)`: the portal's settings pointed at it.
- `national_services_factory`: `start(**env)` another server, e.g. with fault injection
  (`start(NATIONAL_MOCKS_DOWN="population")`); stopped at the end of the test.
- `start_national_mocks(tmp_dir, **env)`: the context manager behind them.

`NationalServices.mint_id_token(claims)` signs an ID token with the SSO's own key (its PEM
file), to hand the portal tokens the SSO would never issue (expired, without `exp`...).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.plugins import clock_shift

REPO_DIR = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT_SECONDS = 90.0  # generous: a loaded CI machine starts a Python process slowly

DATA_CLIENT_ID = "national-portal"
DATA_CLIENT_SECRET = "demo-data-exchange-secret"
SSO_CLIENT_ID = "national-portal"
SSO_CLIENT_SECRET = "demo-sso-client-secret"
TEST_SECRET_KEY = "national-mocks-test-secret-key-not-for-production"


@dataclass
class NationalServices:
    url: str
    issuer: str
    process: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    data_client_id: str = DATA_CLIENT_ID
    data_client_secret: str = DATA_CLIENT_SECRET
    sso_client_id: str = SSO_CLIENT_ID
    sso_client_secret: str = SSO_CLIENT_SECRET

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def sso_signing_key(self) -> RSAKey:
        """The SSO's private key (asking for the JWKS first makes the SSO create it)."""
        requests.get(f"{self.issuer}/jwks", timeout=5).raise_for_status()
        return RSAKey.import_key(Path(self.env["NATIONAL_MOCKS_SSO_KEY_FILE"]).read_bytes())

    def mint_id_token(self, claims: dict[str, Any], **header: Any) -> str:
        """An RS256 token signed with the SSO's key and `kid`, with exactly these claims."""
        key = self.sso_signing_key()
        header = {"alg": "RS256", "typ": "JWT", "kid": key.thumbprint(), **header}
        return jwt.encode(header, claims, key, algorithms=[header["alg"]])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextlib.contextmanager
def start_national_mocks(tmp_dir: Path, **env_overrides: str) -> Iterator[NationalServices]:
    """Run `python -m national_mocks` on a free port until the block ends."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        "NATIONAL_MOCKS_BASE_URL": base_url,
        "NATIONAL_MOCKS_SECRET_KEY": TEST_SECRET_KEY,
        "NATIONAL_MOCKS_SSO_KEY_FILE": str(tmp_dir / "mock-sso-key.pem"),
        # the demo CA whose TSA and CRLs the mocks serve (tests/dossiers/test_signatures.py)
        "NATIONAL_MOCKS_PKI_DIR": str(tmp_dir / "pki"),
        "NATIONAL_MOCKS_CLIENTS": f"{DATA_CLIENT_ID}:{DATA_CLIENT_SECRET}",
        "NATIONAL_MOCKS_SSO_CLIENTS": (
            f"{SSO_CLIENT_ID}:{SSO_CLIENT_SECRET}:"
            "http://127.0.0.1:*/oidc/callback/ http://localhost:*/oidc/callback/"
        ),
        **env_overrides,
    }
    process_env = {k: v for k, v in os.environ.items() if not k.startswith("NATIONAL_MOCKS_")}
    process_env.pop("DJANGO_SETTINGS_MODULE", None)
    process_env.update(env)
    process_env["PYTHONUNBUFFERED"] = "1"
    log_path = tmp_dir / f"national-mocks-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            clock_shift.wrap_command(
                [sys.executable, "-m", "national_mocks", "--host", "127.0.0.1", "--port", str(port)]
            ),
            cwd=REPO_DIR,
            env=process_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    services = NationalServices(
        url=base_url,
        issuer=env.get("NATIONAL_MOCKS_ISSUER", f"{base_url}/sso"),
        process=process,
        log_path=log_path,
        env=env,
    )
    try:
        _wait_until_healthy(services)
        yield services
    finally:
        _stop(process)


def _wait_until_healthy(services: NationalServices) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if services.process.poll() is not None:
            pytest.fail(
                f"national mocks exited with code {services.process.returncode}:\n{services.log()}"
            )
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{services.url}/health", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    _stop(services.process)
    pytest.fail(
        f"national mocks not healthy after {STARTUP_TIMEOUT_SECONDS:g} s:\n{services.log()}"
    )


@pytest.fixture(scope="session")
def national_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NationalServices]:
    with start_national_mocks(tmp_path_factory.mktemp("national-mocks")) as services:
        yield services


@pytest.fixture
def national_services_factory(tmp_path: Path):
    """`start(**env)`: another server (e.g. fault injection), stopped after the test."""
    with contextlib.ExitStack() as stack:

        def start(**env: str) -> NationalServices:
            directory = tmp_path / f"national-mocks-{len(stack._exit_callbacks)}"
            return stack.enter_context(start_national_mocks(directory, **env))

        yield start


@pytest.fixture
def national_settings(settings, national_services: NationalServices):
    """Point the portal (prefill client, OIDC relying party) at the running mocks."""
    issuer = national_services.issuer
    settings.NATIONAL_SERVICES_URL = national_services.url
    settings.PREFILL_CLIENT_ID = national_services.data_client_id
    settings.PREFILL_CLIENT_SECRET = national_services.data_client_secret
    settings.OIDC_RP_CLIENT_ID = national_services.sso_client_id
    settings.OIDC_RP_CLIENT_SECRET = national_services.sso_client_secret
    settings.OIDC_OP_ISSUER = issuer
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{issuer}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{issuer}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{issuer}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{issuer}/jwks"
    return settings

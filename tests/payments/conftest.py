"""Fixtures of the payment tests: a procedure version with online fees, the mock payment
platform over real HTTP (fast callback retries), and a sink that stands in for the portal's
callback URL so a test can look at what the platform sends."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from procedures.models import ChannelKind, Fee
from tests.fixtures_mocks import NationalServices, start_national_mocks

PARTNER = "DVCQG"
SECRET = "demo-payment-secret"
FAST = {
    "NATIONAL_MOCKS_PAYMENT_CALLBACK_BACKOFF_MS": "100",
    "NATIONAL_MOCKS_PAYMENT_CALLBACK_RETRIES": "3",
}


@pytest.fixture
def fee_version(birth_version):
    """The birth registration version with two fees on its online channel (58,000 VND)."""
    channel = birth_version.channels.get(kind=ChannelKind.ONLINE)
    Fee.objects.create(
        channel=channel,
        code="LP",
        amount=50000,
        description="Lệ phí đăng ký khai sinh",
        description_en="Birth registration fee",
    )
    Fee.objects.create(
        channel=channel,
        code="BS",
        amount=8000,
        description="Phí cấp bản sao trích lục",
        description_en="Fee for a copy of the extract",
    )
    return birth_version


@pytest.fixture
def fee_dossier(fee_version, submit, citizen_a):
    return submit(citizen_a)


@dataclass
class Sink:
    """A tiny HTTP server that records POSTs and answers with the queued responses."""

    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    def wait(self, count: int = 1, timeout: float = 8.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received


@pytest.fixture
def sink() -> Iterator[Sink]:
    state: dict[str, Sink] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            current = state["sink"]
            current.received.append({"path": self.path, "body": body})
            status, answer = current.answers.pop(0) if current.answers else (200, {"code": "00"})
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["sink"] = Sink(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["sink"]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def payment_platform(tmp_path_factory) -> Iterator[NationalServices]:
    """The mock national services with fast callback retries (one per test session)."""
    with start_national_mocks(tmp_path_factory.mktemp("payment-mock"), **FAST) as services:
        yield services


@pytest.fixture
def payment_settings(settings, payment_platform, sink):
    """The portal pointed at the mock platform; its public URL is the sink, so callbacks
    land there and the test hands them to the portal."""
    settings.PAYMENT_PLATFORM_URL = f"{payment_platform.url}/payment"
    settings.PAYMENT_PARTNER_CODE = PARTNER
    settings.PAYMENT_SECRET = SECRET
    settings.PORTAL_BASE_URL = sink.url
    settings.PAYMENT_CALLBACK_BASE_URL = sink.url
    return settings


@pytest.fixture
def platform_factory(tmp_path):
    """`start(**env)`: another mock with fault injection, stopped after the test."""
    with contextlib.ExitStack() as stack:

        def start(**env: str) -> NationalServices:
            directory = tmp_path / f"payment-mock-{len(stack._exit_callbacks)}"
            return stack.enter_context(start_national_mocks(directory, **FAST, **env))

        yield start


def pay_on_platform(payment_url: str, *, method: str = "atm", action: str = "pay"):
    """What the citizen's browser does on the platform's page; returns the redirect."""
    response = requests.post(
        payment_url, data={"action": action, "method": method}, allow_redirects=False, timeout=5
    )
    assert response.status_code == 302, response.text
    return response

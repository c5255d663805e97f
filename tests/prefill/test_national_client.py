"""The national data client keeps one HTTP session per thread: connections are reused across
lookups (no new handshake per lookup), never shared between threads, and carry no cookies."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from prefill import national_client
from prefill.national_client import NationalDataClient, thread_session

LAN = "001190012345"


class _Registry(BaseHTTPRequestHandler):
    """Answers any citizen lookup, keeps connections alive, and tries to set a cookie."""

    protocol_version = "HTTP/1.1"
    seen: list[tuple[int, str | None]]  # (client port, Cookie header) per request

    def do_GET(self) -> None:
        self.seen.append((self.client_address[1], self.headers.get("Cookie")))
        number = self.path.rstrip("/").rsplit("/", 1)[-1]
        body = json.dumps({"identification_number": number, "full_name": "Lan"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "tracking=someone-else; Path=/")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def registry_url() -> Iterator[tuple[str, list[tuple[int, str | None]]]]:
    seen: list[tuple[int, str | None]] = []
    handler = type("Handler", (_Registry,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _fresh_thread_session():
    national_client._local.__dict__.clear()
    yield
    national_client._local.__dict__.clear()


def test_lookups_of_one_thread_reuse_one_connection_and_send_no_cookie(registry_url, settings):
    url, seen = registry_url
    for _ in range(3):
        with NationalDataClient(base_url=url) as client:  # closing keeps the thread's session
            assert client.get_citizen(LAN)["full_name"] == "Lan"
    assert len(seen) == 3
    assert len({port for port, _ in seen}) == 1, "one TCP connection for the three lookups"
    assert [cookie for _, cookie in seen] == [None, None, None]


def test_each_thread_has_its_own_session():
    sessions = []

    def take() -> None:
        sessions.append(thread_session())

    threads = [threading.Thread(target=take) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert thread_session() is thread_session()
    assert len({id(s) for s in [*sessions, thread_session()]}) == 3


def test_a_session_given_to_the_client_is_the_callers_and_closed_with_it(registry_url):
    url, _seen = registry_url
    own = requests.Session()
    with NationalDataClient(base_url=url, session=own) as client:
        assert client.session is own
        client.get_citizen(LAN)
    assert not own.adapters["http://"].poolmanager.pools, "closed with the client"
    assert NationalDataClient(base_url=url).session is not own

"""Reads from a real streaming replica (issue 12 part 2).

`.ci/run` starts a second PostgreSQL server made with `pg_basebackup -R` from the primary and
sets PORTAL_TEST_REPLICA_URL to it. It replays the whole cluster, so the test database that
pytest-django creates on the primary (test_portal, test_portal_gw0, ...) appears there too:
the test points the `replica` alias (a TEST MIRROR of the test database) at that server, waits
until a row committed on the primary is there, and checks where each page reads — by the
queries of each connection, and `pg_is_in_recovery()` on the one that served the lag-tolerant
reads. Then the replica's port is replaced by one where nothing listens, and by one that never
answers: the pages still answer, from the primary, and the fall-back is logged.

Locally: `bash .ci/run services` prints the variables (the replica on port 5433).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dossiers.models import Dossier
from dossiers.states.business import Status
from portal import replica
from portal.replica import PIN_COOKIE
from tests.factories import AgencyFactory, DossierFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]

REPLICATION_TIMEOUT_SECONDS = 30.0


@pytest.fixture
def replica_settings(settings) -> Iterator[dict]:
    """The `replica` alias's settings, restored afterwards; the router switched on."""
    settings_dict = connections["replica"].settings_dict
    saved = {key: settings_dict.get(key) for key in ("HOST", "PORT", "USER", "PASSWORD", "OPTIONS")}
    settings.REPLICA_DATABASE = "replica"
    settings.REPLICA_RETRY_SECONDS = 30
    replica._down_until.clear()
    replica.pin_all_reads(seconds=-1)  # no catalogue change of an earlier test pins this one
    connections["replica"].close()
    settings_dict["OPTIONS"] = {**(settings_dict.get("OPTIONS") or {}), "connect_timeout": 2}
    yield settings_dict
    connections["replica"].close()
    settings_dict.update(saved)
    replica._down_until.clear()


def _on_replica(sql: str, params: tuple = ()) -> list[tuple]:
    with connections["replica"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _wait_until_replicated(table: str, pk: int) -> None:
    """Until the row is on the replica (the test database itself may not be there yet)."""
    deadline = time.monotonic() + REPLICATION_TIMEOUT_SECONDS
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if _on_replica(f"SELECT 1 FROM {table} WHERE id = %s", (pk,)):  # noqa: S608
                return
        except Exception as exc:  # the database not replayed yet, for instance
            last_error = exc
            connections["replica"].close()
        time.sleep(0.1)
    pytest.fail(
        f"{table} {pk} not on the replica after {REPLICATION_TIMEOUT_SECONDS:.0f} s ({last_error})"
    )


@pytest.fixture
def streaming_replica(replica_settings) -> dict:
    url = os.environ.get("PORTAL_TEST_REPLICA_URL", "")
    if not url:
        pytest.skip(
            "integration: no streaming replica (PORTAL_TEST_REPLICA_URL is unset; .ci/run sets it)"
        )
    parts = urlsplit(url)
    replica_settings.update(
        HOST=parts.hostname,
        PORT=str(parts.port or 5432),
        USER=unquote(parts.username or ""),
        PASSWORD=unquote(parts.password or ""),
    )
    return replica_settings


def test_public_statistics_and_the_catalogue_api_read_from_the_streaming_replica(
    streaming_replica, client
):
    agency = AgencyFactory()
    _wait_until_replicated("agencies_agency", agency.pk)
    assert _on_replica("SELECT pg_is_in_recovery()") == [(True,)], "a real standby"
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        page = client.get(reverse("dashboards:public_agency", args=[agency.code]))
        api = client.get("/api/procedures/")
    assert page.status_code == 200
    assert api.status_code == 200
    assert agency.name in page.content.decode()
    replica_sql = " ".join(q["sql"] for q in on_replica.captured_queries)
    assert "agencies_agency" in replica_sql
    assert "procedures_procedure" in replica_sql
    primary_sql = " ".join(q["sql"] for q in on_primary.captured_queries)
    assert "agencies_agency" not in primary_sql
    assert "procedures_procedure" not in primary_sql
    # the connection that served them is the standby's, not a second one to the primary
    assert _on_replica("SELECT pg_is_in_recovery(), current_database()") == [
        (True, connections["default"].settings_dict["NAME"])
    ]


def test_my_dossiers_read_from_the_primary_right_after_i_acted(streaming_replica, client):
    dossier = DossierFactory()
    _wait_until_replicated("dossiers_dossier", dossier.pk)
    replica.pin_all_reads(seconds=-1)  # loading the procedure changed the catalogue: unpinned
    client.force_login(dossier.applicant)
    mine = reverse("dossiers:mine")

    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert client.get(mine).status_code == 200
    assert any("dossiers_dossier" in q["sql"] for q in on_replica.captured_queries)

    response = client.post(reverse("dossiers:withdraw", args=[dossier.code]), {"reason": "test"})
    assert response.status_code == 302
    assert response.cookies[PIN_COOKIE]["max-age"] > 0
    assert Dossier.objects.get(pk=dossier.pk).status == Status.WITHDRAWN
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        page = client.get(mine)
    assert page.status_code == 200
    assert on_replica.captured_queries == [], "pinned to the primary after the write"
    assert any("dossiers_dossier" in q["sql"] for q in on_primary.captured_queries)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def _silent_server() -> Iterator[int]:
    """A port that accepts TCP connections (the kernel's backlog) and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


@pytest.mark.parametrize("down", ["refused", "no answer"])
def test_the_pages_answer_from_the_primary_when_the_replica_is_down(
    replica_settings, client, caplog, down
):
    agency = AgencyFactory()
    with contextlib.ExitStack() as stack:
        if down == "refused":
            port = _free_port()
        else:
            port = stack.enter_context(_silent_server())
            replica_settings["OPTIONS"]["connect_timeout"] = 1
        replica_settings.update(HOST="127.0.0.1", PORT=str(port))
        url = reverse("dashboards:public_agency", args=[agency.code])
        with (
            caplog.at_level(logging.WARNING, logger="portal.replica"),
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            first = client.get(url)
            second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert agency.name in second.content.decode()
    assert any("agencies_agency" in q["sql"] for q in on_primary.captured_queries)
    assert "replica 'replica' unavailable" in caplog.text
    assert caplog.text.count("unavailable") == 1, "marked down once, not tried on every request"

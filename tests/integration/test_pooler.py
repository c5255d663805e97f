"""The portal through PgBouncer in transaction mode (issue 12, part 4).

Run by .ci/run's pooler job: DATABASE_URL points at PgBouncer on 127.0.0.1:6432 (transaction
mode, in front of the primary on 5432), DATABASE_POOLER=pgbouncer-transaction, and the test
databases are made on the server itself (DATABASE_DIRECT_URL, tests/plugins/pooler.py).
Skipped elsewhere. The rest of that job (the integration suite, outbox, transitions,
deliveries, sessions) runs the ordinary tests through the same pooler.
"""

from __future__ import annotations

import os
import threading

import psycopg2
import pytest
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction

from agencies.models import Agency, AgencyKind, AgencyLevel
from dashboards.rollups.buckets import lock_keys

POOLED = os.environ.get("DATABASE_POOLER") == "pgbouncer-transaction" and os.environ.get(
    "DATABASE_URL", ""
).startswith(("postgres://", "postgresql://"))

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not POOLED,
        reason="needs DATABASE_URL through PgBouncer "
        "(DATABASE_POOLER=pgbouncer-transaction; .ci/run's pooler job)",
    ),
]


def _admin_rows(command: str) -> list[dict[str, object]]:
    """`command` on PgBouncer's admin console (the virtual database "pgbouncer")."""
    params = connection.settings_dict
    admin = psycopg2.connect(
        host=params["HOST"],
        port=params["PORT"],
        user=params["USER"],
        password=params["PASSWORD"],
        dbname="pgbouncer",
    )
    admin.autocommit = True  # the console knows no transactions
    try:
        with admin.cursor() as cursor:
            cursor.execute(command)
            names = [column.name for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        admin.close()


def _in_thread(function) -> None:
    """Run `function` on a connection of its own (another PgBouncer client), re-raising."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            function()
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()
    if errors:
        raise errors[0]


def test_the_tests_go_through_pgbouncer_in_transaction_mode(transactional_db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), inet_server_port()")
        database, server_port = cursor.fetchone()
    # the client talks to PgBouncer's port, the statements run on PostgreSQL's
    assert int(connection.settings_dict["PORT"]) != server_port
    pools = {row["database"]: row for row in _admin_rows("SHOW POOLS")}
    assert pools[database]["pool_mode"] == "transaction"
    assert settings.DATABASE_POOLER == "pgbouncer-transaction"
    assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True


def test_every_server_connection_is_in_utc_so_django_sets_no_time_zone(transactional_db):
    """Django sends a session-level SET TIME ZONE at connect when the server reports another
    zone; through PgBouncer that SET would stay on whichever server connection took it.
    PgBouncer asks each server connection for UTC (timezone=UTC), so none is sent."""
    connection.ensure_connection()
    assert connection.connection.info.parameter_status("TimeZone") == "UTC"
    zones = set()
    for _ in range(5):  # autocommit: each statement may run on another server connection
        with connection.cursor() as cursor:
            cursor.execute("SHOW TIME ZONE")
            zones.add(cursor.fetchone()[0])
    assert zones == {"UTC"}


def _iterate_while_another_client_holds_a_transaction() -> list[str]:
    """`.iterator()` in autocommit, as feedback/selectors.py and dashboards/rollups/rebuild.py
    use it: after the first chunk, another client opens a transaction, which takes the server
    connection the first chunk came from (PgBouncer hands out the most recently used one)."""
    Agency.objects.bulk_create(
        Agency(
            code=f"POOL{n:03}",
            name=f"Cơ quan {n}",
            level=AgencyLevel.COMMUNE,
            kind=AgencyKind.COMMUNE_COMMITTEE,
        )
        for n in range(20)
    )
    rows = Agency.objects.order_by("code").iterator(chunk_size=5)
    seen = [next(rows).code]
    params = connection.settings_dict
    other = psycopg2.connect(
        host=params["HOST"],
        port=params["PORT"],
        user=params["USER"],
        password=params["PASSWORD"],
        dbname=params["NAME"],
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT 1")  # psycopg2 has opened a transaction: it keeps its server
        seen.extend(agency.code for agency in rows)
    finally:
        other.rollback()
        other.close()
    return seen


def test_iterator_reads_every_row_while_other_clients_use_the_pool(transactional_db):
    """DISABLE_SERVER_SIDE_CURSORS (DATABASE_POOLER): the rows come in one result, fetched
    in chunks on the client, whatever server connection the next statement gets."""
    assert _iterate_while_another_client_holds_a_transaction() == [f"POOL{n:03}" for n in range(20)]


def test_why_server_side_cursors_are_off(transactional_db, monkeypatch):
    """The same with Django's default, a WITH HOLD server-side cursor: its next FETCH reaches
    another server connection, which never saw the DECLARE (and the cursor stays on the
    first one, in another client's hands)."""
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", False)
    # raised by the FETCH, or by the CLOSE of Django's clean-up (psycopg2's own, unwrapped)
    with pytest.raises((DatabaseError, psycopg2.Error), match="does not exist"):
        _iterate_while_another_client_holds_a_transaction()


def test_advisory_locks_are_released_with_the_transaction(transactional_db):
    """Rollups lock their buckets with pg_advisory_xact_lock: held by the transaction (one
    server connection), gone at commit. A session-level lock would stay on a server
    connection PgBouncer gives to the next client."""
    key = 912_004
    acquired: list[bool] = []

    def try_lock() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
            acquired.append(cursor.fetchone()[0])

    with transaction.atomic():
        lock_keys([key])
        _in_thread(try_lock)  # another client, while this transaction holds it
    _in_thread(try_lock)  # after the commit
    assert acquired == [False, True]
    close_old_connections()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            "WHERE l.locktype = 'advisory' AND l.objid = %s AND d.datname = current_database()",
            [key],
        )
        assert cursor.fetchone()[0] == 0

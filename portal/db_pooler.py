"""What the database connections need when a pooler sits between the portal and PostgreSQL.

`DATABASE_POOLER=pgbouncer-transaction` says that DATABASE_URL (and DATABASE_REPLICA_URL)
reach PostgreSQL through PgBouncer in transaction mode: a server connection serves this
process for one transaction only, the next transaction may run on another one. Whatever a
connection keeps between transactions is then lost, or worse, left to another client. The
code keeps none (docs/operations.md, "Connection pooling (PgBouncer)"):

- no server-side cursors: Django's `.iterator()` opens a named `WITH HOLD` cursor outside a
  transaction and fetches from it in later statements, which PgBouncer may send to another
  server connection ("cursor does not exist"). `DISABLE_SERVER_SIDE_CURSORS` makes it fetch
  in chunks on the client instead (Django's documentation, "Transaction pooling and
  server-side cursors");
- advisory locks are transaction-level only (`pg_advisory_xact_lock`, dashboards/rollups);
- a `SET` only as `SET LOCAL` inside a transaction;
- no LISTEN/NOTIFY, no temporary tables, no prepared statements (psycopg2 prepares none);
- the time zone: Django sends `SET TIME ZONE 'UTC'` at connect when the server reports
  another one; PgBouncer asks every server connection for UTC at login (`timezone=UTC` in
  docker/pgbouncer/configure.sh), so the client sees UTC and nothing is sent.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

#: The values DATABASE_POOLER takes ("" is no pooler, or a pooler in session mode, which keeps
#: a server connection for the client's whole session and needs nothing).
POOLERS = ("", "pgbouncer-transaction")


def configure_pooler(databases: dict[str, dict[str, Any]], pooler: str) -> None:
    """Adjust the PostgreSQL aliases of `databases` (settings.DATABASES) for `pooler`."""
    pooler = pooler.strip()
    if pooler not in POOLERS:
        raise ImproperlyConfigured(
            f"DATABASE_POOLER={pooler!r} is not known: use 'pgbouncer-transaction' "
            "(PgBouncer in transaction mode) or leave it empty (a direct connection)."
        )
    if pooler != "pgbouncer-transaction":
        return
    for settings_dict in databases.values():
        if settings_dict.get("ENGINE", "").endswith(("postgresql", "postgis")):
            settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = True

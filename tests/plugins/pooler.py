"""The suite through a connection pooler: test databases made straight on PostgreSQL.

With `DATABASE_URL` pointing at PgBouncer in transaction mode (`DATABASE_POOLER=
pgbouncer-transaction`, .ci/run's pooler job), the tests run through the pooler, but the
test databases cannot be made through it: Django connects to the `postgres` database to
`CREATE DATABASE test_...` and `DROP DATABASE` it, and PostgreSQL refuses to drop a database
while PgBouncer keeps idle server connections to it. So, when `DATABASE_DIRECT_URL` names the
server behind the pooler:

- the test databases are created and migrated on the direct server (like production, where
  `migrate` runs with a direct DATABASE_URL: docs/operations.md);
- then every connection is pointed back at the pooler, and the tests, their Celery workers
  (tests/integration/conftest.py takes the connection's settings) and the HTTP clients go
  through it;
- before a test database is made or dropped, the pooler's server connections to it are
  ended (`pg_terminate_backend`, allowed for one's own role), so the drop is not refused.

Without DATABASE_DIRECT_URL nothing changes. tests/conftest.py wires these in as overrides of
pytest-django's `django_db_modify_db_settings` and `django_db_setup`.
"""

from __future__ import annotations

import os
from typing import Any

ENV = "DATABASE_DIRECT_URL"
_ADDRESS_KEYS = ("HOST", "PORT", "USER", "PASSWORD")
#: alias -> (pooled address, direct address)
_swapped: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
#: the test databases' names, taken before they are made (then NAME becomes the test name)
_test_db_names: set[str] = set()


def direct_address() -> dict[str, Any] | None:
    url = os.environ.get(ENV, "").strip()
    if not url:
        return None
    import environ

    config = environ.Env.db_url_config(url)
    return {key: config.get(key, "") for key in _ADDRESS_KEYS}


def _pooled_aliases() -> list[str]:
    from django.db import connections

    return [
        alias
        for alias in connections
        if connections[alias].vendor == "postgresql" and alias not in _swapped
    ]


def use_direct_server() -> None:
    """Point the PostgreSQL connections at the server behind the pooler (test database set-up
    and tear-down) and end the pooler's server connections to the test databases."""
    direct = direct_address()
    if direct is None:
        return
    from django.db import connections

    for alias in _pooled_aliases():
        settings_dict = connections[alias].settings_dict
        pooled = {key: settings_dict.get(key, "") for key in _ADDRESS_KEYS}
        connections[alias].close()
        settings_dict.update(direct)
        _swapped[alias] = (pooled, direct)
    _end_pooled_sessions()


def use_pooler() -> None:
    """Point the connections swapped by use_direct_server() back at the pooler."""
    from django.db import connections

    for alias, (pooled, _direct) in list(_swapped.items()):
        connections[alias].close()
        connections[alias].settings_dict.update(pooled)
        del _swapped[alias]


def _end_pooled_sessions() -> None:
    """End this role's other sessions on the test databases: the pooler's idle server
    connections, which would make DROP DATABASE fail ("being accessed by other users")."""
    from django.db import connections

    if not _test_db_names:
        _test_db_names.update(
            connections[alias].creation._get_test_db_name()
            for alias in _swapped
            if not connections[alias].settings_dict.get("TEST", {}).get("MIRROR")
        )
    names = sorted(_test_db_names)
    if not names:
        return
    default = connections[next(iter(_swapped))]
    with default._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = ANY(%s) AND usename = current_user AND pid <> pg_backend_pid()",
            [names],
        )

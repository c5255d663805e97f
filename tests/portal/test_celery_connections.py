"""A Celery task uses the worker's database connection as a request does: kept while it is
healthy and younger than CONN_MAX_AGE, not opened anew for every task (docs/benchmarks.md, 9)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from django.db import connection

from portal.celery import _close_old_connections, app


def task(*, eager: bool) -> SimpleNamespace:
    return SimpleNamespace(request=SimpleNamespace(is_eager=eager))


def test_celery_leaves_the_connections_to_django():
    # Without it, Celery's Django fixup closes every connection before and after each task.
    assert app.conf.get("CELERY_DB_REUSE_MAX") >= 100


@pytest.mark.django_db(transaction=True)
def test_a_task_keeps_a_young_connection_and_drops_an_old_one():
    if connection.vendor == "sqlite":
        pytest.skip("Django never closes the in-memory SQLite test database")
    connection.ensure_connection()
    opened = connection.connection

    connection.close_at = time.monotonic() + 60
    _close_old_connections(sender=task(eager=False))
    assert connection.connection is opened

    connection.close_at = time.monotonic() - 1
    _close_old_connections(sender=task(eager=False))
    assert connection.connection is None


@pytest.mark.django_db
def test_an_eager_task_never_closes_its_callers_transaction():
    connection.ensure_connection()
    opened = connection.connection
    connection.close_at = time.monotonic() - 1
    _close_old_connections(sender=task(eager=True))
    assert connection.connection is opened
    assert not connection.needs_rollback


def test_postgresql_connections_persist_unless_configured_otherwise(monkeypatch):
    import environ

    env = environ.Env()
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db:5432/portal")
    config = env.db("DATABASE_URL")
    assert "CONN_MAX_AGE" not in config  # so the settings' default applies
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db:5432/portal?conn_max_age=0")
    assert env.db("DATABASE_URL")["CONN_MAX_AGE"] == 0  # an operator can still turn it off

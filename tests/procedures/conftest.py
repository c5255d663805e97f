"""The procedure tests: the real catalogue (procedures/data) loaded once per module, and the
`postgres` marker for tests of the PostgreSQL search (skipped, with the reason, on SQLite)."""

from __future__ import annotations

import os

import pytest
from django.db import transaction

from procedures.services import procedures_load


def postgres_unavailable() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://", "psql://")):
        return "no PostgreSQL configured (DATABASE_URL is not a postgres:// URL)"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") is not None:
        reason = postgres_unavailable()
        if reason:
            pytest.skip(f"postgres: {reason}")


@pytest.fixture(scope="module")
def real_catalogue(django_db_setup, django_db_blocker):
    """Every reviewed procedure file, loaded once for the module and rolled back after it
    (each test's own transaction is a savepoint inside this one)."""
    with django_db_blocker.unblock(), transaction.atomic():
        procedures = procedures_load()
        yield {procedure.code: procedure for procedure in procedures}
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Searches, facet counts and procedure pages are cached per catalogue revision."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()

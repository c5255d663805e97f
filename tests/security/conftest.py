"""Fixtures of the security tests: the world of the access matrix and of the page fuzzer
(tests/security/world.py), and the API fuzzer's credentials."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.test import Client, override_settings

from dossiers.models import Dossier
from interop import services as interop_services
from interop.models import ApiKey, ApiScope
from interop.selectors import key_hash

from .world import build

# --- the world ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module, in a transaction rolled back at its end (the way Django's
    TestCase keeps setUpTestData: the tests' own atomic blocks nest inside it)."""
    media = tmp_path_factory.mktemp("security-world-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        from django.db import connection

        name = str(connection.settings_dict["NAME"])
        if connection.vendor != "sqlite" and not name.startswith("test_"):
            pytest.fail(
                "no test database: select the module's test_the_database_is_set_up... too "
                "(pytest-django sets up only the databases marked tests ask for)"
            )
        atomic = transaction.atomic()
        atomic._from_testcase = True  # type: ignore[attr-defined]  # durable blocks nest in it
        atomic.__enter__()
        try:
            built = build()
            built.media_root = media
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def case(world, django_db_blocker):
    """One case in a savepoint of the world's transaction, rolled back after it. Not
    `django_db`: its TestCase closes the connection after each test, which on PostgreSQL
    would end the world's transaction (SQLite's in-memory database is never closed)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic._from_testcase = True  # type: ignore[attr-defined]  # durable blocks nest in it
        atomic.__enter__()
        try:
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _media_root(request, settings):
    """The world's files (attachments, results) stay where it wrote them (this replaces the
    suite's fresh MEDIA_ROOT per test, tests/conftest.py)."""
    if "world" in request.fixturenames:
        settings.MEDIA_ROOT = request.getfixturevalue("world").media_root


# --- the API fuzzer's credentials ------------------------------------------------------------

#: Fixed credentials, so that schemathesis can put them on the cases it builds before any
#: fixture runs: each API fuzz test stores them (a session and a key) in its own database.
API_KEY = "f0221234." + "k" * 43
SESSION_KEY = "fuzzofficersession" + "0" * 14


@dataclass
class ApiWorld:
    dossier: Dossier


@pytest.fixture
def api_world(submit, citizen_a, officer_hk, agency_hk, officer_login) -> ApiWorld:
    """A dossier of citizen A routed to Hoan Kiem; SESSION_KEY is the session of Hoan Kiem's
    officer, signed in with both factors; API_KEY a key of Hoan Kiem with every scope."""
    dossier = submit(citizen_a)
    client = Client()
    officer_login(client, officer_hk)
    session = SessionStore()
    session.update(dict(client.session.items()))
    session._session_key = SESSION_KEY  # loading the data first: a new key would be drawn
    session.save(must_create=True)
    key, _raw = interop_services.api_key_create(
        agency=agency_hk, name="fuzzer", scopes=list(ApiScope.values)
    )
    prefix = API_KEY.partition(".")[0]
    ApiKey.objects.filter(pk=key.pk).update(prefix=prefix, key_hash=key_hash(API_KEY))
    return ApiWorld(dossier=dossier)

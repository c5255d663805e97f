"""DATABASE_POOLER (portal/db_pooler.py): what the settings do behind PgBouncer in transaction
mode. Through a real PgBouncer: tests/integration/test_pooler.py (.ci/run's pooler job)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.db_pooler import configure_pooler

REPO_DIR = Path(__file__).resolve().parents[2]


def _databases() -> dict[str, dict]:
    return {
        "default": {"ENGINE": "django.db.backends.postgresql", "NAME": "portal"},
        "replica": {"ENGINE": "django.db.backends.postgresql", "NAME": "portal"},
        "demo": {"ENGINE": "django.db.backends.sqlite3", "NAME": "demo.sqlite3"},
    }


def test_transaction_pooling_turns_server_side_cursors_off_on_postgresql():
    databases = _databases()
    configure_pooler(databases, "pgbouncer-transaction")
    assert databases["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert databases["replica"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert "DISABLE_SERVER_SIDE_CURSORS" not in databases["demo"]


def test_without_a_pooler_nothing_changes():
    databases = _databases()
    configure_pooler(databases, "")
    assert databases == _databases()


def test_an_unknown_pooler_is_refused_with_the_values_it_takes():
    with pytest.raises(ImproperlyConfigured, match="pgbouncer-transaction"):
        configure_pooler(_databases(), "pgbouncer-statement")


def _settings_databases(**environ: str) -> dict[str, dict]:
    """settings.DATABASES as a fresh process loads them from `environ` (no connection made)."""
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps({a: {k: str(v) for k, v in d.items()} "
        "for a, d in settings.DATABASES.items()}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE")}
    env.update(DJANGO_SETTINGS_MODULE="portal.settings.test", **environ)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_environment_variable_selects_it_for_the_primary_and_the_replica():
    databases = _settings_databases(
        DATABASE_URL="postgres://portal:secret@pgbouncer:6432/portal",
        DATABASE_REPLICA_URL="postgres://portal:secret@pgbouncer:6432/portal-replica",
        DATABASE_POOLER="pgbouncer-transaction",
    )
    assert databases["default"]["DISABLE_SERVER_SIDE_CURSORS"] == "True"
    assert databases["replica"]["DISABLE_SERVER_SIDE_CURSORS"] == "True"
    assert databases["default"]["PORT"] == "6432"


def test_a_direct_connection_keeps_server_side_cursors():
    databases = _settings_databases(DATABASE_URL="postgres://portal:secret@db:5432/portal")
    assert "DISABLE_SERVER_SIDE_CURSORS" not in databases["default"]

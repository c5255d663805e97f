"""What a newcomer's terminal shows in the demo: demo_otp prints the code alone on stdout, no
log line comes with a management command, and the demo's Celery worker does not warn about
root (only the demo's). The README's commands themselves are run as written, after
`bash bin/demo`, by .ci/readme-commands."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from celery.exceptions import SecurityWarning
from celery.platforms import check_privileges
from celery.signals import celeryd_init
from django.core.management import call_command

from portal.celery import DEMO_WORKER_ENV

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_demo_otp_prints_the_code_alone_on_stdout(agency_hk, agency_bd, settings):
    from agencies.demo import demo_users_create

    demo_users_create()
    settings.DEBUG = True
    out, err = io.StringIO(), io.StringIO()
    call_command("demo_otp", "hoankiem.canbo", stdout=out, stderr=err)
    assert re.fullmatch(r"[0-9]{6}\n", out.getvalue()), out.getvalue()
    assert re.fullmatch(r"valid for about \d+ more seconds; .*\n", err.getvalue())


def test_a_management_command_logs_nothing_on_start(tmp_path):
    """django-axes logged 'AXES: BEGIN version ...' (INFO) at every start, demo_otp's too."""
    env = {
        **os.environ,
        "LOG_LEVEL": "INFO",
        "PORTAL_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "portal.settings.base",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr
    assert done.stdout == "System check identified no issues (0 silenced).\n"


def _root_warnings(monkeypatch, *, demo: bool) -> list[str]:
    """What Celery's worker start warns about, run as root, after the celeryd_init signal
    (Celery sends it just before check_privileges)."""
    if demo:
        monkeypatch.setenv(DEMO_WORKER_ENV, "1")
    else:
        monkeypatch.delenv(DEMO_WORKER_ENV, raising=False)
    monkeypatch.setattr(os, "getuid", lambda: 0)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        celeryd_init.send(sender="worker@test", instance=None, conf=None, options={})
        check_privileges(["json"])
    return [str(w.message) for w in caught if issubclass(w.category, SecurityWarning)]


def test_the_demo_worker_does_not_warn_about_root(monkeypatch):
    assert _root_warnings(monkeypatch, demo=True) == []


def test_any_other_worker_still_warns_about_root(monkeypatch):
    found = _root_warnings(monkeypatch, demo=False)
    assert any("superuser privileges" in message for message in found), found

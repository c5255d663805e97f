"""The production settings pass Django's deployment checklist with no warning.

`manage.py check --deploy` runs in a subprocess, because the production settings module
reads its secrets from the environment when it is imported.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "OIDC_", "SECURE_", "SESSION_", "CSRF_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        SECRET_KEY=secrets.token_urlsafe(48)[:64],
        ALLOWED_HOSTS="portal.example.vn",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
        CACHE_URL="locmemcache://",
        PORTAL_VAR_DIR=str(tmp_path / "var"),
    )
    return env


def test_check_deploy_has_no_warning(production_env):
    assert len(production_env["SECRET_KEY"]) == 64
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_DIR,
        env=production_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output, output
    assert "no issues" in output, output


def test_production_security_headers(production_env):
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'hsts': s.SECURE_HSTS_SECONDS, 'csp': s.CONTENT_SECURITY_POLICY, "
        "'middleware': s.MIDDLEWARE, 'debug': s.DEBUG, 'ssl_redirect': s.SECURE_SSL_REDIRECT, "
        "'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_DIR,
        env=production_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    config = json.loads(result.stdout.strip().splitlines()[-1])
    assert config["debug"] is False
    assert config["hsts"] >= 31_536_000
    assert config["ssl_redirect"] is True
    assert config["session_secure"] is True
    assert config["csrf_secure"] is True
    assert "csp.middleware.CSPMiddleware" in config["middleware"]
    directives = config["csp"]["DIRECTIVES"]
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]


def test_production_refuses_to_start_without_a_secret_key(production_env):
    del production_env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO_DIR,
        env=production_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr

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
        OIDC_RP_CLIENT_SECRET=secrets.token_urlsafe(32),
        PREFILL_CLIENT_SECRET=secrets.token_urlsafe(32),
        PAYMENT_SECRET=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="portal.example.vn",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
        CACHE_URL="locmemcache://",
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        S3_BUCKET="portal-documents",
        S3_ENDPOINT_URL="https://s3.example.vn",
        S3_REGION="ap-southeast-1",
        S3_ACCESS_KEY_ID="portal-" + secrets.token_hex(8),
        S3_SECRET_ACCESS_KEY=secrets.token_urlsafe(32),
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


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _example_values() -> dict[str, str]:
    values = {}
    for line in (REPO_DIR / ".env.example").read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            values[name] = value
    return values


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        # the demo defaults of portal/settings/base.py, as a forger would try them
        ("PAYMENT_SECRET", "demo-payment-secret", "portal.E002"),
        ("OIDC_RP_CLIENT_SECRET", "demo-sso-client-secret", "portal.E002"),
        ("PREFILL_CLIENT_SECRET", "demo-data-exchange-secret", "portal.E002"),
        ("SECRET_KEY", "insecure-demo-key-do-not-use-in-production-3f9a1c7e", "portal.E002"),
        ("PAYMENT_SECRET", "", "portal.E001"),
        ("S3_SECRET_ACCESS_KEY", "", "portal.E001"),
        ("S3_SECRET_ACCESS_KEY", "minioadmin", "portal.E002"),
        ("SECRET_KEY", "   ", "portal.E001"),
        ("SECRET_KEY", "x" * 60, "portal.E003"),
        ("SECRET_KEY", "Zq3" * 13, "portal.E003"),  # 39 characters, 3 different ones
    ],
)
def test_check_deploy_fails_on_a_published_or_weak_secret(production_env, name, value, code):
    production_env[name] = value
    result = _run(production_env, "manage.py", "check", "--deploy")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert f"({code}) {name} " in output, output


def test_every_placeholder_of_env_example_is_refused(production_env):
    example = _example_values()
    secret_names = [
        "SECRET_KEY",
        "OIDC_RP_CLIENT_SECRET",
        "PREFILL_CLIENT_SECRET",
        "PAYMENT_SECRET",
    ]
    assert set(secret_names) <= set(example), "every secret has a line in .env.example"
    production_env.update({name: example[name] for name in secret_names})
    result = _run(production_env, "manage.py", "check")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for name in secret_names:
        assert f"(portal.E002) {name} is a value published with the code" in output, output


@pytest.mark.parametrize(
    "name",
    [
        "OIDC_RP_CLIENT_SECRET",
        "PREFILL_CLIENT_SECRET",
        "PAYMENT_SECRET",
        "S3_BUCKET",
        "S3_ACCESS_KEY_ID",
        "S3_SECRET_ACCESS_KEY",
    ],
)
def test_production_refuses_to_start_without_a_shared_secret(production_env, name):
    del production_env[name]
    result = _run(production_env, "manage.py", "check")
    assert result.returncode != 0
    assert f"Set the {name} environment variable" in result.stderr


def test_gunicorn_and_celery_entry_points_refuse_a_demo_secret(production_env):
    """gunicorn and Celery run no system check: their entry points refuse by themselves."""
    production_env["PAYMENT_SECRET"] = "demo-payment-secret"
    wsgi = _run(production_env, "-c", "import portal.wsgi")
    assert wsgi.returncode != 0
    assert "Refusing to start with an unsafe configuration" in wsgi.stderr
    assert "PAYMENT_SECRET is a value published with the code" in wsgi.stderr
    celery = _run(
        production_env,
        "-c",
        "import django; django.setup(); from celery.signals import worker_init; "
        "from portal.celery import app; worker_init.send(sender=None)",
    )
    assert celery.returncode != 0
    assert "PAYMENT_SECRET is a value published with the code" in celery.stderr
    # with the secrets of production_env both start
    production_env["PAYMENT_SECRET"] = secrets.token_urlsafe(32)
    assert _run(production_env, "-c", "import portal.wsgi").returncode == 0


_STORAGES_SCRIPT = (
    "import json, django; django.setup(); "
    "from django.conf import settings as s; "
    "from django.core.files.storage import FileSystemStorage, storages; "
    "from django.utils.module_loading import import_string; "
    "from dossiers.wizard import EFormWizard; "
    "wizard = EFormWizard.file_storage; wizard._setup() if hasattr(wizard, '_setup') else None; "
    "print(json.dumps({"
    "'backends': {a: c['BACKEND'] for a, c in s.STORAGES.items()}, "
    "'local': sorted(a for a, c in s.STORAGES.items() "
    "if issubclass(import_string(c['BACKEND']), FileSystemStorage)), "
    "'wizard_local': isinstance(getattr(wizard, '_wrapped', wizard), FileSystemStorage), "
    "'options': {k: v for k, v in s.STORAGES['default'].get('OPTIONS', {}).items() "
    "if k in ('bucket_name', 'default_acl', 'querystring_auth', 'file_overwrite', "
    "'endpoint_url', 'region_name')}}))"
)


def test_production_writes_no_file_to_local_disk(production_env):
    """Every storage of the production settings but the static files' (built into the image,
    the same on every node) is object storage, private and never overwritten; the wizard's
    draft uploads go to it too. A FileSystemStorage there fails this test."""
    result = _run(production_env, "-c", _STORAGES_SCRIPT)
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout.strip().splitlines()[-1])
    assert config["local"] == ["staticfiles"], config
    assert config["backends"]["default"] == "storages.backends.s3.S3Storage"
    assert config["wizard_local"] is False
    assert config["options"] == {
        "bucket_name": "portal-documents",
        "endpoint_url": "https://s3.example.vn",
        "region_name": "ap-southeast-1",
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
    }


def test_production_refuses_a_file_system_storage(production_env, tmp_path):
    """portal.E004: the check itself, with the default storage put back on the local disk."""
    module = tmp_path / "local_files_settings.py"
    module.write_text(
        "from portal.settings.production import *  # noqa\n"
        "STORAGES = {**STORAGES, 'default': "
        "{'BACKEND': 'django.core.files.storage.FileSystemStorage'}}\n",
        encoding="utf-8",
    )
    production_env["DJANGO_SETTINGS_MODULE"] = "local_files_settings"
    production_env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(tmp_path), str(REPO_DIR), production_env.get("PYTHONPATH")])
    )
    result = _run(production_env, "manage.py", "check")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "(portal.E004) STORAGES['default']" in output, output
    wsgi = _run(production_env, "-c", "import portal.wsgi")
    assert wsgi.returncode != 0
    assert "writes to the local file system" in wsgi.stderr


def test_the_demo_settings_keep_their_defaults():
    from django.conf import settings

    assert settings.PORTAL_REFUSE_DEMO_SECRETS is False
    from portal.checks import unsafe_secrets

    assert unsafe_secrets() == []


@pytest.mark.django_db
def test_every_response_carries_a_permissions_policy(client):
    """Issue 15 finding 8: no Permissions-Policy header."""
    policy = client.get("/").headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy


def test_seed_demo_refuses_published_accounts_under_production_settings(production_env):
    """ASVS 6.3.2 (docs/security.md): seed_demo made `admin` and three officers with
    published passwords under the production settings."""
    result = _run(production_env, "manage.py", "seed_demo")
    assert result.returncode != 0
    assert "--with-demo-accounts" in result.stderr


def test_a_lease_shorter_than_twice_the_task_time_limit_is_refused(settings):
    """portal.E005: a message whose worker died would be run again while its notifications'
    claims still look alive (bench/exactly_once.py with a 30-second lease lost 2 e-mails of
    1,000): refused by the check and before a worker starts; portal.E006: the soft limit
    before the hard one."""
    from django.core.exceptions import ImproperlyConfigured

    from portal.checks import outbox_lease_outlives_a_task, refuse_unsafe_configuration

    settings.CELERY_TASK_TIME_LIMIT = 120
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 90
    settings.PORTAL_OUTBOX_LEASE_SECONDS = 240
    assert outbox_lease_outlives_a_task() == []
    settings.PORTAL_OUTBOX_LEASE_SECONDS = 150  # longer than the limit, not twice
    assert [error.id for error in outbox_lease_outlives_a_task()] == ["portal.E005"]
    with pytest.raises(ImproperlyConfigured, match="PORTAL_OUTBOX_LEASE_SECONDS"):
        refuse_unsafe_configuration()
    settings.PORTAL_OUTBOX_LEASE_SECONDS = 240
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 120
    assert [error.id for error in outbox_lease_outlives_a_task()] == ["portal.E006"]

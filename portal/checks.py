"""System checks that keep an unsafe configuration from starting.

Production (`PORTAL_REFUSE_DEMO_SECRETS`) refuses every secret published with the code: the
demo defaults of the settings, the placeholders of `.env.example`, an empty value, and a
`SECRET_KEY` too short or too plain to resist guessing. They are errors, not warnings: `check`,
`migrate` and `runserver` stop on them, and the WSGI application and the Celery processes run
them before they serve anything (`refuse_unsafe_configuration`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

#: the settings that hold a secret shared with nobody but the national service it signs for
SECRET_SETTINGS = (
    "SECRET_KEY",
    "OIDC_RP_CLIENT_SECRET",
    "PREFILL_CLIENT_SECRET",
    "PAYMENT_SECRET",
    "S3_SECRET_ACCESS_KEY",
)
#: defaults published by the object stores themselves (MinIO's root password, moto's keys)
WELL_KNOWN_SECRETS = frozenset({"minioadmin", "minio123", "testing", "secret"})
#: storages that may stay on the local disk in production: static files are built into the
#: image (collectstatic), the same on every node, never written while serving
LOCAL_STORAGES_ALLOWED = frozenset({"staticfiles"})
ENV_EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"
#: Django's own bar for a secret key (security.W009)
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5
GENERATE = "python3 -c 'import secrets; print(secrets.token_urlsafe(64))'"


@cache
def example_values(path: Path = ENV_EXAMPLE) -> frozenset[str]:
    """Every value written in `.env.example`, commented out or not: all of them are public."""
    if not path.exists():
        return frozenset()
    values = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.lstrip("# ").partition("=")
        if sep and name.isidentifier() and name.upper() == name and value.strip():
            values.add(value.strip())
    return frozenset(values)


def _published(value: str) -> bool:
    demo = getattr(settings, "PORTAL_DEMO_SECRETS", {}).values()
    return (
        value in demo
        or value in example_values()
        or value in WELL_KNOWN_SECRETS
        or "change-me" in value.lower()
    )


@checks.register(checks.Tags.security)
def unsafe_secrets(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not getattr(settings, "PORTAL_REFUSE_DEMO_SECRETS", False):
        return []
    errors: list[checks.CheckMessage] = []
    for name in SECRET_SETTINGS:
        value = str(getattr(settings, name, "") or "")
        hint = f"Set {name} in the environment to a new random value, e.g. {GENERATE}"
        if not value.strip():
            errors.append(checks.Error(f"{name} is empty.", hint=hint, id="portal.E001"))
        elif _published(value):
            errors.append(
                checks.Error(
                    f"{name} is a value published with the code (a demo default or a "
                    ".env.example placeholder): anyone can forge what it signs.",
                    hint=hint,
                    id="portal.E002",
                )
            )
        elif name == "SECRET_KEY" and (
            len(value) < SECRET_KEY_MIN_LENGTH or len(set(value)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        ):
            errors.append(
                checks.Error(
                    f"SECRET_KEY has fewer than {SECRET_KEY_MIN_LENGTH} characters or fewer "
                    f"than {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different ones.",
                    hint=hint,
                    id="portal.E003",
                )
            )
    return errors + local_file_storages()


def local_file_storages() -> list[checks.CheckMessage]:
    """Production keeps no state on a node's disk: a storage other than the static files'
    that writes to the local file system would lose files to the next node (portal.E004)."""
    from django.core.files.storage import FileSystemStorage
    from django.utils.module_loading import import_string

    errors: list[checks.CheckMessage] = []
    for alias, config in getattr(settings, "STORAGES", {}).items():
        if alias in LOCAL_STORAGES_ALLOWED:
            continue
        backend = import_string(config["BACKEND"])
        if isinstance(backend, type) and issubclass(backend, FileSystemStorage):
            errors.append(
                checks.Error(
                    f"STORAGES[{alias!r}] ({config['BACKEND']}) writes to the local file "
                    "system: another web node or worker would not find its files.",
                    hint="Use the S3 object storage of portal/settings/production.py "
                    "(S3_BUCKET, S3_ENDPOINT_URL, ...).",
                    id="portal.E004",
                )
            )
    return errors


@checks.register()
def outbox_lease_outlives_a_task(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """A message whose worker died is run again after PORTAL_OUTBOX_LEASE_SECONDS; the
    notifications it sends are claimed per channel during the task (up to
    CELERY_TASK_TIME_LIMIT after the message was claimed), and such a claim is taken over only
    once older than the time limit (its worker surely gone). The run again must find every
    claim of the dead attempt taken over: the lease must be at least twice the time limit.
    Shorter, the new run skips a channel whose claim still looks alive and that e-mail, SMS or
    inbox message is never sent (portal.E005; found by bench/exactly_once.py run with a
    30-second lease). The soft time limit (the task's warning) must come before the hard one
    (portal.E006)."""
    lease = settings.PORTAL_OUTBOX_LEASE_SECONDS
    limit = getattr(settings, "CELERY_TASK_TIME_LIMIT", None)
    soft = getattr(settings, "CELERY_TASK_SOFT_TIME_LIMIT", None)
    errors: list[checks.CheckMessage] = []
    if limit and lease < 2 * limit:
        errors.append(
            checks.Error(
                f"PORTAL_OUTBOX_LEASE_SECONDS ({lease}) is less than twice "
                f"CELERY_TASK_TIME_LIMIT ({limit}): a message whose worker died would be run "
                "again while its notifications' claims still look alive, and never sent.",
                hint="Keep the lease at least twice the task time limit (240 and 120 by "
                "default; CELERY_TASK_TIME_LIMIT_SECONDS).",
                id="portal.E005",
            )
        )
    if limit and soft and soft >= limit:
        errors.append(
            checks.Error(
                f"CELERY_TASK_SOFT_TIME_LIMIT ({soft}) is not shorter than "
                f"CELERY_TASK_TIME_LIMIT ({limit}): a task would be killed without warning.",
                hint="CELERY_TASK_SOFT_TIME_LIMIT_SECONDS below CELERY_TASK_TIME_LIMIT_SECONDS.",
                id="portal.E006",
            )
        )
    return errors


def refuse_unsafe_configuration() -> None:
    """For the processes Django does not check (gunicorn, Celery): stop before serving."""
    errors = unsafe_secrets() + outbox_lease_outlives_a_task()
    if errors:
        raise ImproperlyConfigured(
            "Refusing to start with an unsafe configuration:\n"
            + "\n".join(f"- {error.msg} {error.hint}" for error in errors)
        )

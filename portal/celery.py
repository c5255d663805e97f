"""The Celery application: `celery -A portal worker` and `celery -A portal beat`."""

import os
import warnings

from celery import Celery
from celery.exceptions import SecurityWarning
from celery.signals import beat_init, celeryd_init, task_postrun, task_prerun, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")

#: Set by `manage.py demo` (bin/demo) in the environment of the worker it starts, only there.
DEMO_WORKER_ENV = "PORTAL_DEMO_WORKER"

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(sender: object = None, **kwargs: object) -> None:
    """What Django does around a request: drop a connection that is broken or older than
    CONN_MAX_AGE, keep the others (CELERY_DB_REUSE_MAX stops Celery closing them all).
    Not for a task run eagerly: it runs inside its caller's transaction."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


@worker_init.connect
@beat_init.connect
def _refuse_unsafe_configuration(**kwargs: object) -> None:
    """Celery runs no system check: a worker or beat with a published secret stops here
    (SystemExit, because Celery logs and swallows a receiver's ordinary exception)."""
    from django.core.exceptions import ImproperlyConfigured

    from portal.checks import refuse_unsafe_configuration

    try:
        refuse_unsafe_configuration()
    except ImproperlyConfigured as error:
        raise SystemExit(str(error)) from error


@celeryd_init.connect
def _demo_worker_runs_as_whoever_started_the_demo(**kwargs: object) -> None:
    """The demo's worker runs as the person who typed `bash bin/demo`, root in a container
    or a fresh virtual machine included. Celery then warns (a `SecurityWarning` through
    Python's warnings, right after this signal) that a worker should not run as root: it
    takes JSON only (CELERY_ACCEPT_CONTENT), so there is nothing it would refuse, and the
    warning only alarms a newcomer. Ignored in the demo's worker, nowhere else: a production
    worker started as root still says so. (C_FORCE_ROOT would not do it: with JSON only it
    changes nothing, it only lets a pickle-accepting worker start as root.)"""
    if os.environ.get(DEMO_WORKER_ENV) == "1":
        warnings.filterwarnings("ignore", category=SecurityWarning)

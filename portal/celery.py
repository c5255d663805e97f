"""The Celery application: `celery -A portal worker` and `celery -A portal beat`."""

import os

from celery import Celery
from celery.signals import beat_init, task_postrun, task_prerun, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")

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

"""Celery tasks stay thin: they call the services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(time_limit=120, soft_time_limit=100, ignore_result=True)
def payments_reconcile() -> int:
    """Beat: settle payments left pending (a lost callback) by asking the platform."""
    return services.payments_reconcile()

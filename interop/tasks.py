"""Celery tasks stay thin: they call the services.

`deliveries_due` runs on beat every 30 s (CELERY_BEAT_SCHEDULE); `delivery_send` makes one
attempt of one delivery. Nothing is ever scheduled far ahead with a Celery ETA.
"""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(time_limit=60, soft_time_limit=50, ignore_result=True)
def deliveries_due() -> int:
    return services.deliveries_enqueue_due()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=90, soft_time_limit=75)
def delivery_send(delivery_id: str) -> bool:
    return services.delivery_attempt(delivery_id=delivery_id) is not None


@shared_task(time_limit=120, soft_time_limit=100, ignore_result=True)
def sync_silent_sweep() -> int:
    from .silence import sync_silent_sweep as sweep

    return sweep()

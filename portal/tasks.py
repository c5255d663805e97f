"""Celery tasks stay thin: they call the outbox, which calls the services."""

from __future__ import annotations

from celery import shared_task

from . import outbox, partitions


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=5,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    time_limit=120,
    soft_time_limit=90,
)
def outbox_process(self, message_id: str) -> bool:
    try:
        return outbox.outbox_run(message_id=message_id)
    except Exception as exc:
        raise self.retry(exc=exc) from exc


@shared_task(time_limit=60, soft_time_limit=50, ignore_result=True)
def outbox_sweep() -> int:
    return outbox.outbox_sweep()


@shared_task(time_limit=600, soft_time_limit=540, ignore_result=True)
def partitions_maintain() -> int:
    """Create the coming months' partitions, apply each table's retention (daily beat, on the
    default queue with the other sweepers). Idempotent: a second run finds nothing to do."""
    return sum(outcome.done for outcome in partitions.partitions_maintain())

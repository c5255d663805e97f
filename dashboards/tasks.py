"""The rollups' background work: the drain of marked dossiers (every few seconds) and the
nightly reconciliation from the raw dossiers."""

from __future__ import annotations

from celery import shared_task

from .rollups import rollups_drain, rollups_rebuild


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=3600, soft_time_limit=3500)
def rollups_reconcile() -> int:
    return rollups_rebuild()


@shared_task(acks_late=True, time_limit=600, soft_time_limit=550)
def rollups_drain_task() -> int:
    """Recompute the buckets of the dossiers changed since the last drain (beat)."""
    return rollups_drain()


@shared_task(time_limit=600, soft_time_limit=550, ignore_result=True)
def procedure_usage_refresh() -> int:
    """Each procedure's dossiers of the last three months, from the facts, for the front
    page's order (nightly, after the reconciliation)."""
    from procedures.services import procedure_usage_update

    from .selectors import procedure_recent_dossiers

    return procedure_usage_update(counts=procedure_recent_dossiers())

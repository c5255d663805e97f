"""Nightly reconciliation: recompute the rollups from the raw dossiers."""

from __future__ import annotations

from celery import shared_task

from .rollups import rollups_rebuild


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=3600, soft_time_limit=3500)
def rollups_reconcile() -> int:
    return rollups_rebuild()

"""Synchronisation of the dossier's status with the national portal."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import check


class SyncStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to synchronise")
    SYNCED = "synced", _("Synchronised")
    FAILED = "failed", _("Synchronisation failed")


Y = SyncStatus
TRANSITIONS: dict[SyncStatus, frozenset[SyncStatus]] = {
    Y.PENDING: frozenset({Y.SYNCED, Y.FAILED}),
    Y.SYNCED: frozenset({Y.PENDING}),
    Y.FAILED: frozenset({Y.PENDING, Y.SYNCED}),
}


def check_transition(source: str, target: str) -> None:
    check("national sync", TRANSITIONS, SyncStatus(source), SyncStatus(target))

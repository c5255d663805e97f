"""Synchronisation of the dossier's status with the national portal."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import check


class SyncStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to synchronise")
    SYNCED = "synced", _("Synchronised")
    FAILED = "failed", _("Synchronisation failed")
    LATE = "late", _("Synchronised late")


Y = SyncStatus
TRANSITIONS: dict[SyncStatus, frozenset[SyncStatus]] = {
    Y.PENDING: frozenset({Y.SYNCED, Y.FAILED, Y.LATE}),
    Y.SYNCED: frozenset({Y.PENDING, Y.LATE, Y.FAILED}),
    Y.FAILED: frozenset({Y.PENDING, Y.SYNCED, Y.LATE}),
    # a step that arrived past the real-time threshold: the dossier is not counted as
    # synchronised in real time any more, whatever comes after
    Y.LATE: frozenset({Y.FAILED}),
}


def check_transition(source: str, target: str) -> None:
    check("national sync", TRANSITIONS, SyncStatus(source), SyncStatus(target))

"""Keep the rollups live: any save of a dossier, its rating or an attachment marks the
dossier (one RollupPending row, in the saving transaction, once per transaction); the beat
task `dashboards.tasks.rollups_drain` applies the marked dossiers to their buckets every
DASHBOARDS_DRAIN_SECONDS, once per bucket. Drafts and complaints are still refreshed on
commit. A refresh that fails (or a change made with QuerySet.update) is put right by the
nightly reconciliation (`dashboards.tasks.rollups_reconcile`)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from dossiers.models import Attachment, CertifiedCopy, Dossier, FormDraft
from dossiers.transitions import dossiers_synchronised
from feedback.models import Complaint, Rating
from portal.bulk import insert_rows

logger = logging.getLogger(__name__)


def _enabled() -> bool:
    return getattr(settings, "DASHBOARDS_LIVE_ROLLUPS", True)


def _already_scheduled(key: object) -> bool:
    """A refresh with this key waits for the current transaction's commit already."""
    connection = transaction.get_connection()
    return any(
        getattr(entry[1], "dashboards_key", None) == key
        and not getattr(entry[1], "dashboards_done", False)
        for entry in connection.run_on_commit
    )


def schedule_refresh(dossier_id: int | None) -> None:
    """Mark the dossier for the next drain, in the caller's transaction (a rolled-back change
    leaves no mark), once per transaction."""
    if dossier_id is None or not _enabled() or _already_scheduled(("dossier", dossier_id)):
        return
    from .models import RollupPending

    RollupPending.objects.create(dossier_id=dossier_id)

    def marked() -> None:  # only remembers, for _already_scheduled, that the mark is written
        marked.dashboards_done = True  # type: ignore[attr-defined]

    marked.dashboards_key = ("dossier", dossier_id)  # type: ignore[attr-defined]
    transaction.on_commit(marked, robust=True)


@receiver(post_save, sender=Dossier, dispatch_uid="dashboards-dossier")
@receiver(post_delete, sender=Dossier, dispatch_uid="dashboards-dossier-delete")
def _dossier_changed(sender: Any, instance: Dossier, **kwargs: Any) -> None:
    schedule_refresh(instance.parent_id or instance.pk)


@receiver(dossiers_synchronised, dispatch_uid="dashboards-dossiers-synchronised")
def _dossiers_synchronised(sender: Any, dossier_ids: list[int], **kwargs: Any) -> None:
    """A connected system's batch, written in bulk: one mark per dossier, in one INSERT."""
    if not _enabled() or not dossier_ids:
        return
    from .models import RollupPending

    # plain values (portal.bulk), not an instance a dossier: hundreds of marks a batch
    insert_rows(
        RollupPending,
        [{"dossier_id": pk} for pk in dossier_ids],
        now=timezone.now(),
        page_size=1000,
        returning=False,
    )


@receiver(post_save, sender=Rating, dispatch_uid="dashboards-rating")
@receiver(post_delete, sender=Rating, dispatch_uid="dashboards-rating-delete")
def _rating_changed(sender: Any, instance: Rating, **kwargs: Any) -> None:
    schedule_refresh(instance.dossier_id)


@receiver(post_save, sender=Attachment, dispatch_uid="dashboards-attachment")
@receiver(post_delete, sender=Attachment, dispatch_uid="dashboards-attachment-delete")
def _attachment_changed(sender: Any, instance: Attachment, **kwargs: Any) -> None:
    schedule_refresh(instance.dossier_id)


@receiver(post_save, sender=FormDraft, dispatch_uid="dashboards-draft")
def _draft_changed(sender: Any, instance: FormDraft, created: bool, **kwargs: Any) -> None:
    # Only the moments the figures depend on: opened, first answer, submitted.
    update_fields = kwargs.get("update_fields")
    if not _enabled() or _already_scheduled(("draft", instance.pk)):
        return
    if (
        not created
        and update_fields is not None
        and not ({"first_answered_at", "submitted_at", "login_at"} & set(update_fields))
    ):
        return

    def run() -> None:
        run.dashboards_done = True  # type: ignore[attr-defined]
        from .rollups import draft_refresh

        try:
            draft_refresh(instance)
        except Exception:
            logger.exception("dashboards: refresh of draft %s failed", instance.pk)

    run.dashboards_key = ("draft", instance.pk)  # type: ignore[attr-defined]
    transaction.on_commit(run, robust=True)


@receiver(post_save, sender=Complaint, dispatch_uid="dashboards-complaint")
def _complaint_changed(sender: Any, instance: Complaint, **kwargs: Any) -> None:
    if not _enabled() or _already_scheduled(("complaint", instance.pk)):
        return

    def run() -> None:
        run.dashboards_done = True  # type: ignore[attr-defined]
        from .rollups import complaint_refresh

        try:
            complaint_refresh(instance)
        except Exception:
            logger.exception("dashboards: refresh of complaint %s failed", instance.pk)

    run.dashboards_key = ("complaint", instance.pk)  # type: ignore[attr-defined]
    transaction.on_commit(run, robust=True)


@receiver(post_save, sender=CertifiedCopy, dispatch_uid="dashboards-certified-copy")
def _certified_copy_changed(sender: Any, instance: CertifiedCopy, **kwargs: Any) -> None:
    if not _enabled() or _already_scheduled(("copy", instance.pk)):
        return

    def run() -> None:
        run.dashboards_done = True  # type: ignore[attr-defined]
        from .rollups import certified_copy_refresh

        try:
            certified_copy_refresh(instance)
        except Exception:
            logger.exception("dashboards: refresh of certified copy %s failed", instance.pk)

    run.dashboards_key = ("copy", instance.pk)  # type: ignore[attr-defined]
    transaction.on_commit(run, robust=True)

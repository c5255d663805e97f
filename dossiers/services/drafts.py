"""E-form drafts their owner deletes from My dossiers.

A deleted draft keeps its row (who started which procedure when, and that it was never
submitted: the dashboards' completion figures count it) but loses what the person typed and
uploaded: its answers are emptied in the same transaction and its files leave the draft
storage through the outbox, so a storage that is down delays the removal and loses nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from portal.audit import audit_record
from portal.models import User
from portal.outbox import outbox_enqueue, outbox_handler

from ..models import FormDraft

TOPIC_DELETE_FILES = "drafts.delete_files"


class DraftNotOpen(Exception):
    """The draft is not an open draft of this person (submitted or deleted meanwhile, or
    someone else's)."""


def _draft_file_names(storage: dict[str, Any] | None) -> list[str]:
    """The names, in the draft storage, of every file uploaded into a draft (formtools keeps
    them as storage["step_files"][step][field]["tmp_name"])."""
    names: list[str] = []
    for fields in ((storage or {}).get("step_files") or {}).values():
        for meta in (fields or {}).values():
            name = (meta or {}).get("tmp_name") if isinstance(meta, dict) else None
            if name:
                names.append(name)
    return sorted(set(names))


def draft_discard(*, user: User, draft_id: Any) -> FormDraft:
    """Delete the person's open draft: only its owner may, and only while it is open (not
    submitted, not already deleted); otherwise DraftNotOpen. (The view reads the draft with
    `selectors.draft_open_of_user` first, so that another person's draft is a 404.)"""
    with transaction.atomic(durable=True):
        draft = (
            FormDraft.objects.select_for_update()
            .filter(
                pk=draft_id,
                user=user,
                submitted_at__isnull=True,
                dossier__isnull=True,
                discarded_at__isnull=True,
            )
            .first()
        )
        if draft is None:
            raise DraftNotOpen(str(draft_id))
        files = _draft_file_names(draft.storage)
        draft.storage = {}
        draft.discarded_at = timezone.now()
        draft.save(update_fields=["storage", "discarded_at", "updated_at"])
        audit_record(
            actor=user,
            action="draft.discard",
            obj=draft,
            details={"procedure_version": draft.procedure_version_id, "files": len(files)},
        )
        if files:
            outbox_enqueue(topic=TOPIC_DELETE_FILES, payload={"names": files})
    return draft


@outbox_handler(TOPIC_DELETE_FILES)
def _delete_files_handler(payload: dict[str, Any]) -> None:
    """Remove a deleted draft's uploads from the draft storage (dossiers.wizard's
    draft_file_storage, the default storage). Idempotent: a file already gone is skipped."""
    for name in payload.get("names", []):
        if default_storage.exists(name):
            default_storage.delete(name)

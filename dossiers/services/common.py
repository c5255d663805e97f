"""What the dossier services share: attachments, the officer's transition, due dates, reception."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.files import File

from agencies.calendar import get_calendar
from agencies.models import Agency, OfficerRole
from portal.models import User
from portal.uploads import display_name
from portal.validators import detect_upload_type
from procedures.models import Channel, Component

from .. import transitions
from ..models import (
    Attachment,
    AttachmentKind,
    Dossier,
)
from ..notes import Note
from ..permissions import require
from ..states import TransitionNotAllowed
from ..states.business import Status


class AlreadySubmitted(Exception):
    def __init__(self, dossier: Dossier) -> None:
        super().__init__(dossier.code)
        self.dossier = dossier


@dataclass(frozen=True)
class NewAttachment:
    component: Component | None
    file: File  # an upload, or a file kept from an earlier post (supplement_uploads)
    content_type: str
    kind: str = AttachmentKind.UPLOADED
    store_document_id: str = ""


_lock = transitions.lock


def _attach(dossier: Dossier, item: NewAttachment, kind: str) -> Attachment:
    """The file is stored under a name the server makes (Attachment.file's upload_to), with
    the extension of the type read from its content; the person's name is only shown."""
    return Attachment.objects.create(
        dossier=dossier,
        component=item.component,
        file=item.file,
        original_name=display_name(item.file.name),
        content_type=detect_upload_type(item.file) or item.content_type,
        size=item.file.size or 0,
        sha256=_sha256(item.file),
        kind=kind,
        store_document_id=item.store_document_id,
    )


def _sha256(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(65536), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


# --- Back-office transitions ---------------------------------------------------------------


def _transition(
    dossier: Dossier,
    *,
    target: Status,
    officer: User,
    agency: Agency,
    action: str,
    permission: str,
    note: str | Note = "",
    step_due_at: dt.datetime | None = None,
    extra_fields: tuple[str, ...] = (),
    **machines: Any,
) -> None:
    """An officer's change of business status (and of other machines in `machines`)."""
    require(officer, agency, permission)
    transitions.change(
        dossier,
        action=action,
        status=target,
        fields=extra_fields,
        actor=officer,
        role=officer_role(officer, agency),
        agency=agency,
        note=note,
        step_due_at=step_due_at,
        **machines,
    )


def officer_role(officer: User, agency: Agency) -> str:
    roles = list(officer.memberships.filter(agency=agency).values_list("role", flat=True))
    for role in (
        OfficerRole.LEADER,
        OfficerRole.SPECIALIST,
        OfficerRole.RECEPTION,
        OfficerRole.ADMIN,
    ):
        if role in roles:
            return str(role)
    return ""


def _channel(dossier: Dossier) -> Channel | None:
    return dossier.procedure_version.channels.filter(kind=dossier.channel).first()


def dossier_due_at(dossier: Dossier, received_at: dt.datetime) -> dt.datetime | None:
    return channel_due_at(_channel(dossier), received_at)


def channel_due_at(channel: Channel | None, received_at: dt.datetime) -> dt.datetime | None:
    """When a dossier of this channel received at `received_at` is due: its time limit in
    working days (or hours, or calendar days) by the agencies' calendar. Also the expected
    result date the check-your-answers page shows before submission."""
    if channel is None:
        return None
    calendar = get_calendar()
    return calendar.add_working_time(
        calendar.clock_start(received_at), channel.time_limit, channel.time_unit
    )


def _first_step_due(dossier: Dossier, start: dt.datetime) -> dt.datetime | None:
    step = dossier.procedure_version.steps.order_by("order").first()
    if step is None:
        return None
    calendar = get_calendar()
    return calendar.add_working_time(calendar.clock_start(start), step.duration_hours, "hours")


def _not_waiting_for_applicant(dossier: Dossier, action: str) -> None:
    """A dossier waiting for a supplement leaves that state when the applicant resubmits
    (dossier_resubmit), not by an officer's receive or process."""
    if dossier.status == Status.SUPPLEMENT_REQUESTED:
        raise TransitionNotAllowed("business status", dossier.status, action)


def _mark_received(dossier: Dossier, *, officer: User, agency: Agency, now: dt.datetime) -> None:
    """Status 2: the clock starts at the first valid reception (a transfer keeps it), and the
    first workflow step gets its deadline."""
    if dossier.received_at is None:
        dossier.received_at = now
        dossier.due_at = dossier_due_at(dossier, now)
    dossier.current_step = 1
    dossier.step_due_at = _first_step_due(dossier, now)
    _transition(
        dossier,
        target=Status.RECEIVED,
        officer=officer,
        agency=agency,
        action="received",
        permission="receive",
        step_due_at=dossier.step_due_at,
        extra_fields=("received_at", "receiving_agency", "due_at", "current_step", "step_due_at"),
    )

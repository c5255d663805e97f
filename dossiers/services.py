"""Every change to a dossier is one function here. Each owns its transaction, checks the
state machine, locks the row, appends a timeline entry and an audit row, and leaves its side
effects in the outbox.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.calendar import get_calendar
from agencies.models import Agency, Commune, OfficerRole
from portal.audit import audit_record
from portal.models import User
from portal.outbox import outbox_enqueue, outbox_handler
from procedures.models import Case, Channel, Component, ProcedureVersion

from .codes import dossier_code_next
from .models import Attachment, AttachmentKind, Dossier, DossierEvent, FormDraft
from .routing import resolve_competent_agency
from .states import business, delivery
from .states.business import Status
from .states.delivery import DeliveryStatus

logger = logging.getLogger(__name__)


class AlreadySubmitted(Exception):
    def __init__(self, dossier: Dossier) -> None:
        super().__init__(dossier.code)
        self.dossier = dossier


@dataclass(frozen=True)
class NewAttachment:
    component: Component | None
    file: UploadedFile
    content_type: str


def _event(
    dossier: Dossier,
    *,
    action: str,
    actor: User | None = None,
    role: str = "",
    agency: Agency | None = None,
    from_status: int | None = None,
    note: str = "",
    step_due_at: dt.datetime | None = None,
    at: dt.datetime | None = None,
) -> DossierEvent:
    event = DossierEvent.objects.create(
        dossier=dossier,
        at=at or timezone.now(),
        action=action,
        actor=actor,
        actor_role=role,
        agency=agency,
        from_status=from_status,
        to_status=dossier.status,
        note=note,
        step_due_at=step_due_at,
    )
    outbox_enqueue(topic="dossier.notify", payload={"event_id": event.pk})
    return event


def _lock(dossier: Dossier) -> Dossier:
    return Dossier.objects.select_for_update().get(pk=dossier.pk)


def _sha256(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(65536), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


# --- Submission and routing -----------------------------------------------------------------


def dossier_submit(
    *,
    applicant: User,
    version: ProcedureVersion,
    case: Case | None,
    commune: Commune | None,
    data: dict[str, Any],
    subject_name: str,
    attachments: list[NewAttachment],
    submission_key: uuid.UUID,
    language: str = "vi",
    email: str = "",
    phone: str = "",
    draft: FormDraft | None = None,
) -> Dossier:
    """Submit an online dossier. A second call with the same submission key changes nothing
    and raises AlreadySubmitted with the dossier of the first call."""
    existing = Dossier.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        raise AlreadySubmitted(existing)
    now = timezone.now()
    target = resolve_competent_agency(version=version, commune=commune)
    agency_code = target.code if target else settings.PORTAL_TRIAGE_AGENCY_CODE
    try:
        with transaction.atomic(durable=True):
            dossier = Dossier.objects.create(
                code=dossier_code_next(agency_code=agency_code, day=timezone.localdate(now)),
                procedure_version=version,
                case=case,
                applicant=applicant,
                applicant_name=applicant.display_name,
                applicant_personal_id=applicant.personal_id or "",
                applicant_email=email or applicant.email,
                applicant_phone=phone or applicant.phone,
                subject_name=subject_name,
                commune=commune,
                data=data,
                language=language,
                status=Status.SUBMITTED,
                target_agency=target,
                submitted_at=now,
                submission_key=submission_key,
            )
            for item in attachments:
                Attachment.objects.create(
                    dossier=dossier,
                    component=item.component,
                    file=item.file,
                    original_name=(item.file.name or "document")[-255:],
                    content_type=item.content_type,
                    size=item.file.size or 0,
                    sha256=_sha256(item.file),
                    kind=AttachmentKind.UPLOADED,
                )
            if draft is not None:
                FormDraft.objects.filter(pk=draft.pk).update(submitted_at=now, dossier=dossier)
            _event(dossier, action="submitted", actor=applicant, role="applicant", at=now)
            audit_record(actor=applicant, action="dossier.submit", obj=dossier)
            outbox_enqueue(topic="dossier.route", payload={"dossier_id": dossier.pk})
    except IntegrityError:
        existing = Dossier.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            raise AlreadySubmitted(existing) from None
        raise
    return dossier


def dossier_route(*, dossier_id: int) -> Dossier:
    """Deliver a submitted dossier to the queue of its competent agency (idempotent)."""
    with transaction.atomic(durable=True):
        dossier = Dossier.objects.select_for_update().get(pk=dossier_id)
        if dossier.routed_at is not None:
            return dossier
        agency = dossier.target_agency or resolve_competent_agency(
            version=dossier.procedure_version, commune=dossier.commune
        )
        dossier.competent_agency = agency
        dossier.receiving_agency = agency
        dossier.routed_at = timezone.now()
        dossier.save(
            update_fields=["competent_agency", "receiving_agency", "routed_at", "updated_at"]
        )
        if agency is None:
            note = _("The competent agency could not be determined; the dossier awaits triage.")
        else:
            note = _("Sent to %(agency)s.") % {"agency": agency.name}
        DossierEvent.objects.create(
            dossier=dossier,
            at=dossier.routed_at,
            action="routed" if agency else "triage",
            agency=agency,
            to_status=dossier.status,
            note=note,
        )
        audit_record(
            actor=None,
            action="dossier.route",
            obj=dossier,
            agency_code=agency.code if agency else "",
        )
    return dossier


@outbox_handler("dossier.route")
def _route_handler(payload: dict[str, Any]) -> None:
    dossier_route(dossier_id=payload["dossier_id"])


@outbox_handler("dossier.notify")
def _notify_handler(payload: dict[str, Any]) -> None:
    from portal.notifications import notify_dossier_event

    notify_dossier_event(event_id=payload["event_id"])


# --- Back-office transitions ---------------------------------------------------------------


def _transition(
    dossier: Dossier,
    *,
    target: Status,
    officer: User,
    agency: Agency,
    action: str,
    note: str = "",
    step_due_at: dt.datetime | None = None,
    extra_fields: tuple[str, ...] = (),
) -> DossierEvent:
    source = dossier.status
    business.check_transition(source, target)
    dossier.status = target
    dossier.save(update_fields=["status", "updated_at", *extra_fields])
    role = officer_role(officer, agency)
    event = _event(
        dossier,
        action=action,
        actor=officer,
        role=role,
        agency=agency,
        from_status=source,
        note=note,
        step_due_at=step_due_at,
    )
    audit_record(
        actor=officer,
        action=f"dossier.{action}",
        obj=dossier,
        agency_code=agency.code,
        details={"from": source, "to": int(target)},
    )
    return event


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
    channel = _channel(dossier)
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


def dossier_receive(*, dossier: Dossier, officer: User, agency: Agency) -> Dossier:
    """Valid reception: the processing clock starts now."""
    with transaction.atomic(durable=True):
        dossier = _lock(dossier)
        now = timezone.now()
        dossier.received_at = now
        dossier.receiving_agency = agency
        dossier.due_at = dossier_due_at(dossier, now)
        _transition(
            dossier,
            target=Status.RECEIVED,
            officer=officer,
            agency=agency,
            action="received",
            step_due_at=_first_step_due(dossier, now),
            extra_fields=("received_at", "receiving_agency", "due_at"),
        )
    return dossier


def dossier_refuse(*, dossier: Dossier, officer: User, agency: Agency, reason: str) -> Dossier:
    with transaction.atomic(durable=True):
        dossier = _lock(dossier)
        dossier.processed_at = timezone.now()
        _transition(
            dossier,
            target=Status.REFUSED,
            officer=officer,
            agency=agency,
            action="refused",
            note=reason,
            extra_fields=("processed_at",),
        )
    return dossier


def dossier_start_processing(*, dossier: Dossier, officer: User, agency: Agency) -> Dossier:
    with transaction.atomic(durable=True):
        dossier = _lock(dossier)
        _transition(
            dossier,
            target=Status.IN_PROCESSING,
            officer=officer,
            agency=agency,
            action="processing",
        )
    return dossier


def dossier_issue_result(*, dossier: Dossier, officer: User, agency: Agency) -> Dossier:
    """Issue the electronic result: a PDF with a QR code to the public verification page."""
    from .documents import result_number_for, result_pdf

    with transaction.atomic(durable=True):
        dossier = _lock(dossier)
        business.check_transition(dossier.status, Status.RESULT_READY)
        now = timezone.now()
        dossier.processed_at = now
        dossier.result_number = result_number_for(dossier)
        pdf = result_pdf(dossier, signer=officer, agency=agency, issued_at=now)
        dossier.result_sha256 = hashlib.sha256(pdf).hexdigest()
        dossier.result_file.save(f"{dossier.code}.pdf", ContentFile(pdf), save=False)
        delivery.check_transition(dossier.delivery_status, DeliveryStatus.READY)
        dossier.delivery_status = DeliveryStatus.READY
        _transition(
            dossier,
            target=Status.RESULT_READY,
            officer=officer,
            agency=agency,
            action="result_issued",
            note=_("Result number %(number)s.") % {"number": dossier.result_number},
            extra_fields=(
                "processed_at",
                "result_number",
                "result_sha256",
                "result_file",
                "delivery_status",
            ),
        )
    return dossier


def dossier_return_result(*, dossier: Dossier, officer: User, agency: Agency) -> Dossier:
    with transaction.atomic(durable=True):
        dossier = _lock(dossier)
        delivery.check_transition(dossier.delivery_status, DeliveryStatus.DELIVERED)
        dossier.delivery_status = DeliveryStatus.DELIVERED
        dossier.returned_at = timezone.now()
        _transition(
            dossier,
            target=Status.RETURNED,
            officer=officer,
            agency=agency,
            action="returned",
            note=str(dossier.get_delivery_method_display()),
            extra_fields=("delivery_status", "returned_at"),
        )
    return dossier


def result_verification_url(dossier: Dossier) -> str:
    path = reverse("dossiers:verify", kwargs={"token": dossier.verification_token})
    return settings.PORTAL_BASE_URL.rstrip("/") + path

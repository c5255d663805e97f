"""Every use case that changes a dossier is one function here. Each owns its transaction and
its rules (who may act, what a supplement round records, how a due date moves) and applies
the change through `dossiers.transitions`, which locks the row, checks the state machines,
appends the timeline entry and the audit row and queues the side effects in the outbox.
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
from portal.outbox import outbox_handler
from procedures.models import Case, Channel, Component, ProcedureVersion

from . import transitions
from .codes import dossier_code_next
from .models import (
    Attachment,
    AttachmentKind,
    DeadlineExtension,
    Dossier,
    FormDraft,
    SupplementRound,
)
from .permissions import ActionNotPermitted, require
from .routing import resolve_competent_agency
from .states import TransitionNotAllowed, business, delivery
from .states.business import Status
from .states.delivery import DeliveryMethod, DeliveryStatus
from .states.payment import PaymentStatus

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
    kind: str = AttachmentKind.UPLOADED
    store_document_id: str = ""


_lock = transitions.lock


def _attach(dossier: Dossier, item: NewAttachment, kind: str) -> Attachment:
    return Attachment.objects.create(
        dossier=dossier,
        component=item.component,
        file=item.file,
        original_name=(item.file.name or "document")[-255:],
        content_type=item.content_type,
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
    prefilled_from: list[str] | None = None,
) -> Dossier:
    """Submit an online dossier. A second call with the same submission key changes nothing
    and raises AlreadySubmitted with the dossier of the first call."""
    existing = Dossier.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        raise AlreadySubmitted(existing)
    now = timezone.now()
    target = resolve_competent_agency(version=version, commune=commune)
    agency_code = target.code if target else settings.PORTAL_TRIAGE_AGENCY_CODE
    # The number is taken in its own short transaction, so the counter row of an agency's day
    # is not locked while files are copied and hashed (a failed submission leaves a gap).
    with transaction.atomic(durable=True):
        code = dossier_code_next(agency_code=agency_code, day=timezone.localdate(now))
    try:
        with transaction.atomic(durable=True):
            dossier = transitions.create(
                code=code,
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
                payment_status=_initial_payment_status(version),
                target_agency=target,
                submitted_at=now,
                submission_key=submission_key,
                prefilled_from=sorted(prefilled_from or []),
            )
            for item in attachments:
                _attach(dossier, item, item.kind)
            if draft is not None:
                FormDraft.objects.filter(pk=draft.pk).update(submitted_at=now, dossier=dossier)
            transitions.change(
                dossier,
                action="submitted",
                actor=applicant,
                role="applicant",
                at=now,
                audit="dossier.submit",
                effects=[transitions.Effect("dossier.route", {"dossier_id": dossier.pk})],
            )
    except IntegrityError:
        existing = Dossier.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            raise AlreadySubmitted(existing) from None
        raise
    return dossier


def _initial_payment_status(version: ProcedureVersion) -> str:
    """Unpaid when the online channel of the version has a fee to pay (payments/)."""
    from procedures.models import ChannelKind, Fee

    fees = Fee.objects.filter(channel__version=version, channel__kind=ChannelKind.ONLINE)
    return (
        PaymentStatus.UNPAID if fees.filter(amount__gt=0).exists() else PaymentStatus.NOT_REQUIRED
    )


def dossier_route(*, dossier_id: int) -> Dossier:
    """Deliver a submitted dossier to the queue of its competent agency (idempotent)."""
    with transaction.atomic(durable=True):
        dossier = transitions.lock(dossier_id)
        if dossier.routed_at is not None:
            return dossier
        if dossier.status != Status.SUBMITTED:  # withdrawn before it was routed
            dossier.routed_at = timezone.now()
            dossier.save(update_fields=["routed_at", "updated_at"])
            return dossier
        if dossier.procedure_version.bundle_parts:
            _fan_out(dossier)
            return dossier
        agency = dossier.target_agency or resolve_competent_agency(
            version=dossier.procedure_version, commune=dossier.commune
        )
        dossier.competent_agency = agency
        dossier.receiving_agency = agency
        dossier.routed_at = timezone.now()
        if agency is None:
            note = _("The competent agency could not be determined; the dossier awaits triage.")
        else:
            note = _("Sent to %(agency)s.") % {"agency": agency.name}
        transitions.change(
            dossier,
            action="routed" if agency else "triage",
            fields=["competent_agency", "receiving_agency", "routed_at"],
            agency=agency,
            note=note,
            at=dossier.routed_at,
            notify=False,
            audit="dossier.route",
        )
    return dossier


def _fan_out(bundle: Dossier) -> None:
    """A linked bundle becomes one part per competent agency; the bundle completes when all
    parts do. Runs inside dossier_route's transaction, with the bundle row locked."""
    now = timezone.now()
    day = timezone.localdate(now)
    agencies = []
    for part in bundle.procedure_version.bundle_parts:
        agency = resolve_competent_agency(
            version=bundle.procedure_version, commune=bundle.commune, kind=part["agency_kind"]
        )
        code_agency = agency.code if agency else settings.PORTAL_TRIAGE_AGENCY_CODE
        child = transitions.create(
            code=dossier_code_next(agency_code=code_agency, day=day),
            procedure_version=bundle.procedure_version,
            case=bundle.case,
            channel=bundle.channel,
            applicant=bundle.applicant,
            applicant_name=bundle.applicant_name,
            applicant_personal_id=bundle.applicant_personal_id,
            applicant_email=bundle.applicant_email,
            applicant_phone=bundle.applicant_phone,
            subject_name=f"{part.get('name', part['code'])}: {bundle.subject_name}",
            commune=bundle.commune,
            data=bundle.data,
            language=bundle.language,
            parent=bundle,
            part_code=part["code"],
            status=Status.SUBMITTED,
            target_agency=agency,
            competent_agency=agency,
            receiving_agency=agency,
            submitted_at=bundle.submitted_at,
            routed_at=now,
        )
        Attachment.objects.bulk_create(
            Attachment(
                dossier=child,
                component=a.component,
                file=a.file.name,
                original_name=a.original_name,
                content_type=a.content_type,
                size=a.size,
                sha256=a.sha256,
                kind=a.kind,
            )
            for a in bundle.attachments.all()
        )
        transitions.change(
            child,
            action="routed" if agency else "triage",
            agency=agency,
            note=_("Part of the linked dossier %(code)s.") % {"code": bundle.code},
            at=now,
            notify=False,
            audit=None,
        )
        agencies.append(agency.name if agency else _("triage"))
    bundle.routed_at = now
    transitions.change(
        bundle,
        action="fanned_out",
        fields=["routed_at"],
        note=_("Sent to %(agencies)s.") % {"agencies": "; ".join(agencies)},
        at=now,
        notify=False,
        audit="dossier.route_bundle",
        audit_details={"parts": len(agencies)},
    )


@outbox_handler("dossier.route")
def _route_handler(payload: dict[str, Any]) -> None:
    dossier_route(dossier_id=payload["dossier_id"])


@outbox_handler("edocuments.store_result")
def _store_result_handler(payload: dict[str, Any]) -> None:
    """Put an issued result into the applicant's e-document store (idempotent by dossier)."""
    from prefill.national_client import NationalDataClient

    dossier = Dossier.objects.select_related(
        "procedure_version__procedure", "competent_agency"
    ).get(pk=payload["dossier_id"])
    if not dossier.result_file or not dossier.applicant_personal_id:
        return
    result = dossier.procedure_version.results.order_by("id").first()
    with dossier.result_file.open("rb") as handle:
        content = handle.read()
    document_id = NationalDataClient().store_document(
        dossier.applicant_personal_id,
        content=content,
        title=result.name if result else dossier.procedure_version.procedure.name,
        idempotency_key=f"result:{dossier.code}",
        result_code=result.code if result else "",
        issuing_agency=dossier.competent_agency.name if dossier.competent_agency else "",
        issued_date=timezone.localdate(dossier.processed_at).isoformat()
        if dossier.processed_at
        else "",
        dossier_code=dossier.code,
        verified=True,
    )
    audit_record(
        actor=None,
        action="edocuments.store_result",
        obj=dossier,
        details={"document_id": document_id},
    )


# --- Back-office transitions ---------------------------------------------------------------


def _transition(
    dossier: Dossier,
    *,
    target: Status,
    officer: User,
    agency: Agency,
    action: str,
    permission: str,
    note: str = "",
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


def _not_waiting_for_applicant(dossier: Dossier, action: str) -> None:
    """A dossier waiting for a supplement leaves that state when the applicant resubmits
    (dossier_resubmit), not by an officer's receive or process."""
    if dossier.status == Status.SUPPLEMENT_REQUESTED:
        raise TransitionNotAllowed("business status", dossier.status, action)


def dossier_receive(*, dossier: Dossier, officer: User, agency: Agency) -> Dossier:
    """Valid reception: the processing clock starts now. A dossier transferred after an
    earlier reception keeps its clock: the applicant's due date does not restart."""
    with transaction.atomic(durable=True):
        dossier = _lock(dossier)
        _not_waiting_for_applicant(dossier, "receive")
        dossier.receiving_agency = agency
        _mark_received(dossier, officer=officer, agency=agency, now=timezone.now())
    return dossier


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


def _end_with_reason(
    dossier: Dossier,
    *,
    officer: User,
    agency: Agency,
    target: Status,
    action: str,
    permission: str,
    reason: str,
) -> Dossier:
    with transaction.atomic(durable=True):
        dossier = _lock(dossier)
        dossier.processed_at = timezone.now()
        _transition(
            dossier,
            target=target,
            officer=officer,
            agency=agency,
            action=action,
            permission=permission,
            note=reason,
            extra_fields=("processed_at",),
        )
    return dossier


def dossier_refuse(*, dossier: Dossier, officer: User, agency: Agency, reason: str) -> Dossier:
    """Refuse at reception, with the reason (slip 03)."""
    return _end_with_reason(
        dossier,
        officer=officer,
        agency=agency,
        target=Status.REFUSED,
        action="refused",
        permission="refuse",
        reason=reason,
    )


def dossier_start_processing(*, dossier: Dossier, officer: User, agency: Agency) -> Dossier:
    with transaction.atomic(durable=True):
        dossier = _lock(dossier)
        _not_waiting_for_applicant(dossier, "process")
        _transition(
            dossier,
            target=Status.IN_PROCESSING,
            officer=officer,
            agency=agency,
            action="processing",
            permission="process",
        )
    return dossier


def dossier_issue_result(
    *,
    dossier: Dossier,
    officer: User,
    agency: Agency,
    content: bytes | None = None,
    result_number: str = "",
    note: str = "",
    audit_details: dict[str, Any] | None = None,
) -> Dossier:
    """Issue the electronic result (status 9): a PDF with a QR code to the public verification
    page, rendered here, or `content`, a PDF produced by the agency's own system (interop/).
    The result joins the applicant's e-document store (transitions queue the copy)."""
    from .documents import result_number_for, result_pdf

    require(officer, agency, "approve")
    with transaction.atomic(durable=True):
        dossier = _lock(dossier)
        business.check_transition(dossier.status, Status.RESULT_READY)
        delivery.check_transition(dossier.delivery_status, DeliveryStatus.READY)
        now = timezone.now()
        dossier.processed_at = now
        dossier.result_number = (result_number or result_number_for(dossier, agency=agency))[:40]
        if content is None:
            content = result_pdf(dossier, signer=officer, agency=agency, issued_at=now)
        dossier.result_sha256 = hashlib.sha256(content).hexdigest()
        dossier.result_file.save(f"{dossier.code}.pdf", ContentFile(content), save=False)
        # the file is not part of the transaction: remove it if the transaction fails
        saved_name = dossier.result_file.name or ""
        text = _("Result number %(number)s.") % {"number": dossier.result_number}
        try:
            transitions.change(
                dossier,
                action="result_issued",
                status=Status.RESULT_READY,
                delivery_status=DeliveryStatus.READY,
                fields=("processed_at", "result_number", "result_sha256", "result_file"),
                actor=officer,
                role=officer_role(officer, agency),
                agency=agency,
                note=f"{text} {note.strip()}".strip(),
                audit_details={"sha256": dossier.result_sha256, **(audit_details or {})},
            )
        except Exception:
            dossier.result_file.storage.delete(saved_name)
            raise
    return dossier


def dossier_return_result(
    *, dossier: Dossier, officer: User, agency: Agency, method: str | None = None
) -> Dossier:
    """Hand the result over: online, in person at the agency, or by public postal service."""
    with transaction.atomic(durable=True):
        dossier = _lock(dossier)
        if method is not None:
            dossier.delivery_method = DeliveryMethod(method)
        dossier.returned_at = timezone.now()
        _transition(
            dossier,
            target=Status.RETURNED,
            officer=officer,
            agency=agency,
            action="returned",
            permission="return_result",
            note=str(dossier.get_delivery_method_display()),
            extra_fields=("returned_at", "delivery_method"),
            delivery_status=DeliveryStatus.DELIVERED,
        )
    return dossier


def result_verification_url(dossier: Dossier) -> str:
    path = reverse("dossiers:verify", kwargs={"token": dossier.verification_token})
    return settings.PORTAL_BASE_URL.rstrip("/") + path


# --- Supplement, assignment, workflow steps, payment, extension, stop, transfer ------------


@dataclass(frozen=True)
class MissingItem:
    name: str
    reason: str


def dossier_request_supplement(
    *, dossier: Dossier, officer: User, agency: Agency, items: list[MissingItem], note: str = ""
) -> SupplementRound:
    """Ask for ALL missing items at once (slip 02); the processing clock pauses."""
    if not items:
        raise ValueError("a supplement request lists at least one missing item")
    with transaction.atomic(durable=True):
        dossier = _lock(dossier)
        now = timezone.now()
        source = dossier.status
        supplement = SupplementRound.objects.create(
            dossier=dossier,
            requested_at=now,
            requested_by=officer,
            items=[{"name": i.name, "reason": i.reason} for i in items],
            note=note,
            from_status=source,
            old_due_at=dossier.due_at,
        )
        dossier.paused_at = now
        lines = "; ".join(f"{i.name}: {i.reason}" for i in items)
        _transition(
            dossier,
            target=Status.SUPPLEMENT_REQUESTED,
            officer=officer,
            agency=agency,
            action="supplement_requested",
            permission="request_supplement",
            note=f"{lines}. {note}".strip().rstrip(".") + ".",
            extra_fields=("paused_at",),
        )
    return supplement


def dossier_resubmit(
    *,
    dossier: Dossier,
    applicant: User,
    note: str = "",
    attachments: list[NewAttachment] | None = None,
) -> Dossier:
    """The applicant supplies what was missing: the clock resumes and the due date moves by
    the pause, counted in working time."""
    with transaction.atomic(durable=True):
        dossier = _lock(dossier)
        if dossier.applicant_id != applicant.pk:
            raise PermissionError("only the applicant resubmits")
        supplement = (
            dossier.supplements.filter(resubmitted_at__isnull=True)
            .order_by("-requested_at")
            .first()
        )
        if supplement is None or dossier.status != Status.SUPPLEMENT_REQUESTED:
            raise TransitionNotAllowed(
                "business status", dossier.status, supplement.from_status if supplement else None
            )
        business.check_transition(dossier.status, supplement.from_status)
        now = timezone.now()
        calendar = get_calendar()
        paused = calendar.working_seconds_between(dossier.paused_at or supplement.requested_at, now)
        if dossier.due_at is not None:
            dossier.due_at = calendar.add_working_seconds(dossier.due_at, paused)
        if dossier.step_due_at is not None:
            dossier.step_due_at = calendar.add_working_seconds(dossier.step_due_at, paused)
        supplement.resubmitted_at = now
        supplement.applicant_note = note
        supplement.paused_seconds = paused
        supplement.new_due_at = dossier.due_at
        supplement.save()
        for item in attachments or []:
            _attach(dossier, item, AttachmentKind.UPLOADED)
        dossier.paused_at = None
        dossier.due_soon_alerted_at = None
        dossier.overdue_alerted_at = None
        transitions.change(
            dossier,
            action="resubmitted",
            status=Status(supplement.from_status),
            fields=[
                "paused_at",
                "due_at",
                "step_due_at",
                "due_soon_alerted_at",
                "overdue_alerted_at",
            ],
            actor=applicant,
            role="applicant",
            agency=dossier.competent_agency,
            note=note,
            step_due_at=dossier.step_due_at,
            at=now,
            audit="dossier.resubmit",
            audit_agency_code="",
            audit_details={"paused_seconds": paused},
        )
    return dossier


def dossier_assign(*, dossier: Dossier, officer: User, agency: Agency, assignee: User) -> Dossier:
    """Give the dossier to a specialist of the agency."""
    with transaction.atomic(durable=True):
        require(officer, agency, "assign")
        if not assignee.memberships.filter(agency=agency, role=OfficerRole.SPECIALIST).exists():
            raise ValueError(_("The assignee is not a specialist of this agency."))
        dossier = _lock(dossier)
        if dossier.status not in business.OPEN:
            raise TransitionNotAllowed("business status", dossier.status, "assign")
        dossier.assigned_to = assignee
        transitions.change(
            dossier,
            action="assigned",
            fields=["assigned_to"],
            actor=officer,
            role=officer_role(officer, agency),
            agency=agency,
            note=_("Assigned to a specialist."),
            notify=False,
            audit="dossier.assign",
            audit_details={"assignee": assignee.username},
        )
    return dossier


def dossier_advance_step(*, dossier: Dossier, officer: User, agency: Agency) -> Dossier:
    """Hand the dossier to the next step of the procedure's workflow, with that step's deadline."""
    with transaction.atomic(durable=True):
        require(officer, agency, "advance_step")
        dossier = _lock(dossier)
        if dossier.status != Status.IN_PROCESSING:
            raise TransitionNotAllowed("business status", dossier.status, "next step")
        steps = list(dossier.procedure_version.steps.order_by("order"))
        current = dossier.current_step or 1
        following = [s for s in steps if s.order > current]
        if not following:
            raise TransitionNotAllowed("workflow", current, "next step")
        step = following[0]
        calendar = get_calendar()
        now = timezone.now()
        dossier.current_step = step.order
        dossier.step_due_at = calendar.add_working_time(
            calendar.clock_start(now), step.duration_hours, "hours"
        )
        transitions.change(
            dossier,
            action="step",
            fields=["current_step", "step_due_at"],
            actor=officer,
            role=officer_role(officer, agency),
            agency=agency,
            note=step.label,
            step_due_at=dossier.step_due_at,
            at=now,
            audit="dossier.advance_step",
            audit_details={"step": step.order},
        )
    return dossier


def dossier_request_payment(
    *, dossier: Dossier, officer: User, agency: Agency, amount: int, description: str
) -> Dossier:
    """Ask the applicant to pay financial obligations (taxes, charges) before the result."""
    if amount <= 0:
        raise ValueError("an obligation has a positive amount")
    with transaction.atomic(durable=True):
        dossier = _lock(dossier)
        # the applicant owes something again: payable online like the fees
        owes = dossier.payment_status in (PaymentStatus.NOT_REQUIRED, PaymentStatus.PAID)
        _transition(
            dossier,
            target=Status.PAYMENT_REQUESTED,
            officer=officer,
            agency=agency,
            action="payment_requested",
            permission="request_payment",
            note=f"{description}: {amount:,} VND".replace(",", "."),
            payment_status=PaymentStatus.UNPAID if owes else None,
        )
        # payments depends on dossiers: imported here
        from payments.services import obligation_add

        obligation_add(dossier=dossier, officer=officer, amount=amount, description=description)
    return dossier


def dossier_payment_confirmed(*, dossier: Dossier, officer: User, agency: Agency) -> Dossier:
    with transaction.atomic(durable=True):
        dossier = _lock(dossier)
        _transition(
            dossier,
            target=Status.IN_PROCESSING,
            officer=officer,
            agency=agency,
            action="payment_confirmed",
            permission="payment_confirmed",
        )
    return dossier


def dossier_extend(
    *, dossier: Dossier, officer: User, agency: Agency, new_due_at: dt.datetime, reason: str
) -> DeadlineExtension:
    """Apologise for a late dossier and set a new return date (slip 04)."""
    with transaction.atomic(durable=True):
        require(officer, agency, "extend")
        dossier = _lock(dossier)
        if dossier.status not in business.OPEN or dossier.due_at is None:
            raise TransitionNotAllowed("business status", dossier.status, "extend")
        if new_due_at <= dossier.due_at:
            raise ValueError(_("The new return date must be after the current due date."))
        now = timezone.now()
        extension = DeadlineExtension.objects.create(
            dossier=dossier,
            at=now,
            by=officer,
            old_due_at=dossier.due_at,
            new_due_at=new_due_at,
            reason=reason,
        )
        dossier.due_at = new_due_at
        dossier.overdue_alerted_at = None
        dossier.due_soon_alerted_at = None
        transitions.change(
            dossier,
            action="extended",
            fields=["due_at", "overdue_alerted_at", "due_soon_alerted_at"],
            actor=officer,
            role=officer_role(officer, agency),
            agency=agency,
            note=reason,
            at=now,
            audit="dossier.extend",
        )
    return extension


def dossier_stop(*, dossier: Dossier, officer: User, agency: Agency, reason: str) -> Dossier:
    """Stop processing, with the reason (slip 05)."""
    return _end_with_reason(
        dossier,
        officer=officer,
        agency=agency,
        target=Status.STOPPED,
        action="stopped",
        permission="stop",
        reason=reason,
    )


def dossier_transfer(
    *, dossier: Dossier, officer: User | None, agency: Agency | None, to_agency: Agency, reason: str
) -> Dossier:
    """Send a dossier to another agency (lien thong), before or after reception, or out of
    triage. After reception the clock keeps running: the due date does not restart.

    `agency` is the officer's agency; None with a staff user who works the triage queue."""
    with transaction.atomic(durable=True):
        if agency is not None and officer is not None:
            require(officer, agency, "transfer")
        elif officer is None or not officer.has_perm("dossiers.triage_dossier"):
            raise ActionNotPermitted("transfer")
        dossier = _lock(dossier)
        if to_agency == dossier.competent_agency:
            raise ValueError(_("The dossier is already with this agency."))
        business.check_transition(dossier.status, Status.TRANSFERRED)
        previous = dossier.competent_agency
        dossier.competent_agency = to_agency
        dossier.receiving_agency = to_agency
        dossier.assigned_to = None
        transitions.change(
            dossier,
            action="transferred",
            status=Status.TRANSFERRED,
            fields=["competent_agency", "receiving_agency", "assigned_to"],
            actor=officer,
            role=officer_role(officer, agency) if officer and agency else "triage",
            agency=to_agency,
            note=_("Transferred from %(old)s to %(new)s: %(reason)s")
            % {
                "old": previous.name if previous else _("triage"),
                "new": to_agency.name,
                "reason": reason,
            },
            audit="dossier.transfer",
            audit_reason=reason[:200],
            audit_details={"from": previous.code if previous else None, "to": to_agency.code},
        )
    return dossier


def dossier_withdraw(*, dossier: Dossier, applicant: User, reason: str = "") -> Dossier:
    """The applicant withdraws a dossier that has no result yet."""
    with transaction.atomic(durable=True):
        dossier = _lock(dossier)
        if dossier.applicant_id != applicant.pk:
            raise PermissionError("only the applicant withdraws")
        business.check_transition(dossier.status, Status.WITHDRAWN)
        for part in transitions.lock_parts(dossier):
            if Status.WITHDRAWN in business.TRANSITIONS.get(Status(part.status), frozenset()):
                # the bundle itself is withdrawn below, in this transaction: no roll-up
                transitions.change(
                    part,
                    action="withdrawn",
                    status=Status.WITHDRAWN,
                    actor=applicant,
                    role="applicant",
                    agency=part.competent_agency,
                    note=reason,
                    audit=None,
                    rollup=False,
                )
        transitions.change(
            dossier,
            action="withdrawn",
            status=Status.WITHDRAWN,
            actor=applicant,
            role="applicant",
            agency=dossier.competent_agency,
            note=reason,
            audit="dossier.withdraw",
            audit_agency_code="",
        )
    return dossier


def dossier_counter_intake(
    *,
    officer: User,
    agency: Agency,
    version: ProcedureVersion,
    case: Case | None,
    commune: Commune | None,
    applicant_name: str,
    applicant_personal_id: str,
    applicant_phone: str = "",
    applicant_email: str = "",
    subject_name: str = "",
    data: dict[str, Any] | None = None,
    attachments: list[NewAttachment] | None = None,
) -> Dossier:
    """Register a paper dossier received in person at the counter (channel 1): it is received
    at once and its documents are digitised, so in-person and online processing times can be
    compared."""
    from procedures.models import ChannelKind

    require(officer, agency, "counter_intake")
    competent = resolve_competent_agency(version=version, commune=commune) or agency
    now = timezone.now()
    with transaction.atomic(durable=True):
        dossier = transitions.create(
            code=dossier_code_next(agency_code=agency.code, day=timezone.localdate(now)),
            procedure_version=version,
            case=case,
            channel=ChannelKind.IN_PERSON,
            applicant=None,
            applicant_name=applicant_name,
            applicant_personal_id=applicant_personal_id,
            applicant_phone=applicant_phone,
            applicant_email=applicant_email,
            subject_name=subject_name,
            commune=commune,
            data=data or {},
            status=Status.SUBMITTED,
            target_agency=competent,
            competent_agency=competent,
            receiving_agency=agency,
            submitted_at=now,
            routed_at=now,
        )
        for item in attachments or []:
            _attach(dossier, item, AttachmentKind.DIGITISED)
        transitions.change(
            dossier,
            action="counter_submitted",
            actor=officer,
            role=officer_role(officer, agency),
            agency=agency,
            at=now,
            notify=False,
            audit=None,
        )
        _mark_received(dossier, officer=officer, agency=agency, now=now)
    return dossier

"""The back-office: reception, processing, workflow steps, assignment, obligations, extension,
result, return, refusal and stop."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.calendar import get_calendar
from agencies.models import Agency, OfficerRole
from portal.models import User

from .. import transitions
from ..models import (
    DeadlineExtension,
    Dossier,
)
from ..notes import Note, bilingual_name
from ..permissions import require
from ..states import TransitionNotAllowed, business, delivery
from ..states.business import Status
from ..states.delivery import DeliveryMethod, DeliveryStatus
from ..states.payment import PaymentStatus
from .common import (
    _lock,
    _mark_received,
    _not_waiting_for_applicant,
    _transition,
    officer_role,
)


def dossier_receive(*, dossier: Dossier, officer: User, agency: Agency) -> Dossier:
    """Valid reception: the processing clock starts now. A dossier transferred after an
    earlier reception keeps its clock: the applicant's due date does not restart."""
    with transaction.atomic(durable=True):
        dossier = _lock(dossier)
        _not_waiting_for_applicant(dossier, "receive")
        dossier.receiving_agency = agency
        _mark_received(dossier, officer=officer, agency=agency, now=timezone.now())
    return dossier


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
    from portal.pdfsign import validate_pdf

    from ..documents import result_number_for, result_pdf

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
            dossier.result_signed = True  # signed by the agency as it was rendered
        else:
            # a PDF from the agency's own system counts as a legally valid e-result only
            # with a valid signature (the index's criterion 5.1)
            dossier.result_signed = validate_pdf(content).valid
        dossier.result_sha256 = hashlib.sha256(content).hexdigest()
        dossier.result_file.save(f"{dossier.code}.pdf", ContentFile(content), save=False)
        # the file is not part of the transaction: remove it if the transaction fails
        saved_name = dossier.result_file.name or ""
        text = (
            Note("result_number_note", {"number": dossier.result_number, "note": note.strip()})
            if note.strip()
            else Note("result_number", {"number": dossier.result_number})
        )
        try:
            transitions.change(
                dossier,
                action="result_issued",
                status=Status.RESULT_READY,
                delivery_status=DeliveryStatus.READY,
                fields=(
                    "processed_at",
                    "result_number",
                    "result_sha256",
                    "result_file",
                    "result_signed",
                ),
                actor=officer,
                role=officer_role(officer, agency),
                agency=agency,
                note=text,
                audit_details={
                    "sha256": dossier.result_sha256,
                    "signed": dossier.result_signed,
                    **(audit_details or {}),
                },
            )
        except Exception:
            dossier.result_file.storage.delete(saved_name)
            raise
    return dossier


class RevocationRefused(ValueError):
    """A revocation the rules refuse; the message is for the officer, in their language, and
    `field` the form field it is about ("reason", "replacement_code", or "" for the whole)."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


#: the longest reason kept (Dossier.result_revocation_reason)
REVOCATION_REASON_MAX = 500


def dossier_revoke_result(
    *,
    dossier: Dossier,
    officer: User,
    agency: Agency,
    reason: str,
    replacement_code: str = "",
) -> Dossier:
    """Withdraw an issued result: issued in error, or replaced by a corrected record (the
    result of another dossier of the same agency, e.g. a civil-status correction). The file
    stays as it was signed; the public verification page says the result was revoked, when,
    why, and links the replacement. The applicant is told (timeline entry and notification)
    and the copy in their e-document store is marked revoked (outbox), so it is not reused."""
    require(officer, agency, "revoke_result")
    reason = " ".join(reason.split())
    if not reason:
        raise RevocationRefused(_("Enter the reason the result is revoked."), field="reason")
    if len(reason) > REVOCATION_REASON_MAX:
        raise RevocationRefused(
            _("The reason must be %(max)d characters or fewer.") % {"max": REVOCATION_REASON_MAX},
            field="reason",
        )
    replacement_code = replacement_code.strip().upper()
    with transaction.atomic(durable=True):
        dossier = _lock(dossier)
        if not dossier.result_file or not dossier.result_number:
            raise RevocationRefused(_("This dossier has no issued result to revoke."))
        if dossier.result_revoked_at is not None:
            raise RevocationRefused(_("This result was already revoked."))
        if dossier.competent_agency_id != agency.pk:
            raise RevocationRefused(_("Only the agency that issued the result can revoke it."))
        replacement = None
        if replacement_code:
            replacement = _replacement(dossier, replacement_code, agency=agency)
        dossier.result_revoked_at = timezone.now()
        dossier.result_revocation_reason = reason
        dossier.result_replaced_by = replacement
        if replacement is not None:
            note = Note(
                "result_replaced",
                {
                    "number": dossier.result_number,
                    "new": replacement.result_number,
                    "reason": reason,
                },
            )
        else:
            note = Note("result_revoked", {"number": dossier.result_number, "reason": reason})
        transitions.change(
            dossier,
            action="result_revoked",
            fields=("result_revoked_at", "result_revocation_reason", "result_replaced_by"),
            actor=officer,
            role=officer_role(officer, agency),
            agency=agency,
            note=note,
            audit_reason=reason,
            audit_details={
                "result_number": dossier.result_number,
                "sha256": dossier.result_sha256,
                "replaced_by": replacement.code if replacement else "",
            },
            effects=[
                transitions.Effect(
                    "edocuments.revoke_result",
                    {"dossier_id": dossier.pk},
                )
            ]
            if dossier.applicant_personal_id
            else [],
        )
    return dossier


def _replacement(dossier: Dossier, code: str, *, agency: Agency) -> Dossier:
    """The dossier whose result replaces `dossier`'s: issued by the same agency, not revoked."""
    if code == dossier.code:
        raise RevocationRefused(
            _("A result cannot replace itself: enter another dossier's code."),
            field="replacement_code",
        )
    # another agency's dossier is answered like a missing one: its existence is not told
    replacement = Dossier.objects.filter(code=code, competent_agency=agency).first()
    if replacement is None:
        raise RevocationRefused(
            _("Your agency has no dossier with the code %(code)s: check the replacement's code.")
            % {"code": code},
            field="replacement_code",
        )
    if not replacement.result_file or not replacement.result_number:
        raise RevocationRefused(
            _("Dossier %(code)s has no issued result yet: issue it first, then revoke this one.")
            % {"code": code},
            field="replacement_code",
        )
    if replacement.result_revoked_at is not None:
        raise RevocationRefused(
            _("The result of dossier %(code)s was revoked too: it cannot replace another.")
            % {"code": code},
            field="replacement_code",
        )
    return replacement


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
            note=Note(
                "delivery",
                {"text": {"choice": "delivery_method", "value": str(dossier.delivery_method)}},
            ),
            extra_fields=("returned_at", "delivery_method"),
            delivery_status=DeliveryStatus.DELIVERED,
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
            note=Note("assigned"),
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
            note=Note("workflow_step", {"text": bilingual_name(step.name, step.name_en)}),
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

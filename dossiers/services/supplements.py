"""Supplement requests (slip 02, the clock paused) and the applicant's resubmission."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from agencies.calendar import get_calendar
from agencies.models import Agency
from portal.models import User
from procedures.models import Component

from .. import transitions
from ..models import (
    AttachmentKind,
    Dossier,
    SupplementRound,
)
from ..states import TransitionNotAllowed, business
from ..states.business import Status
from .common import (
    NewAttachment,
    _attach,
    _lock,
    _transition,
)


@dataclass(frozen=True)
class MissingItem:
    """One row of a supplement request: what (a component of the dossier's case, by code, or
    an item the officer names) and why."""

    name: str
    reason: str
    component: str = ""


def dossier_request_supplement(
    *, dossier: Dossier, officer: User, agency: Agency, items: list[MissingItem], note: str = ""
) -> SupplementRound:
    """Ask for ALL missing items at once (slip 02); the processing clock pauses."""
    if not items:
        raise ValueError("a supplement request lists at least one missing item")
    if any(not i.name.strip() or not i.reason.strip() for i in items):
        raise ValueError("every item of a supplement request has a name and a reason")
    codes = {i.component for i in items if i.component}
    if codes and dossier.case_id is None:
        raise ValueError("a supplement request names a component the dossier does not have")
    if codes and dossier.case_id is not None:
        known = set(
            Component.objects.filter(case_id=dossier.case_id, code__in=codes).values_list(
                "code", flat=True
            )
        )
        if codes - known:
            raise ValueError("a supplement request names a component the dossier does not have")
    with transaction.atomic(durable=True):
        dossier = _lock(dossier)
        now = timezone.now()
        source = dossier.status
        supplement = SupplementRound.objects.create(
            dossier=dossier,
            requested_at=now,
            requested_by=officer,
            items=[
                {"component": i.component, "name": i.name.strip(), "reason": i.reason.strip()}
                for i in items
            ],
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
    answers: Sequence[str] | None = None,
) -> Dossier:
    """The applicant supplies what was missing: the clock resumes and the due date moves by
    the pause, counted in working time. ``answers`` are the applicant's words on each item of
    the request, in its order (stored on the item as "answer")."""
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
        if answers is not None:
            supplement.items = [
                {**item, "answer": answer.strip()}
                for item, answer in zip(supplement.items, answers, strict=False)
            ] + supplement.items[len(answers) :]
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

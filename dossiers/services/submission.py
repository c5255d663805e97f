"""Submission (online and at the counter), routing to the competent agency, linked bundles."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import Agency, Commune
from portal.audit import audit_record
from portal.models import User
from portal.outbox import QUEUE_ROUTING, outbox_handler
from procedures.models import Case, ProcedureVersion

from .. import transitions
from ..codes import dossier_code_next
from ..models import (
    Attachment,
    AttachmentKind,
    Dossier,
    FormDraft,
)
from ..notes import Note, agency_name
from ..permissions import require
from ..routing import resolve_competent_agency
from ..states.business import Status
from ..states.payment import PaymentStatus
from .common import (
    AlreadySubmitted,
    NewAttachment,
    _attach,
    _mark_received,
    officer_role,
)

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
        dossier = transitions.lock(dossier_id, related=("procedure_version",))
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
            note = Note("triage")
        else:
            note = Note("routed", {"agency": agency_name(agency)})
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
            note=Note("bundle_part", {"code": bundle.code}),
            at=now,
            notify=False,
            audit=None,
        )
        agencies.append(agency_name(agency))
    bundle.routed_at = now
    transitions.change(
        bundle,
        action="fanned_out",
        fields=["routed_at"],
        note=Note("fanned_out", {"agencies": agencies}),
        at=now,
        notify=False,
        audit="dossier.route_bundle",
        audit_details={"parts": len(agencies)},
    )


@outbox_handler("dossier.route", queue=QUEUE_ROUTING)
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


class NotStoredYet(LookupError):
    """The result's copy is not in the store yet (its own outbox message has not run): the
    outbox retries the revocation later."""


@outbox_handler("edocuments.revoke_result")
def _revoke_result_handler(payload: dict[str, Any]) -> None:
    """Flag the copy of a revoked result in the applicant's e-document store, so it is no
    longer offered for reuse in a later dossier (idempotent: the store keeps the first)."""
    from prefill.national_client import NationalDataClient

    dossier = Dossier.objects.select_related("result_replaced_by").get(pk=payload["dossier_id"])
    if dossier.result_revoked_at is None or not dossier.applicant_personal_id:
        return
    with NationalDataClient() as client:
        stored = [
            document
            for document in client.list_documents(dossier.applicant_personal_id)
            if document.get("dossier_code") == dossier.code
        ]
        if not stored:
            raise NotStoredYet(dossier.code)
        replacement = dossier.result_replaced_by
        for document in stored:
            client.revoke_document(
                dossier.applicant_personal_id,
                document["document_id"],
                reason=dossier.result_revocation_reason,
                replaced_by_dossier_code=replacement.code if replacement else "",
            )
    audit_record(
        actor=None,
        action="edocuments.revoke_result",
        obj=dossier,
        details={"documents": [document["document_id"] for document in stored]},
    )


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

"""Service tests: each transition of the business state machine, with timeline and audit."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

import pytest
from django.core import mail
from pypdf import PdfReader

from dossiers.models import DossierEvent
from dossiers.services import (
    AlreadySubmitted,
    dossier_issue_result,
    dossier_receive,
    dossier_refuse,
    dossier_return_result,
    dossier_start_processing,
)
from dossiers.states import TransitionNotAllowed
from dossiers.states.business import Status
from dossiers.states.delivery import DeliveryStatus
from portal.models import AuditEvent, OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db
HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def test_submit_creates_code_timeline_outbox_and_routes(submit, citizen_a, agency_hk):
    dossier = submit(citizen_a)
    today = dossier.submitted_at.astimezone(HCM)
    assert dossier.code == f"{agency_hk.code}-{today:%y%m%d}-0001"
    assert dossier.status == Status.SUBMITTED
    assert dossier.competent_agency == agency_hk
    assert dossier.routed_at is not None
    assert [e.action for e in dossier.events.all()] == ["submitted", "routed"]
    assert dossier.attachments.count() == 1
    assert (
        OutboxMessage.objects.filter(topic="dossier.route", status=OutboxStatus.DONE).count() == 1
    )
    assert AuditEvent.objects.filter(action="dossier.submit", object_id=str(dossier.pk)).exists()
    # the applicant is told by e-mail
    (message,) = [m for m in mail.outbox if dossier.code in m.subject]
    assert message.to == ["citizen-a@example.vn"]
    name, content, mimetype = message.attachments[0]
    assert name == f"{dossier.code}-receipt.pdf"
    assert mimetype == "application/pdf"
    assert content.startswith(b"%PDF")


def test_codes_count_per_agency_and_day(submit, citizen_a, citizen_b):
    first = submit(citizen_a)
    second = submit(citizen_b)
    assert first.code.endswith("-0001")
    assert second.code.endswith("-0002")


def test_second_submit_with_same_key_creates_nothing(submit, citizen_a):
    key = uuid.uuid4()
    dossier = submit(citizen_a, key=key)
    with pytest.raises(AlreadySubmitted) as excinfo:
        submit(citizen_a, key=key)
    assert excinfo.value.dossier == dossier
    assert citizen_a.dossiers.count() == 1


def test_unknown_competent_agency_goes_to_triage(submit, citizen_a, ba_dinh, settings):
    # Ba Dinh has no People's Committee agency in this test: routing cannot resolve it.
    dossier = submit(citizen_a, commune=ba_dinh)
    assert dossier.code.startswith(settings.PORTAL_TRIAGE_AGENCY_CODE)
    assert dossier.competent_agency is None
    assert dossier.events.last().action == "triage"


def test_full_journey_receive_process_result_return(
    submit, citizen_a, officer_hk, agency_hk, django_capture_on_commit_callbacks
):
    dossier = submit(citizen_a)
    with django_capture_on_commit_callbacks(execute=True):
        dossier = dossier_receive(dossier=dossier, officer=officer_hk, agency=agency_hk)
    assert dossier.status == Status.RECEIVED
    assert dossier.received_at is not None
    assert dossier.due_at is not None
    assert dossier.due_at > dossier.received_at
    received_event = dossier.events.get(action="received")
    assert received_event.actor == officer_hk
    assert received_event.agency == agency_hk
    assert received_event.from_status == Status.SUBMITTED
    assert received_event.step_due_at is not None

    dossier = dossier_start_processing(dossier=dossier, officer=officer_hk, agency=agency_hk)
    assert dossier.status == Status.IN_PROCESSING
    dossier = dossier_issue_result(dossier=dossier, officer=officer_hk, agency=agency_hk)
    assert dossier.status == Status.RESULT_READY
    assert dossier.delivery_status == DeliveryStatus.READY
    assert len(dossier.result_sha256) == 64
    pdf = dossier.result_file.read()
    import hashlib

    assert hashlib.sha256(pdf).hexdigest() == dossier.result_sha256
    text = "".join(page.extract_text() for page in PdfReader(__import__("io").BytesIO(pdf)).pages)
    assert "Trần Minh An" in text
    assert str(dossier.verification_token) in text.replace("\n", "")

    dossier = dossier_return_result(dossier=dossier, officer=officer_hk, agency=agency_hk)
    assert dossier.status == Status.RETURNED
    assert dossier.delivery_status == DeliveryStatus.DELIVERED
    assert [e.action for e in dossier.events.all()] == [
        "submitted",
        "routed",
        "received",
        "processing",
        "result_issued",
        "returned",
    ]
    assert (
        AuditEvent.objects.filter(object_id=str(dossier.pk), action__startswith="dossier.").count()
        >= 6
    )


@pytest.mark.parametrize(
    "service",
    [dossier_start_processing, dossier_issue_result, dossier_return_result],
    ids=["process-before-receive", "result-before-receive", "return-before-result"],
)
def test_transitions_out_of_order_are_refused(submit, citizen_a, officer_hk, agency_hk, service):
    dossier = submit(citizen_a)
    with pytest.raises(TransitionNotAllowed):
        service(dossier=dossier, officer=officer_hk, agency=agency_hk)
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    assert not dossier.events.filter(
        action__in=["processing", "result_issued", "returned"]
    ).exists()


def test_refuse_records_reason(submit, citizen_a, officer_hk, agency_hk):
    dossier = submit(citizen_a)
    dossier = dossier_refuse(
        dossier=dossier, officer=officer_hk, agency=agency_hk, reason="Giấy chứng sinh không rõ"
    )
    assert dossier.status == Status.REFUSED
    assert (
        DossierEvent.objects.get(dossier=dossier, action="refused").note
        == "Giấy chứng sinh không rõ"
    )
    with pytest.raises(TransitionNotAllowed):
        dossier_receive(dossier=dossier, officer=officer_hk, agency=agency_hk)


def test_due_date_counts_working_days_from_reception(
    submit, citizen_a, officer_hk, agency_hk, clock_at
):
    """Received on Friday 16:30: one working day later is Monday 16:30."""
    clock_at(2026, 11, 20, 10, 0)
    dossier = submit(citizen_a)
    clock_at(2026, 11, 20, 16, 30)
    dossier = dossier_receive(dossier=dossier, officer=officer_hk, agency=agency_hk)
    assert dossier.due_at.astimezone(HCM) == dt.datetime(2026, 11, 23, 16, 30, tzinfo=HCM)

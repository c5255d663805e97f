"""Back-office processing services: supplement with the clock paused, roles, assignment,
workflow steps, payment of obligations, apology and extension, stop, transfer, counter intake,
withdrawal, and the slips they produce."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone, translation
from pypdf import PdfReader

from agencies.models import Membership, OfficerRole
from dossiers import selectors
from dossiers.documents import slip_pdf
from dossiers.permissions import ActionNotPermitted
from dossiers.services import (
    MissingItem,
    NewAttachment,
    dossier_advance_step,
    dossier_assign,
    dossier_counter_intake,
    dossier_extend,
    dossier_payment_confirmed,
    dossier_receive,
    dossier_request_payment,
    dossier_request_supplement,
    dossier_resubmit,
    dossier_start_processing,
    dossier_stop,
    dossier_transfer,
    dossier_withdraw,
)
from dossiers.states import TransitionNotAllowed
from dossiers.states.business import Status
from portal.models import User
from tests.conftest import pdf_upload

pytestmark = pytest.mark.django_db
HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def text(pdf: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )


@pytest.fixture
def received(submit, citizen_a, officer_hk, agency_hk, clock_at):
    """A dossier submitted on Monday 23 Nov 2026 at 08:00 and received at 09:00: due one
    working day later."""
    clock_at(2026, 11, 23, 8, 0)
    dossier = submit(citizen_a)
    clock_at(2026, 11, 23, 9, 0)
    return dossier_receive(dossier=dossier, officer=officer_hk, agency=agency_hk)


def test_supplement_pauses_the_clock_and_resubmission_moves_the_due_date(
    received, citizen_a, officer_hk, agency_hk, clock_at
):
    assert received.due_at == dt.datetime(
        2026, 11, 25, 9, 0, tzinfo=HCM
    )  # Tue 24 Nov is Culture Day
    clock_at(2026, 11, 23, 10, 0)
    supplement = dossier_request_supplement(
        dossier=received,
        officer=officer_hk,
        agency=agency_hk,
        items=[MissingItem("Giấy chứng sinh", "ảnh bị mờ"), MissingItem("Tờ khai", "thiếu chữ ký")],
    )
    received.refresh_from_db()
    assert received.status == Status.SUPPLEMENT_REQUESTED
    assert received.paused_at is not None
    assert supplement.old_due_at == received.due_at
    # Resubmitted on Wednesday 10:00: paused Mon 10:00-11:30 and 13:30-17:00 (5 h),
    # Tuesday is a holiday, Wed 07:00-10:00 (3 h): 8 working hours, one working day.
    clock_at(2026, 11, 25, 10, 0)
    dossier = dossier_resubmit(
        dossier=received,
        applicant=citizen_a,
        note="Đã bổ sung",
        attachments=[NewAttachment(None, pdf_upload("bo-sung.pdf"), "application/pdf")],
    )
    supplement.refresh_from_db()
    assert dossier.status == Status.RECEIVED
    assert dossier.paused_at is None
    assert supplement.paused_seconds == 8 * 3600
    assert supplement.new_due_at == dossier.due_at
    assert dossier.due_at == dt.datetime(2026, 11, 26, 9, 0, tzinfo=HCM)  # Wed 09:00 + 8 working h
    assert [e.action for e in dossier.events.order_by("at", "id")][-2:] == [
        "supplement_requested",
        "resubmitted",
    ]
    assert dossier.attachments.count() == 2
    slip = text(slip_pdf(dossier, "02"))
    assert "Giấy chứng sinh" in slip
    assert "thiếu chữ ký" in slip


def test_resubmission_due_date_table(received, citizen_a, officer_hk, agency_hk, clock_at):
    """Received Mon 23 Nov 09:00, due Wed 25 Nov 09:00? No: 24 Nov 2026 is Culture Day (a holiday)."""
    # The calendar skips Culture Day: one working day after Mon 09:00 is Wed 09:00.
    assert received.due_at == dt.datetime(2026, 11, 25, 9, 0, tzinfo=HCM)
    clock_at(2026, 11, 23, 16, 0)  # paused Mon 16:00
    dossier_request_supplement(
        dossier=received,
        officer=officer_hk,
        agency=agency_hk,
        items=[MissingItem("Giấy chứng sinh", "mờ")],
    )
    clock_at(2026, 11, 25, 8, 0)  # resumed Wed 08:00: paused 1 h Mon + 1 h Wed = 2 working hours
    dossier = dossier_resubmit(dossier=received, applicant=citizen_a, note="ok")
    assert dossier.due_at == dt.datetime(2026, 11, 25, 11, 0, tzinfo=HCM)


def test_only_the_applicant_resubmits_and_only_when_asked(received, citizen_b, citizen_a):
    with pytest.raises(PermissionError):
        dossier_resubmit(dossier=received, applicant=citizen_b, note="x")
    with pytest.raises(TransitionNotAllowed):
        dossier_resubmit(dossier=received, applicant=citizen_a, note="x")


def test_a_supplement_lists_at_least_one_item(received, officer_hk, agency_hk):
    with pytest.raises(ValueError, match="at least one"):
        dossier_request_supplement(dossier=received, officer=officer_hk, agency=agency_hk, items=[])


def test_roles_limit_actions(submit, citizen_a, agency_hk):
    reception = User.objects.create_user(username="reception.only", password="x")
    Membership.objects.create(user=reception, agency=agency_hk, role=OfficerRole.RECEPTION)
    dossier = dossier_receive(dossier=submit(citizen_a), officer=reception, agency=agency_hk)
    with pytest.raises(ActionNotPermitted):
        dossier_start_processing(dossier=dossier, officer=reception, agency=agency_hk)
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED


def test_assign_only_to_a_specialist_of_the_agency(received, officer_hk, officer_bd, agency_hk):
    with translation.override("en"), pytest.raises(ValueError, match="specialist"):
        dossier_assign(dossier=received, officer=officer_hk, agency=agency_hk, assignee=officer_bd)
    dossier = dossier_assign(
        dossier=received, officer=officer_hk, agency=agency_hk, assignee=officer_hk
    )
    assert dossier.assigned_to == officer_hk
    assert selectors.queue_for_officer(user=officer_hk, assigned_to_me=True).get() == dossier


def test_workflow_steps_carry_their_own_deadlines(received, officer_hk, agency_hk, clock_at):
    assert received.current_step == 1
    assert received.step_due_at == dt.datetime(2026, 11, 23, 11, 0, tzinfo=HCM)  # 2 working hours
    dossier = dossier_start_processing(dossier=received, officer=officer_hk, agency=agency_hk)
    clock_at(2026, 11, 23, 10, 0)
    dossier = dossier_advance_step(dossier=dossier, officer=officer_hk, agency=agency_hk)
    assert dossier.current_step == 2
    assert dossier.step_due_at == dt.datetime(
        2026, 11, 23, 16, 0, tzinfo=HCM
    )  # 1.5 h + lunch + 2.5 h
    dossier = dossier_advance_step(dossier=dossier, officer=officer_hk, agency=agency_hk)
    assert dossier.current_step == 3
    with pytest.raises(TransitionNotAllowed):
        dossier_advance_step(dossier=dossier, officer=officer_hk, agency=agency_hk)


def test_the_current_step_is_cleared_when_the_dossier_is_finished(
    received, officer_hk, agency_hk, client, officer_login
):
    from django.urls import reverse

    from dossiers.services import dossier_issue_result, dossier_return_result

    dossier = dossier_start_processing(dossier=received, officer=officer_hk, agency=agency_hk)
    while dossier.current_step < dossier.procedure_version.steps.count():
        dossier = dossier_advance_step(dossier=dossier, officer=officer_hk, agency=agency_hk)
    dossier = dossier_issue_result(dossier=dossier, officer=officer_hk, agency=agency_hk)
    assert dossier.current_step == 3  # the result is ready, not yet handed over
    dossier = dossier_return_result(
        dossier=dossier, officer=officer_hk, agency=agency_hk, method="online"
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED
    assert dossier.current_step is None
    assert dossier.step_due_at is None
    officer_login(client, officer_hk)
    page = client.get(reverse("backoffice:detail", args=[dossier.code])).content.decode()
    assert "Bước xử lý hiện tại" not in page


@pytest.mark.parametrize("end", ["stop", "withdraw"])
def test_a_dossier_ended_early_has_no_current_step(received, officer_hk, agency_hk, citizen_a, end):
    assert received.current_step == 1
    if end == "stop":
        dossier = dossier_stop(
            dossier=received, officer=officer_hk, agency=agency_hk, reason="Không đủ điều kiện"
        )
    else:
        dossier = dossier_withdraw(dossier=received, applicant=citizen_a, reason="Nộp nhầm")
    dossier.refresh_from_db()
    assert dossier.current_step is None
    assert dossier.step_due_at is None


def test_payment_of_obligations_round_trip(received, officer_hk, agency_hk):
    dossier = dossier_start_processing(dossier=received, officer=officer_hk, agency=agency_hk)
    dossier = dossier_request_payment(
        dossier=dossier, officer=officer_hk, agency=agency_hk, amount=50000, description="Lệ phí"
    )
    assert dossier.status == Status.PAYMENT_REQUESTED
    assert "50.000 VND" in dossier.events.last().note
    dossier = dossier_payment_confirmed(dossier=dossier, officer=officer_hk, agency=agency_hk)
    assert dossier.status == Status.IN_PROCESSING


def test_apology_and_new_return_date(received, officer_hk, agency_hk):
    old = received.due_at
    with translation.override("en"), pytest.raises(ValueError, match="after"):
        dossier_extend(
            dossier=received, officer=officer_hk, agency=agency_hk, new_due_at=old, reason="x"
        )
    new = old + dt.timedelta(days=2)
    extension = dossier_extend(
        dossier=received,
        officer=officer_hk,
        agency=agency_hk,
        new_due_at=new,
        reason="Chờ xác minh",
    )
    received.refresh_from_db()
    assert received.due_at == new
    assert extension.old_due_at == old
    slip = text(slip_pdf(received, "04"))
    assert "Chờ xác minh" in slip
    assert timezone.localtime(new).strftime("%d/%m/%Y") in slip


def test_stop_with_slip(received, officer_hk, agency_hk):
    dossier = dossier_stop(
        dossier=received, officer=officer_hk, agency=agency_hk, reason="Người nộp đề nghị dừng"
    )
    assert dossier.status == Status.STOPPED
    assert "Người nộp đề nghị dừng" in text(slip_pdf(dossier, "05"))
    assert slip_pdf(dossier, "04") is None


def test_transfer_moves_the_dossier_between_agency_queues(
    submit, citizen_a, officer_hk, officer_bd, agency_hk, agency_bd
):
    dossier = submit(citizen_a)
    dossier = dossier_transfer(
        dossier=dossier,
        officer=officer_hk,
        agency=agency_hk,
        to_agency=agency_bd,
        reason="Nơi sinh thuộc Ba Đình",
    )
    assert dossier.status == Status.TRANSFERRED
    assert dossier.competent_agency == agency_bd
    assert not selectors.dossiers_for_officer(user=officer_hk).filter(pk=dossier.pk).exists()
    assert selectors.dossiers_for_officer(user=officer_bd).filter(pk=dossier.pk).exists()
    event = dossier.events.get(action="transferred")
    assert "Ba Đình" in event.note
    dossier = dossier_receive(dossier=dossier, officer=officer_bd, agency=agency_bd)
    assert dossier.status == Status.RECEIVED


def test_triage_needs_the_permission(submit, citizen_a, ba_dinh, agency_hk):
    dossier = submit(citizen_a, commune=ba_dinh)  # no agency for Ba Dinh in this test: triage
    staff = User.objects.create_user(username="triage", password="x", is_staff=True)
    with pytest.raises(ActionNotPermitted):
        dossier_transfer(
            dossier=dossier, officer=staff, agency=None, to_agency=agency_hk, reason="x"
        )
    staff.user_permissions.add(Permission.objects.get(codename="triage_dossier"))
    staff = User.objects.get(pk=staff.pk)
    assert list(selectors.triage_queue(user=staff)) == [dossier]
    dossier = dossier_transfer(
        dossier=dossier, officer=staff, agency=None, to_agency=agency_hk, reason="Phường gần nhất"
    )
    assert dossier.competent_agency == agency_hk
    assert list(selectors.triage_queue(user=staff)) == []


def test_counter_intake_registers_a_received_paper_dossier(
    officer_hk, agency_hk, birth_version, hoan_kiem, clock_at
):
    clock_at(2026, 11, 23, 9, 0)
    case = birth_version.cases.get()
    dossier = dossier_counter_intake(
        officer=officer_hk,
        agency=agency_hk,
        version=birth_version,
        case=case,
        commune=hoan_kiem,
        applicant_name="Đinh Văn Tư",
        applicant_personal_id="001080000111",
        subject_name="Đinh Bảo Ngọc",
        attachments=[
            NewAttachment(
                case.components.get(code="GCS"), pdf_upload("scan.pdf"), "application/pdf"
            )
        ],
    )
    assert dossier.channel == 1
    assert dossier.status == Status.RECEIVED
    assert dossier.code.startswith(agency_hk.code)
    assert dossier.due_at == dt.datetime(2026, 11, 25, 9, 0, tzinfo=HCM)
    assert dossier.attachments.get().kind == "digitised"
    assert [e.action for e in dossier.events.order_by("id")] == ["counter_submitted", "received"]


def test_withdraw_by_the_applicant(received, citizen_a, citizen_b):
    with pytest.raises(PermissionError):
        dossier_withdraw(dossier=received, applicant=citizen_b)
    dossier = dossier_withdraw(dossier=received, applicant=citizen_a, reason="Nộp nhầm")
    assert dossier.status == Status.WITHDRAWN
    with pytest.raises(TransitionNotAllowed):
        dossier_withdraw(dossier=dossier, applicant=citizen_a)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (
            (2026, 11, 23, 9, 30),
            "due_soon",
        ),  # due Wed 09:00, one working day ahead reaches Wed 09:30
        ((2026, 11, 25, 9, 1), "late"),
        ((2026, 11, 20, 9, 0), "on_time"),  # (before reception; the rule only compares dates)
    ],
    ids=["within-a-working-day", "past-due", "far-ahead"],
)
def test_deadline_state(received, now, expected):
    moment = dt.datetime(*now, tzinfo=HCM)
    assert selectors.deadline_state(received, now=moment) == expected


def test_deadline_alerts_mark_once_and_mail_the_officers(
    received, officer_hk, django_capture_on_commit_callbacks, mailoutbox
):
    from dossiers.deadlines import deadline_alerts_mark

    officer_hk.email = "hk.officer@example.vn"
    officer_hk.save()
    late = dt.datetime(2026, 11, 25, 10, 0, tzinfo=HCM)
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_alerts_mark(now=late) == {"due_soon": 0, "overdue": 1}
    assert deadline_alerts_mark(now=late) == {"due_soon": 0, "overdue": 0}
    received.refresh_from_db()
    assert received.overdue_alerted_at == late
    alerts = [
        m for m in mailoutbox if received.code in m.subject and m.to == ["hk.officer@example.vn"]
    ]
    assert len(alerts) == 1


def test_transfer_after_reception_keeps_the_clock(
    received, officer_hk, officer_bd, agency_hk, agency_bd, clock_at
):
    due = received.due_at
    dossier = dossier_transfer(
        dossier=received,
        officer=officer_hk,
        agency=agency_hk,
        to_agency=agency_bd,
        reason="Thuộc thẩm quyền Ba Đình",
    )
    clock_at(2026, 11, 23, 15, 0)
    dossier = dossier_receive(dossier=dossier, officer=officer_bd, agency=agency_bd)
    assert dossier.status == Status.RECEIVED
    assert dossier.due_at == due
    assert dossier.received_at == dt.datetime(2026, 11, 23, 9, 0, tzinfo=HCM)


def test_officers_cannot_resume_a_dossier_waiting_for_the_applicant(
    received, officer_hk, agency_hk
):
    dossier_request_supplement(
        dossier=received,
        officer=officer_hk,
        agency=agency_hk,
        items=[MissingItem("Tờ khai", "thiếu")],
    )
    received.refresh_from_db()
    with pytest.raises(TransitionNotAllowed):
        dossier_start_processing(dossier=received, officer=officer_hk, agency=agency_hk)
    with pytest.raises(TransitionNotAllowed):
        dossier_receive(dossier=received, officer=officer_hk, agency=agency_hk)

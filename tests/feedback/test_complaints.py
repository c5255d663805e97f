"""Complaints: routing, the deadline in working days, answering, publishing, the author's rating
of the answer and the overdue alert."""

from __future__ import annotations

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

from dossiers.permissions import ActionNotPermitted
from feedback.models import Complaint, ComplaintKind, ComplaintStatus
from feedback.selectors import complaint_deadline_state
from feedback.services import (
    ComplaintNotAllowed,
    complaint_answer,
    complaint_deadline,
    complaint_overdue_mark,
    complaint_rate_answer,
    complaint_reject,
    complaint_route,
    complaint_set_public,
    complaint_submit,
    complaint_take,
)
from feedback.states import TransitionNotAllowed
from notifications.models import Notification
from portal.models import AuditEvent, OutboxMessage, User

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=VN)


def _file(author, **kwargs) -> Complaint:
    defaults = {
        "kind": ComplaintKind.STAFF,
        "title": "Cán bộ hẹn lại nhiều lần",
        "content": "Tôi phải đến ba lần mới được nhận hồ sơ.",
    }
    return complaint_submit(author=author, **{**defaults, **kwargs})


# --- deadline ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("routed", "days", "due"),
    [
        # Friday afternoon + 10 working days: two weekends and Culture Day (Tue 24 Nov 2026)
        (at(2026, 11, 20, 16, 30), 10, at(2026, 12, 7, 16, 30)),
        # Friday 16:30 + 1 working day is Monday 16:30
        (at(2026, 11, 20, 16, 30), 1, at(2026, 11, 23, 16, 30)),
        # Monday + 1 working day skips the holiday on Tuesday
        (at(2026, 11, 23, 9, 0), 1, at(2026, 11, 25, 9, 0)),
        # routed on Saturday: the clock starts Monday 07:00
        (at(2026, 11, 21, 10, 0), 10, at(2026, 12, 7, 17, 0)),
        # 15 working days (the other figure of docs/domain.md section 6)
        (at(2026, 11, 20, 16, 30), 15, at(2026, 12, 14, 16, 30)),
    ],
)
def test_deadline_in_working_days(settings, routed, days, due):
    settings.PORTAL_COMPLAINT_ANSWER_WORKING_DAYS = days
    assert complaint_deadline(routed) == due


def test_routed_at_submission_gets_the_deadline(citizen_a, agency_hk):
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 11, 20, 16, 30)):
        complaint = _file(citizen_a, agency=agency_hk)
    assert complaint.status == ComplaintStatus.ROUTED
    assert complaint.routed_at == at(2026, 11, 20, 16, 30)
    assert complaint.deadline == at(2026, 12, 7, 16, 30)


# --- routing -------------------------------------------------------------------------------


def test_a_dossier_complaint_goes_to_the_dossier_agency(refused, citizen_a, agency_hk, agency_bd):
    complaint = _file(citizen_a, dossier=refused, agency=agency_bd)
    assert complaint.agency == agency_hk  # the dossier's agency wins over a guess
    assert complaint.procedure.code == "1.001193"
    assert complaint.code.startswith("PA-")
    assert AuditEvent.objects.filter(action="complaint.submit", actor=citizen_a).exists()


def test_nobody_complains_about_someone_elses_dossier(refused, citizen_b):
    with pytest.raises(ComplaintNotAllowed):
        _file(citizen_b, dossier=refused)
    assert not Complaint.objects.exists()


def test_without_agency_it_waits_in_triage_until_an_administrator_routes_it(
    citizen_a, agency_bd, officer_hk
):
    complaint = _file(citizen_a, kind=ComplaintKind.SERVICE)
    assert complaint.agency is None
    assert complaint.status == ComplaintStatus.SUBMITTED
    assert complaint.deadline is None
    with pytest.raises(ComplaintNotAllowed):
        complaint_route(complaint=complaint, actor=officer_hk, agency=agency_bd)
    admin = User.objects.create_user(username="triage.admin")
    admin.user_permissions.add(Permission.objects.get(codename="triage_complaint"))
    admin = User.objects.get(pk=admin.pk)
    complaint = complaint_route(complaint=complaint, actor=admin, agency=agency_bd)
    assert complaint.status == ComplaintStatus.ROUTED
    assert complaint.agency == agency_bd
    assert complaint.deadline is not None
    assert complaint.deadline > complaint.routed_at


def test_bad_input_is_refused(citizen_a):
    with pytest.raises(ValidationError):
        _file(citizen_a, kind="weather")
    with pytest.raises(ValidationError):
        _file(citizen_a, title="   ")
    assert not Complaint.objects.exists()


# --- answering -------------------------------------------------------------------------------


def test_answer_publish_and_author_rating(
    citizen_a, agency_hk, officer_hk, officer_bd, specialist_hk, django_capture_on_commit_callbacks
):
    complaint = _file(citizen_a, agency=agency_hk)
    with pytest.raises(ActionNotPermitted):
        complaint_take(complaint=complaint, officer=officer_bd)
    complaint = complaint_take(complaint=complaint, officer=specialist_hk)
    assert complaint.status == ComplaintStatus.IN_PROGRESS
    # a specialist answers but may not publish
    with pytest.raises(ActionNotPermitted):
        complaint_answer(
            complaint=complaint, officer=specialist_hk, answer="Đã xử lý", publish=True
        )
    # publishing needs the title and question as the public will read them
    with pytest.raises(ValidationError):
        complaint_answer(complaint=complaint, officer=officer_hk, answer="Đã xử lý", publish=True)
    with django_capture_on_commit_callbacks(execute=True):
        complaint = complaint_answer(
            complaint=complaint,
            officer=officer_hk,
            answer="Đã nhắc nhở cán bộ.",
            publish=True,
            public_title="Thái độ cán bộ một cửa",
            public_question="Người dân phải đến nhiều lần mới được nhận hồ sơ.",
        )
    assert complaint.status == ComplaintStatus.ANSWERED
    assert complaint.is_public
    assert complaint.published_at is not None
    assert complaint.on_time is True
    assert "da nhac nho can bo" in complaint.search_text
    assert "thai do can bo mot cua" in complaint.search_text
    assert "ba lan" not in complaint.search_text  # the private content is never searchable
    assert Notification.objects.filter(user=citizen_a, title__contains=complaint.code).exists()
    # only the author rates the answer, once, and that closes the complaint
    with pytest.raises(ComplaintNotAllowed):
        complaint_rate_answer(complaint=complaint, author=officer_hk, satisfied=True)
    complaint = complaint_rate_answer(complaint=complaint, author=citizen_a, satisfied=False)
    assert complaint.status == ComplaintStatus.CLOSED
    assert complaint.author_satisfied is False
    with pytest.raises(ComplaintNotAllowed):
        complaint_rate_answer(complaint=complaint, author=citizen_a, satisfied=True)
    # the agency can still withdraw the publication
    complaint = complaint_set_public(complaint=complaint, officer=officer_hk, is_public=False)
    assert not complaint.is_public
    assert complaint.search_text == ""


def test_cannot_answer_twice_or_rate_before_the_answer(citizen_a, agency_hk, officer_hk):
    complaint = _file(citizen_a, agency=agency_hk)
    with pytest.raises(TransitionNotAllowed):
        complaint_rate_answer(complaint=complaint, author=citizen_a, satisfied=True)
    with pytest.raises(ComplaintNotAllowed):
        complaint_set_public(complaint=complaint, officer=officer_hk, is_public=True)
    complaint_answer(complaint=complaint, officer=officer_hk, answer="Trả lời")
    with pytest.raises(TransitionNotAllowed):
        complaint_answer(complaint=complaint, officer=officer_hk, answer="Lần hai")


def test_reject_needs_a_reason_and_is_never_public(citizen_a, agency_hk, officer_hk):
    complaint = _file(citizen_a, agency=agency_hk)
    with pytest.raises(ValidationError):
        complaint_reject(complaint=complaint, officer=officer_hk, reason=" ")
    complaint = complaint_reject(
        complaint=complaint, officer=officer_hk, reason="Không thuộc thẩm quyền"
    )
    assert complaint.status == ComplaintStatus.REJECTED
    assert complaint.is_public is False


# --- overdue -------------------------------------------------------------------------------


def test_overdue_complaints_are_flagged_once_and_the_agency_alerted(
    citizen_a, agency_hk, officer_hk, django_capture_on_commit_callbacks, mailoutbox
):
    officer_hk.email = "hk.officer@example.vn"
    officer_hk.save()
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 11, 2, 9, 0)):
        late = _file(citizen_a, agency=agency_hk)
        _file(citizen_a, agency=agency_hk, title="Đã trả lời")
    answered = Complaint.objects.exclude(pk=late.pk).get()
    complaint_answer(complaint=answered, officer=officer_hk, answer="Xong")
    late.refresh_from_db()
    assert complaint_deadline_state(late, now=at(2026, 11, 3, 9, 0)) == "on_time"
    assert complaint_deadline_state(late, now=at(2026, 11, 13, 9, 0)) == "due_soon"
    assert complaint_deadline_state(late, now=at(2026, 11, 17, 9, 0)) == "late"
    with django_capture_on_commit_callbacks(execute=True):
        assert complaint_overdue_mark(now=at(2026, 11, 17, 9, 0)) == 1
    assert complaint_overdue_mark(now=at(2026, 11, 17, 9, 5)) == 0
    late.refresh_from_db()
    assert late.overdue_alerted_at == at(2026, 11, 17, 9, 0)
    assert late.on_time is False
    assert OutboxMessage.objects.filter(topic="feedback.complaint_overdue").count() == 1
    assert [m.to for m in mailoutbox] == [["hk.officer@example.vn"]]
    assert late.code in mailoutbox[0].subject

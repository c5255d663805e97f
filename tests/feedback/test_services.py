"""Ratings: only the applicant, only once the dossier has a result or was refused, only once;
a "not satisfied" rating asks the agency to respond, and the agency may reopen the case."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from dossiers.models import DossierEvent
from dossiers.permissions import ActionNotPermitted
from dossiers.services import dossier_refuse
from dossiers.states.business import Status
from feedback.models import RatedAfter, Rating, ReviewStatus
from feedback.services import (
    RatingNotAllowed,
    rating_create,
    rating_reopen,
    rating_respond,
)
from notifications.models import Notification
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_rating_rules(submit, citizen_a, citizen_b, officer_hk, agency_hk):
    dossier = submit(citizen_a)
    with pytest.raises(RatingNotAllowed, match="no result"):
        rating_create(dossier=dossier, user=citizen_a, level=2)
    dossier = dossier_refuse(
        dossier=dossier, officer=officer_hk, agency=agency_hk, reason="Thiếu giấy tờ"
    )
    with pytest.raises(RatingNotAllowed, match="applicant"):
        rating_create(dossier=dossier, user=citizen_b, level=0)
    rating = rating_create(dossier=dossier, user=citizen_a, level=0, comment="  Chưa rõ lý do  ")
    assert rating.comment == "Chưa rõ lý do"
    with pytest.raises(RatingNotAllowed, match="already"):
        rating_create(dossier=dossier, user=citizen_a, level=2)


def test_rating_after_refusal_is_denormalised_for_the_figures(refused, citizen_a, agency_hk):
    rating = rating_create(
        dossier=refused,
        user=citizen_a,
        level=1,
        criteria={"total_time": 2, "staff_attitude": 1, "online_service": 0},
    )
    rating.refresh_from_db()
    assert rating.rated_after == RatedAfter.REFUSAL
    assert rating.agency == agency_hk
    assert rating.procedure.code == "1.001193"
    assert rating.channel == refused.channel
    assert rating.criteria_score == 3
    assert rating.review_requested is False
    assert rating.review_status == ReviewStatus.NONE


def test_rating_after_result(returned, citizen_a):
    rating = rating_create(dossier=returned, user=citizen_a, level=2)
    assert rating.rated_after == RatedAfter.RESULT


def test_malformed_criteria_or_level_rejected_and_nothing_saved(refused, citizen_a):
    with pytest.raises(ValidationError):
        rating_create(dossier=refused, user=citizen_a, level=1, criteria={"total_time": 5})
    with pytest.raises(ValidationError):
        rating_create(dossier=refused, user=citizen_a, level=7)
    assert not Rating.objects.filter(dossier=refused).exists()


def test_not_satisfied_asks_the_agency_and_the_response_reaches_the_applicant(
    refused, citizen_a, officer_hk, django_capture_on_commit_callbacks, mailoutbox
):
    rating = rating_create(dossier=refused, user=citizen_a, level=0, comment="Không hài lòng")
    Notification.objects.all().delete()
    mailoutbox.clear()
    assert rating.review_requested is True
    assert rating.review_status == ReviewStatus.REQUESTED
    with django_capture_on_commit_callbacks(execute=True):
        rating = rating_respond(
            rating=rating, officer=officer_hk, response="Chúng tôi xin lỗi, mời bà bổ sung."
        )
    assert rating.review_status == ReviewStatus.ANSWERED
    assert rating.responded_by == officer_hk
    note = Notification.objects.get(user=citizen_a)
    assert refused.code in note.title
    assert note.body == "Chúng tôi xin lỗi, mời bà bổ sung."
    assert [m.to for m in mailoutbox] == [["citizen-a@example.vn"]]
    event = DossierEvent.objects.get(dossier=refused, action="rating_response")
    # a timeline entry without a change of business status
    assert event.from_status == event.to_status == Status.REFUSED
    refused.refresh_from_db()
    assert refused.status == Status.REFUSED
    assert AuditEvent.objects.filter(action="rating.respond", actor=officer_hk).exists()


def test_reopen_is_a_flag_and_a_timeline_entry_for_leaders_only(
    refused, citizen_a, officer_hk, specialist_hk
):
    rating = rating_create(dossier=refused, user=citizen_a, level=0)
    with pytest.raises(ActionNotPermitted):
        rating_reopen(rating=rating, officer=specialist_hk, reason="Xem lại")
    rating = rating_reopen(rating=rating, officer=officer_hk, reason="Xem lại hồ sơ")
    assert rating.review_status == ReviewStatus.REOPENED
    assert DossierEvent.objects.filter(dossier=refused, action="review_reopened").count() == 1
    with pytest.raises(RatingNotAllowed, match="already"):
        rating_reopen(rating=rating, officer=officer_hk, reason="Lần nữa")
    refused.refresh_from_db()
    assert refused.status == Status.REFUSED


def test_other_agency_cannot_respond_and_a_happy_rating_needs_no_response(
    refused, returned, citizen_a, officer_bd, officer_hk
):
    unhappy = rating_create(dossier=refused, user=citizen_a, level=0)
    with pytest.raises(ActionNotPermitted):
        rating_respond(rating=unhappy, officer=officer_bd, response="Không phải việc của tôi")
    happy = rating_create(dossier=returned, user=citizen_a, level=2)
    with pytest.raises(RatingNotAllowed):
        rating_respond(rating=happy, officer=officer_hk, response="Cảm ơn")
    with pytest.raises(ValidationError):
        rating_respond(rating=unhappy, officer=officer_hk, response="   ")

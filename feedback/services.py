"""Writes of the feedback app: ratings, the agency's response to an unhappy rating, complaints.

Every function owns its transaction, checks the actor's right (feedback/permissions.py) and the
complaint state machine (feedback/states.py), and writes an audit row in the same transaction.
The person concerned is told through the portal inbox, and by e-mail through the outbox.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.calendar import get_calendar
from agencies.models import Agency
from dossiers import transitions
from dossiers.models import Dossier
from dossiers.states.business import RATEABLE, Status
from notifications.models import Notification
from portal.audit import audit_record
from portal.models import User
from portal.outbox import QUEUE_NOTIFY, outbox_enqueue, outbox_handler
from procedures.models import Procedure

from . import permissions
from .criteria import validate_criteria
from .models import (
    OPEN_COMPLAINT_STATUSES,
    Complaint,
    ComplaintKind,
    ComplaintStatus,
    RatedAfter,
    Rating,
    RatingLevel,
    ReviewStatus,
)
from .states import check_transition
from .text import fold

DEFAULT_ANSWER_WORKING_DAYS = 10
#: letters and digits that cannot be mistaken for each other when read aloud or copied
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class RatingNotAllowed(Exception):
    pass


class ComplaintNotAllowed(Exception):
    pass


# --- helpers ------------------------------------------------------------------------------


def dossier_agency_id(dossier: Dossier) -> int | None:
    """The agency accountable for a dossier: competent, else receiving, else targeted."""
    return dossier.competent_agency_id or dossier.receiving_agency_id or dossier.target_agency_id


def answer_working_days() -> float:
    return float(
        getattr(settings, "PORTAL_COMPLAINT_ANSWER_WORKING_DAYS", DEFAULT_ANSWER_WORKING_DAYS)
    )


def complaint_deadline(routed_at: dt.datetime) -> dt.datetime:
    """The answer is due this many working days after routing (working-time calendar)."""
    return get_calendar().add_working_time(routed_at, answer_working_days(), "working_days")


def _new_code(now: dt.datetime) -> str:
    day = timezone.localtime(now).strftime("%y%m%d")
    return f"PA-{day}-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def _notify(
    *,
    user: User,
    title: str,
    body: str,
    url: str,
    dossier: Dossier | None = None,
) -> None:
    """A message in the person's portal inbox now, and an e-mail once the transaction commits."""
    Notification.objects.create(user=user, dossier=dossier, title=title[:200], body=body)
    if user.email:
        outbox_enqueue(
            topic="feedback.email",
            payload={
                "to": user.email,
                "subject": title[:200],
                "body": f"{body}\n\n{settings.PORTAL_BASE_URL.rstrip('/')}{url}\n",
            },
        )


@outbox_handler("feedback.email", queue=QUEUE_NOTIFY)
def _email_handler(payload: dict[str, Any]) -> None:
    send_mail(payload["subject"], payload["body"], None, [payload["to"]])


def _timeline_note(dossier: Dossier, *, action: str, officer: User, agency: Agency | None) -> None:
    """A timeline entry without a change of business status (the state machine is untouched)."""
    transitions.change(
        transitions.lock(dossier),
        action=action,
        actor=officer,
        role="officer",
        agency=agency,
        # public tracking shows notes: the wording is generic, the response stays in the rating
        note="",
        notify=False,
        audit=None,
    )


# --- ratings ------------------------------------------------------------------------------


def rating_create(
    *,
    dossier: Dossier,
    user: User,
    level: int,
    comment: str = "",
    criteria: Mapping[str, int] | None = None,
) -> Rating:
    """The applicant rates the handling once the dossier has a result or was refused.

    A "not satisfied" rating asks the agency to respond (it enters the agency's review list).
    """
    if dossier.applicant_id != user.pk:
        raise RatingNotAllowed("only the applicant rates a dossier")
    if dossier.status not in RATEABLE:
        raise RatingNotAllowed("the dossier has no result yet")
    if level not in RatingLevel.values:
        raise ValidationError(_("Choose how satisfied you are."), code="level")
    criteria = dict(criteria or {})
    validate_criteria(criteria)
    unhappy = level == RatingLevel.NOT_SATISFIED
    refused = dossier.status in (Status.REFUSED, Status.STOPPED)
    try:
        with transaction.atomic(durable=True):
            rating = Rating.objects.create(
                dossier=dossier,
                level=level,
                comment=comment.strip(),
                criteria=criteria,
                agency_id=dossier_agency_id(dossier),
                procedure_id=dossier.procedure_version.procedure_id,
                channel=dossier.channel,
                rated_after=RatedAfter.REFUSAL if refused else RatedAfter.RESULT,
                review_requested=unhappy,
                review_status=ReviewStatus.REQUESTED if unhappy else ReviewStatus.NONE,
            )
            audit_record(
                actor=user,
                action="rating.create",
                obj=rating,
                details={"level": level, "criteria": criteria},
            )
    except IntegrityError as exc:
        raise RatingNotAllowed("this dossier is already rated") from exc
    return rating


def _lock_rating(rating: Rating) -> Rating:
    return (
        Rating.objects.select_for_update(of=("self",))
        .select_related("dossier", "agency")
        .get(pk=rating.pk)
    )


def rating_respond(*, rating: Rating, officer: User, response: str) -> Rating:
    """An officer of the dossier's agency answers a "not satisfied" rating; the applicant is told."""
    response = response.strip()
    if not response:
        raise ValidationError(_("Write your response to the applicant."), code="required")
    with transaction.atomic(durable=True):
        rating = _lock_rating(rating)
        permissions.require(officer, rating.agency, "respond_rating")
        if not rating.review_requested:
            raise RatingNotAllowed("this rating does not ask for a response")
        rating.response = response
        rating.responded_at = timezone.now()
        rating.responded_by = officer
        rating.review_status = ReviewStatus.ANSWERED
        rating.save(update_fields=["response", "responded_at", "responded_by", "review_status"])
        dossier = rating.dossier
        _timeline_note(dossier, action="rating_response", officer=officer, agency=rating.agency)
        if dossier.applicant is not None:
            with translation.override(dossier.language or settings.LANGUAGE_CODE):
                _notify(
                    user=dossier.applicant,
                    dossier=dossier,
                    title=_("The agency responded to your rating of dossier %(code)s")
                    % {"code": dossier.code},
                    body=response,
                    url=reverse("dossiers:mine_detail", kwargs={"code": dossier.code}),
                )
        audit_record(
            actor=officer,
            action="rating.respond",
            obj=rating,
            agency_code=rating.agency.code if rating.agency else "",
        )
    return rating


def rating_reopen(*, rating: Rating, officer: User, reason: str) -> Rating:
    """A leader reopens the case for review after an unhappy rating.

    The business status of the dossier does not change (no transition leaves a final status):
    the review is the rating's flag plus an entry on the dossier's timeline.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the case is reopened."), code="required")
    with transaction.atomic(durable=True):
        rating = _lock_rating(rating)
        permissions.require(officer, rating.agency, "reopen_review")
        if not rating.review_requested:
            raise RatingNotAllowed("this rating does not ask for a response")
        if rating.review_status == ReviewStatus.REOPENED:
            raise RatingNotAllowed("the case is already reopened")
        rating.review_status = ReviewStatus.REOPENED
        rating.save(update_fields=["review_status"])
        dossier = rating.dossier
        _timeline_note(dossier, action="review_reopened", officer=officer, agency=rating.agency)
        if dossier.applicant is not None:
            with translation.override(dossier.language or settings.LANGUAGE_CODE):
                _notify(
                    user=dossier.applicant,
                    dossier=dossier,
                    title=_("Your dossier %(code)s is being reviewed again")
                    % {"code": dossier.code},
                    body=reason,
                    url=reverse("dossiers:mine_detail", kwargs={"code": dossier.code}),
                )
        audit_record(
            actor=officer,
            action="rating.reopen",
            obj=rating,
            reason=reason,
            agency_code=rating.agency.code if rating.agency else "",
        )
    return rating


# --- complaints ---------------------------------------------------------------------------


def _search_text(complaint: Complaint) -> str:
    """Only published text is searchable: a private complaint has no search text at all."""
    if not complaint.is_public:
        return ""
    return fold(" ".join([complaint.public_title, complaint.public_question, complaint.answer]))


def _publish(complaint: Complaint, *, public_title: str, public_question: str) -> None:
    public_title, public_question = public_title.strip(), public_question.strip()
    if not public_title or not public_question:
        raise ValidationError(
            _("Write the title and the question as they will be published."), code="public_text"
        )
    complaint.is_public = True
    complaint.public_title = public_title
    complaint.public_question = public_question
    complaint.published_at = timezone.now()


def _route(complaint: Complaint, agency: Agency, now: dt.datetime) -> None:
    check_transition(complaint.status, ComplaintStatus.ROUTED)
    complaint.agency = agency
    complaint.status = ComplaintStatus.ROUTED
    complaint.routed_at = now
    complaint.deadline = complaint_deadline(now)


def complaint_submit(
    *,
    author: User,
    kind: str,
    title: str,
    content: str,
    procedure: Procedure | None = None,
    agency: Agency | None = None,
    dossier: Dossier | None = None,
) -> Complaint:
    """A signed-in person files feedback or a complaint.

    It goes to the dossier's agency, else to the agency the person chose; with neither, it waits
    in the national triage queue. The answer is due ``PORTAL_COMPLAINT_ANSWER_WORKING_DAYS``
    working days after routing.
    """
    if kind not in ComplaintKind.values:
        raise ValidationError(_("Choose what your feedback is about."), code="kind")
    title, content = title.strip(), content.strip()
    if not title or not content:
        raise ValidationError(_("Write a title and your feedback."), code="required")
    if dossier is not None:
        if dossier.applicant_id != author.pk:
            raise ComplaintNotAllowed("only the applicant files a complaint about a dossier")
        dossier_agency = dossier_agency_id(dossier)
        if dossier_agency is not None:
            agency = Agency.objects.get(pk=dossier_agency)
        procedure = procedure or dossier.procedure_version.procedure
    now = timezone.now()
    for _attempt in range(5):
        complaint = Complaint(
            code=_new_code(now),
            author=author,
            kind=kind,
            procedure=procedure,
            dossier=dossier,
            title=title,
            content=content,
            created_at=now,
        )
        if agency is not None:
            _route(complaint, agency, now)
        try:
            with transaction.atomic(durable=True):
                complaint.save()
                audit_record(
                    actor=author,
                    action="complaint.submit",
                    obj=complaint,
                    agency_code=agency.code if agency else "",
                    details={"kind": kind, "routed": agency is not None},
                )
        except IntegrityError:
            if Complaint.objects.filter(code=complaint.code).exists():
                complaint.pk = None
                continue  # a code collision (1 in 887 million a day): draw another
            raise
        return complaint
    raise RuntimeError("could not draw a free complaint code")


def _lock_complaint(complaint: Complaint) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("agency", "author")
        .get(pk=complaint.pk)
    )


def complaint_route(*, complaint: Complaint, actor: User, agency: Agency) -> Complaint:
    """An administrator sends a complaint waiting in national triage to the responsible agency."""
    if not actor.has_perm("feedback.triage_complaint"):
        raise ComplaintNotAllowed("not permitted: triage")
    with transaction.atomic(durable=True):
        complaint = _lock_complaint(complaint)
        _route(complaint, agency, timezone.now())
        complaint.save(update_fields=["agency", "status", "routed_at", "deadline", "updated_at"])
        audit_record(actor=actor, action="complaint.route", obj=complaint, agency_code=agency.code)
    return complaint


def complaint_take(*, complaint: Complaint, officer: User) -> Complaint:
    """An officer of the responsible agency starts handling the complaint."""
    with transaction.atomic(durable=True):
        complaint = _lock_complaint(complaint)
        permissions.require(officer, complaint.agency, "take_complaint")
        check_transition(complaint.status, ComplaintStatus.IN_PROGRESS)
        complaint.status = ComplaintStatus.IN_PROGRESS
        complaint.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=officer,
            action="complaint.take",
            obj=complaint,
            agency_code=complaint.agency.code if complaint.agency else "",
        )
    return complaint


def _tell_author(complaint: Complaint, title: str, body: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        _notify(
            user=complaint.author,
            dossier=complaint.dossier,
            title=title,
            body=body,
            url=reverse("feedback:complaint", kwargs={"code": complaint.code}),
        )


def complaint_answer(
    *,
    complaint: Complaint,
    officer: User,
    answer: str,
    publish: bool = False,
    public_title: str = "",
    public_question: str = "",
) -> Complaint:
    """The agency answers; it may publish the question and answer.

    What is published is the title and question the officer wrote for the public (without
    names, numbers or addresses) and the answer; never the author, the dossier or the officer.
    """
    answer = answer.strip()
    if not answer:
        raise ValidationError(_("Write the answer."), code="required")
    with transaction.atomic(durable=True):
        complaint = _lock_complaint(complaint)
        permissions.require(officer, complaint.agency, "answer_complaint")
        if publish:
            permissions.require(officer, complaint.agency, "publish_complaint")
        check_transition(complaint.status, ComplaintStatus.ANSWERED)
        now = timezone.now()
        complaint.status = ComplaintStatus.ANSWERED
        complaint.answer = answer
        complaint.answered_at = now
        complaint.answered_by = officer
        if publish:
            _publish(complaint, public_title=public_title, public_question=public_question)
        complaint.search_text = _search_text(complaint)
        complaint.save()
        with translation.override(settings.LANGUAGE_CODE):
            title = _("Answer to your feedback %(code)s") % {"code": complaint.code}
        _tell_author(complaint, title, answer)
        audit_record(
            actor=officer,
            action="complaint.answer",
            obj=complaint,
            agency_code=complaint.agency.code if complaint.agency else "",
            details={"published": publish, "on_time": complaint.on_time},
        )
    return complaint


def complaint_reject(*, complaint: Complaint, officer: User, reason: str) -> Complaint:
    """The agency does not accept the complaint (e.g. not within its competence), with a reason.

    A complaint in national triage is rejected by an administrator with the triage permission.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the feedback is not accepted."), code="required")
    with transaction.atomic(durable=True):
        complaint = _lock_complaint(complaint)
        if complaint.agency is None:
            if not officer.has_perm("feedback.triage_complaint"):
                raise ComplaintNotAllowed("not permitted: triage")
        else:
            permissions.require(officer, complaint.agency, "reject_complaint")
        check_transition(complaint.status, ComplaintStatus.REJECTED)
        complaint.status = ComplaintStatus.REJECTED
        complaint.answer = reason
        complaint.answered_at = timezone.now()
        complaint.answered_by = officer
        complaint.is_public = False
        complaint.search_text = ""
        complaint.save()
        with translation.override(settings.LANGUAGE_CODE):
            title = _("Your feedback %(code)s was not accepted") % {"code": complaint.code}
        _tell_author(complaint, title, reason)
        audit_record(
            actor=officer,
            action="complaint.reject",
            obj=complaint,
            reason=reason,
            agency_code=complaint.agency.code if complaint.agency else "",
        )
    return complaint


def complaint_set_public(
    *,
    complaint: Complaint,
    officer: User,
    is_public: bool,
    public_title: str = "",
    public_question: str = "",
) -> Complaint:
    """Publish (with the public title and question) or withdraw an answered complaint."""
    with transaction.atomic(durable=True):
        complaint = _lock_complaint(complaint)
        permissions.require(officer, complaint.agency, "publish_complaint")
        if complaint.status not in (ComplaintStatus.ANSWERED, ComplaintStatus.CLOSED):
            raise ComplaintNotAllowed("only an answered complaint is published")
        if is_public:
            _publish(complaint, public_title=public_title, public_question=public_question)
        else:
            complaint.is_public = False
            complaint.published_at = None
        complaint.search_text = _search_text(complaint)
        complaint.save(
            update_fields=[
                "is_public",
                "public_title",
                "public_question",
                "published_at",
                "search_text",
                "updated_at",
            ]
        )
        audit_record(
            actor=officer,
            action="complaint.publish" if is_public else "complaint.unpublish",
            obj=complaint,
            agency_code=complaint.agency.code if complaint.agency else "",
        )
    return complaint


def complaint_rate_answer(*, complaint: Complaint, author: User, satisfied: bool) -> Complaint:
    """The author says whether the answer satisfies them; this closes the complaint."""
    with transaction.atomic(durable=True):
        complaint = _lock_complaint(complaint)
        if complaint.author_id != author.pk:
            raise ComplaintNotAllowed("only the author rates the answer")
        if complaint.author_satisfied is not None:
            raise ComplaintNotAllowed("the answer is already rated")
        check_transition(complaint.status, ComplaintStatus.CLOSED)
        complaint.author_satisfied = satisfied
        complaint.author_rated_at = timezone.now()
        complaint.status = ComplaintStatus.CLOSED
        complaint.save(
            update_fields=["author_satisfied", "author_rated_at", "status", "updated_at"]
        )
        audit_record(
            actor=author,
            action="complaint.rate_answer",
            obj=complaint,
            details={"satisfied": satisfied},
        )
    return complaint


# --- overdue complaints (Celery beat, like dossiers/deadlines.py) ---------------------------

BATCH = 500


def complaint_overdue_mark(*, now: dt.datetime | None = None) -> int:
    """Mark unanswered complaints past their deadline, once each, and alert their agency."""
    now = now or timezone.now()
    ids = list(
        Complaint.objects.filter(
            status__in=OPEN_COMPLAINT_STATUSES,
            deadline__lt=now,
            overdue_alerted_at__isnull=True,
        ).values_list("pk", flat=True)[:BATCH]
    )
    count = 0
    for pk in ids:
        with transaction.atomic():
            marked = Complaint.objects.filter(pk=pk, overdue_alerted_at__isnull=True).update(
                overdue_alerted_at=now
            )
            if marked:
                outbox_enqueue(topic="feedback.complaint_overdue", payload={"complaint_id": pk})
                count += 1
    return count


@outbox_handler("feedback.complaint_overdue")
def _overdue_alert(payload: dict[str, Any]) -> None:
    complaint = Complaint.objects.select_related("agency").get(pk=payload["complaint_id"])
    if complaint.agency is None:
        return
    url = settings.PORTAL_BASE_URL.rstrip("/") + reverse(
        "feedback_backoffice:complaint", kwargs={"code": complaint.code}
    )
    due = (
        timezone.localtime(complaint.deadline).strftime("%d/%m/%Y %H:%M")
        if complaint.deadline
        else ""
    )
    recipients = list(
        User.objects.filter(memberships__agency=complaint.agency, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Late answer to feedback %(code)s (due %(due)s)") % {
            "code": complaint.code,
            "due": due,
        }
    for email in recipients:
        send_mail(subject, f"{subject}\n{complaint.title}\n{url}", None, [email])
    audit_record(
        actor=None,
        action="complaint.alert_overdue",
        obj=complaint,
        agency_code=complaint.agency.code,
        details={"recipients": len(recipients)},
    )

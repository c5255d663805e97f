"""Reads of ratings and complaints, filtered by who may see them.

* the author sees their own complaints; the applicant their own rating;
* an officer sees the ratings and complaints of the agencies they belong to;
* an administrator with ``feedback.triage_complaint`` sees the national triage queue;
* the public sees only answered complaints the agency published, without personal data.

Anything else is absent (404), never forbidden (403).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from agencies.calendar import get_calendar
from agencies.models import Agency
from dossiers.selectors import officer_agencies
from portal.models import User
from procedures.models import Procedure

from .models import (
    OPEN_COMPLAINT_STATUSES,
    Complaint,
    ComplaintStatus,
    Rating,
    ReviewStatus,
)
from .text import terms

# --- ratings ------------------------------------------------------------------------------


def ratings_for_review(*, user: User, show: str = "waiting") -> QuerySet[Rating]:
    """Unhappy ratings of the officer's agencies; ``show`` = waiting | answered | all."""
    qs = Rating.objects.select_related("dossier", "procedure", "agency", "responded_by").filter(
        agency__in=officer_agencies(user=user), review_requested=True
    )
    if show == "waiting":
        qs = qs.filter(review_status__in=[ReviewStatus.REQUESTED, ReviewStatus.REOPENED])
    elif show == "answered":
        qs = qs.filter(review_status=ReviewStatus.ANSWERED)
    return qs.order_by("created_at", "id")


def rating_for_officer(*, user: User, pk: int) -> Rating:
    rating = (
        Rating.objects.select_related("dossier", "procedure", "agency", "responded_by")
        .filter(pk=pk, agency__in=officer_agencies(user=user))
        .first()
    )
    if rating is None:
        raise Http404
    return rating


# --- complaints: authors ------------------------------------------------------------------


def _complaints() -> QuerySet[Complaint]:
    return Complaint.objects.select_related("agency", "procedure", "dossier")


def complaints_of_author(*, user: User) -> QuerySet[Complaint]:
    if not user.is_authenticated:
        return Complaint.objects.none()
    return _complaints().filter(author=user).order_by("-created_at", "-id")


def complaint_of_author(*, user: User, code: str) -> Complaint:
    complaint = complaints_of_author(user=user).filter(code=code).first()
    if complaint is None:
        raise Http404
    return complaint


# --- complaints: officers -----------------------------------------------------------------

COMPLAINT_QUEUES: dict[str, list[str]] = {
    "open": [ComplaintStatus.ROUTED, ComplaintStatus.IN_PROGRESS],
    "answered": [ComplaintStatus.ANSWERED, ComplaintStatus.CLOSED],
    "rejected": [ComplaintStatus.REJECTED],
}


def complaints_for_officer(*, user: User, queue: str = "open") -> QuerySet[Complaint]:
    qs = _complaints().filter(agency__in=officer_agencies(user=user))
    statuses = COMPLAINT_QUEUES.get(queue, COMPLAINT_QUEUES["open"])
    order = ("deadline", "id") if queue == "open" else ("-answered_at", "-id")
    return qs.filter(status__in=statuses).order_by(*order)


def complaint_counts_for_officer(*, user: User) -> dict[str, int]:
    qs = Complaint.objects.filter(agency__in=officer_agencies(user=user))
    return {
        key: qs.filter(status__in=statuses).count() for key, statuses in COMPLAINT_QUEUES.items()
    }


def complaint_for_officer(*, user: User, code: str) -> Complaint:
    """A complaint of one of the officer's agencies, or one in triage for an administrator."""
    scope = Q(agency__in=officer_agencies(user=user))
    if user.has_perm("feedback.triage_complaint"):
        scope |= Q(agency__isnull=True)
    complaint = _complaints().filter(scope, code=code).first()
    if complaint is None:
        raise Http404
    return complaint


def complaint_triage_queue(*, user: User) -> QuerySet[Complaint]:
    if not user.has_perm("feedback.triage_complaint"):
        raise Http404
    return (
        _complaints()
        .filter(agency__isnull=True, status=ComplaintStatus.SUBMITTED)
        .order_by("created_at", "id")
    )


def complaint_deadline_state(
    complaint: Complaint, *, now: dt.datetime | None = None, soon: dt.datetime | None = None
) -> str:
    """'late', 'due_soon' (within two working days) or 'on_time' while open; '' otherwise.

    ``soon`` is two working days after ``now`` (computed if not given; pass it for a list)."""
    if complaint.status not in OPEN_COMPLAINT_STATUSES or complaint.deadline is None:
        return ""
    now = now or timezone.now()
    if complaint.deadline < now:
        return "late"
    if soon is None:
        soon = get_calendar().add_working_time(now, 2, "working_days")
    if complaint.deadline <= soon:
        return "due_soon"
    return "on_time"


def complaints_with_deadline_states(
    complaints: Iterable[Complaint],
) -> list[tuple[Complaint, str]]:
    """Each complaint of a list with its :func:`complaint_deadline_state`, the calendar read
    once."""
    now = timezone.now()
    soon = get_calendar().add_working_time(now, 2, "working_days")
    return [(c, complaint_deadline_state(c, now=now, soon=soon)) for c in complaints]


# --- the public ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicAnswer:
    """What the public sees of a complaint: no author, no dossier, no officer."""

    code: str
    kind_label: str
    title: str
    content: str
    answer: str
    agency_name: str
    procedure_label: str
    asked_on: dt.date
    answered_on: dt.date | None


def _published() -> QuerySet[Complaint]:
    return Complaint.objects.filter(
        is_public=True,
        status__in=[ComplaintStatus.ANSWERED, ComplaintStatus.CLOSED],
        answered_at__isnull=False,
    )


def public_answers(
    *, query: str = "", agency_id: int | None = None, procedure_code: str = ""
) -> QuerySet[Complaint]:
    """Published answers, newest first; the query matches words without diacritics."""
    qs = _published().select_related("agency", "procedure")
    for word in terms(query):
        qs = qs.filter(search_text__contains=word)
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    if procedure_code:
        qs = qs.filter(procedure__code=procedure_code)
    return qs.only(
        "code",
        "kind",
        "public_title",
        "answer",
        "created_at",
        "answered_at",
        "agency__name",
        "agency__name_en",
        "procedure__code",
        "procedure__name",
        "procedure__name_en",
    ).order_by("-answered_at", "-id")


def public_answer_filters() -> tuple[QuerySet[Agency], QuerySet[Procedure]]:
    """The agencies and procedures that have at least one published answer."""
    published = _published()
    agencies = Agency.objects.filter(complaints__in=published).distinct().order_by("name")
    procedures = Procedure.objects.filter(complaints__in=published).distinct().order_by("code")
    return agencies, procedures


def public_answer(*, code: str) -> PublicAnswer:
    complaint = _published().select_related("agency", "procedure").filter(code=code).first()
    if complaint is None:
        raise Http404
    return PublicAnswer(
        code=complaint.code,
        kind_label=str(complaint.get_kind_display()),
        title=complaint.public_title,
        content=complaint.public_question,
        answer=complaint.answer,
        agency_name=complaint.agency.name if complaint.agency else "",
        procedure_label=str(complaint.procedure) if complaint.procedure else "",
        asked_on=timezone.localtime(complaint.created_at).date(),
        answered_on=(
            timezone.localtime(complaint.answered_at).date() if complaint.answered_at else None
        ),
    )


def agencies_matching(*, query: str, limit: int = 20) -> list[Agency]:
    """Agencies whose name matches every word of the query, diacritics ignored."""
    words = terms(query)
    if not words:
        return []
    from .text import fold

    found: list[Agency] = []
    # folding happens in Python so that "uy ban hoan kiem" finds "Ủy ban ... Hoàn Kiếm"
    candidates = Agency.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=timezone.localdate())
    ).only("pk", "name", "name_en", "code")
    for agency in candidates.iterator(chunk_size=2000):
        haystack = fold(f"{agency.name} {agency.name_en} {agency.code}")
        if all(word in haystack for word in words):
            found.append(agency)
            if len(found) >= limit:
                break
    return found

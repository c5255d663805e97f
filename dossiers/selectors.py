"""Reads of dossiers. Every selector takes the acting user and filters by what they may see:
a dossier that is not yours is absent (404), never forbidden (403)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from agencies.models import Agency
from portal.models import User
from portal.numbers import ascii_digits

from .models import Dossier, DossierEvent, FormDraft
from .states.business import Status


def _base() -> QuerySet[Dossier]:
    return Dossier.objects.select_related(
        "procedure_version__procedure", "competent_agency", "commune__province"
    )


def dossiers_of_applicant(*, user: User) -> QuerySet[Dossier]:
    if not user.is_authenticated:
        return Dossier.objects.none()
    return _base().filter(applicant=user).order_by("-submitted_at")


def dossiers_seen_by_applicant(*, user: User) -> QuerySet[Dossier]:
    """The person's own dossiers and, read-only, those a connected system synchronised with
    their identification number (received and processed outside the portal, issue 13)."""
    if not user.is_authenticated:
        return Dossier.objects.none()
    mine = Q(applicant=user)
    if user.personal_id:
        mine |= Q(applicant_personal_id=user.personal_id) & ~Q(source_system="")
    return _base().filter(mine).order_by("-submitted_at")


def dossiers_listed_for_applicant(*, user: User) -> QuerySet[Dossier]:
    """My dossiers as a list: a linked bundle shows once, its parts inside it."""
    return dossiers_seen_by_applicant(user=user).filter(parent__isnull=True)


def dossiers_listed_version(*, user: User) -> str:
    """Changes whenever the applicant's list would: a dossier added, or any of them changed
    (every change of a dossier goes through ``transitions``, which saves ``updated_at``)."""
    from django.db.models import Count, Max

    figures = (
        dossiers_listed_for_applicant(user=user)
        .order_by()
        .aggregate(count=Count("id"), last=Max("updated_at"))
    )
    last = figures["last"].timestamp() if figures["last"] else 0
    return f"{figures['count']}-{last}"


def dossier_seen_by_applicant(*, user: User, code: str) -> Dossier:
    """A dossier of My dossiers, to read (one synchronised from elsewhere too)."""
    dossier = dossiers_seen_by_applicant(user=user).filter(code=code).first()
    if dossier is None:
        raise Http404
    return dossier


def dossier_of_applicant(*, user: User, code: str) -> Dossier:
    """A dossier the person submitted in the portal, to act on."""
    dossier = dossiers_of_applicant(user=user).filter(code=code).first()
    if dossier is None:
        raise Http404
    return dossier


def drafts_open_of_user(*, user: User) -> QuerySet[FormDraft]:
    """The person's own e-form drafts still open (neither submitted nor deleted), last saved
    first, with their procedure: one query, whatever their number."""
    if not user.is_authenticated:
        return FormDraft.objects.none()
    return (
        FormDraft.objects.filter(
            user=user, submitted_at__isnull=True, dossier__isnull=True, discarded_at__isnull=True
        )
        .select_related("procedure_version__procedure")
        # what the list shows, not the answers nor the procedure's long texts
        .only(
            "id",
            "user_id",
            "updated_at",
            "procedure_version__id",
            "procedure_version__procedure__id",
            "procedure_version__procedure__name",
            "procedure_version__procedure__name_en",
        )
        .order_by("-updated_at")
    )


def draft_open_of_user(*, user: User, draft_id: Any) -> FormDraft:
    """One of the person's open drafts; another person's (or a submitted or deleted one) is
    absent: 404."""
    draft = drafts_open_of_user(user=user).filter(pk=draft_id).first()
    if draft is None:
        raise Http404
    return draft


def officer_agencies(*, user: User) -> QuerySet[Agency]:
    if not user.is_authenticated:
        return Agency.objects.none()
    return Agency.objects.filter(memberships__user=user).distinct().order_by("name")


def officer_role_names(*, user: User) -> set[str]:
    """The roles the officer holds in any of their agencies."""
    if not user.is_authenticated:
        return set()
    return set(user.memberships.values_list("role", flat=True))


def dossiers_for_officer(
    *, user: User, agency: Agency | None = None, agencies: list[Agency] | None = None
) -> QuerySet[Dossier]:
    """The dossiers of the officer's agencies (of `agency` only, if given and theirs).

    `agencies`: the officer's, as :func:`officer_agencies` read them for this request, and
    nothing else (trusted: the scope is then the caller's); the query names them instead of
    asking for them in a subquery, so PostgreSQL reads one agency's dossiers in the order of an
    index (the finished tab's, newest first). An officer of several agencies still has their
    dossiers sorted (an `IN` list does not keep an index's order across its values)."""
    if agencies is not None:
        scope: Any = [a.pk for a in agencies if agency is None or a.pk == agency.pk]
    else:
        scope = officer_agencies(user=user)
        if agency is not None:
            scope = scope.filter(pk=agency.pk)
    # a dossier synchronised from an agency's own system is processed there, not here
    return (
        _base()
        .filter(competent_agency__in=scope, source_system="")
        .exclude(status=Status.DRAFT)
        .order_by("due_at", "submitted_at")
    )


def dossier_for_officer(*, user: User, code: str) -> Dossier:
    dossier = dossiers_for_officer(user=user).filter(code=code).first()
    if dossier is None:
        raise Http404
    return dossier


def dossier_public_lookup(*, code: str, id_last4: str) -> Dossier | None:
    """The dossier with this code whose applicant's identification number ends in id_last4.

    A wrong code and wrong digits give the same answer (None)."""
    code = code.strip().upper()
    id_last4 = id_last4.strip()
    if not ascii_digits(id_last4, length=4):
        return None
    dossier = _base().filter(code=code).first()
    if dossier is None or not dossier.applicant_personal_id.endswith(id_last4):
        return None
    return dossier


def timeline(*, dossier: Dossier) -> QuerySet[DossierEvent]:
    return dossier.events.select_related("agency").order_by("at", "id")


def _due_soon_limit(now):
    """One working day after ``now``: an open dossier due before it is "due soon"."""
    from agencies.calendar import get_calendar

    return get_calendar().add_working_time(now, 1, "working_days")


def deadline_state(dossier: Dossier, *, now=None, soon=None) -> str:
    """'late', 'due_soon' (within one working day) or 'on_time' for an open dossier; '' else.

    ``soon`` is one working day after ``now`` (computed if not given; pass it for a list)."""
    from django.utils import timezone

    return _deadline_of(dossier.status, dossier.due_at, now or timezone.now(), soon)


def _deadline_of(status: int, due_at: dt.datetime | None, now: dt.datetime, soon=None) -> str:
    """:func:`deadline_state` from the status and the due date."""
    from .states.business import OPEN

    if status not in OPEN or due_at is None or status == Status.SUPPLEMENT_REQUESTED:
        return ""
    if due_at < now:
        return "late"
    if due_at <= (soon or _due_soon_limit(now)):
        return "due_soon"
    return "on_time"


#: what a row of the back-office queue shows (templates/backoffice/queue.html, deadline_state):
#: the page reads these columns only, as values, not the form's data, the prefill sources or
#: the procedure's texts, and builds no model instance (building those was about a fifth of
#: the queue's CPU, issue 11)
QUEUE_ROW_FIELDS = (
    "code",
    "channel",
    "status",
    "due_at",
    "subject_name",
    "applicant_name",
    "procedure_version__procedure__name",
    "procedure_version__procedure__name_en",
    "assigned_to__username",
    "assigned_to__first_name",
    "assigned_to__last_name",
    "assigned_to__full_name",
)


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One row of the back-office queue, as read (no model instance)."""

    code: str
    counter: bool
    status: int
    status_label: str
    due_at: dt.datetime | None
    deadline: str
    whom: str
    procedure: str
    assignee: str


def queue_rows(dossiers: QuerySet[Dossier], ids: list[int]) -> list[QueueRow]:
    """The queue page's dossiers `ids` of `dossiers` (in its order), each with its
    :func:`deadline_state`, the columns a row shows and nothing else."""
    from django.utils import timezone

    from procedures.models import ChannelKind, bilingual

    now = timezone.now()
    soon = _due_soon_limit(now)
    rows = []
    for values in dossiers.filter(pk__in=ids).values(*QUEUE_ROW_FIELDS):
        status, due_at = values["status"], values["due_at"]
        rows.append(
            QueueRow(
                code=values["code"],
                counter=values["channel"] == ChannelKind.IN_PERSON,
                status=status,
                status_label=str(Status(status).label),
                due_at=due_at,
                deadline=_deadline_of(status, due_at, now, soon),
                whom=values["subject_name"] or values["applicant_name"],
                procedure=bilingual(
                    values["procedure_version__procedure__name"],
                    values["procedure_version__procedure__name_en"],
                ),
                assignee=User.name_to_display(
                    full_name=values["assigned_to__full_name"] or "",
                    first_name=values["assigned_to__first_name"] or "",
                    last_name=values["assigned_to__last_name"] or "",
                    username=values["assigned_to__username"] or "",
                ),
            )
        )
    return rows


def awaiting_approval_q() -> Q:
    """The dossiers in processing at the last step of their workflow (no later step): what a
    leader approves next (a workflow without steps: as soon as it is in processing)."""
    from django.db.models import Exists, OuterRef
    from django.db.models.functions import Coalesce

    from procedures.models import Step

    later = Step.objects.filter(
        version=OuterRef("procedure_version"), order__gt=Coalesce(OuterRef("current_step"), 1)
    )
    return Q(status=Status.IN_PROCESSING) & ~Q(Exists(later))


def queue_for_officer(
    *,
    user: User,
    statuses: list[int] | None = None,
    procedure_code: str = "",
    deadline: str = "",
    assigned_to_me: bool = False,
    query: str = "",
    awaiting_approval: bool = False,
    newest_first: bool = False,
    agencies: list[Agency] | None = None,
) -> QuerySet[Dossier]:
    """The officer's dossiers of a queue, by due date (the first due first), or `newest_first`
    (the last submitted first: the finished ones, read in the order of their index,
    ``dossier_finished_newest``). `agencies`: as :func:`dossiers_for_officer`'s."""
    from django.db.models import Q
    from django.utils import timezone

    qs = dossiers_for_officer(user=user, agencies=agencies).select_related("assigned_to")
    if newest_first:
        qs = qs.order_by("-submitted_at", "-pk")
    if statuses:
        qs = qs.filter(status__in=statuses)
    if awaiting_approval:
        qs = qs.filter(awaiting_approval_q())
    if procedure_code:
        qs = qs.filter(procedure_version__procedure__code=procedure_code)
    if deadline in ("late", "due_soon"):
        qs = qs.filter(_deadline_q(timezone.now())[deadline])
    if assigned_to_me:
        qs = qs.filter(assigned_to=user)
    if query:
        qs = qs.filter(
            Q(code__icontains=query)
            | Q(subject_name__icontains=query)
            | Q(applicant_name__icontains=query)
        )
    return qs


def _deadline_q(now) -> dict[str, Any]:
    """The open dossiers that are late, and due within one working day (not paused for a
    supplement), as conditions."""
    from django.db.models import Q

    from .states.business import OPEN

    open_q = Q(status__in=OPEN) & ~Q(status=Status.SUPPLEMENT_REQUESTED)
    soon = _due_soon_limit(now)
    return {
        "late": open_q & Q(due_at__lt=now),
        "due_soon": open_q & Q(due_at__gte=now, due_at__lte=soon),
    }


def queue_counts(
    *, user: User, queues: dict[str, list[int]], agencies: list[Agency] | None = None
) -> dict[str, int]:
    """How many of the officer's dossiers each queue (name -> statuses) holds, how many are
    late and due soon, awaiting approval ("approval") and open and assigned to the user
    ("mine"). The dossiers still being worked on are counted here, one count per status from
    the (agency, status, due date) index, summed here; the finished ones, which grow with the
    agencies' history, are kept counted (:mod:`dossiers.finished_counts`). `agencies`: the
    officer's, if the caller has read them already (:func:`officer_agencies`)."""
    from django.db import DEFAULT_DB_ALIAS
    from django.db.models import Count
    from django.utils import timezone

    from . import finished_counts
    from .states.business import FINAL, OPEN

    deadlines = {
        **_deadline_q(timezone.now()),
        "approval": awaiting_approval_q(),
        "mine": Q(assigned_to=user, status__in=OPEN),
    }
    listed = {status for statuses in queues.values() for status in statuses}
    live = sorted(listed - {int(s) for s in FINAL})
    per_status: list[dict[str, Any]] = [
        dict(row)
        for row in dossiers_for_officer(user=user)
        .filter(status__in=live)
        .order_by()
        .values("status")
        .annotate(
            total=Count("status"),
            **{key: Count("status", filter=q) for key, q in deadlines.items()},
        )
    ]
    totals = {row["status"]: row["total"] for row in per_status}
    if agencies is None:
        agencies = list(officer_agencies(user=user))

    def count_finished(agency_ids: list[int]):
        # on the primary: a replica behind it would miss a dossier whose count-up comes
        # before the count is kept
        return (
            Dossier.objects.using(DEFAULT_DB_ALIAS)
            .filter(competent_agency__in=agency_ids, source_system="")
            .filter(status__in=sorted(listed & {int(s) for s in FINAL}))
            .order_by()
            .values_list("competent_agency_id", "status")
            .annotate(n=Count("id"))
        )

    totals.update(
        finished_counts.finished_counts(
            [agency.pk for agency in agencies], listed & {int(s) for s in FINAL}, count_finished
        )
    )
    counts = {
        key: sum(totals.get(status, 0) for status in statuses) for key, statuses in queues.items()
    }
    counts.update({key: sum(row[key] for row in per_status) for key in deadlines})
    return counts


#: how long the procedures of an agency's finished dossiers are kept for the queue's filter
#: (reading them reads the agency's whole history); those of its open dossiers, a minute
QUEUE_PROCEDURES_HISTORY_SECONDS = 24 * 3600


def queue_procedures(*, user: User, agencies: list[Agency] | None = None) -> list[tuple[str, str]]:
    """(code, name in the active language) of the procedures the officer's agencies have
    dossiers of, for the queue's filter: those of the open dossiers kept a minute, those of
    all of them (the agencies' history, millions of rows in a busy office) kept a day, per set
    of agencies. `agencies`: the officer's, if the caller has read them already."""
    from django.core.cache import cache

    from procedures.models import bilingual

    from .states.business import OPEN

    if agencies is None:
        agencies = list(officer_agencies(user=user))
    agency_key = ",".join(str(pk) for pk in sorted(agency.pk for agency in agencies))
    found: dict[str, tuple[str, str]] = {}
    for key, statuses, seconds in (
        (f"queue-procedures-3:open:{agency_key}", OPEN, 60),
        (f"queue-procedures-3:all:{agency_key}", None, QUEUE_PROCEDURES_HISTORY_SECONDS),
    ):
        procedures = cache.get(key)
        if procedures is None:
            dossiers = dossiers_for_officer(user=user, agencies=agencies)
            if statuses is not None:
                dossiers = dossiers.filter(status__in=statuses)
            procedures = list(
                dossiers.values_list(
                    "procedure_version__procedure__code",
                    "procedure_version__procedure__name",
                    "procedure_version__procedure__name_en",
                )
                .distinct()
                .order_by()
            )
            cache.set(key, procedures, seconds)
        for code, name, name_en in procedures:  # the open dossiers' (newer) names first
            found.setdefault(code, (name, name_en))
    return [(code, bilingual(*found[code])) for code in sorted(found)]


def workload(*, user: User) -> dict:
    """Open, late and finished-this-month counts per officer and per agency of the user."""
    from django.db.models import Count
    from django.utils import timezone

    from portal.models import User as UserModel

    from .states.business import OPEN

    now = timezone.now()
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    agencies = officer_agencies(user=user)
    # the open dossiers from the (agency, status, due date) index and those processed this
    # month from the (agency, processed at) one: never the agencies' whole history
    late_q = _deadline_q(now)["late"]

    def open_and_late(group: str, **among: Any) -> dict[int, tuple[int, int]]:
        """(open, late) dossiers per value of `group` among the open dossiers `among`."""
        return {
            key: (open_, late)
            for key, open_, late in Dossier.objects.filter(status__in=OPEN, **among)
            .order_by()
            .values_list(group)
            .annotate(open=Count("id"), late=Count("id", filter=late_q))
        }

    open_counts = open_and_late("competent_agency", competent_agency__in=agencies)
    done_counts = dict(
        Dossier.objects.filter(competent_agency__in=agencies, processed_at__gte=month_start)
        .order_by()
        .values_list("competent_agency")
        .annotate(done=Count("id"))
    )
    per_agency = [
        {
            "name": agency.label,
            "open": open_counts.get(agency.pk, (0, 0))[0],
            "late": open_counts.get(agency.pk, (0, 0))[1],
            "done": done_counts.get(agency.pk, 0),
        }
        for agency in agencies
    ]
    officers = list(UserModel.objects.filter(memberships__agency__in=agencies).distinct())
    # their open dossiers only, not every dossier they ever handled
    assigned = open_and_late("assigned_to", assigned_to__in=officers)
    officers.sort(key=lambda officer: (-assigned.get(officer.pk, (0, 0))[0], officer.username))
    per_officer = [
        {
            "name": officer.display_name,
            "open": assigned.get(officer.pk, (0, 0))[0],
            "late": assigned.get(officer.pk, (0, 0))[1],
        }
        for officer in officers
    ]
    return {"agencies": per_agency, "officers": per_officer}


def triage_queue(*, user: User) -> QuerySet[Dossier]:
    if not user.is_authenticated or not user.has_perm("dossiers.triage_dossier"):
        return Dossier.objects.none()
    return (
        _base()
        .filter(competent_agency__isnull=True, routed_at__isnull=False, status=Status.SUBMITTED)
        .exclude(parts__isnull=False)
        .order_by("submitted_at")
    )


def agency_specialists(*, agency: Agency) -> QuerySet[User]:
    from agencies.models import OfficerRole
    from portal.models import User as UserModel

    return (
        UserModel.objects.filter(
            memberships__agency=agency, memberships__role=OfficerRole.SPECIALIST
        )
        .distinct()
        .order_by("full_name", "username")
    )


def dossier_for_verification(*, token: Any) -> Dossier | None:
    """The dossier whose issued result the public verification token names (None when there
    is none, or no result yet)."""
    dossier = (
        Dossier.objects.select_related(
            "applicant", "procedure_version__procedure", "competent_agency", "result_replaced_by"
        )
        .filter(verification_token=token)
        .first()
    )
    if dossier is None or not dossier.result_file:
        return None
    return dossier


# --- certified copies ----------------------------------------------------------------------


def copy_document_types() -> list[tuple[str, str]]:
    """The documents a certified copy can be of so that it replaces a component later: the
    catalogue results some component names as its replacement (code, name in the active
    language), one per code, by name."""
    from procedures.models import Component, Result

    codes = (
        Component.objects.exclude(replaceable_by_result_code="")
        .values_list("replaceable_by_result_code", flat=True)
        .distinct()
    )
    named: dict[str, str] = {}
    for result in Result.objects.filter(code__in=codes).order_by("code", "id"):
        named.setdefault(result.code, result.label)
    return sorted(named.items(), key=lambda item: item[1])


def copy_result_name(code: str) -> str:
    """The catalogue's (Vietnamese) name of a result, for the title of a copy."""
    from procedures.models import Result

    return (
        Result.objects.filter(code=code).order_by("id").values_list("name", flat=True).first() or ""
    )


def certified_copies_of_agency(*, user: User, agency: Agency) -> QuerySet:
    """The copies an agency issued, for its officers (anyone else: none)."""
    from .models import CertifiedCopy

    if not user.memberships.filter(agency=agency).exists():
        return CertifiedCopy.objects.none()
    return CertifiedCopy.objects.filter(agency=agency).select_related("officer")


def certified_copy_for_verification(*, token: Any):
    from .models import CertifiedCopy

    return (
        CertifiedCopy.objects.select_related("agency", "officer")
        .filter(verification_token=token)
        .first()
    )


def supplement_components(*, dossier: Dossier) -> list[tuple[str, str]]:
    """The items an officer may ask to supplement: the components of the dossier's case, as
    (code, name in the dossier's language: the applicant reads them)."""
    from django.conf import settings
    from django.utils import translation

    from procedures.models import Component

    if dossier.case_id is None:
        return []
    with translation.override(dossier.language or settings.LANGUAGE_CODE):
        return [(c.code, c.label) for c in Component.objects.filter(case_id=dossier.case_id)]


def open_supplement(*, dossier: Dossier):
    """The supplement request the applicant has not answered yet, or None."""
    return dossier.supplements.filter(resubmitted_at__isnull=True).order_by("-requested_at").first()

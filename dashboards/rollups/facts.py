"""The one definition of every counter, as ORM expressions over the raw dossiers (and their
attachments), and the province and ministry of each agency; used by the incremental refresh
and by the rebuilds alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    Func,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.db.models.lookups import Exact, GreaterThan, LessThan

from agencies.models import Agency, AgencyLevel
from dossiers.models import Attachment, AttachmentKind, Dossier
from dossiers.states.business import Status
from dossiers.states.payment import PaymentStatus
from dossiers.states.sync import SyncStatus
from procedures.models import ChannelKind, OnlineLevel

from ..models import FACT_COUNTERS

FINISHED = (Status.RESULT_READY, Status.RETURNED)
IN_PROCESSING = (
    Status.RECEIVED,
    Status.IN_PROCESSING,
    Status.SUPPLEMENT_REQUESTED,
    Status.PAYMENT_REQUESTED,
    Status.TRANSFERRED,
    Status.WAITING_COORDINATION,
)
#: Upper bounds (seconds) of the login-to-submission histogram buckets; the last is open.
LOGIN_BUCKETS: tuple[int, ...] = (
    *range(30, 600, 30),  # every 30 s up to 10 min
    *range(600, 1800, 60),  # every minute up to 30 min
    *range(1800, 7200, 600),  # every 10 min up to 2 h
)


class SecondsBetween(Func):
    """end - start in whole seconds, on PostgreSQL and SQLite."""

    output_field = IntegerField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def,override]
        end, end_params = compiler.compile(self.source_expressions[0])
        start, start_params = compiler.compile(self.source_expressions[1])
        if connection.vendor == "postgresql":
            sql = f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS bigint)"
        else:
            sql = f"CAST(ROUND((julianday({end}) - julianday({start})) * 86400) AS integer)"
        return sql, (*end_params, *start_params)


def count_if(condition: Any) -> Sum:
    return Sum(Case(When(condition, then=Value(1)), default=Value(0)))


def agency_key(prefix: str = "") -> Coalesce:
    """The agency a dossier counts for: competent, else receiving, else the target."""
    return Coalesce(
        f"{prefix}competent_agency_id", f"{prefix}receiving_agency_id", f"{prefix}target_agency_id"
    )


def key_expressions(prefix: str = "") -> dict[str, Any]:
    return {
        "k_month": TruncMonth(f"{prefix}submitted_at", output_field=DateField()),
        "k_agency": agency_key(prefix),
        "k_procedure": F(f"{prefix}procedure_version__procedure_id"),
        "k_channel": F(f"{prefix}channel"),
    }


KEYS = ("k_month", "k_agency", "k_procedure", "k_channel")


def processing_condition() -> Q:
    """A dossier in processing (within or past its deadline)."""
    return Q(status__in=IN_PROCESSING, received_at__isnull=False)


def on_the_clock_condition() -> Q:
    """A dossier in processing against a deadline: it turns overdue at `due_at` (one waiting
    for a supplement, or without a deadline, is within whatever the time)."""
    return processing_condition() & Q(due_at__isnull=False) & ~Q(status=Status.SUPPLEMENT_REQUESTED)


def static_counter_expressions() -> dict[str, Any]:
    """The counters that do not depend on the clock (all but CLOCK_COUNTERS)."""
    processed_day = TruncDate("processed_at")
    due_day = TruncDate("due_at")
    finished = Q(status__in=FINISHED, processed_at__isnull=False)
    return {
        "dossiers": Count("id"),
        "received": count_if(Q(received_at__isnull=False)),
        "finished": count_if(finished),
        "finished_early": count_if(finished & Q(LessThan(processed_day, due_day))),
        "finished_on_time": count_if(
            finished & (Q(due_at__isnull=True) | Q(Exact(processed_day, due_day)))
        ),
        "finished_late": count_if(finished & Q(GreaterThan(processed_day, due_day))),
        "refused": count_if(Q(status=Status.REFUSED)),
        "withdrawn": count_if(Q(status=Status.WITHDRAWN)),
        "full_process": count_if(
            Q(channel=ChannelKind.ONLINE, procedure_version__online_level=OnlineLevel.FULL)
        ),
        "with_fee": count_if(~Q(payment_status=PaymentStatus.NOT_REQUIRED)),
        "paid": count_if(Q(payment_status=PaymentStatus.PAID)),
        "paid_online": count_if(Q(payment_status=PaymentStatus.PAID, channel=ChannelKind.ONLINE)),
        # legally valid e-results: finished with a result that carries a valid signature
        "e_result": count_if(finished & Q(result_signed=True)),
        "synced": count_if(Q(sync_status=SyncStatus.SYNCED)),
        "rating_very": count_if(Q(rating__level=2)),
        "rating_satisfied": count_if(Q(rating__level=1)),
        "rating_unsatisfied": count_if(Q(rating__level=0)),
        "processing_seconds": Coalesce(
            Sum(
                Case(
                    When(
                        finished & Q(received_at__isnull=False),
                        then=SecondsBetween(F("processed_at"), F("received_at")),
                    ),
                    default=Value(0),
                )
            ),
            Value(0),
        ),
        "processing_count": count_if(finished & Q(received_at__isnull=False)),
    }


def counter_expressions(as_of: dt.datetime) -> dict[str, Any]:
    """Every counter of a MonthlyFact (in the order of FACT_COUNTERS): the static ones, and
    the dossiers in processing within or past their deadline as of `as_of`."""
    overdue = count_if(on_the_clock_condition() & Q(due_at__lt=as_of))
    expressions = {
        **static_counter_expressions(),
        "processing_within": count_if(processing_condition()) - overdue,
        "processing_overdue": overdue,
    }
    return {name: expressions[name] for name in FACT_COUNTERS}


def contribution_expressions() -> dict[str, Any]:
    """What the dossiers of a group add to their bucket whatever the time (grouped by dossier:
    one dossier's contribution, DossierBucket): the static counters, `processing` and
    `overdue_from`, the deadline from which a dossier on the clock counts as overdue."""
    return {
        **static_counter_expressions(),
        "processing": count_if(processing_condition()),
        "overdue_from": Max(Case(When(on_the_clock_condition(), then=F("due_at")))),
    }


def attachment_expressions() -> dict[str, Any]:
    return {
        "components": Count("id"),
        "components_digitised": count_if(Q(kind=AttachmentKind.DIGITISED)),
        "components_reused": count_if(Q(kind=AttachmentKind.REUSED)),
    }


def fact_queryset(as_of: dt.datetime, dossiers: QuerySet[Dossier] | None = None) -> QuerySet:
    qs = (dossiers if dossiers is not None else Dossier.objects.all()).filter(parent__isnull=True)
    return (
        qs.order_by()
        .annotate(**key_expressions())
        .values(*KEYS)
        .annotate(**counter_expressions(as_of))
    )


def contribution_queryset(dossiers: QuerySet[Dossier] | None = None) -> QuerySet:
    """One row per dossier (not a child): its pk, bucket keys and contribution."""
    qs = (dossiers if dossiers is not None else Dossier.objects.all()).filter(parent__isnull=True)
    return (
        qs.order_by()
        .annotate(**key_expressions())
        .values("pk", *KEYS)
        .annotate(**contribution_expressions())
    )


def attachment_contribution_queryset(attachments: QuerySet[Attachment] | None = None) -> QuerySet:
    """One row per dossier (not a child) with attachments: the attachment counters."""
    qs = (attachments if attachments is not None else Attachment.objects.all()).filter(
        dossier__parent__isnull=True
    )
    return qs.order_by().values("dossier_id").annotate(**attachment_expressions())


def attachment_queryset(attachments: QuerySet[Attachment] | None = None) -> QuerySet:
    qs = (attachments if attachments is not None else Attachment.objects.all()).filter(
        dossier__parent__isnull=True
    )
    return (
        qs.order_by()
        .annotate(**key_expressions("dossier__"))
        .values(*KEYS)
        .annotate(**attachment_expressions())
    )


# --- agencies: province and ministry of each agency -----------------------------------


def agency_areas(agency_ids: Iterable[int | None]) -> dict[int, tuple[int | None, int | None]]:
    """agency id -> (province id, ministry id). An agency whose parent is a ministry counts
    for that ministry; a ministry without one for itself; the rest for their province."""
    ids = {a for a in agency_ids if a is not None}
    areas: dict[int, tuple[int | None, int | None]] = {}
    for pk, province, level, parent, parent_level in Agency.objects.filter(pk__in=ids).values_list(
        "pk", "province_id", "level", "parent_id", "parent__level"
    ):
        ministry = (
            parent
            if parent_level == AgencyLevel.MINISTRY
            else pk
            if level == AgencyLevel.MINISTRY
            else None
        )
        areas[pk] = (province if ministry is None else None, ministry)
    return areas

"""How the rollups are computed: ONE definition of every counter, as ORM expressions over
the raw dossiers, used three ways:

- `dossiers_refresh`: after dossiers change, their old and new buckets are recomputed from
  the raw dossiers of each bucket and replaced, once per bucket for the whole batch. A change
  only marks the dossier (RollupPending, in its own transaction: signals.py); the beat task
  `rollups_drain` refreshes the marked dossiers every DASHBOARDS_DRAIN_SECONDS, so the cost
  of a write does not grow with the size of its bucket, and a bucket touched by a thousand
  submissions is recomputed once. Repeated, duplicated or out-of-order events only recompute
  the same numbers: idempotent by construction.
- `rollups_rebuild`: the nightly reconciliation recomputes every bucket (GROUP BY).
- `rollups_rebuild_sql`: the same GROUP BY as one INSERT ... SELECT on PostgreSQL (bulk
  loads of millions of dossiers).

A dossier counts in the month it was SUBMITTED (local time). Finished dossiers are early,
on time or late by comparing the local date of `processed_at` with the local date of
`due_at` (docs/domain.md 4). Dossiers still in processing are within or past their deadline
compared to `as_of` (now, or the end of the reporting period when rebuilding history).
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.db.models.lookups import Exact, GreaterThan, LessThan
from django.utils import timezone

from agencies.models import Agency, AgencyLevel
from dossiers.models import Attachment, AttachmentKind, Dossier, FormDraft
from dossiers.states.business import Status
from dossiers.states.payment import PaymentStatus
from dossiers.states.sync import SyncStatus
from procedures.models import ChannelKind, OnlineLevel

from .models import (
    ATTACHMENT_COUNTERS,
    FACT_COUNTERS,
    AreaFact,
    AreaMonthFact,
    ComplaintFact,
    DossierBucket,
    DraftFact,
    MonthlyFact,
    ProcedureMonthFact,
    RollupPending,
)

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


def _one(condition: Any) -> Sum:
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


def counter_expressions(as_of: dt.datetime) -> dict[str, Any]:
    processed_day = TruncDate("processed_at")
    due_day = TruncDate("due_at")
    finished = Q(status__in=FINISHED, processed_at__isnull=False)
    processing = Q(status__in=IN_PROCESSING, received_at__isnull=False)
    return {
        "dossiers": Count("id"),
        "received": _one(Q(received_at__isnull=False)),
        "finished": _one(finished),
        "finished_early": _one(finished & Q(LessThan(processed_day, due_day))),
        "finished_on_time": _one(
            finished & (Q(due_at__isnull=True) | Q(Exact(processed_day, due_day)))
        ),
        "finished_late": _one(finished & Q(GreaterThan(processed_day, due_day))),
        "processing_within": _one(
            processing
            & (
                Q(due_at__isnull=True)
                | Q(due_at__gte=as_of)
                | Q(status=Status.SUPPLEMENT_REQUESTED)
            )
        ),
        "processing_overdue": _one(
            processing & Q(due_at__lt=as_of) & ~Q(status=Status.SUPPLEMENT_REQUESTED)
        ),
        "refused": _one(Q(status=Status.REFUSED)),
        "withdrawn": _one(Q(status=Status.WITHDRAWN)),
        "full_process": _one(
            Q(channel=ChannelKind.ONLINE, procedure_version__online_level=OnlineLevel.FULL)
        ),
        "with_fee": _one(~Q(payment_status=PaymentStatus.NOT_REQUIRED)),
        "paid": _one(Q(payment_status=PaymentStatus.PAID)),
        "paid_online": _one(Q(payment_status=PaymentStatus.PAID, channel=ChannelKind.ONLINE)),
        "e_result": _one(finished & ~Q(result_sha256="")),
        "synced": _one(Q(sync_status=SyncStatus.SYNCED)),
        "rating_very": _one(Q(rating__level=2)),
        "rating_satisfied": _one(Q(rating__level=1)),
        "rating_unsatisfied": _one(Q(rating__level=0)),
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
        "processing_count": _one(finished & Q(received_at__isnull=False)),
    }


def attachment_expressions() -> dict[str, Any]:
    return {
        "components": Count("id"),
        "components_digitised": _one(Q(kind=AttachmentKind.DIGITISED)),
        "components_reused": _one(Q(kind=AttachmentKind.REUSED)),
    }


def fact_queryset(as_of: dt.datetime, dossiers: QuerySet[Dossier] | None = None) -> QuerySet:
    qs = (dossiers if dossiers is not None else Dossier.objects.all()).filter(parent__isnull=True)
    return (
        qs.order_by()
        .annotate(**key_expressions())
        .values(*KEYS)
        .annotate(**counter_expressions(as_of))
    )


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


# --- one bucket --------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    month: dt.date
    agency_id: int | None
    procedure_id: int
    channel: int

    def lock_key(self) -> int:
        raw = f"{self.month}|{self.agency_id}|{self.procedure_id}|{self.channel}"
        return zlib.crc32(raw.encode()) - 2**31


def _month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime(month.year, month.month, 1, tzinfo=tz)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    return start, dt.datetime(nxt.year, nxt.month, 1, tzinfo=tz)


def _bucket_dossiers(bucket: Bucket) -> QuerySet[Dossier]:
    start, end = _month_bounds(bucket.month)
    qs = (
        Dossier.objects.filter(
            submitted_at__gte=start,
            submitted_at__lt=end,
            procedure_version__procedure_id=bucket.procedure_id,
            channel=bucket.channel,
        )
        .alias(k_agency=agency_key())
        .filter(k_agency=bucket.agency_id)
        if bucket.agency_id is not None
        else Dossier.objects.filter(
            submitted_at__gte=start,
            submitted_at__lt=end,
            procedure_version__procedure_id=bucket.procedure_id,
            channel=bucket.channel,
            competent_agency__isnull=True,
            receiving_agency__isnull=True,
            target_agency__isnull=True,
        )
    )
    return qs


def _lock(keys: Iterable[int]) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite serialises writers
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _bucket_filter(model: Any, bucket: Bucket) -> QuerySet:
    return model.objects.filter(
        month=bucket.month,
        agency_id=bucket.agency_id,
        procedure_id=bucket.procedure_id,
        channel=bucket.channel,
    )


def bucket_recompute(
    bucket: Bucket, *, as_of: dt.datetime, areas: bool = True
) -> tuple[MonthlyFact | None, tuple[Any, ...]]:
    """Replace the MonthlyFact of one bucket by a recomputation from its raw dossiers, and
    (unless `areas` is False) the AreaFact that sums it. Call inside a transaction. Returns
    the fact and the key of its area, for a caller that recomputes the areas itself."""
    dossiers = _bucket_dossiers(bucket)
    rows = list(fact_queryset(as_of, dossiers))
    att = list(attachment_queryset(Attachment.objects.filter(dossier__in=dossiers.values("pk"))))
    _bucket_filter(MonthlyFact, bucket).delete()
    fact = None
    if rows:
        values = {name: rows[0][name] for name in FACT_COUNTERS}
        for name in ATTACHMENT_COUNTERS:
            values[name] = att[0][name] if att else 0
        province, ministry = agency_areas([bucket.agency_id]).get(
            bucket.agency_id or 0, (None, None)
        )
        fact = MonthlyFact.objects.create(
            month=bucket.month,
            agency_id=bucket.agency_id,
            procedure_id=bucket.procedure_id,
            channel=bucket.channel,
            province_id=province,
            ministry_id=ministry,
            **values,
        )
        area = (province, ministry)
    else:
        area = agency_areas([bucket.agency_id]).get(bucket.agency_id or 0, (None, None))
    key = (bucket.month, area[0], area[1], bucket.procedure_id, bucket.channel)
    if areas:
        _area_recompute(*key)
    return fact, key


def _area_recompute(
    month: dt.date, province: int | None, ministry: int | None, procedure: int, channel: int
) -> None:
    filters = {
        "month": month,
        "province_id": province,
        "ministry_id": ministry,
        "procedure_id": procedure,
        "channel": channel,
    }
    _replace_sum(AreaFact, MonthlyFact, filters)
    _replace_sum(
        AreaMonthFact,
        AreaFact,
        {"month": month, "province_id": province, "ministry_id": ministry, "channel": channel},
    )
    _replace_sum(
        ProcedureMonthFact,
        AreaFact,
        {"month": month, "procedure_id": procedure, "channel": channel},
    )


def _replace_sum(target: type, source: type, filters: dict[str, Any]) -> None:
    """Replace target's row for `filters` by the sum of source's rows that match."""
    target.objects.filter(**filters).delete()  # type: ignore[attr-defined]
    sums = source.objects.filter(**filters).aggregate(  # type: ignore[attr-defined]
        n=Count("id"), **{name: Sum(name) for name in (*FACT_COUNTERS, *ATTACHMENT_COUNTERS)}
    )
    if sums.pop("n"):
        target.objects.create(**filters, **sums)  # type: ignore[attr-defined]


def dossier_bucket(dossier: Dossier) -> Bucket:
    local = timezone.localtime(dossier.submitted_at)
    return Bucket(
        month=local.date().replace(day=1),
        agency_id=dossier.competent_agency_id
        or dossier.receiving_agency_id
        or dossier.target_agency_id,
        procedure_id=dossier.procedure_version.procedure_id,
        channel=dossier.channel,
    )


def dossier_refresh(dossier_id: int, *, as_of: dt.datetime | None = None) -> None:
    """Recompute the bucket(s) of one dossier from raw data. Safe to call any number of
    times, in any order, for any event: the result depends only on the dossiers' state."""
    dossiers_refresh([dossier_id], as_of=as_of)


def dossiers_refresh(dossier_ids: Iterable[int], *, as_of: dt.datetime | None = None) -> int:
    """Recompute, once each, the old and new buckets of many dossiers (and the areas that sum
    them), from raw data; returns how many buckets. Idempotent like `dossier_refresh`: a
    batch of 1,000 dossiers of one agency's month costs one recomputation of that month."""
    ids = sorted(set(dossier_ids))
    if not ids:
        return 0
    as_of = as_of or timezone.now()
    with transaction.atomic():
        dossiers = Dossier.objects.select_related("procedure_version").filter(
            pk__in=ids, parent__isnull=True
        )
        new_of = {d.pk: dossier_bucket(d) for d in dossiers}
        old_of = {
            row.dossier_id: Bucket(row.month, row.agency_id, row.procedure_id, row.channel)
            for row in DossierBucket.objects.filter(dossier_id__in=ids)
        }
        buckets = sorted({*old_of.values(), *new_of.values()}, key=Bucket.lock_key)
        _lock(b.lock_key() for b in buckets)
        areas = set()
        for bucket in buckets:
            areas.add(bucket_recompute(bucket, as_of=as_of, areas=False)[1])
        for area in sorted(areas, key=repr):
            _area_recompute(*area)
        gone = [pk for pk in ids if pk not in new_of]
        if gone:
            DossierBucket.objects.filter(dossier_id__in=gone).delete()
        moved = [
            DossierBucket(
                dossier_id=pk,
                month=new.month,
                agency_id=new.agency_id,
                procedure_id=new.procedure_id,
                channel=new.channel,
            )
            for pk, new in new_of.items()
            if old_of.get(pk) != new
        ]
        if moved:
            DossierBucket.objects.bulk_create(
                moved,
                update_conflicts=True,
                unique_fields=["dossier_id"],
                update_fields=["month", "agency_id", "procedure_id", "channel"],
            )
    return len(buckets)


def rollups_drain(*, limit: int = 5000, as_of: dt.datetime | None = None) -> int:
    """Recompute the buckets of the dossiers marked since the last drain (RollupPending), in
    batches of `limit` marks; returns how many dossiers. Several drains may run at once: each
    claims its own marks (SKIP LOCKED on PostgreSQL)."""
    done = 0
    while True:
        with transaction.atomic():
            marks = RollupPending.objects.order_by("id")
            if connection.vendor == "postgresql":
                marks = marks.select_for_update(skip_locked=True)
            claimed = list(marks.values_list("id", "dossier_id")[:limit])
            if not claimed:
                return done
            RollupPending.objects.filter(id__in=[mark for mark, _ in claimed]).delete()
            # in the claiming transaction: a failed recomputation leaves the marks in place
            dossiers_refresh([dossier for _, dossier in claimed], as_of=as_of)
        done += len({dossier for _, dossier in claimed})
        if len(claimed) < limit:
            return done


# --- whole rebuild (nightly reconciliation) ---------------------------------------------


def rollups_rebuild(*, as_of: dt.datetime | None = None) -> int:
    """Recompute every bucket from the raw dossiers and replace the rollups. Returns the
    number of MonthlyFact rows."""
    as_of = as_of or timezone.now()
    if connection.vendor == "postgresql":
        return rollups_rebuild_sql(as_of=as_of)
    with transaction.atomic():
        rows: dict[tuple, dict[str, Any]] = {}
        for row in fact_queryset(as_of):
            key = tuple(row[k] for k in KEYS)
            rows[key] = {name: row[name] for name in FACT_COUNTERS}
        for row in attachment_queryset():
            key = tuple(row[k] for k in KEYS)
            if key in rows:
                rows[key].update({name: row[name] for name in ATTACHMENT_COUNTERS})
        areas = agency_areas(k[1] for k in rows)
        MonthlyFact.objects.all().delete()
        MonthlyFact.objects.bulk_create(
            [
                MonthlyFact(
                    month=k[0],
                    agency_id=k[1],
                    procedure_id=k[2],
                    channel=k[3],
                    province_id=areas.get(k[1] or 0, (None, None))[0],
                    ministry_id=areas.get(k[1] or 0, (None, None))[1],
                    **values,
                )
                for k, values in rows.items()
            ],
            batch_size=1000,
        )
        _areas_rebuild()
        _buckets_rebuild()
        drafts_rebuild()
        complaints_rebuild(as_of=as_of)
    return len(rows)


def _compiled(qs: QuerySet) -> tuple[str, tuple[Any, ...]]:
    sql, params = qs.query.sql_with_params()
    return sql, tuple(params)


def rollups_rebuild_sql(*, as_of: dt.datetime) -> int:
    """The rebuild as INSERT ... SELECT ... GROUP BY statements (PostgreSQL): the same
    querysets as `fact_queryset` / `attachment_queryset`, compiled by Django."""
    table = MonthlyFact._meta.db_table
    cols = ", ".join(
        ["month", "agency_id", "procedure_id", "channel", *FACT_COUNTERS, *ATTACHMENT_COUNTERS]
    )
    zeros = ", ".join("0" for _ in ATTACHMENT_COUNTERS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table}")
        sql, params = _compiled(fact_queryset(as_of))
        cursor.execute(
            f"INSERT INTO {table} ({cols}) SELECT s.*, {zeros} FROM ({sql}) s",  # noqa: S608
            params,
        )
        count = cursor.rowcount
        att_sql, att_params = _compiled(attachment_queryset())
        att_cols = ", ".join(f"{n} = a.{n}" for n in ATTACHMENT_COUNTERS)
        cursor.execute(
            f"UPDATE {table} f SET {att_cols} FROM ({att_sql}) a "  # noqa: S608
            "WHERE f.month = a.k_month AND f.agency_id IS NOT DISTINCT FROM a.k_agency "
            "AND f.procedure_id = a.k_procedure AND f.channel = a.k_channel",
            att_params,
        )
        _denormalise_areas(cursor)
        _areas_rebuild()
        _buckets_rebuild()
        drafts_rebuild()
        complaints_rebuild(as_of=as_of)
    return count


def _denormalise_areas(cursor: Any) -> None:
    """PostgreSQL: province and ministry of every MonthlyFact row from its agency."""
    table = MonthlyFact._meta.db_table
    cursor.execute(
        f"UPDATE {table} f SET "  # noqa: S608
        "ministry_id = CASE WHEN p.level = 0 THEN p.id "
        "WHEN a.level = 0 THEN a.id END, "
        "province_id = CASE WHEN a.level = 0 OR p.level = 0 THEN NULL "
        "ELSE a.province_id END "
        f"FROM {Agency._meta.db_table} a LEFT JOIN {Agency._meta.db_table} p "
        "ON p.id = a.parent_id WHERE a.id = f.agency_id"
    )


def _areas_rebuild() -> None:
    _rebuild_sum(
        AreaFact, MonthlyFact, ("month", "province_id", "ministry_id", "procedure_id", "channel")
    )
    _rebuild_sum(AreaMonthFact, AreaFact, ("month", "province_id", "ministry_id", "channel"))
    _rebuild_sum(ProcedureMonthFact, AreaFact, ("month", "procedure_id", "channel"))


def _rebuild_sum(target: type, source: type, keys: tuple[str, ...]) -> None:
    """target := source GROUP BY keys (one INSERT ... SELECT on PostgreSQL)."""
    target.objects.all().delete()  # type: ignore[attr-defined]
    sums = {name: Sum(name) for name in (*FACT_COUNTERS, *ATTACHMENT_COUNTERS)}
    grouped = source.objects.order_by().values(*keys).annotate(**sums)  # type: ignore[attr-defined]
    if connection.vendor == "postgresql":
        cols = ", ".join([*keys, *FACT_COUNTERS, *ATTACHMENT_COUNTERS])
        sql, params = _compiled(grouped)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {target._meta.db_table} ({cols}) {sql}",  # type: ignore[attr-defined]
                params,
            )
        return
    target.objects.bulk_create([target(**row) for row in grouped], batch_size=1000)  # type: ignore[attr-defined]


def _buckets_rebuild() -> None:
    DossierBucket.objects.all().delete()
    qs = (
        Dossier.objects.filter(parent__isnull=True)
        .order_by()
        .annotate(**key_expressions())
        .values("pk", *KEYS)
    )
    if connection.vendor == "postgresql":
        sql, params = _compiled(qs)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {DossierBucket._meta.db_table} "
                f"(dossier_id, month, agency_id, procedure_id, channel) {sql}",
                params,
            )
        return
    DossierBucket.objects.bulk_create(
        [
            DossierBucket(
                dossier_id=row["pk"],
                month=row["k_month"],
                agency_id=row["k_agency"],
                procedure_id=row["k_procedure"],
                channel=row["k_channel"],
            )
            for row in qs.iterator(chunk_size=5000)
        ],
        batch_size=5000,
    )


# --- e-form drafts -----------------------------------------------------------------------


def _login_bucket(seconds: int) -> int:
    for index, bound in enumerate(LOGIN_BUCKETS):
        if seconds < bound:
            return index
    return len(LOGIN_BUCKETS)


def drafts_month_recompute(month: dt.date, procedure_id: int) -> None:
    start, end = _month_bounds(month)
    drafts = FormDraft.objects.filter(
        started_at__gte=start, started_at__lt=end, procedure_version__procedure_id=procedure_id
    )
    histogram = [0] * (len(LOGIN_BUCKETS) + 1)
    opened = started = submitted = samples = 0
    for first, login, sub in drafts.values_list("first_answered_at", "login_at", "submitted_at"):
        opened += 1
        started += first is not None
        submitted += sub is not None
        if login is not None and sub is not None and sub >= login:
            samples += 1
            histogram[_login_bucket(int((sub - login).total_seconds()))] += 1
    DraftFact.objects.filter(month=month, procedure_id=procedure_id).delete()
    if opened:
        DraftFact.objects.create(
            month=month,
            procedure_id=procedure_id,
            opened=opened,
            started=started,
            submitted=submitted,
            login_samples=samples,
            login_histogram=histogram,
        )


def drafts_rebuild() -> None:
    keys = (
        FormDraft.objects.order_by()
        .annotate(
            k_month=TruncMonth("started_at", output_field=DateField()),
            k_procedure=F("procedure_version__procedure_id"),
        )
        .values_list("k_month", "k_procedure")
        .distinct()
    )
    DraftFact.objects.all().delete()
    for month, procedure in list(keys):
        drafts_month_recompute(month, procedure)


def draft_refresh(draft: FormDraft) -> None:
    month = timezone.localtime(draft.started_at).date().replace(day=1)
    with transaction.atomic():
        procedure_id = draft.procedure_version.procedure_id
        _lock([zlib.crc32(f"draft|{month}|{procedure_id}".encode()) - 2**31])
        drafts_month_recompute(month, procedure_id)


def histogram_quantile(histogram: list[int], q: float) -> int | None:
    """The upper bound (seconds) of the bucket holding the q-quantile; None without data."""
    total = sum(histogram)
    if not total:
        return None
    target = q * total
    running = 0
    for index, count in enumerate(histogram):
        running += count
        if running >= target and count:
            return LOGIN_BUCKETS[index] if index < len(LOGIN_BUCKETS) else LOGIN_BUCKETS[-1]
    return LOGIN_BUCKETS[-1]


# --- complaints (feedback.Complaint): a separate input of index group 4 --------------------

COMPLAINT_COUNTERS = (
    "received",
    "due",
    "answered",
    "answered_on_time",
    "author_satisfied",
    "author_rated",
    "about_dossier",
)


def complaint_queryset(as_of: dt.datetime, complaints: QuerySet | None = None) -> QuerySet:
    """Complaints per (month received, agency, procedure); rejected ones do not count.
    Due = answered, or its deadline has passed; on time = answered by the deadline."""
    from feedback.models import Complaint, ComplaintStatus

    qs = complaints if complaints is not None else Complaint.objects.all()
    answered = Q(answered_at__isnull=False)
    return (
        qs.exclude(status=ComplaintStatus.REJECTED)
        .order_by()
        .annotate(
            k_month=TruncMonth("created_at", output_field=DateField()),
            k_agency=F("agency_id"),
            k_procedure=F("procedure_id"),
        )
        .values("k_month", "k_agency", "k_procedure")
        .annotate(
            c_received=Count("id"),
            c_due=_one(answered | Q(deadline__lt=as_of)),
            c_answered=_one(answered),
            c_answered_on_time=_one(
                answered & (Q(deadline__isnull=True) | Q(answered_at__lte=F("deadline")))
            ),
            c_author_satisfied=_one(Q(author_satisfied=True)),
            c_author_rated=_one(Q(author_satisfied__isnull=False)),
            c_about_dossier=_one(Q(dossier__isnull=False)),
        )
    )


def _complaint_facts(rows: Iterable[dict[str, Any]]) -> list[ComplaintFact]:
    rows = list(rows)
    areas = agency_areas(r["k_agency"] for r in rows)
    facts = []
    for row in rows:
        province, ministry = areas.get(row["k_agency"] or 0, (None, None))
        facts.append(
            ComplaintFact(
                month=row["k_month"],
                agency_id=row["k_agency"],
                procedure_id=row["k_procedure"],
                province_id=province,
                ministry_id=ministry,
                **{name: row[f"c_{name}"] for name in COMPLAINT_COUNTERS},
            )
        )
    return facts


def complaints_rebuild(*, as_of: dt.datetime | None = None) -> int:
    as_of = as_of or timezone.now()
    facts = _complaint_facts(complaint_queryset(as_of))
    ComplaintFact.objects.all().delete()
    ComplaintFact.objects.bulk_create(facts, batch_size=1000)
    return len(facts)


def complaint_refresh(complaint: Any, *, as_of: dt.datetime | None = None) -> None:
    """Recompute the complaint's bucket, and the unrouted bucket it may have left."""
    from feedback.models import Complaint

    as_of = as_of or timezone.now()
    month = timezone.localtime(complaint.created_at).date().replace(day=1)
    start, end = _month_bounds(month)
    with transaction.atomic():
        keys = {(complaint.agency_id, complaint.procedure_id), (None, complaint.procedure_id)}
        _lock(zlib.crc32(f"complaint|{month}|{a}|{p}".encode()) - 2**31 for a, p in keys)
        for agency_id, procedure_id in keys:
            ComplaintFact.objects.filter(
                month=month, agency_id=agency_id, procedure_id=procedure_id
            ).delete()
            qs = Complaint.objects.filter(
                created_at__gte=start,
                created_at__lt=end,
                agency_id=agency_id,
                procedure_id=procedure_id,
            )
            ComplaintFact.objects.bulk_create(_complaint_facts(complaint_queryset(as_of, qs)))

"""The incremental refresh: a changed dossier's old and new buckets recomputed from the raw
dossiers of each bucket and replaced, once per bucket for a whole batch of marks (the drain)."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Count,
    QuerySet,
    Sum,
)
from django.utils import timezone

from dossiers.models import Attachment, Dossier

from ..models import (
    ATTACHMENT_COUNTERS,
    FACT_COUNTERS,
    AreaFact,
    AreaMonthFact,
    DossierBucket,
    MonthlyFact,
    ProcedureMonthFact,
    RollupPending,
)
from .facts import agency_areas, agency_key, attachment_queryset, fact_queryset


@dataclass(frozen=True)
class Bucket:
    month: dt.date
    agency_id: int | None
    procedure_id: int
    channel: int

    def lock_key(self) -> int:
        raw = f"{self.month}|{self.agency_id}|{self.procedure_id}|{self.channel}"
        return zlib.crc32(raw.encode()) - 2**31


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime(month.year, month.month, 1, tzinfo=tz)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    return start, dt.datetime(nxt.year, nxt.month, 1, tzinfo=tz)


def _bucket_dossiers(bucket: Bucket) -> QuerySet[Dossier]:
    start, end = month_bounds(bucket.month)
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


def lock_keys(keys: Iterable[int]) -> None:
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
        lock_keys(b.lock_key() for b in buckets)
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

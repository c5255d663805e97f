"""The whole rebuild (nightly reconciliation): every bucket recomputed with GROUP BY, on
PostgreSQL as INSERT ... SELECT statements compiled from the same querysets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    QuerySet,
    Sum,
)
from django.utils import timezone

from agencies.models import Agency

from ..models import (
    ATTACHMENT_COUNTERS,
    FACT_COUNTERS,
    AreaFact,
    AreaMonthFact,
    DossierBucket,
    MonthlyFact,
    ProcedureMonthFact,
    RollupClock,
)
from .buckets import BUCKET_KEYS, REBUILD_LOCK, lock_keys
from .complaints import complaints_rebuild
from .copies import certified_copies_rebuild
from .drafts import drafts_rebuild
from .facts import (
    KEYS,
    agency_areas,
    attachment_contribution_queryset,
    attachment_queryset,
    contribution_expressions,
    contribution_queryset,
    fact_queryset,
)


def rollups_rebuild(*, as_of: dt.datetime | None = None) -> int:
    """Recompute every bucket from the raw dossiers and replace the rollups (and every
    dossier's contribution, DossierBucket, and the drain's clock). Returns the number of
    MonthlyFact rows."""
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
                    clock_at=as_of,
                    **values,
                )
                for k, values in rows.items()
            ],
            batch_size=1000,
        )
        _areas_rebuild()
        _buckets_rebuild()
        _clock_set(as_of)
        drafts_rebuild()
        complaints_rebuild(as_of=as_of)
        certified_copies_rebuild()
    return len(rows)


def _compiled(qs: QuerySet) -> tuple[str, tuple[Any, ...]]:
    sql, params = qs.query.sql_with_params()
    return sql, tuple(params)


def rollups_rebuild_sql(*, as_of: dt.datetime) -> int:
    """The rebuild as INSERT ... SELECT ... GROUP BY statements (PostgreSQL): the same
    querysets as `fact_queryset` / `attachment_queryset`, compiled by Django."""
    table = MonthlyFact._meta.db_table
    cols = ", ".join(
        [
            "month",
            "agency_id",
            "procedure_id",
            "channel",
            *FACT_COUNTERS,
            *ATTACHMENT_COUNTERS,
            "clock_at",
        ]
    )
    zeros = ", ".join("0" for _ in ATTACHMENT_COUNTERS)
    with transaction.atomic(), connection.cursor() as cursor:
        lock_keys([REBUILD_LOCK])  # waits for the drains under way; the next ones wait
        cursor.execute(f"TRUNCATE {table}")
        sql, params = _compiled(fact_queryset(as_of))
        cursor.execute(
            f"INSERT INTO {table} ({cols}) SELECT s.*, {zeros}, %s FROM ({sql}) s",  # noqa: S608
            (as_of, *params),
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
        _clock_set(as_of)
        drafts_rebuild()
        complaints_rebuild(as_of=as_of)
        certified_copies_rebuild()
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


def _clock_set(as_of: dt.datetime) -> None:
    """Every bucket's clock counters are as of `as_of` now: the drain moves them on from
    there (and no longer waits for a rebuild)."""
    RollupClock.objects.update_or_create(pk=1, defaults={"as_of": as_of})


def _buckets_rebuild() -> None:
    """DossierBucket := every dossier's bucket and contribution (the drain's starting
    point), from the same expressions as the facts."""
    DossierBucket.objects.all().delete()
    qs = contribution_queryset()
    contribution = list(contribution_expressions())
    if connection.vendor == "postgresql":
        table = DossierBucket._meta.db_table
        cols = ", ".join(["dossier_id", *BUCKET_KEYS, *contribution, *ATTACHMENT_COUNTERS])
        zeros = ", ".join("0" for _ in ATTACHMENT_COUNTERS)
        sql, params = _compiled(qs)
        att_sql, att_params = _compiled(attachment_contribution_queryset())
        att_cols = ", ".join(f"{n} = a.{n}" for n in ATTACHMENT_COUNTERS)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({cols}) SELECT s.*, {zeros} FROM ({sql}) s",  # noqa: S608
                params,
            )
            cursor.execute(
                f"UPDATE {table} b SET {att_cols} FROM ({att_sql}) a "  # noqa: S608
                "WHERE b.dossier_id = a.dossier_id",
                att_params,
            )
        return
    attachments = {
        row["dossier_id"]: {name: row[name] for name in ATTACHMENT_COUNTERS}
        for row in attachment_contribution_queryset()
    }
    DossierBucket.objects.bulk_create(
        (
            DossierBucket(
                dossier_id=row["pk"],
                month=row["k_month"],
                agency_id=row["k_agency"],
                procedure_id=row["k_procedure"],
                channel=row["k_channel"],
                **{name: row[name] for name in contribution},
                **attachments.get(row["pk"], {}),
            )
            for row in qs.iterator(chunk_size=5000)
        ),
        batch_size=5000,
    )

"""The incremental refresh (the drain): each changed dossier's contribution to its bucket
(month x agency x procedure x channel) is computed again, for that dossier only, and the
difference with the contribution it made last time (DossierBucket) is added to the bucket's
MonthlyFact and to the area tables that sum it, once per bucket for a whole batch of marks.
The cost of a drain grows with the dossiers it takes, not with the size of their buckets.

The two counters that depend on the clock (in processing within or past the deadline) are
kept "as of" a moment per bucket (MonthlyFact.clock_at): a bucket's overdue dossiers are its
dossiers on the clock whose deadline (DossierBucket.overdue_from) is before that moment.
Moving the moment counts, with an index, only the deadlines passed in between; every drain
moves the buckets it touches, and every bucket in which a deadline passed since the last
drain (RollupClock), to now."""

from __future__ import annotations

import datetime as dt
import logging
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from dossiers.models import Attachment, Dossier

from ..models import (
    ATTACHMENT_COUNTERS,
    CONTRIBUTION_COUNTERS,
    AreaFact,
    AreaMonthFact,
    DossierBucket,
    MonthlyFact,
    ProcedureMonthFact,
    RollupClock,
    RollupPending,
)
from .facts import agency_areas, attachment_contribution_queryset, contribution_queryset

logger = logging.getLogger(__name__)

#: Taken shared by every drain, exclusive by the rebuild: a drain never mixes contributions
#: read before a rebuild with facts written by it.
REBUILD_LOCK = zlib.crc32(b"rollups|rebuild") - 2**31
BUCKET_KEYS = ("month", "agency_id", "procedure_id", "channel")
#: How far back `clocks_advance` looks for passed deadlines: a refresh still under way while
#: the clock moved (at most the drain task's time limit) may have moved its buckets to an
#: earlier moment than the clock's.
CLOCK_LOOKBACK = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Bucket:
    month: dt.date
    agency_id: int | None
    procedure_id: int
    channel: int

    def lock_key(self) -> int:
        raw = f"{self.month}|{self.agency_id}|{self.procedure_id}|{self.channel}"
        return zlib.crc32(raw.encode()) - 2**31

    def fields(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "agency_id": self.agency_id,
            "procedure_id": self.procedure_id,
            "channel": self.channel,
        }

    @classmethod
    def of(cls, row: Any) -> Bucket:
        """The bucket of a MonthlyFact or DossierBucket row."""
        return cls(row.month, row.agency_id, row.procedure_id, row.channel)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime(month.year, month.month, 1, tzinfo=tz)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    return start, dt.datetime(nxt.year, nxt.month, 1, tzinfo=tz)


def lock_keys(keys: Iterable[int], *, shared: bool = False) -> None:
    """Transaction-level advisory locks on `keys`, in one query, in ascending order (every
    caller takes them in the same order: no deadlock)."""
    if connection.vendor != "postgresql":
        return  # SQLite serialises writers
    ordered = sorted(set(keys))
    if not ordered:
        return
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count({function}(k)) FROM "  # noqa: S608 - one of two names
            "(SELECT unnest(%s::bigint[]) AS k ORDER BY k) AS keys",
            [ordered],
        )


def _area_keys(key: tuple[Any, ...]) -> list[tuple[type, dict[str, Any]]]:
    """The rows of the three area tables that sum a bucket of area `key` (month, province,
    ministry, procedure, channel)."""
    month, province, ministry, procedure, channel = key
    return [
        (
            AreaFact,
            {
                "month": month,
                "province_id": province,
                "ministry_id": ministry,
                "procedure_id": procedure,
                "channel": channel,
            },
        ),
        (
            AreaMonthFact,
            {"month": month, "province_id": province, "ministry_id": ministry, "channel": channel},
        ),
        (ProcedureMonthFact, {"month": month, "procedure_id": procedure, "channel": channel}),
    ]


def _overdue(overdue_from: dt.datetime | None, clock: dt.datetime) -> int:
    """1 for a dossier overdue as of `clock` (the same test as `counter_expressions`)."""
    return int(overdue_from is not None and overdue_from < clock)


def _contributions(ids: list[int]) -> dict[int, tuple[Bucket, dict[str, Any]]]:
    """dossier id -> (bucket, contribution) now, from the raw dossiers (two queries)."""
    found: dict[int, tuple[Bucket, dict[str, Any]]] = {}
    for row in contribution_queryset(Dossier.objects.filter(pk__in=ids)):
        bucket = Bucket(row["k_month"], row["k_agency"], row["k_procedure"], row["k_channel"])
        values = {name: row.get(name, 0) for name in CONTRIBUTION_COUNTERS}
        values["overdue_from"] = row["overdue_from"]
        found[row["pk"]] = (bucket, values)
    attachments = Attachment.objects.filter(dossier_id__in=list(found))
    for row in attachment_contribution_queryset(attachments):
        found[row["dossier_id"]][1].update({name: row[name] for name in ATTACHMENT_COUNTERS})
    return found


def _facts(buckets: Iterable[Bucket]) -> dict[Bucket, MonthlyFact]:
    query = Q()
    for bucket in buckets:
        query |= Q(**bucket.fields())
    if not query:
        return {}
    return {Bucket.of(fact): fact for fact in MonthlyFact.objects.filter(query)}


def _passed(moves: list[tuple[Bucket, dt.datetime]], as_of: dt.datetime) -> dict[Bucket, int]:
    """For each (bucket, clock): the change of its overdue dossiers when its clock moves to
    `as_of`: + the deadlines in [clock, as_of), or - those in [as_of, clock). One query."""
    query, sign = Q(), {}
    for bucket, clock in moves:
        low, high = sorted((clock, as_of))
        query |= Q(**bucket.fields(), overdue_from__gte=low, overdue_from__lt=high)
        sign[bucket] = 1 if clock < as_of else -1
    if not moves:
        return {}
    rows = DossierBucket.objects.filter(query).values(*BUCKET_KEYS).annotate(n=Count("pk"))
    passed = {}
    for row in rows:
        bucket = Bucket(row["month"], row["agency_id"], row["procedure_id"], row["channel"])
        passed[bucket] = sign[bucket] * row["n"]
    return passed


def _apply(
    deltas: dict[Bucket, dict[str, int]], facts: dict[Bucket, MonthlyFact], as_of: dt.datetime
) -> None:
    """Add `deltas` (CONTRIBUTION_COUNTERS and processing_overdue, as of `as_of`) to the
    buckets' MonthlyFact, whose clock moves to `as_of`, and to the area tables; a row left
    without dossiers is deleted (as a rebuild would not make it). Bucket locks held."""
    new_areas = agency_areas(b.agency_id for b in deltas if b not in facts)
    by_area: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for bucket, delta in sorted(deltas.items(), key=lambda item: item[0].lock_key()):
        delta = dict(delta)
        overdue = delta.get("processing_overdue", 0)
        delta["processing_within"] = delta.pop("processing", 0) - overdue
        changes = {name: value for name, value in delta.items() if value}
        fact = facts.get(bucket)
        if fact is None:
            if not delta.get("dossiers"):
                continue
            province, ministry = new_areas.get(bucket.agency_id or 0, (None, None))
            MonthlyFact.objects.create(
                **bucket.fields(),
                province_id=province,
                ministry_id=ministry,
                clock_at=as_of,
                **changes,
            )
        else:
            province, ministry = fact.province_id, fact.ministry_id
            if fact.dossiers + delta.get("dossiers", 0) == 0:
                MonthlyFact.objects.filter(pk=fact.pk).delete()
            elif changes or fact.clock_at != as_of:
                MonthlyFact.objects.filter(pk=fact.pk).update(
                    clock_at=as_of, **{name: F(name) + value for name, value in changes.items()}
                )
        if changes:
            area = (bucket.month, province, ministry, bucket.procedure_id, bucket.channel)
            for name, value in changes.items():
                by_area[area][name] += value
    if not by_area:
        return
    rows: dict[tuple[type, tuple[Any, ...]], tuple[dict[str, Any], dict[str, int]]] = {}
    for area, delta in by_area.items():
        for model, key in _area_keys(area):
            _, summed = rows.setdefault((model, tuple(key.values())), (key, defaultdict(int)))
            for name, value in delta.items():
                summed[name] += value
    lock_keys(zlib.crc32(f"{model.__name__}|{values}".encode()) - 2**31 for model, values in rows)
    for (model, _), (key, delta) in sorted(rows.items(), key=repr):
        changes = {name: value for name, value in delta.items() if value}
        if not changes:
            continue
        updated = model.objects.filter(**key).update(  # type: ignore[attr-defined]
            **{name: F(name) + value for name, value in changes.items()}
        )
        if not updated:
            model.objects.create(**key, **changes)  # type: ignore[attr-defined]
        elif changes.get("dossiers", 0) < 0:
            model.objects.filter(**key, dossiers=0).delete()  # type: ignore[attr-defined]


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
    """Bring one dossier's bucket(s) up to date with its raw row. Safe to call any number of
    times, in any order, for any event: the result depends only on the dossiers' state."""
    dossiers_refresh([dossier_id], as_of=as_of)


def dossiers_refresh(dossier_ids: Iterable[int], *, as_of: dt.datetime | None = None) -> int:
    """Bring the buckets of many dossiers up to date: each dossier's contribution now minus
    the one it made last time, added once per bucket (old and new buckets of a dossier that
    moved), and the clock counters of those buckets moved to `as_of`. Returns how many
    buckets. Idempotent like `dossier_refresh`: a dossier refreshed twice adds nothing the
    second time, and the result depends only on the dossiers' state."""
    ids = sorted(set(dossier_ids))
    if not ids:
        return 0
    as_of = as_of or timezone.now()
    with transaction.atomic():
        lock_keys([REBUILD_LOCK], shared=True)
        new = _contributions(ids)
        old = {row.dossier_id: row for row in DossierBucket.objects.filter(dossier_id__in=ids)}
        buckets = {Bucket.of(row) for row in old.values()} | {b for b, _ in new.values()}
        lock_keys(b.lock_key() for b in buckets)
        facts = _facts(buckets)
        clock = {b: facts[b].clock_at or as_of if b in facts else as_of for b in buckets}
        deltas: dict[Bucket, dict[str, int]] = {b: defaultdict(int) for b in buckets}
        for row in old.values():
            bucket = Bucket.of(row)
            for name in CONTRIBUTION_COUNTERS:
                deltas[bucket][name] -= getattr(row, name)
            deltas[bucket]["processing_overdue"] -= _overdue(row.overdue_from, clock[bucket])
        for bucket, values in new.values():
            for name in CONTRIBUTION_COUNTERS:
                deltas[bucket][name] += values[name]
            deltas[bucket]["processing_overdue"] += _overdue(values["overdue_from"], clock[bucket])
        _contributions_save(ids, old, new)
        moves = [(b, clock[b]) for b in facts if clock[b] != as_of]
        for bucket, passed in _passed(moves, as_of).items():
            deltas[bucket]["processing_overdue"] += passed
        _apply(deltas, facts, as_of)
    return len(buckets)


def _contributions_save(
    ids: list[int],
    old: dict[int, DossierBucket],
    new: dict[int, tuple[Bucket, dict[str, Any]]],
) -> None:
    """DossierBucket := the new contributions (rows of dossiers gone deleted)."""
    gone = [pk for pk in ids if pk not in new and pk in old]
    if gone:
        DossierBucket.objects.filter(dossier_id__in=gone).delete()
    fields = [*BUCKET_KEYS, *CONTRIBUTION_COUNTERS, "overdue_from"]
    changed = []
    for pk, (bucket, values) in new.items():
        row = DossierBucket(dossier_id=pk, **bucket.fields(), **values)
        before = old.get(pk)
        if before is None or any(getattr(before, f) != getattr(row, f) for f in fields):
            changed.append(row)
    if changed:
        DossierBucket.objects.bulk_create(
            changed, update_conflicts=True, unique_fields=["dossier_id"], update_fields=fields
        )


def clocks_advance(*, as_of: dt.datetime | None = None) -> int:
    """Move to `as_of` the clock counters of every bucket in which a deadline passed since
    the last call (RollupClock, less CLOCK_LOOKBACK for the refreshes still under way then):
    its dossiers that turned overdue move from within to overdue. The cost grows with the
    deadlines passed, not with the buckets or dossiers. Returns how many buckets moved; 0
    while another drain is moving them."""
    as_of = as_of or timezone.now()
    with transaction.atomic():
        lock_keys([REBUILD_LOCK], shared=True)
        clock = RollupClock.objects.select_for_update(skip_locked=True).filter(pk=1).first()
        if clock is None:
            if not RollupClock.objects.filter(pk=1).exists():  # not locked: not there
                RollupClock.objects.get_or_create(pk=1, defaults={"as_of": as_of})
            return 0
        if clock.as_of is None or as_of <= clock.as_of:
            return 0
        passed = DossierBucket.objects.filter(
            overdue_from__gte=clock.as_of - CLOCK_LOOKBACK, overdue_from__lt=as_of
        )
        buckets = {Bucket(*row) for row in passed.values_list(*BUCKET_KEYS).distinct()}
        lock_keys(b.lock_key() for b in buckets)
        facts = _facts(buckets)
        moves = [(b, f.clock_at) for b, f in facts.items() if f.clock_at and f.clock_at < as_of]
        # a bucket with no deadline between its clock and as_of is right as of as_of already
        deltas: dict[Bucket, dict[str, int]] = {
            bucket: {"processing_overdue": count}
            for bucket, count in _passed(moves, as_of).items()
            if count
        }
        _apply(deltas, facts, as_of)
        clock.as_of = as_of
        clock.save(update_fields=["as_of"])
    return len(deltas)


def rollups_drain(*, limit: int = 5000, as_of: dt.datetime | None = None) -> int:
    """Apply to the rollups the dossiers marked since the last drain (RollupPending), in
    batches of `limit` marks, then move the clock counters of the buckets in which a deadline
    passed; returns how many dossiers. Several drains may run at once: each claims its own
    marks (SKIP LOCKED on PostgreSQL). While the rollups predate the per-dossier
    contributions (RollupClock.as_of NULL, after migration 0005) the marks wait for a rebuild."""
    if RollupClock.objects.filter(pk=1, as_of__isnull=True).exists():
        logger.warning("rollups: the drain waits for a rebuild (manage.py rebuild_rollups)")
        return 0
    done = 0
    while True:
        with transaction.atomic():
            marks = RollupPending.objects.order_by("id")
            if connection.vendor == "postgresql":
                marks = marks.select_for_update(skip_locked=True)
            claimed = list(marks.values_list("id", "dossier_id")[:limit])
            if not claimed:
                break
            RollupPending.objects.filter(id__in=[mark for mark, _ in claimed]).delete()
            # in the claiming transaction: a failed refresh leaves the marks in place
            dossiers_refresh([dossier for _, dossier in claimed], as_of=as_of)
        done += len({dossier for _, dossier in claimed})
        if len(claimed) < limit:
            break
    clocks_advance(as_of=as_of)
    return done

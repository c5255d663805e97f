"""Tables that grow forever, partitioned by month (PostgreSQL declarative partitioning).

A partitioned table here has one partition per calendar month of its time column (months of
settings.TIME_ZONE), named `<table>_pYYYY_MM`, and a DEFAULT partition `<table>_default`
that takes any row no monthly partition covers, so no insert ever fails when beat has not
run. The beat task `portal.tasks.partitions_maintain` (and `manage.py partitions`) creates
the coming months' partitions, moving into each the rows the default partition took for its
month, and applies each table's retention (settings.PORTAL_PARTITION_RETENTION): a monthly
partition whose whole month is older than the legal period is detached (kept as a plain
table to archive, docs/operations.md "Partitioned tables") or dropped.

Every action runs in a transaction of its own (lock_timeout by SET LOCAL, a transaction-level
advisory lock per table: safe through PgBouncer in transaction mode), checks the catalogue
again inside it (so running twice, or two runs at once, does each thing once), and writes an
audit row and a log line. On SQLite (demo, quick tests) the tables are plain and nothing runs.

Django keeps `id` as each model's primary key; the database's primary key is (id, <time
column>), because PostgreSQL wants the partition key in every unique constraint. `id` stays
unique in practice (a sequence or a random UUID) but the database no longer checks it across
months: nothing may reference these tables by foreign key (docs/decisions/).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from .registry import Registry

logger = logging.getLogger(__name__)

ACTIONS = ("detach", "drop")
#: how long an action waits for a lock on a busy table before giving up until the next run
LOCK_TIMEOUT = "5s"
_MONTHLY = re.compile(r"_p([0-9]{4})_([0-9]{2})$")


@dataclass(frozen=True)
class PartitionedTable:
    """A table partitioned by month of `column`. `keep_where`: an SQL condition on its rows
    that forbids dropping a partition holding such a row (the outbox's unfinished messages)."""

    table: str
    column: str
    keep_where: str = ""


#: The partitioned tables, by table name. The core's two are declared here; an app whose
#: migration partitions a table of its own registers it in its AppConfig.ready().
PARTITIONED_TABLES: Registry[PartitionedTable] = Registry("partitioned table")


def register(spec: PartitionedTable) -> PartitionedTable:
    return PARTITIONED_TABLES.add(spec.table, spec)


register(PartitionedTable("portal_auditevent", "at"))
register(
    PartitionedTable(
        "portal_outboxmessage",
        "created_at",
        keep_where="status IN ('pending', 'processing', 'failed')",
    )
)


# --- Months -----------------------------------------------------------------------------


def month_of(moment: dt.datetime) -> dt.date:
    """The first day of `moment`'s month, in settings.TIME_ZONE."""
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return dt.date(local.year, local.month, 1)


def add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_start(month: dt.date) -> dt.datetime:
    """Midnight of the month's first day in settings.TIME_ZONE (an aware datetime)."""
    return dt.datetime(month.year, month.month, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_p{month:%Y_%m}"


def default_partition_name(table: str) -> str:
    return f"{table}_default"


def partition_month(name: str) -> dt.date | None:
    found = _MONTHLY.search(name)
    return dt.date(int(found[1]), int(found[2]), 1) if found else None


def _bound(month: dt.date) -> str:
    """A partition bound as an SQL literal (computed here, never from input)."""
    return "'" + month_start(month).isoformat() + "'"


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


# --- The catalogue --------------------------------------------------------------------------


def is_partitioned(table: str, using: BaseDatabaseWrapper | None = None) -> bool:
    db = using or connection
    if db.vendor != "postgresql":
        return False
    with db.cursor() as cursor:
        cursor.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
    return bool(row and row[0])


def partitions(table: str) -> list[str]:
    """The names of `table`'s partitions (monthly and default), sorted."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT child.relname FROM pg_inherits "
            "JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
            "WHERE pg_inherits.inhparent = to_regclass(%s) ORDER BY child.relname",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def monthly_partitions(table: str) -> dict[dt.date, str]:
    found = {}
    for name in partitions(table):
        month = partition_month(name)
        if month is not None:
            found[month] = name
    return found


# --- The plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One thing to do: "create" a month's partition, "detach" or "drop" an expired one."""

    kind: str
    table: str
    partition: str
    month: dt.date

    def __str__(self) -> str:
        return f"{self.kind} {self.partition} ({self.table}, {self.month:%Y-%m})"


def retention(table: str) -> tuple[int, str] | None:
    """(months, action) for `table` from settings.PORTAL_PARTITION_RETENTION, or None (kept
    for ever)."""
    policy = settings.PORTAL_PARTITION_RETENTION.get(table)
    if not policy:
        return None
    months, action = int(policy["months"]), str(policy.get("action", "detach"))
    if months < 1 or action not in ACTIONS:
        raise ValueError(
            f"PORTAL_PARTITION_RETENTION[{table!r}]: months >= 1 and action in {ACTIONS}, "
            f"not {policy!r}"
        )
    return months, action


def expired(month: dt.date, *, now_month: dt.date, months: int) -> bool:
    """True when every row of `month` is older than `months` months: the month after it
    began `months` months before the current one."""
    return add_months(month, months + 1) <= now_month


def plan(
    now: dt.datetime | None = None,
    *,
    months_ahead: int | None = None,
    tables: Iterable[PartitionedTable] | None = None,
) -> list[Action]:
    """What the maintenance would do now: create the current month's partition and the next
    `months_ahead` (settings.PORTAL_PARTITION_MONTHS_AHEAD), detach or drop the expired ones.
    Empty on a database that is not PostgreSQL or a table that is not partitioned."""
    if connection.vendor != "postgresql":
        return []
    now = now or timezone.now()
    ahead = settings.PORTAL_PARTITION_MONTHS_AHEAD if months_ahead is None else months_ahead
    this_month = month_of(now)
    actions: list[Action] = []
    for spec in tables if tables is not None else PARTITIONED_TABLES:
        if not is_partitioned(spec.table):
            continue
        existing = monthly_partitions(spec.table)
        for offset in range(ahead + 1):
            month = add_months(this_month, offset)
            if month not in existing:
                actions.append(
                    Action("create", spec.table, partition_name(spec.table, month), month)
                )
        policy = retention(spec.table)
        if policy is not None:
            months, kind = policy
            actions.extend(
                Action(kind, spec.table, name, month)
                for month, name in sorted(existing.items())
                if expired(month, now_month=this_month, months=months)
            )
    return actions


# --- Doing it -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    action: Action
    done: bool
    note: str = ""


def _lock(cursor, table: str) -> None:
    cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    # one maintainer per table at a time; released with the transaction (no session state)
    cursor.execute(
        "SELECT pg_advisory_xact_lock(%s)", [(0x7061 << 32) | zlib.crc32(table.encode())]
    )


def _create(cursor, spec: PartitionedTable, action: Action) -> str:
    name, default = action.partition, default_partition_name(spec.table)
    if action.month in monthly_partitions(spec.table):
        return "already there"
    lower, upper = _bound(action.month), _bound(add_months(action.month, 1))
    cursor.execute(
        f"CREATE TABLE {_q(name)} (LIKE {_q(spec.table)} "
        "INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)"
    )
    moved = 0
    if default in partitions(spec.table):
        # rows the default partition took for this month move in, or ATTACH would refuse
        cursor.execute(
            f"WITH moved AS (DELETE FROM {_q(default)} WHERE {_q(spec.column)} >= {lower} "  # noqa: S608
            f"AND {_q(spec.column)} < {upper} RETURNING *) "
            f"INSERT INTO {_q(name)} SELECT * FROM moved"
        )
        moved = cursor.rowcount
    cursor.execute(
        f"ALTER TABLE {_q(spec.table)} ATTACH PARTITION {_q(name)} "
        f"FOR VALUES FROM ({lower}) TO ({upper})"
    )
    return f"{moved} rows moved from {default}" if moved else ""


def _retire(cursor, spec: PartitionedTable, action: Action) -> str:
    if action.partition not in partitions(spec.table):
        return "already detached or dropped"
    if action.kind == "drop" and spec.keep_where:
        cursor.execute(f"SELECT count(*) FROM {_q(action.partition)} WHERE {spec.keep_where}")  # noqa: S608
        kept = cursor.fetchone()[0]
        if kept:
            raise _Refused(f"{kept} rows with {spec.keep_where}: not dropped")
    cursor.execute(f"ALTER TABLE {_q(spec.table)} DETACH PARTITION {_q(action.partition)}")
    if action.kind == "drop":
        cursor.execute(f"DROP TABLE {_q(action.partition)}")
    return ""


class _Refused(Exception):
    pass


def apply(actions: Sequence[Action]) -> list[Outcome]:
    """Do `actions` (from plan()), each in its own transaction, each logged and audited.
    A failed action (a lock not obtained in time, a refused drop) is logged and left for the
    next run; the others go on."""
    from .audit import audit_record

    outcomes = []
    for action in actions:
        spec = PARTITIONED_TABLES.get(action.table)
        try:
            with transaction.atomic(durable=True), connection.cursor() as cursor:
                _lock(cursor, spec.table)
                if action.kind == "create":
                    note = _create(cursor, spec, action)
                else:
                    note = _retire(cursor, spec, action)
                if note.startswith("already"):
                    outcomes.append(Outcome(action, False, note))
                    continue
                audit_record(
                    actor=None,
                    action=f"partition.{action.kind}",
                    object_type="table",
                    object_id=action.partition,
                    details={
                        "table": spec.table,
                        "month": f"{action.month:%Y-%m}",
                        **({"note": note} if note else {}),
                    },
                )
            logger.info("partitions: %s%s", action, f": {note}" if note else "")
            outcomes.append(Outcome(action, True, note))
        except _Refused as refused:
            logger.warning("partitions: %s refused: %s", action, refused)
            outcomes.append(Outcome(action, False, str(refused)))
        except Exception as error:  # a lock timeout, a row the default cannot give up
            logger.exception("partitions: %s failed", action)
            outcomes.append(Outcome(action, False, f"failed: {error}"))
    return outcomes


def partitions_maintain(now: dt.datetime | None = None) -> list[Outcome]:
    """The beat task's work: plan, then apply."""
    return apply(plan(now))


# --- The migration that partitions a plain table ---------------------------------------------


def convert_to_partitioned(
    schema_editor, table: str, column: str, *, pk: str = "id", months_ahead: int = 3
) -> None:
    """Turn the plain `table` into one partitioned by month of `column`, rows included (for
    a migration's RunPython; nothing on SQLite, nothing when already partitioned).

    The old table is renamed, a partitioned table LIKE it created under the old name with
    primary key (pk, column), the same indexes (under the same names), foreign keys and
    CHECK constraints; the old identity sequence's position is carried to a sequence owned by
    the new table; partitions for every month from the oldest row to `months_ahead` after the
    current one, and the default, are created; the rows are copied; the old table dropped.
    One transaction (the migration's): a reader sees the old table or the new, never neither.
    """
    db = schema_editor.connection
    if db.vendor != "postgresql" or is_partitioned(table, db):
        return
    q = db.ops.quote_name
    old = f"{table}__unpartitioned"
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef, indexdef LIKE 'CREATE UNIQUE%%' FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = %s",
            [table],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            "WHERE conrelid = to_regclass(%s) AND contype IN ('p', 'f', 'u')",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE confrelid = to_regclass(%s)", [table]
        )
        if cursor.fetchone()[0]:
            raise RuntimeError(f"{table} is referenced by a foreign key: not partitioned")
        pkey = next(name for name, _, kind in constraints if kind == "p")
        if any(kind == "u" for _, _, kind in constraints) or any(
            unique and name != pkey for name, _, unique in indexes
        ):
            raise RuntimeError(f"{table} has a unique constraint without {column}")
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
        sequence = cursor.fetchone()[0]
        cursor.execute(f"SELECT min({q(column)}) FROM {q(table)}")  # noqa: S608
        oldest = cursor.fetchone()[0]

        cursor.execute(f"ALTER TABLE {q(table)} RENAME TO {q(old)}")
        for name, _, _ in indexes:
            cursor.execute(f"ALTER INDEX {q(name)} RENAME TO {q(name[:50] + '__old')}")
        next_id = None
        if sequence:
            cursor.execute(
                f"SELECT last_value + (CASE WHEN is_called THEN 1 ELSE 0 END) FROM {sequence}"  # noqa: S608
            )
            next_id = cursor.fetchone()[0]
            cursor.execute(f"SELECT coalesce(max({q(pk)}), 0) + 1 FROM {q(old)}")  # noqa: S608
            next_id = max(next_id, cursor.fetchone()[0])
            cursor.execute(
                "SELECT attidentity <> '' FROM pg_attribute "
                "WHERE attrelid = to_regclass(%s) AND attname = %s",
                [old, pk],
            )
            if cursor.fetchone()[0]:
                cursor.execute(f"ALTER TABLE {q(old)} ALTER COLUMN {q(pk)} DROP IDENTITY")
            else:
                cursor.execute(f"ALTER TABLE {q(old)} ALTER COLUMN {q(pk)} DROP DEFAULT")
                cursor.execute(f"DROP SEQUENCE {sequence}")

        cursor.execute(
            f"CREATE TABLE {q(table)} (LIKE {q(old)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
            f"INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({q(column)})"
        )
        cursor.execute(
            f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(pkey)} PRIMARY KEY ({q(pk)}, {q(column)})"
        )
        if next_id is not None:
            seq = f"{table}_{pk}_seq"
            cursor.execute(f"CREATE SEQUENCE {q(seq)} AS bigint START WITH {int(next_id)}")
            cursor.execute(
                f"ALTER TABLE {q(table)} ALTER COLUMN {q(pk)} SET DEFAULT nextval('{seq}')"
            )
            cursor.execute(f"ALTER SEQUENCE {q(seq)} OWNED BY {q(table)}.{q(pk)}")
        for name, definition, _unique in indexes:
            if name != pkey:
                cursor.execute(definition)  # CREATE INDEX name ON table ...: the new table
        for name, definition, kind in constraints:
            if kind == "f":
                cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")

        now_month = month_of(timezone.now())
        first = min(month_of(oldest), now_month) if oldest is not None else now_month
        month = first
        while month <= add_months(now_month, months_ahead):
            cursor.execute(
                f"CREATE TABLE {q(partition_name(table, month))} PARTITION OF {q(table)} "
                f"FOR VALUES FROM ({_bound(month)}) TO ({_bound(add_months(month, 1))})"
            )
            month = add_months(month, 1)
        cursor.execute(
            f"CREATE TABLE {q(default_partition_name(table))} PARTITION OF {q(table)} DEFAULT"
        )
        cursor.execute(
            "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute "
            "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
            [old],
        )
        columns = cursor.fetchone()[0]
        cursor.execute(f"INSERT INTO {q(table)} ({columns}) SELECT {columns} FROM {q(old)}")  # noqa: S608
        cursor.execute(f"DROP TABLE {q(old)}")


def convert_to_plain(schema_editor, table: str, column: str, *, pk: str = "id") -> None:
    """The reverse of convert_to_partitioned: a plain table again, rows included, primary
    key (pk) alone. (Detached partitions are left as they are.)"""
    db = schema_editor.connection
    if db.vendor != "postgresql" or not is_partitioned(table, db):
        return
    q = db.ops.quote_name
    old = f"{table}__partitioned"
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = %s",
            [table],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            "WHERE conrelid = to_regclass(%s) AND contype IN ('p', 'f')",
            [table],
        )
        constraints = cursor.fetchall()
        pkey = next(name for name, _, kind in constraints if kind == "p")
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
        sequence = cursor.fetchone()[0]
        cursor.execute(f"ALTER TABLE {q(table)} RENAME TO {q(old)}")
        for name, _ in indexes:
            cursor.execute(f"ALTER INDEX {q(name)} RENAME TO {q(name[:50] + '__old')}")
        cursor.execute(
            f"CREATE TABLE {q(table)} (LIKE {q(old)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
            "INCLUDING STORAGE INCLUDING COMMENTS)"
        )
        cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(pkey)} PRIMARY KEY ({q(pk)})")
        if sequence:
            cursor.execute(f"ALTER SEQUENCE {sequence} OWNED BY {q(table)}.{q(pk)}")
        for name, definition in indexes:
            if name != pkey:
                cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))
        for name, definition, kind in constraints:
            if kind == "f":
                cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")
        cursor.execute(f"INSERT INTO {q(table)} SELECT * FROM {q(old)}")  # noqa: S608
        cursor.execute(f"DROP TABLE {q(old)} CASCADE")

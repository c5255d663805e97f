"""Tables that grow forever, partitioned by month (portal/partitions.py, issue 12 part 3).

The month arithmetic and the plan on SQLite run everywhere; the rest needs PostgreSQL
(skipped with the reason on SQLite). Those tests are transactional: partition DDL meets the
audit rows' deferred foreign-key checks within one transaction, as it never does in
production where each action commits on its own. A fixture drops the partitions and detached
tables a test made, so the test database is left as the migration built it.
"""

from __future__ import annotations

import datetime as dt
import os
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from portal import partitions
from portal.audit import audit_record
from portal.models import AuditEvent, OutboxMessage, OutboxStatus
from portal.partitions import Action, add_months, month_of, month_start
from portal.tasks import partitions_maintain

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(
    ("postgres://", "postgresql://", "pgsql://", "psql://")
)
AUDIT, OUTBOX = "portal_auditevent", "portal_outboxmessage"


# --- Everywhere -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "months", "expected"),
    [
        (dt.date(2026, 12, 1), 1, dt.date(2027, 1, 1)),
        (dt.date(2026, 1, 1), -1, dt.date(2025, 12, 1)),
        (dt.date(2026, 5, 1), -125, dt.date(2015, 12, 1)),
        (dt.date(2026, 5, 1), 0, dt.date(2026, 5, 1)),
    ],
)
def test_add_months(month, months, expected):
    assert add_months(month, months) == expected


def test_a_month_is_a_month_of_the_portals_time_zone():
    # 2026-11-30 18:00 UTC is 1 December 01:00 in Hanoi: December's partition
    assert month_of(dt.datetime(2026, 11, 30, 18, tzinfo=dt.UTC)) == dt.date(2026, 12, 1)
    assert month_start(dt.date(2026, 12, 1)) == dt.datetime(2026, 11, 30, 17, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        # retention 3 months, now in December 2026
        (dt.date(2026, 8, 1), True),  # its last day is more than 3 months ago
        (dt.date(2026, 9, 1), False),  # 30 September is not yet 3 months ago
        (dt.date(2026, 12, 1), False),
    ],
)
def test_a_month_expires_when_all_its_rows_are_older_than_the_period(month, expected):
    assert partitions.expired(month, now_month=dt.date(2026, 12, 1), months=3) is expected


def test_a_retention_policy_is_checked(settings):
    settings.PORTAL_PARTITION_RETENTION = {AUDIT: {"months": 12, "action": "archive"}}
    with pytest.raises(ValueError, match="action in"):
        partitions.retention(AUDIT)
    settings.PORTAL_PARTITION_RETENTION = {}
    assert partitions.retention(AUDIT) is None


@pytest.mark.django_db
def test_on_sqlite_the_tables_stay_plain_and_there_is_nothing_to_do():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    assert partitions.plan() == []
    out = StringIO()
    call_command("partitions", stdout=out)
    assert "nothing to do" in out.getvalue()


def test_beat_runs_the_maintenance_on_the_default_queue():
    entry = settings.CELERY_BEAT_SCHEDULE["partitions-maintain"]
    assert entry["task"] == partitions_maintain.name == "portal.tasks.partitions_maintain"
    assert "queue" not in entry.get("options", {})  # the default queue, with the sweepers


# --- PostgreSQL ------------------------------------------------------------------------------


def _tables(prefixes=(AUDIT, OUTBOX)) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') AND ("  # noqa: S608
            + " OR ".join(["relname LIKE %s"] * len(prefixes))
            + ")",
            [f"{prefix}\\_%" for prefix in prefixes],
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def leave_partitions_as_found():
    before = _tables()
    yield
    with connection.cursor() as cursor:
        for name in sorted(_tables() - before):
            cursor.execute(f"DROP TABLE {connection.ops.quote_name(name)}")
    assert before <= _tables(), "a test dropped a partition it did not create"


def _partition_of(model, pk) -> str:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def _audit_at(moment: dt.datetime) -> AuditEvent:
    event = audit_record(actor=None, action="test.partition", object_id="x")
    AuditEvent.objects.filter(pk=event.pk).update(at=moment)  # a row moves across partitions
    return event


def _create(table: str, month: dt.date) -> None:
    outcomes = partitions.apply(
        [Action("create", table, partitions.partition_name(table, month), month)]
    )
    assert [outcome.done for outcome in outcomes] == [True], outcomes


@pytest.mark.usefixtures("leave_partitions_as_found")
@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="postgres: DATABASE_URL is not a postgres:// URL")
@pytest.mark.django_db(transaction=True)
class TestOnPostgres:
    @pytest.fixture(autouse=True)
    def _no_retention(self, settings):
        settings.PORTAL_PARTITION_RETENTION = {}  # a test that wants one sets it

    def test_both_tables_are_partitioned_with_a_default(self):
        for table in (AUDIT, OUTBOX):
            assert partitions.is_partitioned(table)
            assert partitions.default_partition_name(table) in partitions.partitions(table)

    def test_rows_land_in_their_months_partition(self):
        partitions.apply(partitions.plan(months_ahead=1))
        this_month = month_of(timezone.now())
        boundary = month_start(add_months(this_month, 1))
        before = _audit_at(boundary - dt.timedelta(microseconds=1))
        after = _audit_at(boundary)
        assert _partition_of(AuditEvent, before.pk) == partitions.partition_name(AUDIT, this_month)
        assert _partition_of(AuditEvent, after.pk) == partitions.partition_name(
            AUDIT, add_months(this_month, 1)
        )
        message = OutboxMessage.objects.create(topic="test.partition")
        assert _partition_of(OutboxMessage, message.pk) == partitions.partition_name(
            OUTBOX, this_month
        )
        # Django still finds a row by its id alone (every partition's primary key starts by id)
        assert AuditEvent.objects.get(pk=after.pk).at == boundary

    def test_the_task_creates_the_coming_months_once(self):
        later = timezone.now() + dt.timedelta(days=365 * 7)  # months no run has prepared
        first = month_of(later)
        actions = partitions.plan(later, months_ahead=2)
        created = {(a.table, a.month) for a in actions if a.kind == "create"}
        assert created == {(t, add_months(first, n)) for t in (AUDIT, OUTBOX) for n in range(3)}

        outcomes = partitions.apply(actions)
        assert all(outcome.done for outcome in outcomes if outcome.action.kind == "create")
        for table in (AUDIT, OUTBOX):
            assert {first, add_months(first, 2)} <= set(partitions.monthly_partitions(table))
        assert AuditEvent.objects.filter(action="partition.create").count() == 6

        # idempotent: nothing left to plan, and the same actions again change nothing
        assert not [a for a in partitions.plan(later, months_ahead=2) if a.kind == "create"]
        again = partitions.apply([a for a in actions if a.kind == "create"])
        assert [outcome.done for outcome in again] == [False] * 6
        assert {outcome.note for outcome in again} == {"already there"}
        assert AuditEvent.objects.filter(action="partition.create").count() == 6

    def test_the_default_partition_catches_far_dates_then_gives_them_to_their_month(self):
        far = timezone.now() + dt.timedelta(days=365 * 30)
        event = _audit_at(far)
        assert _partition_of(AuditEvent, event.pk) == partitions.default_partition_name(AUDIT)

        outcomes = partitions.apply(
            partitions.plan(far, months_ahead=0, tables=[partitions.PARTITIONED_TABLES.get(AUDIT)])
        )
        created = [o for o in outcomes if o.action.kind == "create"]
        assert [(o.done, o.note) for o in created] == [(True, f"1 rows moved from {AUDIT}_default")]
        assert _partition_of(AuditEvent, event.pk) == partitions.partition_name(
            AUDIT, month_of(far)
        )
        assert AuditEvent.objects.filter(pk=event.pk).exists()

    def test_retention_detaches_or_drops_only_the_expired_months(self, settings):
        settings.PORTAL_PARTITION_RETENTION = {
            AUDIT: {"months": 120, "action": "detach"},
            OUTBOX: {"months": 3, "action": "drop"},
        }
        this_month = month_of(timezone.now())
        old_audit, kept_audit = add_months(this_month, -121), add_months(this_month, -119)
        old_outbox, kept_outbox = add_months(this_month, -4), add_months(this_month, -3)
        for table, month in (
            (AUDIT, old_audit),
            (AUDIT, kept_audit),
            (OUTBOX, old_outbox),
            (OUTBOX, kept_outbox),
        ):
            _create(table, month)
        _audit_at(month_start(old_audit) + dt.timedelta(days=3))

        retire = [a for a in partitions.plan() if a.kind != "create"]
        assert {(a.kind, a.partition) for a in retire} == {
            ("detach", partitions.partition_name(AUDIT, old_audit)),
            ("drop", partitions.partition_name(OUTBOX, old_outbox)),
        }
        assert all(outcome.done for outcome in partitions.apply(retire))

        audit_months = partitions.monthly_partitions(AUDIT)
        assert old_audit not in audit_months
        assert kept_audit in audit_months
        # detached, not dropped: the table and its row are still there, to archive
        detached = partitions.partition_name(AUDIT, old_audit)
        assert detached in _tables((AUDIT,))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {detached}")  # noqa: S608
            assert cursor.fetchone()[0] == 1
        outbox_months = partitions.monthly_partitions(OUTBOX)
        assert old_outbox not in outbox_months
        assert kept_outbox in outbox_months
        assert partitions.partition_name(OUTBOX, old_outbox) not in _tables((OUTBOX,))
        logged = AuditEvent.objects.filter(action__in=["partition.detach", "partition.drop"])
        assert sorted(logged.values_list("object_id", flat=True)) == sorted(
            a.partition for a in retire
        )
        assert not [a for a in partitions.plan() if a.kind != "create"]  # idempotent

    def test_an_outbox_month_with_unfinished_messages_is_not_dropped(self, settings):
        settings.PORTAL_PARTITION_RETENTION = {OUTBOX: {"months": 3, "action": "drop"}}
        old = add_months(month_of(timezone.now()), -6)
        _create(OUTBOX, old)
        message = OutboxMessage.objects.create(topic="test.partition", status=OutboxStatus.PENDING)
        OutboxMessage.objects.filter(pk=message.pk).update(
            created_at=month_start(old) + dt.timedelta(days=1)
        )
        outcomes = partitions.apply(
            [a for a in partitions.plan() if a.table == OUTBOX and a.kind == "drop"]
        )
        assert [(o.done, o.note) for o in outcomes] == [
            (False, "1 rows with status IN ('pending', 'processing', 'failed'): not dropped")
        ]
        assert old in partitions.monthly_partitions(OUTBOX)
        assert OutboxMessage.objects.filter(pk=message.pk).exists()

    def test_400_days_ahead_inserts_work_and_the_task_catches_up(self):
        with time_machine.travel(timezone.now() + dt.timedelta(days=400), tick=True):
            later = timezone.now()
            event = audit_record(actor=None, action="test.partition", object_id="later")
            assert AuditEvent.objects.filter(pk=event.pk).exists()
            assert partitions_maintain.apply().get() >= 1
            assert _partition_of(AuditEvent, event.pk) == partitions.partition_name(
                AUDIT, month_of(later)
            )
            assert partitions.plan(later) == []

    def test_the_command_plans_then_applies(self):
        later = timezone.now() + dt.timedelta(days=365 * 12)
        with time_machine.travel(later, tick=True):
            out = StringIO()
            call_command("partitions", "--plan", "--months-ahead", "0", stdout=out)
            name = partitions.partition_name(AUDIT, month_of(timezone.now()))
            assert f"would create {name}" in out.getvalue()
            assert month_of(timezone.now()) not in partitions.monthly_partitions(AUDIT)
            call_command("partitions", "--months-ahead", "0", stdout=out)
            assert f"done create {name}" in out.getvalue()
            assert month_of(timezone.now()) in partitions.monthly_partitions(AUDIT)


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="postgres: DATABASE_URL is not a postgres:// URL")
@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_the_rows_both_ways():
    this_month = month_of(timezone.now())
    old_month = add_months(this_month, -2)
    old = _audit_at(month_start(old_month) + dt.timedelta(days=2))
    recent = audit_record(actor=None, action="test.partition", object_id="recent")
    message = OutboxMessage.objects.create(topic="test.partition")
    try:
        call_command("migrate", "portal", "0004", verbosity=0)
        assert not partitions.is_partitioned(AUDIT)
        assert not partitions.is_partitioned(OUTBOX)
        assert set(AuditEvent.objects.values_list("pk", flat=True)) == {old.pk, recent.pk}
        call_command("migrate", "portal", verbosity=0)
    finally:
        call_command("migrate", "portal", verbosity=0)  # leave the database partitioned
    assert partitions.is_partitioned(AUDIT)
    assert partitions.is_partitioned(OUTBOX)
    assert _partition_of(AuditEvent, old.pk) == partitions.partition_name(AUDIT, old_month)
    assert _partition_of(AuditEvent, recent.pk) == partitions.partition_name(AUDIT, this_month)
    assert _partition_of(OutboxMessage, message.pk) == partitions.partition_name(OUTBOX, this_month)
    # the sequence goes on after the carried rows: no id is given twice
    later = audit_record(actor=None, action="test.partition", object_id="later")
    assert later.pk > recent.pk
    assert OutboxMessage.objects.get(pk=message.pk).topic == "test.partition"

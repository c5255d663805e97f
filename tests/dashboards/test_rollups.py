"""The rollups equal a recomputation from the raw dossiers, whatever the order, repetition or
loss of the refresh events; and the live hook follows the real dossier services."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboards.models import (
    ATTACHMENT_COUNTERS,
    FACT_COUNTERS,
    AreaFact,
    AreaMonthFact,
    DossierBucket,
    MonthlyFact,
    ProcedureMonthFact,
)
from dashboards.rollups import dossier_refresh, dossiers_refresh, rollups_drain, rollups_rebuild
from dossiers.models import Attachment, AttachmentKind, Dossier
from dossiers.states.business import Status
from feedback.models import Rating

from .conftest import TZ, at

pytestmark = pytest.mark.django_db

AS_OF = dt.datetime(2026, 6, 15, 12, 0, tzinfo=TZ)
COUNTERS = (*FACT_COUNTERS, *ATTACHMENT_COUNTERS)


def snapshot() -> dict[str, set[tuple]]:
    def rows(model, keys):
        return {
            tuple(row[k] for k in (*keys, *COUNTERS))
            for row in model.objects.values(*keys, *COUNTERS)
        }

    return {
        "monthly": rows(
            MonthlyFact,
            ("month", "agency_id", "province_id", "ministry_id", "procedure_id", "channel"),
        ),
        "area": rows(AreaFact, ("month", "province_id", "ministry_id", "procedure_id", "channel")),
        "area_month": rows(AreaMonthFact, ("month", "province_id", "ministry_id", "channel")),
        "procedure_month": rows(ProcedureMonthFact, ("month", "procedure_id", "channel")),
        "buckets": set(
            DossierBucket.objects.values_list("dossier_id", "month", "agency_id", "channel")
        ),
    }


# One event = (dossier index, what happens). Applied to the raw dossier like a service would.
EVENTS = st.sampled_from(
    [
        "receive",
        "process_on_time",
        "process_late",
        "process_early",
        "refuse",
        "withdraw",
        "supplement",
        "transfer",
        "pay",
        "rate_unhappy",
        "rate_happy",
        "attach_digitised",
        "attach_reused",
        "sync",
        "e_result",
        "delete_rating",
    ]
)


def apply(dossier: Dossier, event: str, agencies) -> None:
    received = dossier.submitted_at + dt.timedelta(hours=2)
    if event == "receive":
        dossier.status = Status.IN_PROCESSING
        dossier.received_at = received
        dossier.due_at = received + dt.timedelta(days=3)
    elif event.startswith("process_"):
        dossier.received_at = dossier.received_at or received
        dossier.due_at = dossier.due_at or dossier.received_at + dt.timedelta(days=3)
        shift = {"process_on_time": 0, "process_late": 2, "process_early": -2}[event]
        dossier.processed_at = dossier.due_at + dt.timedelta(days=shift, hours=-1)
        dossier.status = Status.RETURNED
    elif event == "refuse":
        dossier.status, dossier.processed_at = Status.REFUSED, None
    elif event == "withdraw":
        dossier.status, dossier.processed_at = Status.WITHDRAWN, None
    elif event == "supplement":
        dossier.received_at = dossier.received_at or received
        dossier.status, dossier.processed_at = Status.SUPPLEMENT_REQUESTED, None
    elif event == "transfer":
        dossier.competent_agency = (
            agencies[1] if dossier.competent_agency == agencies[0] else agencies[0]
        )
    elif event == "pay":
        dossier.payment_status = "paid"
    elif event == "sync":
        dossier.sync_status = "synced"
    elif event == "e_result":
        dossier.result_sha256 = "a" * 64
    elif event.startswith("rate_"):
        Rating.objects.update_or_create(
            dossier=dossier, defaults={"level": 0 if event == "rate_unhappy" else 2}
        )
        return
    elif event == "delete_rating":
        Rating.objects.filter(dossier=dossier).delete()
        return
    elif event.startswith("attach_"):
        Attachment.objects.create(
            dossier=dossier,
            original_name="a.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            kind=AttachmentKind.DIGITISED if event == "attach_digitised" else AttachmentKind.REUSED,
        )
        return
    # QuerySet.update: no signal, the refresh events below are the only hook.
    Dossier.objects.filter(pk=dossier.pk).update(
        status=dossier.status,
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        processed_at=dossier.processed_at,
        competent_agency=dossier.competent_agency,
        payment_status=dossier.payment_status,
        sync_status=dossier.sync_status,
        result_sha256=dossier.result_sha256,
    )


#: dossiers to make: (day of submission, channel), across month boundaries
DOSSIERS = st.lists(
    st.tuples(
        st.sampled_from(["2026-01-30", "2026-02-02", "2026-05-31", "2026-06-01"]),
        st.sampled_from([1, 2, 3]),
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    dossiers=DOSSIERS,
    events=st.lists(st.tuples(st.integers(0, 4), EVENTS), max_size=25),
    order=st.randoms(use_true_random=False),
)
def test_rollups_equal_recomputation_after_random_events(
    make_dossier, agency_hk, agency_bd, agency_dn, dossiers, events, order
):
    Dossier.objects.all().delete()  # hypothesis reuses the test's database between examples
    MonthlyFact.objects.all().delete()
    AreaFact.objects.all().delete()
    AreaMonthFact.objects.all().delete()
    ProcedureMonthFact.objects.all().delete()
    DossierBucket.objects.all().delete()
    agencies = [agency_hk, agency_dn]
    made = [
        make_dossier(agencies[i % 2], submitted=at(day, 23 if i % 2 else 8), channel=channel)
        for i, (day, channel) in enumerate(dossiers)
    ]
    for dossier in made:
        dossier_refresh(dossier.pk, as_of=AS_OF)
    refreshes: list[int] = []
    for index, event in events:
        dossier = Dossier.objects.get(pk=made[index % len(made)].pk)
        apply(dossier, event, agencies)
        refreshes.append(dossier.pk)
        if order.random() < 0.3:  # some refreshes run now, some late, some twice
            dossier_refresh(dossier.pk, as_of=AS_OF)
    order.shuffle(refreshes)
    for pk in refreshes + refreshes[: len(refreshes) // 2]:
        dossier_refresh(pk, as_of=AS_OF)
    live = snapshot()

    rollups_rebuild(as_of=AS_OF)
    assert snapshot() == live


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    dossiers=DOSSIERS,
    events=st.lists(st.tuples(st.integers(0, 5), EVENTS), max_size=25),
    cut=st.integers(0, 25),
)
def test_a_batched_refresh_equals_recomputation(
    make_dossier, agency_hk, agency_bd, agency_dn, dossiers, events, cut
):
    """The drain's path: many changed dossiers refreshed in one batch (each bucket once),
    some batches taken in the middle of the events, equals a rebuild from raw data."""
    for model in (Dossier, MonthlyFact, AreaFact, AreaMonthFact, ProcedureMonthFact):
        model.objects.all().delete()
    DossierBucket.objects.all().delete()
    agencies = [agency_hk, agency_dn]
    made = [
        make_dossier(agencies[i % 2], submitted=at(day, 23 if i % 2 else 8), channel=channel)
        for i, (day, channel) in enumerate(dossiers)
    ]
    dossiers_refresh([d.pk for d in made], as_of=AS_OF)
    touched: list[int] = []
    for number, (index, event) in enumerate(events):
        dossier = Dossier.objects.get(pk=made[index % len(made)].pk)
        apply(dossier, event, agencies)
        touched.append(dossier.pk)
        if number == cut:  # a drain in the middle of the changes
            dossiers_refresh(touched, as_of=AS_OF)
            touched = touched[-1:]
    dossiers_refresh(touched, as_of=AS_OF)
    live = snapshot()

    rollups_rebuild(as_of=AS_OF)
    assert snapshot() == live


def test_the_drain_takes_each_mark_once_and_keeps_them_when_it_fails(
    make_dossier, agency_hk, monkeypatch
):
    from dashboards.models import RollupPending
    from dashboards.rollups import buckets

    first = make_dossier(agency_hk, submitted=at("2026-03-02"))
    make_dossier(agency_hk, submitted=at("2026-03-03"))
    first.status = Status.RECEIVED
    first.save()  # the same transaction (the test's): marked once
    assert RollupPending.objects.count() == 2

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(buckets, "dossiers_refresh", broken)
    with pytest.raises(RuntimeError):
        rollups_drain()
    assert RollupPending.objects.count() == 2  # nothing lost
    monkeypatch.undo()
    assert rollups_drain(limit=1) == 2  # two batches of one mark
    assert not RollupPending.objects.exists()
    assert MonthlyFact.objects.get(agency=agency_hk).dossiers == 2


def test_dashboards_are_live_within_a_minute():
    from portal.settings import base

    drain = base.CELERY_BEAT_SCHEDULE["dashboards-drain"]
    assert drain["task"] == "dashboards.tasks.rollups_drain_task"
    assert drain["schedule"] <= 60


def test_counters_match_a_hand_count(make_dossier, agency_hk, agency_bd):
    """Independent of the ORM expressions: the figures of a known set of dossiers."""
    on_time = make_dossier(agency_hk, submitted=at("2026-03-02"), channel=2)
    late = make_dossier(agency_hk, submitted=at("2026-03-03"), channel=2)
    early = make_dossier(agency_hk, submitted=at("2026-03-04"), channel=1)
    open_late = make_dossier(agency_hk, submitted=at("2026-03-05"), channel=1)
    open_ok = make_dossier(agency_hk, submitted=at("2026-03-06"), channel=2)
    make_dossier(agency_hk, submitted=at("2026-03-07"), channel=2, status=Status.REFUSED)
    make_dossier(agency_bd, submitted=at("2026-03-07"), channel=2)  # another agency
    make_dossier(agency_hk, submitted=at("2026-04-01", 0), channel=2)  # April (local time)
    for d, processed_shift in ((on_time, 0), (late, 1), (early, -1)):
        d.received_at = d.submitted_at
        d.due_at = d.submitted_at + dt.timedelta(days=2)
        d.processed_at = d.due_at + dt.timedelta(days=processed_shift, hours=3)
        d.status = Status.RETURNED
        d.save()
    for d, due in ((open_late, at("2026-06-01")), (open_ok, at("2026-07-01"))):
        d.received_at, d.due_at, d.status = d.submitted_at, due, Status.IN_PROCESSING
        d.save()
    Rating.objects.create(dossier=on_time, level=2)
    Rating.objects.create(dossier=late, level=0)
    rollups_rebuild(as_of=AS_OF)
    fact = {
        (row.channel): row
        for row in MonthlyFact.objects.filter(agency=agency_hk, month=dt.date(2026, 3, 1))
    }
    online, paper = fact[2], fact[1]
    assert (online.dossiers, paper.dossiers) == (4, 2)
    assert (online.finished_on_time, online.finished_late, paper.finished_early) == (1, 1, 1)
    assert (paper.processing_overdue, online.processing_within) == (1, 1)
    assert online.refused == 1
    assert (online.rating_very, online.rating_unsatisfied) == (1, 1)
    # 2 days + 0 h (on time, 2d3h) and 3 days 3 h (late): received -> processed
    assert online.processing_count == 2
    assert online.processing_seconds == (2 * 86400 + 3 * 3600) + (3 * 86400 + 3 * 3600)
    assert MonthlyFact.objects.filter(agency=agency_hk, month=dt.date(2026, 4, 1)).exists()
    area = AreaMonthFact.objects.get(month=dt.date(2026, 3, 1), channel=2)
    assert area.dossiers == 5  # both Hanoi communes
    assert area.province_id == agency_hk.province_id


def test_live_hook_follows_the_dossier_services(
    submit, citizen_a, officer_hk, agency_hk, django_capture_on_commit_callbacks
):
    from dossiers.services import dossier_issue_result, dossier_receive, dossier_start_processing

    dossier = submit(citizen_a)  # marks the dossier; the beat task drains the marks
    assert not MonthlyFact.objects.exists()
    assert rollups_drain() == 1
    assert rollups_drain() == 0  # drained once
    fact = MonthlyFact.objects.get(agency=agency_hk)
    assert (fact.dossiers, fact.received, fact.components) == (1, 0, 1)
    with django_capture_on_commit_callbacks(execute=True):
        dossier_receive(dossier=dossier, officer=officer_hk, agency=agency_hk)
    with django_capture_on_commit_callbacks(execute=True):
        dossier_start_processing(
            dossier=Dossier.objects.get(pk=dossier.pk), officer=officer_hk, agency=agency_hk
        )
    rollups_drain()
    fact = MonthlyFact.objects.get(agency=agency_hk)
    assert (fact.received, fact.processing_within, fact.finished) == (1, 1, 0)
    with django_capture_on_commit_callbacks(execute=True):
        dossier_issue_result(
            dossier=Dossier.objects.get(pk=dossier.pk), officer=officer_hk, agency=agency_hk
        )
    rollups_drain()
    fact = MonthlyFact.objects.get(agency=agency_hk)
    assert (fact.finished, fact.processing_within) == (1, 0)
    assert fact.finished_early + fact.finished_on_time == 1
    assert AreaMonthFact.objects.get(province=agency_hk.province).finished == 1


def test_complaints_feed_group_four(
    make_dossier, agency_hk, citizen_a, django_capture_on_commit_callbacks, clock_at
):
    from dashboards.models import ComplaintFact

    clock_at(2026, 6, 30, 9, 0)  # complaint 4 is not yet due: a fixed "now", not today
    from dashboards.selectors import index_inputs, period_parse, unit_load
    from feedback.models import Complaint, ComplaintStatus

    dossier = make_dossier(agency_hk, submitted=at("2026-03-02"))

    def complaint(n, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return Complaint.objects.create(
                code=f"PA-{n}", author=citizen_a, kind="staff", title="t", content="c",
                created_at=at("2026-03-10"), agency=agency_hk, **fields,
            )  # fmt: skip

    complaint(1, status=ComplaintStatus.ANSWERED, deadline=at("2026-03-20"),
              answered_at=at("2026-03-15"), author_satisfied=True, dossier=dossier)  # fmt: skip
    complaint(2, status=ComplaintStatus.ANSWERED, deadline=at("2026-03-20"),
              answered_at=at("2026-03-25"), author_satisfied=False)  # fmt: skip
    complaint(3, status=ComplaintStatus.ROUTED, deadline=at("2026-03-20"))  # overdue, open
    complaint(4, status=ComplaintStatus.ROUTED, deadline=at("2027-03-20"))  # not yet due
    complaint(5, status=ComplaintStatus.REJECTED, deadline=at("2026-03-20"))  # not counted
    live = set(ComplaintFact.objects.values_list("month", "agency_id", "received", "due", "answered",
                                                 "answered_on_time", "author_satisfied", "author_rated",
                                                 "about_dossier"))  # fmt: skip
    assert live == {(dt.date(2026, 3, 1), agency_hk.pk, 4, 3, 2, 1, 1, 2, 1)}
    inputs = index_inputs(unit_load(kind="agency", pk=agency_hk.pk), period_parse("2026"))
    assert (inputs.complaints_due, inputs.complaints_answered_on_time) == (3, 1)
    assert (inputs.complaints_author_satisfied, inputs.complaints_author_rated) == (1, 2)
    assert inputs.complaints_about_dossiers == 1
    rollups_rebuild()
    rebuilt = set(ComplaintFact.objects.values_list("month", "agency_id", "received", "due", "answered",
                                                    "answered_on_time", "author_satisfied", "author_rated",
                                                    "about_dossier"))  # fmt: skip
    assert rebuilt == live


def test_the_rebuild_command_by_hand_whole_and_areas_only(make_dossier, agency_hk, hanoi):
    from io import StringIO

    from django.core.management import call_command

    from dashboards.models import AreaMonthFact

    make_dossier(agency_hk, submitted=at("2026-03-02"))
    call_command("rebuild_rollups", stdout=StringIO())
    assert MonthlyFact.objects.get(agency=agency_hk).dossiers == 1
    AreaMonthFact.objects.all().delete()
    call_command("rebuild_rollups", "--areas-only", stdout=StringIO())
    assert AreaMonthFact.objects.filter(province=hanoi).exists()


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    dossiers=DOSSIERS,
    events=st.lists(
        st.tuples(st.integers(0, 5), EVENTS, st.integers(0, 36), st.booleans()), max_size=25
    ),
)
def test_drains_as_the_clock_moves_equal_a_rebuild_at_the_last_moment(
    make_dossier, agency_hk, agency_bd, agency_dn, dossiers, events
):
    """The clock counters: drains at moving moments (across the deadlines of the dossiers
    received), some touching the dossiers' buckets and some only moving the clock, equal a
    rebuild as of the last moment; so do the drains after a rebuild."""
    from dashboards.models import RollupClock
    from dashboards.rollups import clocks_advance

    for model in (Dossier, MonthlyFact, AreaFact, AreaMonthFact, ProcedureMonthFact):
        model.objects.all().delete()
    DossierBucket.objects.all().delete()
    RollupClock.objects.all().delete()
    agencies = [agency_hk, agency_dn]
    made = [
        make_dossier(agencies[i % 2], submitted=at(day, 23 if i % 2 else 8), channel=channel)
        for i, (day, channel) in enumerate(dossiers)
    ]
    now = at("2026-05-30")  # the June dossiers' deadlines are passed on the way
    dossiers_refresh([d.pk for d in made], as_of=now)
    clocks_advance(as_of=now)
    touched: list[int] = []
    for number, (index, event, hours, drain) in enumerate(events):
        dossier = Dossier.objects.get(pk=made[index % len(made)].pk)
        apply(dossier, event, agencies)
        touched.append(dossier.pk)
        now += dt.timedelta(hours=hours)
        if drain:
            dossiers_refresh(touched, as_of=now)
            touched = []
        clocks_advance(as_of=now)
        if number == 12:  # the nightly reconciliation in the middle
            rollups_rebuild(as_of=now)
    now += dt.timedelta(days=1)
    dossiers_refresh(touched, as_of=now)
    clocks_advance(as_of=now)
    live = snapshot()

    rollups_rebuild(as_of=now)
    assert snapshot() == live


def test_a_deadline_passing_moves_its_dossier_to_overdue_without_a_change(
    make_dossier, agency_hk, agency_dn
):
    """No event: the drain moves the buckets whose deadlines passed (and only the clock
    counters), and a bucket touched after a long quiet moves from its own last moment."""
    from dashboards.rollups import clocks_advance

    quiet = make_dossier(agency_hk, submitted=at("2026-06-01"))
    busy = make_dossier(agency_dn, submitted=at("2026-06-01"))
    for dossier, days in ((quiet, 2), (busy, 4)):
        dossier.status, dossier.received_at = Status.IN_PROCESSING, at("2026-06-01", 10)
        dossier.due_at = at("2026-06-01", 10) + dt.timedelta(days=days)
        dossier.save()
    start = at("2026-06-02")
    dossiers_refresh([quiet.pk, busy.pk], as_of=start)
    clocks_advance(as_of=start)

    def clock_counters(agency):
        fact = MonthlyFact.objects.get(agency=agency)
        return fact.processing_within, fact.processing_overdue

    assert clock_counters(agency_hk) == clock_counters(agency_dn) == (1, 0)
    assert clocks_advance(as_of=start + dt.timedelta(days=2)) == 1  # only quiet's passed
    assert clock_counters(agency_hk) == (0, 1)
    assert clock_counters(agency_dn) == (1, 0)
    assert AreaMonthFact.objects.get(province=agency_hk.province).processing_overdue == 1
    # busy's deadline passes while another drain holds the clock: its next refresh counts it
    later = start + dt.timedelta(days=5)
    make_dossier(agency_dn, submitted=at("2026-06-03"))
    dossiers_refresh(
        Dossier.objects.filter(competent_agency=agency_dn).values_list("pk", flat=True), as_of=later
    )
    assert clock_counters(agency_dn) == (0, 1)
    live = snapshot()
    rollups_rebuild(as_of=later)
    assert snapshot() == live

"""Table tests of the working-time calendar (expected values worked out by hand).

Week days used below: 2026-03-02 is a Monday, so Fri 6 Mar, Sat 7, Sun 8, Mon 9 ... Mon 16.
Tet 2026 is Mon 16-Fri 20 Feb; Hung Kings 2026 Sun 26 Apr observed Mon 27 Apr; 30 Apr is a
Thursday; 1 May a Friday; National Day 2026 is Mon 31 Aug (swapped with Sat 22 Aug), Tue 1 and
Wed 2 Sep; Culture Day 2026 is Tue 24 Nov.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from agencies import calendar as wc
from agencies.calendar import WorkCalendar, national_calendar, parse_working_hours
from agencies.models import CalendarDay
from procedures.models import TimeUnit

VN = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = dt.UTC
WD, CD, H = "working_days", "calendar_days", "hours"

CAL = national_calendar()


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0, tz: dt.tzinfo = VN) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=tz)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    wc.reset_calendar_cache()
    yield
    wc.reset_calendar_cache()


# --- working days -------------------------------------------------------------------------------

IS_WORKING_DAY = [
    pytest.param(dt.date(2026, 3, 6), True, id="ordinary-friday"),
    pytest.param(dt.date(2026, 3, 7), False, id="saturday"),
    pytest.param(dt.date(2026, 3, 8), False, id="sunday"),
    pytest.param(dt.date(2026, 1, 1), False, id="new-year-2026"),
    pytest.param(dt.date(2026, 2, 13), True, id="friday-before-tet-2026"),
    pytest.param(dt.date(2026, 2, 16), False, id="tet-2026-eve-monday"),
    pytest.param(dt.date(2026, 2, 18), False, id="tet-2026-second-day"),
    pytest.param(dt.date(2026, 2, 20), False, id="tet-2026-friday"),
    pytest.param(dt.date(2026, 2, 23), True, id="monday-after-tet-2026"),
    pytest.param(dt.date(2026, 4, 26), False, id="hung-kings-2026-sunday"),
    pytest.param(dt.date(2026, 4, 27), False, id="hung-kings-2026-observed-monday"),
    pytest.param(dt.date(2026, 4, 28), True, id="tuesday-after-hung-kings-2026"),
    pytest.param(dt.date(2026, 4, 30), False, id="reunification-day-2026"),
    pytest.param(dt.date(2026, 5, 1), False, id="labour-day-2026"),
    pytest.param(dt.date(2026, 8, 22), True, id="make-up-saturday-2026"),
    pytest.param(dt.date(2026, 8, 31), False, id="substitute-day-off-2026"),
    pytest.param(dt.date(2026, 9, 1), False, id="national-day-2026-adjacent"),
    pytest.param(dt.date(2026, 9, 2), False, id="national-day-2026"),
    pytest.param(dt.date(2026, 9, 3), True, id="thursday-after-national-day-2026"),
    pytest.param(dt.date(2026, 11, 24), False, id="culture-day-2026"),
    pytest.param(dt.date(2025, 11, 24), True, id="no-culture-day-before-july-2026"),
    pytest.param(dt.date(2025, 1, 27), False, id="tet-2025-observed-monday"),
    pytest.param(dt.date(2025, 2, 3), True, id="monday-after-tet-2025"),
    pytest.param(dt.date(2025, 4, 7), False, id="hung-kings-2025"),
    pytest.param(dt.date(2025, 4, 26), True, id="make-up-saturday-2025"),
    pytest.param(dt.date(2025, 5, 2), False, id="substitute-day-off-2025"),
    pytest.param(dt.date(2025, 9, 1), False, id="national-day-2025-adjacent"),
    pytest.param(dt.date(2025, 9, 2), False, id="national-day-2025"),
    pytest.param(dt.date(2027, 2, 10), False, id="tet-2027-fifth-day"),
    pytest.param(dt.date(2027, 2, 11), True, id="thursday-after-tet-2027"),
    pytest.param(dt.date(2027, 5, 3), False, id="labour-day-2027-observed-monday"),
    pytest.param(dt.date(2027, 9, 3), False, id="national-day-2027-adjacent-friday"),
    pytest.param(dt.date(2027, 11, 24), False, id="culture-day-2027"),
]


@pytest.mark.parametrize(("day", "expected"), IS_WORKING_DAY)
def test_is_working_day(day, expected):
    assert CAL.is_working_day(day) is expected


NEXT_WORKING_DAY = [
    pytest.param(dt.date(2026, 3, 6), dt.date(2026, 3, 9), id="friday-to-monday"),
    pytest.param(dt.date(2026, 3, 7), dt.date(2026, 3, 9), id="saturday-to-monday"),
    pytest.param(dt.date(2026, 3, 9), dt.date(2026, 3, 10), id="monday-to-tuesday"),
    pytest.param(dt.date(2026, 2, 13), dt.date(2026, 2, 23), id="over-tet-2026"),
    pytest.param(dt.date(2026, 4, 24), dt.date(2026, 4, 28), id="over-hung-kings-2026"),
    pytest.param(dt.date(2026, 4, 29), dt.date(2026, 5, 4), id="over-30-april-1-may-2026"),
    pytest.param(dt.date(2026, 8, 21), dt.date(2026, 8, 22), id="to-make-up-saturday"),
    pytest.param(dt.date(2026, 8, 28), dt.date(2026, 9, 3), id="over-national-day-2026"),
    pytest.param(dt.date(2026, 11, 23), dt.date(2026, 11, 25), id="over-culture-day-2026"),
]


@pytest.mark.parametrize(("day", "expected"), NEXT_WORKING_DAY)
def test_next_working_day(day, expected):
    assert CAL.next_working_day(day) == expected


# --- clock start ----------------------------------------------------------------------------------

CLOCK_START = [
    pytest.param(at(2026, 3, 9, 9, 15), at(2026, 3, 9, 9, 15), id="inside-morning"),
    pytest.param(at(2026, 3, 9, 7, 0), at(2026, 3, 9, 7, 0), id="exactly-07:00"),
    pytest.param(at(2026, 3, 9, 6, 0), at(2026, 3, 9, 7, 0), id="before-07:00"),
    pytest.param(at(2026, 3, 9, 11, 30), at(2026, 3, 9, 13, 30), id="exactly-11:30-is-lunch"),
    pytest.param(at(2026, 3, 9, 12, 0), at(2026, 3, 9, 13, 30), id="during-lunch"),
    pytest.param(at(2026, 3, 9, 13, 30), at(2026, 3, 9, 13, 30), id="exactly-13:30"),
    pytest.param(at(2026, 3, 9, 16, 59), at(2026, 3, 9, 16, 59), id="16:59"),
    pytest.param(at(2026, 3, 9, 17, 0), at(2026, 3, 10, 7, 0), id="exactly-17:00-next-morning"),
    pytest.param(at(2026, 3, 6, 17, 30), at(2026, 3, 9, 7, 0), id="friday-evening-to-monday"),
    pytest.param(at(2026, 3, 7, 10, 0), at(2026, 3, 9, 7, 0), id="saturday-to-monday"),
    pytest.param(at(2026, 3, 8, 9, 0), at(2026, 3, 9, 7, 0), id="sunday-to-monday"),
    pytest.param(at(2026, 2, 18, 9, 0), at(2026, 2, 23, 7, 0), id="during-tet-2026"),
    pytest.param(at(2026, 3, 9, 2, 0, UTC), at(2026, 3, 9, 9, 0), id="utc-input-09:00-local"),
    pytest.param(at(2026, 3, 8, 23, 30, UTC), at(2026, 3, 9, 7, 0), id="utc-sunday-is-local-06:30"),
]


@pytest.mark.parametrize(("received", "expected"), CLOCK_START)
def test_clock_start(received, expected):
    result = CAL.clock_start(received)
    assert result == expected
    assert result.tzinfo == VN


# --- due dates ----------------------------------------------------------------------------------

WORKING_DAYS = [
    pytest.param(at(2026, 3, 6, 16, 30), 1, at(2026, 3, 9, 16, 30), id="fri-16:30+1-mon-16:30"),
    pytest.param(at(2026, 3, 9, 7, 0), 1, at(2026, 3, 9, 17, 0), id="mon-07:00+1-stays-mon-17:00"),
    pytest.param(at(2026, 3, 9, 7, 0), 5, at(2026, 3, 13, 17, 0), id="mon-07:00+5-fri-17:00"),
    pytest.param(
        at(2026, 3, 6, 17, 30), 1, at(2026, 3, 9, 17, 0), id="after-17:00-fri+1-mon-17:00"
    ),
    pytest.param(at(2026, 3, 6, 17, 0), 1, at(2026, 3, 9, 17, 0), id="exactly-17:00-fri+1"),
    pytest.param(at(2026, 3, 9, 12, 0), 1, at(2026, 3, 10, 11, 30), id="lunch-mon+1-tue-11:30"),
    pytest.param(at(2026, 3, 9, 11, 30), 1, at(2026, 3, 10, 11, 30), id="exactly-11:30+1"),
    pytest.param(at(2026, 3, 9, 13, 30), 1, at(2026, 3, 10, 11, 30), id="mon-13:30+1-tue-11:30"),
    pytest.param(at(2026, 3, 10, 6, 15), 1, at(2026, 3, 10, 17, 0), id="before-07:00+1-same-day"),
    pytest.param(at(2026, 3, 8, 9, 0), 1, at(2026, 3, 9, 17, 0), id="sunday+1-mon-17:00"),
    pytest.param(at(2026, 3, 7, 9, 0), 2, at(2026, 3, 10, 17, 0), id="saturday+2-tue-17:00"),
    pytest.param(at(2026, 3, 6, 9, 30, UTC), 1, at(2026, 3, 9, 16, 30), id="utc-fri-16:30-local+1"),
    pytest.param(at(2026, 2, 13, 10, 0), 1, at(2026, 2, 23, 10, 0), id="tet-2026-fri+1-skips-week"),
    pytest.param(at(2026, 2, 12, 8, 0), 5, at(2026, 2, 26, 8, 0), id="tet-2026-thu+5"),
    pytest.param(at(2026, 2, 18, 9, 0), 3, at(2026, 2, 25, 17, 0), id="received-during-tet-2026+3"),
    pytest.param(at(2026, 4, 24, 9, 0), 1, at(2026, 4, 28, 9, 0), id="hung-kings-2026-observed"),
    pytest.param(at(2026, 4, 29, 14, 0), 1, at(2026, 5, 4, 14, 0), id="30-april-1-may-2026"),
    pytest.param(at(2026, 4, 24, 9, 0), 3, at(2026, 5, 4, 9, 0), id="hung-kings-to-1-may-2026"),
    pytest.param(at(2026, 8, 28, 16, 0), 1, at(2026, 9, 3, 16, 0), id="national-day-2026"),
    pytest.param(at(2026, 8, 21, 16, 0), 1, at(2026, 8, 22, 16, 0), id="make-up-saturday-2026"),
    pytest.param(at(2026, 11, 23, 13, 30), 1, at(2026, 11, 25, 11, 30), id="culture-day-2026"),
    pytest.param(at(2025, 1, 24, 10, 0), 1, at(2025, 2, 3, 10, 0), id="tet-2025"),
    pytest.param(at(2025, 4, 25, 16, 0), 1, at(2025, 4, 26, 16, 0), id="make-up-saturday-2025"),
    pytest.param(at(2025, 4, 29, 10, 0), 1, at(2025, 5, 5, 10, 0), id="30-april-to-2-may-2025"),
    pytest.param(at(2025, 8, 29, 10, 0), 1, at(2025, 9, 3, 10, 0), id="national-day-2025"),
    pytest.param(at(2027, 2, 3, 9, 0), 1, at(2027, 2, 11, 9, 0), id="tet-2027"),
]


@pytest.mark.parametrize(("start", "days", "expected"), WORKING_DAYS)
def test_add_working_days(start, days, expected):
    result = CAL.add_working_time(start, days, WD)
    assert result == expected
    assert result.tzinfo == VN


HALF_DAYS = [
    pytest.param(at(2026, 3, 9, 7, 0), Decimal("0.5"), at(2026, 3, 9, 11, 0), id="0.5-from-07:00"),
    pytest.param(at(2026, 3, 9, 10, 0), Decimal("0.5"), at(2026, 3, 9, 16, 0), id="0.5-over-lunch"),
    pytest.param(at(2026, 3, 9, 15, 0), 0.5, at(2026, 3, 10, 9, 0), id="0.5-float-over-night"),
    pytest.param(at(2026, 3, 9, 13, 30), Decimal("1.5"), at(2026, 3, 11, 7, 30), id="1.5-days"),
    pytest.param(
        at(2026, 3, 6, 8, 0), Decimal("2.5"), at(2026, 3, 10, 14, 0), id="2.5-over-weekend"
    ),
    pytest.param(at(2026, 2, 13, 13, 30), "0.5", at(2026, 2, 23, 7, 30), id="0.5-string-over-tet"),
]


@pytest.mark.parametrize(("start", "days", "expected"), HALF_DAYS)
def test_add_half_working_days(start, days, expected):
    amount = Decimal(days) if isinstance(days, str) else days
    assert CAL.add_working_time(start, amount, WD) == expected


HOURS = [
    pytest.param(at(2026, 3, 9, 10, 0), 4, at(2026, 3, 9, 16, 0), id="crossing-lunch"),
    pytest.param(at(2026, 3, 9, 16, 0), 4, at(2026, 3, 10, 10, 0), id="crossing-night"),
    pytest.param(at(2026, 3, 6, 15, 0), 3, at(2026, 3, 9, 8, 0), id="crossing-weekend"),
    pytest.param(at(2026, 3, 9, 9, 0), Decimal("2.5"), at(2026, 3, 9, 11, 30), id="ends-at-11:30"),
    pytest.param(at(2026, 3, 6, 15, 0), 2, at(2026, 3, 6, 17, 0), id="ends-at-17:00-stays"),
    pytest.param(at(2026, 3, 10, 10, 0), 24, at(2026, 3, 13, 10, 0), id="24-hours-is-3-days"),
    pytest.param(at(2026, 3, 9, 12, 15), 1, at(2026, 3, 9, 14, 30), id="received-at-lunch"),
    pytest.param(at(2026, 3, 9, 11, 20), Decimal("0.25"), at(2026, 3, 9, 13, 35), id="15-min"),
    pytest.param(at(2026, 4, 30, 10, 0), Decimal("1.5"), at(2026, 5, 4, 8, 30), id="on-holiday"),
    pytest.param(at(2026, 2, 13, 16, 0), 8, at(2026, 2, 23, 16, 0), id="over-tet-2026"),
]


@pytest.mark.parametrize(("start", "hours", "expected"), HOURS)
def test_add_working_hours(start, hours, expected):
    assert CAL.add_working_time(start, hours, H) == expected


CALENDAR_DAYS = [
    pytest.param(at(2026, 3, 9, 10, 0), 4, at(2026, 3, 13, 17, 0), id="ends-friday"),
    pytest.param(at(2026, 3, 9, 10, 0), 5, at(2026, 3, 16, 17, 0), id="ends-saturday-to-monday"),
    pytest.param(at(2026, 3, 9, 10, 0), 6, at(2026, 3, 16, 17, 0), id="ends-sunday-to-monday"),
    pytest.param(at(2026, 3, 9, 10, 0), 0, at(2026, 3, 9, 17, 0), id="zero-days-end-of-day"),
    pytest.param(
        at(2026, 3, 9, 10, 0), Decimal("0.5"), at(2026, 3, 10, 17, 0), id="half-rounds-up"
    ),
    pytest.param(at(2026, 3, 6, 18, 0), 1, at(2026, 3, 10, 17, 0), id="from-next-working-day"),
    pytest.param(at(2026, 2, 12, 9, 0), 5, at(2026, 2, 23, 17, 0), id="ends-in-tet-2026"),
    pytest.param(at(2026, 8, 28, 9, 0), 5, at(2026, 9, 3, 17, 0), id="ends-on-2-september-2026"),
    pytest.param(at(2026, 11, 16, 9, 0), 8, at(2026, 11, 25, 17, 0), id="ends-on-culture-day"),
    pytest.param(at(2026, 8, 14, 10, 0), 8, at(2026, 8, 22, 17, 0), id="ends-on-make-up-saturday"),
    pytest.param(at(2026, 3, 9, 10, 0), 30, at(2026, 4, 8, 17, 0), id="thirty-days"),
]


@pytest.mark.parametrize(("start", "days", "expected"), CALENDAR_DAYS)
def test_add_calendar_days(start, days, expected):
    assert CAL.add_working_time(start, days, CD) == expected


def test_time_unit_choices_are_accepted():
    start = at(2026, 3, 6, 16, 30)
    assert CAL.add_working_time(start, 1, TimeUnit.WORKING_DAYS) == at(2026, 3, 9, 16, 30)
    assert CAL.add_working_time(start, 1, TimeUnit.HOURS) == at(2026, 3, 9, 7, 30)
    assert CAL.add_working_time(start, 1, TimeUnit.CALENDAR_DAYS) == at(2026, 3, 9, 17, 0)


ZERO = [
    pytest.param(at(2026, 3, 9, 17, 0), WD, id="working-days"),
    pytest.param(at(2026, 3, 9, 17, 0), H, id="hours"),
]


@pytest.mark.parametrize(("start", "unit"), ZERO)
def test_adding_zero_keeps_the_due_date(start, unit):
    assert CAL.add_working_time(start, 0, unit) == start
    assert CAL.add_working_seconds(start, 0) == start


INVALID = [
    pytest.param(dt.datetime(2026, 3, 9, 10, 0), 1, WD, ValueError, id="naive-datetime"),
    pytest.param(at(2026, 3, 9, 10), -1, WD, ValueError, id="negative"),
    pytest.param(at(2026, 3, 9, 10), float("nan"), H, ValueError, id="nan"),
    pytest.param(at(2026, 3, 9, 10), 1, "weeks", ValueError, id="unknown-unit"),
]


@pytest.mark.parametrize(("start", "amount", "unit", "error"), INVALID)
def test_invalid_input(start, amount, unit, error):
    with pytest.raises(error):
        CAL.add_working_time(start, amount, unit)


def test_is_working_day_refuses_a_datetime():
    with pytest.raises(TypeError):
        CAL.is_working_day(at(2026, 3, 9, 10))


# --- working time between, pause and resume --------------------------------------------------------

BETWEEN = [
    pytest.param(at(2026, 3, 9, 10, 0), at(2026, 3, 9, 14, 0), 2 * 3600, id="over-lunch"),
    pytest.param(at(2026, 3, 9, 12, 0), at(2026, 3, 9, 13, 0), 0, id="inside-lunch"),
    pytest.param(at(2026, 3, 6, 16, 0), at(2026, 3, 9, 8, 0), 2 * 3600, id="over-weekend"),
    pytest.param(at(2026, 3, 9, 7, 0), at(2026, 3, 9, 17, 0), 8 * 3600, id="one-full-day"),
    pytest.param(at(2026, 3, 9, 7, 0), at(2026, 3, 10, 7, 0), 8 * 3600, id="to-next-morning"),
    pytest.param(at(2026, 3, 9, 6, 0), at(2026, 3, 16, 18, 0), 6 * 8 * 3600, id="six-days"),
    pytest.param(at(2026, 2, 13, 16, 0), at(2026, 2, 23, 8, 0), 2 * 3600, id="over-tet-2026"),
    pytest.param(at(2026, 3, 9, 14, 0), at(2026, 3, 9, 10, 0), 0, id="reversed-is-zero"),
    pytest.param(at(2026, 3, 7, 8, 0), at(2026, 3, 8, 16, 0), 0, id="weekend-only"),
    pytest.param(at(2026, 3, 9, 3, 0, UTC), at(2026, 3, 9, 7, 0, UTC), 2 * 3600, id="utc-inputs"),
]


@pytest.mark.parametrize(("start", "end", "seconds"), BETWEEN)
def test_working_seconds_between(start, end, seconds):
    assert CAL.working_seconds_between(start, end) == seconds


PAUSES = [
    # old due, supplement requested, resubmitted, pause (working s), new due
    pytest.param(
        at(2026, 3, 16, 16, 30),
        at(2026, 3, 10, 10, 0),
        at(2026, 3, 12, 10, 0),
        16 * 3600,
        at(2026, 3, 18, 16, 30),
        id="two-working-days",
    ),
    pytest.param(
        at(2026, 3, 10, 17, 0),
        at(2026, 3, 6, 15, 0),
        at(2026, 3, 9, 9, 0),
        4 * 3600,
        at(2026, 3, 11, 11, 0),
        id="over-weekend-due-at-17:00",
    ),
    pytest.param(
        at(2026, 3, 9, 17, 0),
        at(2026, 3, 9, 12, 0),
        at(2026, 3, 9, 13, 0),
        0,
        at(2026, 3, 9, 17, 0),
        id="lunch-only-pause-changes-nothing",
    ),
    pytest.param(
        at(2026, 2, 24, 10, 0),
        at(2026, 2, 13, 15, 0),
        at(2026, 2, 23, 9, 0),
        4 * 3600,
        at(2026, 2, 24, 16, 0),
        id="over-tet-2026",
    ),
]


@pytest.mark.parametrize(("old_due", "paused", "resumed", "pause", "new_due"), PAUSES)
def test_pause_and_resume(old_due, paused, resumed, pause, new_due):
    assert CAL.working_seconds_between(paused, resumed) == pause
    assert CAL.add_working_seconds(old_due, pause) == new_due


# --- construction ---------------------------------------------------------------------------------


def test_calendar_from_a_plain_holiday_set():
    calendar = WorkCalendar(holidays={dt.date(2026, 3, 10)})
    assert calendar.add_working_time(at(2026, 3, 9, 16, 0), 1, WD) == at(2026, 3, 11, 16, 0)
    # Without a provider, no national holiday is known.
    assert calendar.is_working_day(dt.date(2026, 9, 2))


def test_custom_working_hours():
    calendar = WorkCalendar(working_hours=[("08:00", "12:00")])
    assert calendar.working_day_length == dt.timedelta(hours=4)
    assert calendar.add_working_time(at(2026, 3, 9, 10, 0), 1, WD) == at(2026, 3, 10, 10, 0)
    assert calendar.clock_start(at(2026, 3, 9, 12, 0)) == at(2026, 3, 10, 8, 0)


BAD_HOURS = [
    pytest.param([], id="empty"),
    pytest.param([("11:30", "07:00")], id="backwards"),
    pytest.param([("07:00", "12:00"), ("11:00", "17:00")], id="overlapping"),
    pytest.param([("07:00",)], id="not-a-pair"),
    pytest.param([("7h", "11h")], id="not-a-time"),
]


@pytest.mark.parametrize("hours", BAD_HOURS)
def test_bad_working_hours(hours):
    with pytest.raises(ValueError):  # noqa: PT011 - the message varies by case
        parse_working_hours(hours)


# --- database: overrides and the cached calendar ----------------------------------------------------

OVERRIDES = [
    pytest.param(
        dt.date(2026, 3, 7), True, at(2026, 3, 7, 16, 30), id="saturday-made-a-working-day"
    ),
    pytest.param(dt.date(2026, 3, 9), False, at(2026, 3, 10, 16, 30), id="monday-made-a-day-off"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("day", "working", "expected"), OVERRIDES)
def test_override_changes_due_dates(day, working, expected):
    CalendarDay.objects.create(date=day, is_working_day=working, name="override")
    assert wc.is_working_day(day) is working
    assert wc.add_working_time(at(2026, 3, 6, 16, 30), 1, WD) == expected


OVERRIDE_WINS = [
    pytest.param(dt.date(2026, 2, 16), True, id="over-tet-holiday"),
    pytest.param(dt.date(2026, 8, 22), False, id="over-make-up-saturday"),
    pytest.param(dt.date(2026, 3, 9), False, id="over-ordinary-weekday"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("day", "working"), OVERRIDE_WINS)
def test_override_wins_over_everything(day, working):
    assert wc.is_working_day(day) is not working
    CalendarDay.objects.create(date=day, is_working_day=working)
    assert wc.is_working_day(day) is working


@pytest.mark.django_db
def test_cache_is_invalidated_on_save_and_delete():
    saturday = dt.date(2026, 3, 7)
    assert wc.next_working_day(dt.date(2026, 3, 6)) == dt.date(2026, 3, 9)
    override = CalendarDay.objects.create(date=saturday, is_working_day=True)
    assert wc.next_working_day(dt.date(2026, 3, 6)) == saturday
    override.is_working_day = False
    override.save()
    assert not wc.is_working_day(saturday)
    override.delete()
    assert not wc.is_working_day(saturday)
    CalendarDay.objects.create(date=saturday, is_working_day=True)
    assert wc.is_working_day(saturday)


@pytest.mark.django_db
def test_calendar_is_cached_until_invalidated():
    first = wc.get_calendar()
    assert wc.get_calendar() is first
    cache.set(wc.CACHE_VERSION_KEY, "changed-by-another-process")
    assert wc.get_calendar() is not first


@pytest.mark.django_db
def test_rolled_back_override_does_not_stay_cached():
    saturday = dt.date(2026, 3, 7)
    seen_inside = []

    def create_then_roll_back():
        with transaction.atomic():
            CalendarDay.objects.create(date=saturday, is_working_day=True)
            seen_inside.append(wc.is_working_day(saturday))
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError, match="roll back"):
        create_then_roll_back()
    assert seen_inside == [True]
    assert not wc.is_working_day(saturday)


@pytest.mark.django_db(transaction=True)
def test_committed_override_is_cached_again():
    saturday = dt.date(2026, 3, 7)
    CalendarDay.objects.create(date=saturday, is_working_day=True)
    calendar = wc.get_calendar()
    assert calendar.is_working_day(saturday)
    assert wc.get_calendar() is calendar


@pytest.mark.django_db
@override_settings(PORTAL_WORKING_HOURS=[("08:00", "12:00"), ("13:00", "17:00")])
def test_working_hours_setting():
    assert wc.clock_start(at(2026, 3, 9, 7, 30)) == at(2026, 3, 9, 8, 0)
    assert wc.clock_start(at(2026, 3, 9, 12, 30)) == at(2026, 3, 9, 13, 0)
    assert wc.add_working_time(at(2026, 3, 6, 16, 30), 1, WD) == at(2026, 3, 9, 16, 30)


# --- properties ---------------------------------------------------------------------------------

starts = st.datetimes(
    min_value=dt.datetime(2025, 1, 1),
    max_value=dt.datetime(2027, 10, 31),
    timezones=st.sampled_from([VN, UTC]),
)
seconds = st.integers(min_value=0, max_value=300 * 3600)

INTERVALS = ((dt.time(7, 0), dt.time(11, 30)), (dt.time(13, 30), dt.time(17, 0)))


@given(start=starts, amount=st.integers(min_value=1, max_value=300 * 3600))
def test_due_is_inside_working_hours_of_a_working_day(start, amount):
    due = CAL.add_working_seconds(start, amount)
    assert due > start
    assert due.tzinfo == VN
    assert CAL.is_working_day(due.date())
    assert any(begin < due.time() <= end for begin, end in INTERVALS)


@given(start=starts, a=seconds, b=seconds)
def test_adding_a_then_b_equals_adding_a_plus_b(start, a, b):
    assert CAL.add_working_seconds(CAL.add_working_seconds(start, a), b) == (
        CAL.add_working_seconds(start, a + b)
    )


@given(start=starts, amount=seconds)
def test_working_time_between_start_and_due_is_the_amount(start, amount):
    assert CAL.working_seconds_between(start, CAL.add_working_seconds(start, amount)) == amount


@given(start=starts, days=st.integers(min_value=0, max_value=60))
def test_working_days_are_eight_working_hours(start, days):
    assert CAL.add_working_time(start, days, WD) == CAL.add_working_time(start, 8 * days, H)


@given(start=starts)
def test_clock_start_is_idempotent_and_in_working_time(start):
    begin = CAL.clock_start(start)
    assert begin >= start
    assert CAL.is_working_time(begin)
    assert CAL.clock_start(begin) == begin
    assert CAL.working_seconds_between(start, begin) == 0

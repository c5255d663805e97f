"""The working-time calendar: due dates of dossiers (docs/domain.md section 4, "Due dates").

The arithmetic lives in :class:`WorkCalendar`, which is pure: it never touches the database.
It is built from

* the national public holidays (the ``holidays`` package, loaded lazily per year),
* the make-up working Saturdays the Government announced together with a substitute day off,
* the administrator's :class:`agencies.models.CalendarDay` overrides, which win over everything,
* the working hours (setting ``PORTAL_WORKING_HOURS``, default 07:00-11:30 and 13:30-17:00).

:func:`get_calendar` returns a cached calendar for the whole process; the cache is dropped when a
``CalendarDay`` is saved or deleted (``agencies/signals.py``), in every process that shares the
Django cache (a version stamp is kept there).

Public holidays
---------------
``holidays.country_holidays("VN", years=...)`` (checked with holidays 0.108) returns, besides the
fixed days, the lunar ones and the observed / substitute days, e.g.:

* 2025: 1 Jan; Tet 27 Jan-1 Feb (1 Feb is a Saturday, observed on Mon 27 Jan); Hung Kings Mon
  7 Apr; 30 Apr; 1 May; Fri 2 May (substitute day off, made up on Sat 26 Apr); 1-2 Sep.
* 2026: 1 Jan; Tet Mon 16-Fri 20 Feb; Hung Kings Sun 26 Apr, observed Mon 27 Apr; 30 Apr; 1 May;
  Mon 31 Aug (substitute day off, made up on Sat 22 Aug); 1-2 Sep; Culture Day Tue 24 Nov.
* 2027: 1 Jan; Tet Thu 4-Wed 10 Feb (weekdays 4, 5, 8, 9, 10 Feb); Hung Kings Fri 16 Apr; 30 Apr;
  1 May (Sat) observed Mon 3 May; 2-3 Sep; Culture Day Wed 24 Nov.

Culture Day (24 Nov, from 1 July 2026) is added here should the installed package lack it. The
package lists a substitute day off but not the Saturday worked in exchange, so the make-up
Saturdays are read from its table of special days (see :func:`vietnam_makeup_working_days`);
otherwise those weeks would be one working day short.

Rules
-----
* A working day is a day that is not Saturday, Sunday or a public holiday, unless an override says
  otherwise (make-up Saturday: working; extra substitute day off: not working).
* The clock starts (:meth:`WorkCalendar.clock_start`) inside working hours at the instant itself;
  during the lunch break at 13:30; before 07:00 of a working day at 07:00; after 17:00 or on a
  non-working day at 07:00 of the next working day. Intervals are half-open ``[start, end)``: a
  dossier received at exactly 11:30 starts at 13:30, at exactly 17:00 the next working morning.
* A due date is the EARLIEST instant at which the amount of working time has elapsed. So it may
  be the end of an interval: it stays at 17:00 (or 11:30), never jumps to the next morning.
  "Friday 16:30 + 1 working day" is Monday 16:30; "received Friday 17:30 + 1 working day" is
  Monday 17:00 (the same working-time instant as Tuesday 07:00, but still "on Monday").
* ``working_days``: each working day is the length of the working hours (8 h), counted from the
  clock start; fractions are allowed (0.5 working day = 4 working hours).
* ``hours``: working hours, counted from the clock start.
* ``calendar_days``: the days are added to the DATE of the clock start; a result on a
  non-working day moves to the next working day; the due time is the end of that working day
  (17:00). A fractional number of calendar days is rounded up (legal limits are whole days).
* Adding zero returns the start unchanged (a pause of zero does not move a due date).
* Durations are kept with microsecond precision internally; ``working_seconds_between`` returns
  whole seconds (rounded down).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import math
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final
from zoneinfo import ZoneInfo

import holidays

logger = logging.getLogger(__name__)

LOCAL_TIME_ZONE: Final = "Asia/Ho_Chi_Minh"
DEFAULT_WORKING_HOURS: Final[tuple[tuple[str, str], ...]] = (("07:00", "11:30"), ("13:30", "17:00"))
CULTURE_DAY_FROM: Final = dt.date(2026, 7, 1)
CULTURE_DAY_NAME: Final = "Ngày Văn hóa Việt Nam"
MAKEUP_DAY_NAME: Final = "Ngày làm việc bù"

UNIT_WORKING_DAYS: Final = "working_days"
UNIT_CALENDAR_DAYS: Final = "calendar_days"
UNIT_HOURS: Final = "hours"
TIME_UNITS: Final = frozenset({UNIT_WORKING_DAYS, UNIT_CALENDAR_DAYS, UNIT_HOURS})

_US_PER_SECOND: Final = 1_000_000
_US_PER_HOUR: Final = 3600 * _US_PER_SECOND
# A calendar without any working day in ten years is a configuration error, not a calendar.
_MAX_SCAN_DAYS: Final = 3660

Number = int | float | Decimal
WorkingHours = tuple[tuple[dt.time, dt.time], ...]
HolidayProvider = Callable[[int], Mapping[dt.date, str] | Iterable[dt.date]]


# --- National data (no database) --------------------------------------------------------------


def vietnam_public_holidays(year: int) -> dict[dt.date, str]:
    """Vietnam's public holidays of ``year`` with their Vietnamese names.

    Lunar holidays, observed days and announced substitute days off come from the ``holidays``
    package; Culture Day (24 Nov, from 1 July 2026) is added if the package lacks it.
    """
    days: dict[dt.date, str] = dict(holidays.country_holidays("VN", years=year, language="vi"))
    culture_day = dt.date(year, 11, 24)
    if culture_day >= CULTURE_DAY_FROM and culture_day not in days:
        days[culture_day] = CULTURE_DAY_NAME
    return days


_makeup_days: dict[dt.date, str] | None = None


def vietnam_makeup_working_days() -> dict[dt.date, str]:
    """Weekend days worked in exchange for a substitute day off (e.g. Sat 22 Aug 2026).

    The ``holidays`` package lists the substitute day off (Mon 31 Aug 2026) but not the Saturday
    worked for it; both are in its ``VietnamStaticHolidays.special_public_holidays`` table as
    ``(month, day, from_month, from_day[, from_year])``. Should that internal table change shape,
    this returns what it could read and logs a warning; administrators can always enter make-up
    days as ``CalendarDay`` overrides.
    """
    global _makeup_days
    if _makeup_days is not None:
        return _makeup_days
    result: dict[dt.date, str] = {}
    try:
        from holidays.countries.vietnam import VietnamStaticHolidays

        table: dict[int, Any] = VietnamStaticHolidays.special_public_holidays
        for year, entries in table.items():
            rows = (entries,) if entries and isinstance(entries[0], int) else entries
            for row in rows:
                if len(row) == 4:
                    from_year, from_month, from_day = year, row[2], row[3]
                elif len(row) == 5:
                    from_month, from_day, from_year = row[2], row[3], row[4]
                else:
                    continue
                day = dt.date(from_year, from_month, from_day)
                if day.weekday() >= 5:  # a weekday is a working day anyway
                    result[day] = MAKEUP_DAY_NAME
    except (ImportError, AttributeError, TypeError, ValueError, IndexError):
        logger.warning("Could not read make-up working days from the holidays package")
    _makeup_days = result
    return result


def parse_working_hours(pairs: Iterable[Sequence[str | dt.time]]) -> WorkingHours:
    """Parse ``[("07:00", "11:30"), ("13:30", "17:00")]`` into sorted, disjoint time intervals.

    Raises ``ValueError`` for an empty list, an interval that does not end after it starts, or
    overlapping intervals.
    """
    intervals: list[tuple[dt.time, dt.time]] = []
    for pair in pairs:
        if len(pair) != 2:
            raise ValueError(f"A working-hours interval is a (start, end) pair, got {pair!r}")
        start, end = (v if isinstance(v, dt.time) else dt.time.fromisoformat(v) for v in pair)
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("Working hours are local times without a time zone")
        if end <= start:
            raise ValueError(f"Working-hours interval {pair!r} must end after it starts")
        intervals.append((start, end))
    if not intervals:
        raise ValueError("At least one working-hours interval is needed")
    intervals.sort()
    for (_, end), (next_start, _) in itertools.pairwise(intervals):
        if next_start < end:
            raise ValueError("Working-hours intervals overlap")
    return tuple(intervals)


def _us_of_time(value: dt.time) -> int:
    return (
        (value.hour * 3600 + value.minute * 60 + value.second) * _US_PER_SECOND
    ) + value.microsecond


def _to_decimal(amount: Number) -> Decimal:
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"Not a number: {amount!r}") from exc
    if not value.is_finite() or value < 0:
        raise ValueError(f"A duration must be a finite, non-negative number, got {amount!r}")
    return value


def _decimal_to_int(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- The calendar -----------------------------------------------------------------------------


class WorkCalendar:
    """Working days and working hours, and due-date arithmetic on them.

    ``holidays`` is a fixed set of public holidays (a mapping date -> name also works);
    ``holiday_provider(year)`` adds the holidays of a year the first time that year is needed.
    ``makeup_working_days`` are weekend days that are working days (announced swaps).
    ``overrides`` (date -> is working day) win over everything else.
    All datetimes must be timezone-aware; results are in ``tz`` (Asia/Ho_Chi_Minh by default).
    """

    def __init__(
        self,
        *,
        holidays: Iterable[dt.date] = (),
        overrides: Mapping[dt.date, bool] | None = None,
        working_hours: Iterable[Sequence[str | dt.time]] = DEFAULT_WORKING_HOURS,
        makeup_working_days: Iterable[dt.date] = (),
        holiday_provider: HolidayProvider | None = None,
        tz: dt.tzinfo | None = None,
    ) -> None:
        self.tz: dt.tzinfo = tz or ZoneInfo(LOCAL_TIME_ZONE)
        self.working_hours: WorkingHours = parse_working_hours(working_hours)
        self._intervals: tuple[tuple[int, int], ...] = tuple(
            (_us_of_time(start), _us_of_time(end)) for start, end in self.working_hours
        )
        self._day_us: int = sum(end - start for start, end in self._intervals)
        self._holidays: set[dt.date] = set(holidays)
        self._makeup: frozenset[dt.date] = frozenset(makeup_working_days)
        self._overrides: dict[dt.date, bool] = dict(overrides or {})
        self._provider = holiday_provider
        self._loaded_years: set[int] = set()
        self._lock = threading.Lock()

    # -- days --

    @property
    def working_day_length(self) -> dt.timedelta:
        """Working time in one working day (8 h by default)."""
        return dt.timedelta(microseconds=self._day_us)

    @property
    def day_start(self) -> dt.time:
        return self.working_hours[0][0]

    @property
    def day_end(self) -> dt.time:
        return self.working_hours[-1][1]

    def _ensure_year(self, year: int) -> None:
        if self._provider is None or year in self._loaded_years:
            return
        with self._lock:
            if year not in self._loaded_years:
                self._holidays.update(self._provider(year))
                self._loaded_years.add(year)

    def is_holiday(self, day: dt.date) -> bool:
        """Whether ``day`` is a public holiday (before overrides)."""
        self._ensure_year(day.year)
        return day in self._holidays

    def is_working_day(self, day: dt.date) -> bool:
        """Override if any; else make-up working day; else not a holiday nor a weekend day."""
        if isinstance(day, dt.datetime):
            raise TypeError("is_working_day takes a date; use .astimezone(tz).date() first")
        override = self._overrides.get(day)
        if override is not None:
            return override
        if day in self._makeup:
            return True
        return day.weekday() < 5 and not self.is_holiday(day)

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        candidate = day
        for _ in range(_MAX_SCAN_DAYS):
            candidate += dt.timedelta(days=1)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"No working day within {_MAX_SCAN_DAYS} days after {day}")

    def working_day_on_or_after(self, day: dt.date) -> dt.date:
        return day if self.is_working_day(day) else self.next_working_day(day)

    # -- instants --

    def local(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` in the local zone; naive datetimes are refused."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("Naive datetime: the calendar needs timezone-aware datetimes")
        return moment.astimezone(self.tz)

    def _at(self, day: dt.date, us_of_day: int) -> dt.datetime:
        seconds, micro = divmod(us_of_day, _US_PER_SECOND)
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        return dt.datetime.combine(day, dt.time(hours, minutes, secs, micro), tzinfo=self.tz)

    def clock_start(self, received_at: dt.datetime) -> dt.datetime:
        """Where the processing clock starts for a dossier received at ``received_at``.

        Inside working hours: the instant itself. Before an interval of a working day (early
        morning, lunch break): the start of that interval. At or after the end of the day, or on
        a non-working day: the start of the next working day.
        """
        moment = self.local(received_at)
        day = moment.date()
        if self.is_working_day(day):
            now = _us_of_time(moment.timetz().replace(tzinfo=None))
            for start, end in self._intervals:
                if now < start:
                    return self._at(day, start)
                if now < end:
                    return moment
        return self._at(self.next_working_day(day), self._intervals[0][0])

    def end_of_working_day(self, day: dt.date) -> dt.datetime:
        """The end of the last working interval of ``day`` (17:00 by default)."""
        return self._at(day, self._intervals[-1][1])

    def _add_us(self, start: dt.datetime, amount_us: int) -> dt.datetime:
        if amount_us < 0:
            raise ValueError("Cannot add a negative amount of working time")
        if amount_us == 0:
            return self.local(start)
        origin = self.clock_start(start)
        day = origin.date()
        now = _us_of_time(origin.timetz().replace(tzinfo=None))
        remaining = amount_us
        while True:
            for start_us, end_us in self._intervals:
                if now >= end_us:
                    continue
                begin = max(now, start_us)
                available = end_us - begin
                if remaining <= available:
                    return self._at(day, begin + remaining)
                remaining -= available
            day = self.next_working_day(day)
            now = 0
            # Whole working days at once; strictly greater so that an exact number of days
            # still ends at 17:00 of the last day.
            while remaining > self._day_us:
                remaining -= self._day_us
                day = self.next_working_day(day)

    def add_working_seconds(self, start: dt.datetime, seconds: Number) -> dt.datetime:
        """``start`` plus ``seconds`` of working time (the earliest instant it has elapsed)."""
        amount_us = _decimal_to_int(_to_decimal(seconds) * _US_PER_SECOND)
        return self._add_us(start, amount_us)

    def add_working_time(self, start: dt.datetime, amount: Number, unit: str) -> dt.datetime:
        """The due date of a time limit of ``amount`` ``unit`` counted from ``start``.

        ``unit`` is one of ``procedures.models.TimeUnit``: "working_days", "calendar_days",
        "hours". See the module docstring for the rules.
        """
        value = _to_decimal(amount)
        if unit == UNIT_WORKING_DAYS:
            return self._add_us(start, _decimal_to_int(value * self._day_us))
        if unit == UNIT_HOURS:
            return self._add_us(start, _decimal_to_int(value * _US_PER_HOUR))
        if unit == UNIT_CALENDAR_DAYS:
            days = math.ceil(value)
            target = self.clock_start(start).date() + dt.timedelta(days=days)
            return self.end_of_working_day(self.working_day_on_or_after(target))
        raise ValueError(f"Unknown time unit {unit!r}; expected one of {sorted(TIME_UNITS)}")

    def working_seconds_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Whole seconds of working time between two instants (0 if ``end`` <= ``start``)."""
        first, last = self.local(start), self.local(end)
        if last <= first:
            return 0
        total_us = 0
        day = first.date()
        last_day = last.date()
        first_us = _us_of_time(first.timetz().replace(tzinfo=None))
        last_us = _us_of_time(last.timetz().replace(tzinfo=None))
        while day <= last_day:
            if self.is_working_day(day):
                low = first_us if day == first.date() else 0
                high = last_us if day == last_day else self._intervals[-1][1]
                for start_us, end_us in self._intervals:
                    total_us += max(0, min(end_us, high) - max(start_us, low))
            day += dt.timedelta(days=1)
        return total_us // _US_PER_SECOND

    def is_working_time(self, moment: dt.datetime) -> bool:
        """Whether ``moment`` is within working hours ``[start, end)`` of a working day."""
        local = self.local(moment)
        if not self.is_working_day(local.date()):
            return False
        now = _us_of_time(local.timetz().replace(tzinfo=None))
        return any(start <= now < end for start, end in self._intervals)


def national_calendar(
    *,
    overrides: Mapping[dt.date, bool] | None = None,
    working_hours: Iterable[Sequence[str | dt.time]] = DEFAULT_WORKING_HOURS,
    tz: dt.tzinfo | None = None,
) -> WorkCalendar:
    """A calendar with Vietnam's public holidays and make-up days, without touching the DB."""
    return WorkCalendar(
        overrides=overrides,
        working_hours=working_hours,
        makeup_working_days=vietnam_makeup_working_days(),
        holiday_provider=vietnam_public_holidays,
        tz=tz,
    )


# --- The cached, database-backed calendar -------------------------------------------------------

CACHE_VERSION_KEY: Final = "agencies:calendar:version"
_cache_lock = threading.Lock()
_cached: tuple[str, WorkCalendar] | None = None
# Set while a CalendarDay change may be uncommitted (or was rolled back): the calendar is then
# rebuilt on every call instead of cached, so a rolled-back override can never stay cached.
_uncommitted_change = False


def load_overrides() -> dict[dt.date, bool]:
    """The administrator's ``CalendarDay`` overrides, date -> is working day."""
    from agencies.models import CalendarDay

    return dict(CalendarDay.objects.values_list("date", "is_working_day"))


def build_calendar() -> WorkCalendar:
    """A fresh calendar from the settings, the package and the database."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    hours = getattr(settings, "PORTAL_WORKING_HOURS", DEFAULT_WORKING_HOURS)
    try:
        working_hours = parse_working_hours(hours)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"PORTAL_WORKING_HOURS: {exc}") from exc
    return national_calendar(
        overrides=load_overrides(),
        working_hours=working_hours,
        tz=ZoneInfo(settings.TIME_ZONE or LOCAL_TIME_ZONE),
    )


def _current_version() -> str:
    from django.core.cache import cache

    version = cache.get(CACHE_VERSION_KEY)
    if version is None:
        cache.add(CACHE_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(CACHE_VERSION_KEY) or ""
    return str(version)


def get_calendar() -> WorkCalendar:
    """The process-wide calendar, rebuilt after a ``CalendarDay`` changed in any process.

    The calendar is cached in the process; a version stamp in the Django cache tells whether
    another process invalidated it (one cache read per call).
    """
    global _cached
    if _uncommitted_change:
        return build_calendar()
    version = _current_version()
    cached = _cached
    if cached is not None and cached[0] == version:
        return cached[1]
    with _cache_lock:
        if _cached is not None and _cached[0] == version:
            return _cached[1]
        calendar = build_calendar()
        _cached = (version, calendar)
        return calendar


def invalidate_calendar_cache() -> None:
    """Forget the cached calendar here and, through the Django cache, in other processes.

    The ``CalendarDay`` signals call it (through :func:`calendar_day_changed`); call it yourself
    after bulk changes (``QuerySet.update``, ``bulk_create``), which send no signals.
    """
    global _cached
    from django.core.cache import cache

    with _cache_lock:
        _cached = None
    cache.set(CACHE_VERSION_KEY, uuid.uuid4().hex, timeout=None)


def _change_committed() -> None:
    global _uncommitted_change
    _uncommitted_change = False
    invalidate_calendar_cache()


def calendar_day_changed(*, using: str) -> None:
    """A ``CalendarDay`` was saved or deleted on database ``using``.

    Invalidates at once (this process sees its own uncommitted change) and again on commit (other
    processes must not cache the old overrides in between). Until that commit the calendar is
    not cached at all, so that a rolled-back change cannot linger in the cache.
    """
    global _uncommitted_change
    from django.db import transaction

    if transaction.get_connection(using).in_atomic_block:
        _uncommitted_change = True
        transaction.on_commit(_change_committed, using=using)
    invalidate_calendar_cache()


def reset_calendar_cache() -> None:
    """Start afresh (tests): forget the cache and any pending uncommitted change."""
    global _uncommitted_change
    _uncommitted_change = False
    invalidate_calendar_cache()


# --- Shortcuts on the process-wide calendar ------------------------------------------------------


def clock_start(received_at: dt.datetime) -> dt.datetime:
    return get_calendar().clock_start(received_at)


def add_working_time(start: dt.datetime, amount: Number, unit: str) -> dt.datetime:
    return get_calendar().add_working_time(start, amount, unit)


def add_working_seconds(start: dt.datetime, seconds: Number) -> dt.datetime:
    return get_calendar().add_working_seconds(start, seconds)


def working_seconds_between(start: dt.datetime, end: dt.datetime) -> int:
    return get_calendar().working_seconds_between(start, end)


def is_working_day(day: dt.date) -> bool:
    return get_calendar().is_working_day(day)


def next_working_day(day: dt.date) -> dt.date:
    return get_calendar().next_working_day(day)

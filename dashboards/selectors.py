"""Reads for the dashboards, scoped: a national official sees everything, a province
official the province and its communes, a ministry official the ministry's own agencies.
Anything outside the scope is a 404 (never a 403 that confirms it exists)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, AgencyLevel, Province
from procedures.models import ChannelKind, Fee, OnlineLevel, Procedure, ProcedureVersion

from .index import IndexInputs
from .models import (
    ATTACHMENT_COUNTERS,
    FACT_COUNTERS,
    AreaFact,
    AreaMonthFact,
    CertifiedCopyFact,
    ComplaintFact,
    DashboardScope,
    DraftFact,
    MonthlyFact,
    ProcedureMonthFact,
    ScopeLevel,
)
from .rollups import histogram_quantile

COUNTERS = (*FACT_COUNTERS, *ATTACHMENT_COUNTERS)


# --- periods ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    key: str
    start: dt.date  # first month
    end: dt.date  # first day after the period

    @property
    def label(self) -> str:
        return self.key

    def previous(self) -> Period:
        """The period of the same kind just before: the month, quarter or year before."""
        if len(self.key) == 4:
            return Period(
                str(self.start.year - 1), self.start.replace(year=self.start.year - 1), self.start
            )
        if "-Q" in self.key:
            quarter = (self.start.month - 1) // 3 + 1
            year = self.start.year - (quarter == 1)
            quarter = 4 if quarter == 1 else quarter - 1
            return Period(f"{year}-Q{quarter}", dt.date(year, 3 * quarter - 2, 1), self.start)
        start = (self.start - dt.timedelta(days=1)).replace(day=1)
        return Period(f"{start.year}-{start.month:02d}", start, self.start)

    def months(self) -> list[dt.date]:
        months, month = [], self.start
        while month < self.end:
            months.append(month)
            month = (month + dt.timedelta(days=32)).replace(day=1)
        return months


def period_parse(value: str | None) -> Period:
    """'2026' (year), '2026-Q2' (quarter), '2026-03' (month); default: this year."""
    today = timezone.localdate()
    period = period_parse_strict(value)
    if period is not None:
        return period
    year = today.year
    return Period(str(year), dt.date(year, 1, 1), dt.date(year + 1, 1, 1))


def period_parse_strict(value: str | None) -> Period | None:
    """The period written in `value`, this year when empty, None when it is not a period
    (the PDF summary says so instead of printing another period than the one asked for)."""
    value = (value or "").strip().upper()
    today = timezone.localdate()
    if not value:
        value = str(today.year)
    if match := re.fullmatch(r"([0-9]{4})-([0-9]{2})", value):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12 and 2000 <= year <= 2100:
            start = dt.date(year, month, 1)
            return Period(value, start, (start + dt.timedelta(days=32)).replace(day=1))
    if match := re.fullmatch(r"([0-9]{4})-Q([1-4])", value):
        year, quarter = int(match[1]), int(match[2])
        if 2000 <= year <= 2100:
            start = dt.date(year, 3 * quarter - 2, 1)
            end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
            return Period(value, start, end)
    if re.fullmatch(r"[0-9]{4}", value) and 2000 <= int(value) <= 2100:
        year = int(value)
        return Period(value, dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    return None


def period_choices() -> list[tuple[str, str]]:
    today = timezone.localdate()
    choices: list[tuple[str, str]] = []
    for year in (today.year, today.year - 1):
        choices.append((str(year), str(_("Year %(year)s") % {"year": year})))
        for quarter in (4, 3, 2, 1):
            if year < today.year or 3 * quarter - 2 <= today.month:
                key = f"{year}-Q{quarter}"
                choices.append(
                    (key, str(_("Quarter %(q)s/%(year)s") % {"q": quarter, "year": year}))
                )
        for month in range(12, 0, -1):
            if year < today.year or month <= today.month:
                key = f"{year}-{month:02d}"
                choices.append((key, str(_("Month %(m)s/%(year)s") % {"m": month, "year": year})))
    return choices


# --- scope and units ----------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """What a page is about: the nation, a province, a ministry or one agency."""

    kind: str  # national | province | ministry | agency
    pk: int | None
    name: str
    province_id: int | None = None
    ministry_id: int | None = None
    code: str = ""

    @property
    def key(self) -> int:
        """The primary key of a province, ministry or agency unit."""
        if self.pk is None:
            raise Http404
        return self.pk

    @property
    def slug(self) -> str:
        return "national" if self.kind == "national" else f"{self.kind}-{self.pk}"


NATIONAL = Unit("national", None, "")


def user_scopes(user: Any) -> list[DashboardScope]:
    if not user.is_authenticated:
        return []
    if user.is_superuser:
        return [DashboardScope(user=user, level=ScopeLevel.NATIONAL)]
    return list(DashboardScope.objects.filter(user=user))


def home_unit(user: Any) -> Unit:
    scopes = user_scopes(user)
    if not scopes:
        raise Http404
    for scope in scopes:
        if scope.level == ScopeLevel.NATIONAL:
            return national_unit()
    scope = scopes[0]
    if scope.level == ScopeLevel.PROVINCE:
        return unit_get(user=user, kind="province", pk=scope.province_id)
    return unit_get(user=user, kind="ministry", pk=scope.ministry_id)


def national_unit() -> Unit:
    return Unit("national", None, str(_("Whole country")))


def _agency_ministry(agency: Agency) -> int | None:
    if agency.parent_id and agency.parent and agency.parent.level == AgencyLevel.MINISTRY:
        return agency.parent_id
    if agency.level == AgencyLevel.MINISTRY:
        return agency.pk
    return None


def unit_visible(user: Any, unit: Unit) -> bool:
    for scope in user_scopes(user):
        if scope.level == ScopeLevel.NATIONAL:
            return True
        if scope.level == ScopeLevel.PROVINCE and scope.province_id is not None:
            if unit.kind == "province" and unit.pk == scope.province_id:
                return True
            if unit.kind == "agency" and unit.province_id == scope.province_id:
                return True
        if scope.level == ScopeLevel.MINISTRY and scope.ministry_id is not None:
            if unit.kind == "ministry" and unit.pk == scope.ministry_id:
                return True
            if unit.kind == "agency" and unit.ministry_id == scope.ministry_id:
                return True
    return False


def unit_load(*, kind: str, pk: int | None) -> Unit:
    if kind == "national":
        return national_unit()
    if pk is None:
        raise Http404
    if kind == "province":
        province = Province.objects.filter(pk=pk).first()
        if province is None:
            raise Http404
        return Unit("province", province.pk, province.name, province_id=province.pk)
    if kind in ("ministry", "agency"):
        agency = Agency.objects.select_related("parent").filter(pk=pk).first()
        if agency is None or (kind == "ministry" and agency.level != AgencyLevel.MINISTRY):
            raise Http404
        ministry = _agency_ministry(agency)
        return Unit(
            kind,
            agency.pk,
            agency.label,
            province_id=None if ministry else agency.province_id,
            ministry_id=ministry,
            code=agency.code,
        )
    raise Http404


def unit_get(*, user: Any, kind: str, pk: int | None) -> Unit:
    """The unit if the user's scope allows it, else 404."""
    unit = unit_load(kind=kind, pk=pk)
    if not unit_visible(user, unit):
        raise Http404
    return unit


# --- facts --------------------------------------------------------------------------------


def facts(
    unit: Unit, period: Period, procedure_id: int | None = None, *, by_procedure: bool = False
) -> QuerySet:
    """The rollup rows of a unit and period, from the smallest table that has the detail
    asked for: AreaMonthFact (no procedure detail) or ProcedureMonthFact for the nation,
    AreaFact for a province or ministry by procedure, MonthlyFact for one agency."""
    detail = by_procedure or procedure_id is not None
    if unit.kind == "agency":
        qs: QuerySet = MonthlyFact.objects.filter(agency_id=unit.key)
    elif unit.kind == "national" and detail:
        qs = ProcedureMonthFact.objects.all()
    else:
        qs = (AreaFact if detail else AreaMonthFact).objects.all()
        if unit.kind == "province":
            qs = qs.filter(province_id=unit.key)
        elif unit.kind == "ministry":
            qs = qs.filter(ministry_id=unit.key)
    qs = qs.filter(month__gte=period.start, month__lt=period.end)
    if procedure_id is not None:
        qs = qs.filter(procedure_id=procedure_id)
    return qs.order_by()


def totals(qs: QuerySet) -> dict[str, int]:
    sums = qs.aggregate(**{name: Sum(name) for name in COUNTERS})
    return {name: int(value or 0) for name, value in sums.items()}


def grouped(qs: QuerySet, *fields: str) -> list[dict[str, Any]]:
    """Counters summed by `fields`, with `online` (dossiers of channel 2) in each row: one
    query grouped by the fields and the channel, folded in Python."""
    keyed = "channel" in fields
    group_by = fields if keyed else (*fields, "channel")
    rows = qs.values(*group_by).annotate(**{name: Sum(name) for name in COUNTERS}).order_by()
    folded: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = tuple(row[f] for f in fields)
        target = folded.get(key)
        if target is None:
            target = folded[key] = {f: row[f] for f in fields} | dict.fromkeys(COUNTERS, 0)
            target["online"] = 0
        for name in COUNTERS:
            target[name] += int(row[name] or 0)
        if row["channel"] == ChannelKind.ONLINE:
            target["online"] += int(row["dossiers"] or 0)
    return [folded[key] for key in sorted(folded, key=lambda k: tuple(str(x) for x in k))]


def _rate(numerator: int | float, denominator: int | float) -> float | None:
    return None if not denominator else numerator / denominator


@dataclass
class Figures:
    """docs/domain.md 7 and 8 figures of one unit and period (None: no data)."""

    totals: dict[str, int]
    by_channel: dict[int, dict[str, int]]
    online_rate: float | None
    full_process_rate: float | None
    on_time_rate: float | None
    hours_online: float | None
    hours_in_person: float | None
    time_saved: float | None
    satisfaction: float | None
    ratings: int
    digitised_rate: float | None
    reuse_rate: float | None
    payment_rate: float | None
    components_digital: int
    not_yet_received: int


def figures(qs: QuerySet) -> Figures:
    return _figures({row["channel"]: row for row in grouped(qs, "channel")})


@dataclass
class UnitFigures:
    """A unit's figures for a period and the period before, and its months: all from one
    query grouped by month and channel (the cards, the trend charts and their tables)."""

    figures: Figures
    previous: Figures
    series: list[dict[str, Any]]


def unit_figures(unit: Unit, period: Period, procedure_id: int | None = None) -> UnitFigures:
    before = period.previous()
    qs = facts(unit, Period(period.key, before.start, period.end), procedure_id)
    rows = grouped(qs, "month", "channel")

    def by_channel(start: dt.date, end: dt.date) -> dict[int, dict[str, Any]]:
        folded: dict[int, dict[str, Any]] = {}
        for row in rows:
            if start <= row["month"] < end:
                target = folded.setdefault(
                    row["channel"],
                    {"channel": row["channel"], **dict.fromkeys((*COUNTERS, "online"), 0)},
                )
                for name in (*COUNTERS, "online"):
                    target[name] += row[name]
        return folded

    months: dict[dt.date, dict[str, Any]] = {}
    for row in rows:
        if row["month"] >= period.start:
            target = months.setdefault(row["month"], dict.fromkeys((*COUNTERS, "online"), 0))
            for name in (*COUNTERS, "online"):
                target[name] += row[name]
    empty = dict.fromkeys((*COUNTERS, "online"), 0)
    series = [{"month": m, **months.get(m, empty)} for m in period.months()]
    return UnitFigures(
        figures=_figures(by_channel(period.start, period.end)),
        previous=_figures(by_channel(before.start, before.end)),
        series=series,
    )


def _figures(by_channel: dict[int, dict[str, Any]]) -> Figures:
    t = dict.fromkeys(COUNTERS, 0)
    for row in by_channel.values():
        for name in COUNTERS:
            t[name] += row[name]
    empty = dict.fromkeys(COUNTERS, 0)
    online = by_channel.get(ChannelKind.ONLINE, empty)
    paper = [by_channel.get(ChannelKind.IN_PERSON, empty), by_channel.get(ChannelKind.POST, empty)]
    in_person = by_channel.get(ChannelKind.IN_PERSON, empty)
    hours_online = _rate(online["processing_seconds"] / 3600, online["processing_count"])
    hours_in_person = _rate(in_person["processing_seconds"] / 3600, in_person["processing_count"])
    ratings = t["rating_very"] + t["rating_satisfied"] + t["rating_unsatisfied"]
    components_digital = online["components"] + sum(p["components_digitised"] for p in paper)
    return Figures(
        totals=t,
        by_channel=by_channel,
        online_rate=_rate(online["dossiers"], t["dossiers"]),
        full_process_rate=_rate(t["full_process"], t["dossiers"]),
        on_time_rate=_rate(t["finished_early"] + t["finished_on_time"], t["finished"]),
        hours_online=hours_online,
        hours_in_person=hours_in_person,
        time_saved=(
            1 - hours_online / hours_in_person
            if hours_online is not None and hours_in_person
            else None
        ),
        satisfaction=_rate(t["rating_very"] + t["rating_satisfied"], ratings),
        ratings=ratings,
        digitised_rate=_rate(components_digital, t["components"]),
        reuse_rate=_rate(t["components_reused"], t["components"]),
        payment_rate=_rate(t["paid_online"], t["with_fee"]),
        components_digital=components_digital,
        not_yet_received=max(0, t["dossiers"] - t["received"] - t["refused"] - t["withdrawn"]),
    )


def time_series(qs: QuerySet, period: Period) -> list[dict[str, Any]]:
    rows = {row["month"]: row for row in grouped(qs, "month")}
    empty = dict.fromkeys((*COUNTERS, "online"), 0)
    return [
        {"month": m, **{k: rows.get(m, empty)[k] for k in (*COUNTERS, "online")}}
        for m in period.months()
    ]


@dataclass
class DraftFigures:
    opened: int
    started: int
    submitted: int
    completion_rate: float | None
    median_seconds: int | None
    p90_seconds: int | None
    samples: int


def draft_figures(period: Period, procedure_ids: list[int] | None = None) -> DraftFigures:
    qs = DraftFact.objects.filter(month__gte=period.start, month__lt=period.end)
    if procedure_ids is not None:
        qs = qs.filter(procedure_id__in=procedure_ids)
    opened = started = submitted = samples = 0
    histogram: list[int] = []
    for row in qs.values_list("opened", "started", "submitted", "login_samples", "login_histogram"):
        opened += row[0]
        started += row[1]
        submitted += row[2]
        samples += row[3]
        if len(histogram) < len(row[4]):
            histogram.extend([0] * (len(row[4]) - len(histogram)))
        for index, count in enumerate(row[4]):
            histogram[index] += count
    return DraftFigures(
        opened=opened,
        started=started,
        submitted=submitted,
        completion_rate=_rate(submitted, started),
        median_seconds=histogram_quantile(histogram, 0.5),
        p90_seconds=histogram_quantile(histogram, 0.9),
        samples=samples,
    )


# --- tables: rankings and drill-down ------------------------------------------------------


def _rows_with_rates(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        row["online_rate"] = _rate(row.get("online", 0), row["dossiers"])
        row["on_time_rate"] = _rate(
            row["finished_early"] + row["finished_on_time"], row["finished"]
        )
        row["satisfaction"] = _rate(
            row["rating_very"] + row["rating_satisfied"],
            row["rating_very"] + row["rating_satisfied"] + row["rating_unsatisfied"],
        )
        row["progress_points"] = _progress_points(row)
    return rows


def _progress_points(row: dict[str, Any]) -> float | None:
    handled = row["finished"] + row["processing_within"] + row["processing_overdue"]
    good = row["finished_early"] + row["finished_on_time"] + row["processing_within"]
    return None if not handled else round(20 * good / handled, 2)


def province_ranking(period: Period) -> list[dict[str, Any]]:
    qs = facts(NATIONAL, period).filter(province_id__isnull=False)
    rows = grouped(qs, "province_id")
    names = dict(Province.objects.values_list("pk", "name"))
    for row in rows:
        row["name"] = names.get(row["province_id"], "?")
        row["unit"] = ("province", row["province_id"])
    return sorted(_rows_with_rates(rows), key=_rank_key)


def ministry_ranking(period: Period) -> list[dict[str, Any]]:
    qs = facts(NATIONAL, period).filter(ministry_id__isnull=False)
    rows = grouped(qs, "ministry_id")
    names = _agency_labels(Agency.objects.filter(level=AgencyLevel.MINISTRY))
    for row in rows:
        row["name"] = names.get(row["ministry_id"], "?")
        row["unit"] = ("ministry", row["ministry_id"])
    return sorted(_rows_with_rates(rows), key=_rank_key)


def _agency_labels(agencies: Any) -> dict[int, str]:
    """pk -> the agency's name in the active language (Agency.label)."""
    english = (get_language() or "vi").startswith("en")
    return {
        pk: (name_en if english and name_en else name)
        for pk, name, name_en in agencies.values_list("pk", "name", "name_en")
    }


def _rank_key(row: dict[str, Any]) -> tuple[float, str]:
    points = row["progress_points"]
    return (-(points if points is not None else -1), row["name"])


def agency_table(unit: Unit, period: Period) -> list[dict[str, Any]]:
    """The agencies of a province or ministry (drill-down from the area)."""
    qs = MonthlyFact.objects.filter(month__gte=period.start, month__lt=period.end).order_by()
    if unit.kind == "province":
        qs = qs.filter(province_id=unit.key)
    elif unit.kind == "ministry":
        qs = qs.filter(ministry_id=unit.key)
    else:
        return []
    rows = grouped(qs, "agency_id")
    names = _agency_labels(Agency.objects.filter(pk__in=[r["agency_id"] for r in rows]))
    for row in rows:
        row["name"] = names.get(row["agency_id"], str(_("Unknown agency")))
        row["unit"] = ("agency", row["agency_id"])
    return sorted(_rows_with_rates(rows), key=lambda r: (-r["dossiers"], r["name"]))


def procedure_table(qs: QuerySet) -> list[dict[str, Any]]:
    rows = grouped(qs, "procedure_id")
    procedures = {
        p.pk: p for p in Procedure.objects.filter(pk__in=[r["procedure_id"] for r in rows])
    }
    for row in rows:
        procedure = procedures.get(row["procedure_id"])
        row["name"] = procedure.label if procedure else "?"
        row["code"] = procedure.code if procedure else ""
    return sorted(_rows_with_rates(rows), key=lambda r: (-r["dossiers"], r["name"]))


# --- the index ------------------------------------------------------------------------------


def _remit(unit: Unit) -> QuerySet[ProcedureVersion]:
    """The current versions of the procedures in the unit's remit."""
    today = timezone.localdate()
    versions = ProcedureVersion.objects.filter(
        is_published=True, procedure__is_published=True, effective_from__lte=today
    ).filter(Q(effective_to__isnull=True) | Q(effective_to__gte=today))
    if unit.kind == "province":
        versions = versions.filter(levels__level__in=[AgencyLevel.PROVINCE, AgencyLevel.COMMUNE])
    elif unit.kind == "ministry":
        versions = versions.filter(levels__level=AgencyLevel.MINISTRY)
    elif unit.kind == "agency":
        level = Agency.objects.filter(pk=unit.key).values_list("level", flat=True).first()
        versions = versions.filter(levels__level=level if level is not None else -1)
    return versions.distinct()


def index_inputs(unit: Unit, period: Period, known: Figures | None = None) -> IndexInputs:
    """`known`: the unit's figures for the period when the caller has them already."""
    f = known if known is not None else figures(facts(unit, period))
    t = f.totals
    by_procedure = facts(unit, period, by_procedure=True)
    versions = _remit(unit)
    fee = Fee.objects.filter(channel__version=OuterRef("pk"), amount__gt=0)
    online_fee = fee.filter(channel__kind=ChannelKind.ONLINE)
    catalogue = versions.annotate(has_fee=Exists(fee), fee_online=Exists(online_fee)).values(
        "procedure_id", "online_level", "has_fee", "fee_online"
    )
    complete_ids = set(
        versions.annotate(
            n_cases=Count("cases", distinct=True), n_ch=Count("channels", distinct=True)
        )
        .filter(n_cases__gt=0, n_ch__gt=0)
        .values_list("procedure_id", flat=True)
    )
    used_online = set(
        by_procedure.filter(channel=ChannelKind.ONLINE, dossiers__gt=0)
        .values_list("procedure_id", flat=True)
        .distinct()
    )
    paid_online = set(
        by_procedure.filter(paid_online__gt=0).values_list("procedure_id", flat=True).distinct()
    )
    procedures = online_ids = 0
    online_used = fee_n = fee_paid = fee_payable = complete = 0
    seen: set[int] = set()
    for row in catalogue:
        pid = row["procedure_id"]
        if pid in seen:
            continue
        seen.add(pid)
        procedures += 1
        complete += pid in complete_ids
        is_online = row["online_level"] in (OnlineLevel.FULL, OnlineLevel.PARTIAL)
        online_ids += is_online
        online_used += is_online and pid in used_online
        if row["has_fee"]:
            fee_n += 1
            fee_paid += pid in paid_online
            fee_payable += bool(row["fee_online"]) and is_online
    complaints = _complaints(unit, period)
    return IndexInputs(
        procedures=procedures,
        procedures_complete=complete,
        procedures_online=online_ids,
        procedures_online_with_dossier=online_used,
        procedures_with_fee=fee_n,
        procedures_with_fee_paid_online=fee_paid,
        procedures_with_fee_payable_online=fee_payable,
        dossiers=t["dossiers"],
        received=t["received"],
        synced=t["synced"],
        finished=t["finished"],
        finished_early=t["finished_early"],
        finished_on_time=t["finished_on_time"],
        finished_late=t["finished_late"],
        processing_within=t["processing_within"],
        processing_overdue=t["processing_overdue"],
        online=f.by_channel.get(ChannelKind.ONLINE, {}).get("dossiers", 0),
        with_fee=t["with_fee"],
        paid_online=t["paid_online"],
        e_result=t["e_result"],
        rating_unsatisfied=t["rating_unsatisfied"],
        components=t["components"],
        components_digital=f.components_digital,
        components_reused=t["components_reused"],
        e_certified_copies=_certified_copies(unit, period),
        **complaints,
    )


def _certified_copies(unit: Unit, period: Period) -> int:
    """Electronic certified copies the unit's agencies issued in the period (criterion 5.3),
    from their monthly rollup (CertifiedCopyFact)."""
    qs = CertifiedCopyFact.objects.filter(month__gte=period.start, month__lt=period.end)
    if unit.kind == "province":
        qs = qs.filter(province_id=unit.key)
    elif unit.kind == "ministry":
        qs = qs.filter(ministry_id=unit.key)
    elif unit.kind == "agency":
        qs = qs.filter(agency_id=unit.key)
    return int(qs.aggregate(n=Sum("copies"))["n"] or 0)


def _complaints(unit: Unit, period: Period) -> dict[str, int | None]:
    """Complaint counters of feedback.Complaint, rolled up in ComplaintFact."""
    qs = ComplaintFact.objects.filter(month__gte=period.start, month__lt=period.end)
    if unit.kind == "province":
        qs = qs.filter(province_id=unit.key)
    elif unit.kind == "ministry":
        qs = qs.filter(ministry_id=unit.key)
    elif unit.kind == "agency":
        qs = qs.filter(agency_id=unit.key)
    sums = qs.aggregate(
        due=Sum("due"),
        on_time=Sum("answered_on_time"),
        answered=Sum("answered"),
        satisfied=Sum("author_satisfied"),
        rated=Sum("author_rated"),
        about=Sum("about_dossier"),
    )
    return {
        "complaints_due": sums["due"] or 0,
        "complaints_answered_on_time": sums["on_time"] or 0,
        "complaints_answered": sums["answered"] or 0,
        "complaints_author_satisfied": sums["satisfied"] or 0,
        "complaints_author_rated": sums["rated"] or 0,
        "complaints_about_dossiers": sums["about"] or 0,
    }


def procedure_recent_dossiers(*, today: dt.date | None = None) -> dict[int, int]:
    """Dossiers submitted per procedure in the current month and the two before it (the
    facts' months), for the front page's common procedures."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    for _month in range(2):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    rows = (
        MonthlyFact.objects.filter(month__gte=first)
        .values("procedure_id")
        .annotate(n=Sum("dossiers"))
        .values_list("procedure_id", "n")
    )
    return {pk: int(n or 0) for pk, n in rows if n}

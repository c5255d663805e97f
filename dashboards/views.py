"""Dashboard pages (officials, scoped, second factor required) and the public statistics of
an agency or a procedure (aggregates only, no personal data). Views stay thin: selectors
read and scope, tables.py shapes the tables that are shown and exported."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from agencies.models import Agency
from portal.numbers import parse_id
from portal.replica import reads_may_lag
from procedures.models import ChannelKind, Procedure

from . import selectors as s
from .cards import headline_cards, index_card
from .charts import Bar, Chart, column_chart, columns, hbar, hbar_chart, line, ranking
from .index import index_compute
from .services import index_score_record
from .tables import (
    Table,
    channel_table,
    fmt,
    index_table,
    kpi_table,
    number,
    procedure_rows_table,
    ranking_table,
    series_table,
    status_table,
    to_csv,
    to_xlsx,
)


def _official_required(view):  # type: ignore[no-untyped-def]
    """Officials with a dashboard scope (anyone else: 404) who passed the second factor."""
    from portal.otp import is_verified, otp_step_redirect

    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not s.user_scopes(request.user):
            raise Http404
        if not is_verified(request.user):
            return otp_step_redirect(request)
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


def _unit_url(kind: str, pk: int | None, name: str = "unit", **query: Any) -> str:
    url = (
        reverse(f"dashboards:{name}_national")
        if kind == "national"
        else reverse(f"dashboards:{name}", args=[kind, pk])
    )
    params = "&".join(f"{k}={v}" for k, v in query.items() if v not in (None, ""))
    return f"{url}?{params}" if params else url


def _procedure(request: HttpRequest) -> Procedure | None:
    value = request.GET.get("procedure", "")
    if not value:
        return None
    pk = parse_id(value)
    if pk is None:
        raise Http404
    return get_object_or_404(Procedure, pk=pk)


def _month(value: Any) -> str:
    return value.strftime("%m/%y")


def _ranked_bars(rows: list[dict[str, Any]], limit: int = 20) -> list[Bar]:
    """Units by dossiers finished on time (best first, those without a finished dossier
    last); more than `limit`: the best and the lowest half of it each, ranks kept."""
    ordered = sorted(
        rows,
        key=lambda r: (r["on_time_rate"] is None, -(r["on_time_rate"] or 0), str(r["name"])),
    )
    ranked = list(enumerate(ordered, start=1))
    if len(ranked) > limit:
        ranked = ranked[: limit // 2] + ranked[-(limit // 2) :]
    return [
        Bar(
            f"{rank}. {row['name']}",
            (row["on_time_rate"] or 0) * 100,
            fmt(row["on_time_rate"], "pct"),
        )
        for rank, row in ranked
    ]


def _partial(count: int, limit: int) -> str:
    """What a ranking chart leaves out ("the 10 best and the 10 lowest of 117")."""
    if count <= limit:
        return ""
    return " " + _("(the %(k)s best and the %(k)s lowest of %(n)s)") % {"k": limit // 2, "n": count}


def _unit_tables(unit: s.Unit, period: s.Period, procedure: Procedure | None) -> dict[str, Any]:
    """Everything a unit page (and its PDF summary) shows, as tables (exportable), charts
    and cards: the charts are drawn from the rows the tables hold, with no query of their own."""
    loaded = s.unit_figures(unit, period, procedure.pk if procedure else None)
    figures, series = loaded.figures, loaded.series
    proc_ids = [procedure.pk] if procedure else None
    drafts = s.draft_figures(period, proc_ids)
    no_data = _("No data for this period.")
    tables: dict[str, Table] = {}
    for table in (
        kpi_table(figures, drafts),
        status_table(figures),
        channel_table(figures),
        series_table(series),
    ):
        tables[table.key] = table
    rankings: dict[str, list[dict[str, Any]]] = {}
    if unit.kind == "national" and procedure is None:
        rankings["provinces"] = s.province_ranking(period)
        rankings["ministries"] = s.ministry_ranking(period)
        tables["provinces"] = ranking_table(
            "provinces",
            _("Provinces"),
            rankings["provinces"],
            lambda r: _unit_url("province", r["province_id"], period=period.key),
        )
        tables["ministries"] = ranking_table(
            "ministries",
            _("Ministries"),
            rankings["ministries"],
            lambda r: _unit_url("ministry", r["ministry_id"], period=period.key),
        )
    if unit.kind in ("province", "ministry") and procedure is None:
        rankings["agencies"] = s.agency_table(unit, period)
        tables["agencies"] = ranking_table(
            "agencies",
            _("Agencies"),
            rankings["agencies"],
            lambda r: (
                _unit_url("agency", r["agency_id"], period=period.key) if r["agency_id"] else None
            ),
        )
    if procedure is None:
        tables["procedures"] = procedure_rows_table(
            s.procedure_table(s.facts(unit, period, by_procedure=True)),
            lambda r: _unit_url(unit.kind, unit.pk, period=period.key, procedure=r["procedure_id"]),
        )
    titles = {
        "provinces": _("Provinces by dossiers finished on time"),
        "ministries": _("Ministries by dossiers finished on time"),
        "agencies": _("Agencies by dossiers finished on time"),
    }
    charts = {
        "channels": hbar(
            _("Dossiers by channel"),
            [
                Bar(
                    str(ChannelKind(channel).label),
                    row["dossiers"],
                    fmt(row["dossiers"], "int"),
                    alt=channel != ChannelKind.ONLINE,
                )
                for channel, row in sorted(figures.by_channel.items())
            ],
            empty=no_data,
        ),
        "status": hbar(
            _("Dossiers by status"),
            [Bar(str(r[0]), r[1], fmt(r[1], "int")) for r in tables["status"].rows],
            empty=no_data,
        ),
        "months": columns(
            _("Dossiers by month"),
            [Bar(_month(r["month"]), r["dossiers"], _short(r["dossiers"])) for r in series],
        ),
        "on_time": _on_time_chart(series),
        "time": hbar(
            _("Average processing time (hours)"),
            [
                Bar(_("Online"), figures.hours_online or 0, fmt(figures.hours_online, "hours")),
                Bar(
                    _("In person"),
                    figures.hours_in_person or 0,
                    fmt(figures.hours_in_person, "hours"),
                    alt=True,
                ),
            ],
        ),
        **{
            key: ranking(
                titles[key] + _partial(len(rows), 20),
                _ranked_bars(rows),
                max_value=100,
                empty=no_data,
            )
            for key, rows in rankings.items()
        },
    }
    result = None
    cards = headline_cards(figures, loaded.previous, period)
    if procedure is None:
        result = index_compute(s.index_inputs(unit, period, known=figures))
        cards.append(index_card(result))
    return {
        "tables": tables,
        "charts": charts,
        "figures": figures,
        "drafts": drafts,
        "cards": cards,
        "index": result,
        "rankings": rankings,
        "series": series,
    }


def _on_time_chart(series: list[dict[str, Any]], chart_h: int = 220) -> Chart:
    """The on-time rate by month on an axis from the ten below the lowest month (labelled)
    to 100 %."""
    rates = [_on_time(r) for r in series]
    known = [r * 100 for r in rates if r is not None]
    floor = max(0.0, (min(known) // 10) * 10 - 10) if known else 0.0
    return line(
        _("Dossiers finished on time by month (%)"),
        [
            Bar(_month(r["month"]), None if rate is None else rate * 100, fmt(rate, "pct"))
            for r, rate in zip(series, rates, strict=True)
        ],
        max_value=100,
        chart_h=chart_h,
        floor=floor,
        axis=(fmt(floor / 100, "pct"), fmt(1.0, "pct")),
    )


def _on_time(row: dict[str, Any]) -> float | None:
    if not row["finished"]:
        return None
    return (row["finished_early"] + row["finished_on_time"]) / row["finished"]


def _short(value: int) -> str:
    if value >= 1_000_000:
        return _("%(n)sM") % {"n": number(value / 1_000_000, 1)}
    if value >= 10_000:
        return _("%(n)sk") % {"n": number(round(value / 1000))}
    return number(value)


def _breadcrumbs(unit: s.Unit, period: s.Period, user: Any) -> list[tuple[str, str]]:
    crumbs: list[tuple[str, str]] = []
    national = s.national_unit()
    if s.unit_visible(user, national):
        crumbs.append((national.name, _unit_url("national", None, period=period.key)))
    if unit.kind == "agency":
        parent = (
            s.unit_load(kind="province", pk=unit.province_id)
            if unit.province_id
            else s.unit_load(kind="ministry", pk=unit.ministry_id)
            if unit.ministry_id and unit.ministry_id != unit.pk
            else None
        )
        if parent is not None and s.unit_visible(user, parent):
            crumbs.append((parent.name, _unit_url(parent.kind, parent.pk, period=period.key)))
    return crumbs


def _export_urls(table: Table, unit: s.Unit, period: s.Period, procedure: Procedure | None) -> None:
    for fmt_name in ("csv", "xlsx"):
        url = (
            reverse("dashboards:export_national", args=[table.key, fmt_name])
            if unit.kind == "national"
            else reverse("dashboards:export", args=[unit.kind, unit.pk, table.key, fmt_name])
        )
        url += f"?period={period.key}" + (f"&procedure={procedure.pk}" if procedure else "")
        setattr(table, f"{fmt_name}_url", url)


def _context(request: HttpRequest, kind: str, pk: int | None) -> dict[str, Any]:
    unit = s.unit_get(user=request.user, kind=kind, pk=pk)
    period = s.period_parse(request.GET.get("period"))
    procedure = _procedure(request)

    @functools.cache
    def data() -> dict[str, Any]:
        tables = _unit_tables(unit, period, procedure)
        for table in tables["tables"].values():
            _export_urls(table, unit, period, procedure)
        return tables

    return {
        "unit": unit,
        "period": period,
        "periods": s.period_choices(),
        "procedure": procedure,
        "crumbs": _breadcrumbs(unit, period, request.user),
        "index_url": _unit_url(unit.kind, unit.pk, name="index", period=period.key),
        # Read only when the figures are not in the page cache (templates/dashboards/unit.html).
        "tables": SimpleLazyObject(lambda: data()["tables"]),
        "charts": SimpleLazyObject(lambda: data()["charts"]),
        "cards": SimpleLazyObject(lambda: data()["cards"]),
        "summary_url": _unit_url(
            unit.kind,
            unit.pk,
            name="summary",
            period=period.key,
            procedure=procedure.pk if procedure else None,
        ),
        "cache_seconds": settings.DASHBOARDS_PAGE_CACHE_SECONDS,
        "today": timezone.localdate().isoformat(),
    }


@_official_required
def home(request: HttpRequest) -> HttpResponse:
    unit = s.home_unit(request.user)
    return redirect(_unit_url(unit.kind, unit.pk))


@reads_may_lag
@_official_required
def unit_page(request: HttpRequest, kind: str = "national", pk: int | None = None) -> HttpResponse:
    context = _context(request, kind, pk)
    context["export_base"] = request.path
    return render(request, "dashboards/unit.html", context)


@reads_may_lag
@_official_required
def index_page(request: HttpRequest, kind: str = "national", pk: int | None = None) -> HttpResponse:
    unit = s.unit_get(user=request.user, kind=kind, pk=pk)
    period = s.period_parse(request.GET.get("period"))
    result, inputs = index_score_record(unit=unit, period=period)
    table = index_table(result)
    _export_urls(table, unit, period, None)
    chart = hbar_chart(
        _("Service index by group"),
        [
            Bar(
                f"{g.number}. {g.label}",
                float(g.points or 0),
                f"{fmt(g.points, 'points')} / {g.max_points}",
            )
            for g in result.groups
        ],
        max_value=22,
    )
    return render(
        request,
        "dashboards/index.html",
        {
            "unit": unit,
            "period": period,
            "periods": s.period_choices(),
            "result": result,
            "inputs": inputs,
            "table": table,
            "chart": chart,
            "crumbs": _breadcrumbs(unit, period, request.user),
            "unit_url": _unit_url(unit.kind, unit.pk, period=period.key),
        },
    )


def _export(table: Table, fmt_name: str, filename: str) -> HttpResponse:
    if fmt_name == "csv":
        response = HttpResponse(to_csv(table), content_type="text/csv; charset=utf-8")
    elif fmt_name == "xlsx":
        response = HttpResponse(
            to_xlsx(table),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt_name}"'
    return response


@reads_may_lag
@_official_required
def export(
    request: HttpRequest, table: str, fmt_name: str, kind: str = "national", pk: int | None = None
) -> HttpResponse:
    unit = s.unit_get(user=request.user, kind=kind, pk=pk)
    period = s.period_parse(request.GET.get("period"))
    if table == "index":
        result, _inputs = index_score_record(unit=unit, period=period)
        chosen = index_table(result)
    else:
        tables = _unit_tables(unit, period, _procedure(request))["tables"]
        if table not in tables:
            raise Http404
        chosen = tables[table]
    return _export(chosen, fmt_name, f"{unit.slug}-{period.key}-{table}")


@reads_may_lag
@_official_required
def summary(request: HttpRequest, kind: str = "national", pk: int | None = None) -> HttpResponse:
    """The one-page PDF summary of the dashboard the official may see (unit_get: anything
    outside her scope is a 404), for the period asked; a period that is not one is a page that
    says so (400), not a summary of another period."""
    unit = s.unit_get(user=request.user, kind=kind, pk=pk)
    period = s.period_parse_strict(request.GET.get("period"))
    if period is None:
        return render(
            request,
            "dashboards/error.html",
            {
                "message": _(
                    "“%(period)s” is not a period. Choose a year (2026), a quarter (2026-Q2) "
                    "or a month (2026-03)."
                )
                % {"period": request.GET.get("period", "")[:40]},
                "back_url": _unit_url(unit.kind, unit.pk),
            },
            status=400,
        )
    procedure = _procedure(request)
    data = _unit_tables(unit, period, procedure)
    rows = data["rankings"].get("provinces") or data["rankings"].get("agencies")
    no_data = _("No data for this period.")
    ranked = (
        ranking(
            _("Provinces by dossiers finished on time")
            if "provinces" in data["rankings"]
            else _("Agencies by dossiers finished on time"),
            _ranked_bars(rows, limit=10),
            max_value=100,
            empty=no_data,
        )
        if rows
        else None
    )
    if ranked is not None and rows is not None:
        ranked.title += _partial(len(rows), 10)
    series = data["series"]
    trends = [
        columns(
            _("Dossiers by month"),
            [Bar(_month(r["month"]), r["dossiers"], _short(r["dossiers"])) for r in series],
            chart_h=110,
        ),
        _on_time_chart(series, chart_h=90),
    ]
    from .summary import summary_pdf  # ReportLab, on first use

    pdf = summary_pdf(
        unit=unit,
        period=period,
        cards=data["cards"],
        trends=trends,
        ranking=ranked,
        index=data["index"],
        subject=procedure.label if procedure else "",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{unit.slug}-{period.key}-summary.pdf"'
    return response


# --- public statistics --------------------------------------------------------------------


def _public(
    request: HttpRequest, unit: s.Unit, procedure: Procedure | None, title: str
) -> HttpResponse:
    period = s.period_parse(request.GET.get("period"))
    qs = s.facts(unit, period, procedure.pk if procedure else None)
    figures = s.figures(qs)
    series = s.time_series(qs, period)
    tables = {
        t.key: t for t in (status_table(figures), channel_table(figures), series_table(series))
    }
    charts = {
        "months": column_chart(
            _("Dossiers by month"),
            [
                Bar(r["month"].strftime("%m/%y"), r["dossiers"], _short(r["dossiers"]))
                for r in series
            ],
        ),
        "status": hbar_chart(
            _("Dossiers by status"),
            [Bar(str(r[0]), r[1], fmt(r[1], "int")) for r in tables["status"].rows],
        ),
    }
    return render(
        request,
        "dashboards/public.html",
        {
            "title": title,
            "period": period,
            "periods": s.period_choices(),
            "figures": figures,
            "tables": tables,
            "charts": charts,
            "procedure": procedure,
        },
    )


@reads_may_lag
def public_agency(request: HttpRequest, code: str) -> HttpResponse:
    agency = get_object_or_404(Agency, code=code)
    unit = s.unit_load(kind="agency", pk=agency.pk)
    return _public(request, unit, None, agency.label)


@reads_may_lag
def public_procedure(request: HttpRequest, code: str) -> HttpResponse:
    procedure = get_object_or_404(Procedure, code=code, is_published=True)
    return _public(request, s.national_unit(), procedure, procedure.label)

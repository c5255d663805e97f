"""The tables of the dashboard pages: the same objects are rendered beside the charts and
exported as CSV or XLSX, so every table on a page can be downloaded."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from procedures.models import ChannelKind

from .index import IndexResult
from .selectors import DraftFigures, Figures

# column kinds: text, int, pct (0..1), hours, points, seconds


@dataclass
class Column:
    title: str
    kind: str = "int"


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)
    csv_url: str = ""
    xlsx_url: str = ""

    def body_html(self) -> SafeString:
        """The <tbody> rows, built here rather than in template loops (a national page has
        hundreds of cells): the first cell is the row header, the second links down."""
        if not self.rows:
            return format_html(
                '<tr><td colspan="{}" class="dash-nodata">{}</td></tr>',
                len(self.columns),
                _("No data for this period."),
            )
        out = []
        for row in self.rendered:
            cells = []
            for index, (text, is_num) in enumerate(row["cells"]):
                css = ' class="num"' if is_num else ""
                if index == 0:
                    cells.append(f'<th scope="row"{css}>{escape(text)}</th>')
                elif index == 1 and row["link"]:
                    cells.append(f'<td><a href="{escape(row["link"])}">{escape(text)}</a></td>')
                else:
                    cells.append(f"<td{css}>{escape(text)}</td>")
            out.append("<tr>" + "".join(cells) + "</tr>")
        return mark_safe("\n".join(out))  # noqa: S308 - every text is escaped above

    @cached_property
    def rendered(self) -> list[dict[str, Any]]:
        """Rows as the page shows them: formatted cells, numbers right-aligned."""
        return [
            {
                "link": link,
                "cells": [
                    (fmt(value, column.kind), column.kind != "text")
                    for value, column in zip(row, self.columns, strict=True)
                ],
            }
            for row, link in zip(self.rows, self.links, strict=True)
        ]

    def add(self, *cells: Any, link: str | None = None) -> None:
        self.rows.append(list(cells))
        self.links.append(link)


def number(value: float | int | Decimal, decimals: int | None = None) -> str:
    """A number in the reader's language, always grouped: Vietnamese 1.234,5, English
    1,234.5 (Django's formats of the active language; the setting USE_THOUSAND_SEPARATOR stays
    off so that ids and years elsewhere are never grouped)."""
    if decimals is not None:  # rounded half up here: number_format cuts the digits off
        value = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    return number_format(value, decimals, use_l10n=True, force_grouping=True)


def percent(rate: float, decimals: int = 1) -> str:
    """A rate (0..1) as a percentage: Vietnamese "95,2 %" (a non-breaking space before the
    sign, as Vietnamese typesetting writes it), English "95.2%"."""
    text = number(rate * 100, decimals)
    language = (get_language() or "vi").split("-")[0]
    return f"{text}\u00a0%" if language == "vi" else f"{text}%"


def fmt(value: Any, kind: str) -> str:
    """How a cell reads on the page ('no data' for None, never a fake 0)."""
    if value is None:
        return _("no data")
    # numbers in the reader's language (Vietnamese 1.234,5; English 1,234.5), as the
    # templates render them (dashboards_tags): one page never mixes 7.71 and 7,71
    if kind == "pct":
        return percent(value)
    if kind == "hours":
        return _("%(h)s h") % {"h": number(value, 1)}
    if kind == "points":
        return number(value, 2)
    if kind == "seconds":
        minutes, seconds = divmod(int(value), 60)
        return f"{minutes}:{seconds:02d}"
    if kind == "int":
        return number(int(value))
    if isinstance(value, dt.date):
        return value.strftime("%m/%Y")
    return str(value)


def channel_name(channel: int) -> str:
    return str(ChannelKind(channel).label) if channel in ChannelKind.values else str(channel)


def status_table(f: Figures) -> Table:
    t = f.totals
    table = Table(
        "status", _("Dossiers by status"), [Column(_("Status"), "text"), Column(_("Dossiers"))]
    )
    for label, value in (
        (_("Submitted, not yet received"), f.not_yet_received),
        (_("Finished early"), t["finished_early"]),
        (_("Finished on time"), t["finished_on_time"]),
        (_("Finished late"), t["finished_late"]),
        (_("In processing, within the deadline"), t["processing_within"]),
        (_("In processing, past the deadline"), t["processing_overdue"]),
        (_("Refused at reception"), t["refused"]),
        (_("Withdrawn"), t["withdrawn"]),
    ):
        table.add(label, value)
    return table


def channel_table(f: Figures) -> Table:
    table = Table(
        "channels",
        _("Dossiers by channel"),
        [
            Column(_("Channel"), "text"),
            Column(_("Dossiers")),
            Column(_("Share"), "pct"),
            Column(_("Finished")),
            Column(_("Average processing time"), "hours"),
        ],
    )
    total = f.totals["dossiers"]
    for channel in sorted(f.by_channel):
        row = f.by_channel[channel]
        table.add(
            channel_name(channel),
            row["dossiers"],
            row["dossiers"] / total if total else None,
            row["finished"],
            row["processing_seconds"] / 3600 / row["processing_count"]
            if row["processing_count"]
            else None,
        )
    return table


def kpi_table(f: Figures, d: DraftFigures) -> Table:
    table = Table(
        "kpis",
        _("Service figures"),
        [Column(_("Figure"), "text"), Column(_("Value"), "text"), Column(_("Based on"), "text")],
    )
    t = f.totals
    rows: list[tuple[str, Any, str, str]] = [
        (_("Online dossiers"), f.online_rate, "pct", _("%(n)s dossiers") % {"n": fmt(t["dossiers"], "int")}),
        (_("Full-process online dossiers"), f.full_process_rate, "pct", _("%(n)s dossiers") % {"n": fmt(t["dossiers"], "int")}),
        (_("Finished on time (early or on the due date)"), f.on_time_rate, "pct", _("%(n)s finished") % {"n": fmt(t["finished"], "int")}),
        (_("Processing time online"), f.hours_online, "hours", ""),
        (_("Processing time in person"), f.hours_in_person, "hours", ""),
        (_("Time saved online"), f.time_saved, "pct", _("target: at least 20% (2025), 30% (2026)")),
        (_("Login to submission, median (min:s)"), d.median_seconds, "seconds", _("%(n)s submissions") % {"n": fmt(d.samples, "int")}),
        (_("Login to submission, 90th percentile (min:s)"), d.p90_seconds, "seconds", _("target: under 5 minutes (2026)")),
        (_("Completion rate (submitted / started)"), d.completion_rate, "pct", _("%(n)s forms started") % {"n": fmt(d.started, "int")}),
        (_("Satisfaction"), f.satisfaction, "pct", _("%(n)s ratings") % {"n": fmt(f.ratings, "int")}),
        (_("Components digitised"), f.digitised_rate, "pct", _("%(n)s components") % {"n": fmt(t["components"], "int")}),
        (_("Components reused"), f.reuse_rate, "pct", _("%(n)s components") % {"n": fmt(t["components"], "int")}),
        (_("Paid online (of dossiers with a fee)"), f.payment_rate, "pct", _("%(n)s with a fee") % {"n": fmt(t["with_fee"], "int")}),
    ]  # fmt: skip
    for label, value, kind, basis in rows:
        table.add(label, fmt(value, kind), basis)
    return table


def series_table(series: list[dict[str, Any]]) -> Table:
    table = Table(
        "months",
        _("By month"),
        [
            Column(_("Month"), "text"),
            Column(_("Dossiers")),
            Column(_("Online"), "pct"),
            Column(_("Finished")),
            Column(_("On time"), "pct"),
        ],
    )
    for row in series:
        table.add(
            row["month"].strftime("%m/%Y"),
            row["dossiers"],
            row["online"] / row["dossiers"]
            if row.get("online") is not None and row["dossiers"]
            else None,
            row["finished"],
            (row["finished_early"] + row["finished_on_time"]) / row["finished"]
            if row["finished"]
            else None,
        )
    return table


def ranking_table(
    key: str, title: str, rows: list[dict[str, Any]], link: Callable[[dict[str, Any]], str | None]
) -> Table:
    table = Table(
        key,
        title,
        [
            Column(_("Rank"), "int"),
            Column(_("Name"), "text"),
            Column(_("Dossiers")),
            Column(_("Online"), "pct"),
            Column(_("On time"), "pct"),
            Column(_("Satisfaction"), "pct"),
            Column(_("Progress points (of 20)"), "points"),
        ],
    )
    for rank, row in enumerate(rows, start=1):
        table.add(
            rank,
            row["name"],
            row["dossiers"],
            row["online_rate"],
            row["on_time_rate"],
            row["satisfaction"],
            row["progress_points"],
            link=link(row),
        )
    return table


def procedure_rows_table(
    rows: list[dict[str, Any]], link: Callable[[dict[str, Any]], str | None]
) -> Table:
    table = Table(
        "procedures",
        _("By procedure"),
        [
            Column(_("Code"), "text"),
            Column(_("Procedure"), "text"),
            Column(_("Dossiers")),
            Column(_("Online"), "pct"),
            Column(_("On time"), "pct"),
            Column(_("Satisfaction"), "pct"),
        ],
    )
    for row in rows:
        table.add(
            row["code"],
            row["name"],
            row["dossiers"],
            row["online_rate"],
            row["on_time_rate"],
            row["satisfaction"],
            link=link(row),
        )
    return table


def index_table(result: IndexResult) -> Table:
    table = Table(
        "index",
        _("Service index (100 points) by criterion"),
        [
            Column(_("Group"), "text"),
            Column(_("Criterion"), "text"),
            Column(_("Formula"), "text"),
            Column(_("Numerator"), "int"),
            Column(_("Denominator"), "int"),
            Column(_("Points"), "points"),
            Column(_("Maximum"), "points"),
        ],
    )
    for group in result.groups:
        for c in group.criteria:
            table.add(
                f"{group.number}. {group.label}",
                str(c.label),
                c.formula,
                c.numerator,
                c.denominator,
                c.points,
                c.max_points,
            )
    return table


# --- export ---------------------------------------------------------------------------


def _raw(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "quantize"):
        return float(value)
    if isinstance(value, float):
        return round(value, 6)
    return value


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.title for c in table.columns])
    for row in table.rows:
        writer.writerow([_raw(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel reads UTF-8


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.key[:31]
    sheet.append([c.title for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_raw(v) for v in row])
    for index, column in enumerate(table.columns, start=1):
        if column.kind == "pct":
            for cells in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                for cell in cells:
                    cell.number_format = "0.0%"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

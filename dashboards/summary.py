"""The printable one-page summary of a dashboard (PDF) for a meeting: the headline cards, the
monthly trends, the ranking and the 100-point index of the unit and period, in the reader's
language, drawn with the portal's PDF toolkit (portal.pdf: vendored DejaVu fonts) from the
same chart shapes as the page (dashboards.charts)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from portal.pdf import (
    FONT,
    FONT_BOLD,
    GRID_COLOUR,
    Letterhead,
    build_pdf,
    format_datetime,
    frame_width,
    markup,
    styles,
)

from .cards import Card
from .charts import Chart
from .index import IndexResult
from .selectors import Period, Unit
from .tables import fmt, number


def _card_cell(card: Card, width: float) -> list[Flowable]:
    name = ParagraphStyle("card_name", fontName=FONT, fontSize=9, leading=11)
    value = ParagraphStyle(
        "card_value",
        fontName=FONT_BOLD,
        fontSize=11 if card.missing else 16,
        leading=14 if card.missing else 20,
    )
    change = ParagraphStyle("card_change", fontName=FONT, fontSize=8, leading=10)
    arrow = f"{card.arrow} " if card.arrow else ""
    return [
        Paragraph(markup(card.name), name),
        Paragraph(markup(card.value), value),
        Paragraph(markup(f"{arrow}{card.change}"), change),
    ]


def _cards(cards: list[Card], width: float) -> Table:
    cell_w = width / len(cards)
    table = Table([[_card_cell(c, cell_w) for c in cards]], colWidths=[cell_w] * len(cards))
    table.setStyle(
        TableStyle(
            [
                ("LINEBEFORE", (0, 0), (-1, -1), 3, colors.HexColor("#1d4f91")),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f3f2f1")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table


def _index(result: IndexResult, width: float) -> list[Flowable]:
    st = styles()
    small = ParagraphStyle("small", parent=st.cell, fontSize=8.5, leading=10.5)
    right = ParagraphStyle("small_right", parent=small, alignment=2)
    total = result.total
    headline = (
        _("Service index: no data for this period.")
        if total is None
        else _("Service index: %(points)s of 100 (%(max)s points measurable)")
        % {"points": fmt(total, "points"), "max": fmt(result.max_measured, "points")}
    )
    rows = [
        [
            Paragraph(markup(f"{g.number}. {g.label}"), small),
            Paragraph(markup(f"{fmt(g.points, 'points')} / {number(g.max_points)}"), right),
        ]
        for g in result.groups
    ]
    half = (len(rows) + 1) // 2
    left, right_rows = rows[:half], rows[half:]
    right_rows += [["", ""]] * (len(left) - len(right_rows))
    data = [a + b for a, b in zip(left, right_rows, strict=True)]
    col = width / 2
    table = Table(data, colWidths=[col * 0.72, col * 0.28, col * 0.72, col * 0.28])
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, GRID_COLOUR),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return [Paragraph(markup(headline), st.section), table]


def summary_pdf(
    *,
    unit: Unit,
    period: Period,
    cards: list[Card],
    trends: list[Chart],
    ranking: Chart | None,
    index: IndexResult | None,
    subject: str = "",
) -> bytes:
    """One A4 page: title, cards, the trends, the ranking and the index."""
    st = styles()
    width = frame_width()
    unit_name = unit.name or _("Whole country")
    title = _("Service-quality summary")
    subtitle = _("%(unit)s · period %(period)s, compared with %(previous)s") % {
        "unit": f"{unit_name}{': ' + subject if subject else ''}",
        "period": period.label,
        "previous": period.previous().label,
    }
    section = ParagraphStyle("summary_section", parent=st.section, spaceBefore=6, spaceAfter=2)
    story: list[Any] = [
        Paragraph(markup(title), st.title),
        Paragraph(markup(subtitle), st.subtitle),
        _cards(cards[:4], width),
    ]
    for chart in trends:
        story += [Paragraph(markup(chart.title), section), chart.drawing(width)]
    if ranking is not None:
        story += [Paragraph(markup(ranking.title), section), ranking.drawing(width * 0.9)]
    if index is not None:
        story += _index(index, width)
    now = timezone.now()
    story += [
        Spacer(1, 4),
        Paragraph(
            markup(
                _(
                    "Made on %(when)s from the dashboard's rollups. A dossier counts in the "
                    "month it was submitted; the full tables are on the dashboard."
                )
                % {"when": format_datetime(now)}
            ),
            ParagraphStyle("note", parent=st.cell, fontSize=7.5, leading=9),
        ),
    ]
    language = (get_language() or "vi").split("-")[0]
    letterhead = Letterhead(
        language=language if language in ("vi", "en") else "vi",
        agency_name=unit_name,
        issued_at=now,
    )
    return build_pdf(
        letterhead, story, title=f"{title} - {unit_name} - {period.label}", subject=title
    )

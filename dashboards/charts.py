"""Server-side SVG charts, readable on a projector: large type, high contrast, the value
written on every bar, no JavaScript. Every chart is shown beside a data table of the same
numbers (the accessible version); the SVG itself has a title and a description."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

INK = "#0b0c0c"
BAR = "#1d4f91"
BAR_ALT = "#b35900"
GRID = "#6f777b"
FONT = "font-family:Arial,Helvetica,sans-serif"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as written on the bar (formatted)
    alt: bool = False  # second colour (e.g. in person next to online)


def _trim(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def hbar_chart(title: str, bars: Sequence[Bar], *, max_value: float | None = None) -> SafeString:
    """Horizontal bars: the label above each bar (never cut), the value at the bar's end."""
    row, chart_w, value_w, pad = 64, 500, 140, 6
    height = max(1, len(bars)) * row + 2 * pad
    top = max([max_value or 0, *[b.value for b in bars]]) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {chart_w + value_w} {height}" style="{FONT}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, bar in enumerate(bars):
        y = pad + index * row
        width = max(0.0, bar.value) / top * chart_w
        colour = BAR_ALT if bar.alt else BAR
        parts.append(
            f'<text x="0" y="{y + 20}" font-size="20" fill="{INK}">'
            f"{escape(_trim(bar.label, 60))}</text>"
            f'<rect x="0" y="{y + 28}" width="{width:.1f}" height="28" fill="{colour}"/>'
            f'<text x="{width + 8:.1f}" y="{y + 50}" font-size="22" font-weight="700" '
            f'fill="{INK}">{escape(bar.text)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above


def column_chart(title: str, bars: Sequence[Bar]) -> SafeString:
    """Vertical columns (a time series by month), value above each column."""
    col, chart_h, pad_top, pad_bottom = 64, 260, 36, 44
    width = max(1, len(bars)) * col + 20
    top = max([b.value for b in bars] or [0]) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {chart_h + pad_top + pad_bottom}" style="{FONT}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="10" x2="{width - 10}" y1="{pad_top + chart_h}" y2="{pad_top + chart_h}" '
        f'stroke="{GRID}" stroke-width="2"/>',
    ]
    for index, bar in enumerate(bars):
        x = 10 + index * col
        h = max(0.0, bar.value) / top * chart_h
        y = pad_top + chart_h - h
        colour = BAR_ALT if bar.alt else BAR
        parts.append(
            f'<rect x="{x + 6}" y="{y:.1f}" width="{col - 12}" height="{h:.1f}" fill="{colour}"/>'
            f'<text x="{x + col / 2}" y="{y - 8:.1f}" text-anchor="middle" font-size="18" '
            f'font-weight="700" fill="{INK}">{escape(bar.text)}</text>'
            f'<text x="{x + col / 2}" y="{pad_top + chart_h + 30}" text-anchor="middle" '
            f'font-size="19" fill="{INK}">{escape(bar.label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above

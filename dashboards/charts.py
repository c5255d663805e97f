"""Server-side charts, readable on a projector and on paper: large type, high contrast, the
value written on every bar and point (never colour alone), no JavaScript.

A chart is built once as plain shapes (`Chart`: rectangles, lines, text in a y-down box) from
numbers the page has already loaded, then drawn twice from the same shapes: as inline SVG for
the page (`Chart.svg()`: role="img", a <title> and a <desc> that reads the values out) and as
a ReportLab drawing for the one-page PDF summary (`Chart.drawing()`). Every chart on a page is
followed by the data table of the same numbers (the accessible version)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

INK = "#0b0c0c"
BAR = "#1d4f91"
BAR_ALT = "#b35900"
GRID = "#6f777b"
FONT = "font-family:Arial,Helvetica,sans-serif"
GAP = "\u2013"  # an en dash where a month has no value

_ids = itertools.count(1)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    text: str  # the value as written on the bar (formatted in the reader's language)
    alt: bool = False  # second colour (e.g. in person next to online), with its own label


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str


@dataclass(frozen=True)
class Line:
    points: tuple[tuple[float, float], ...]
    stroke: str
    width: float = 2
    dash: bool = False


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    r: float
    fill: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float
    bold: bool = False
    anchor: str = "start"  # start | middle | end


@dataclass
class Chart:
    title: str
    description: str
    width: float
    height: float
    shapes: list[Rect | Line | Dot | Text] = field(default_factory=list)

    def svg(self) -> SafeString:
        """Inline SVG: an image with its title and description (what a screen reader says);
        the table after it carries the numbers for those who want them as a table."""
        uid = next(_ids)
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'aria-labelledby="chart-{uid}-t chart-{uid}-d" '
            f'width="{self.width:g}" height="{self.height:g}" '
            f'viewBox="0 0 {self.width:g} {self.height:g}" style="{FONT}">',
            f'<title id="chart-{uid}-t">{escape(self.title)}</title>',
            f'<desc id="chart-{uid}-d">{escape(self.description)}</desc>',
        ]
        for shape in self.shapes:
            parts.append(_svg_shape(shape))
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 - every text is escaped

    def __html__(self) -> str:
        return str(self.svg())

    def __str__(self) -> str:
        return str(self.svg())

    def drawing(self, width: float, max_scale: float = 0.65) -> Any:
        """The same shapes as a ReportLab Drawing at most `width` points wide (for the PDF);
        a short series is not blown up past `max_scale` (its text would outgrow the page)."""
        from reportlab.graphics.shapes import Circle, Drawing, PolyLine, String
        from reportlab.graphics.shapes import Rect as RlRect
        from reportlab.lib import colors

        from portal.pdf import FONT as PDF_FONT
        from portal.pdf import FONT_BOLD, register_fonts

        register_fonts()
        scale = min(width / self.width, max_scale)
        drawing = Drawing(self.width * scale, self.height * scale)
        flip = self.height

        for shape in self.shapes:
            if isinstance(shape, Rect):
                if shape.w <= 0 or shape.h <= 0:
                    continue
                drawing.add(
                    RlRect(
                        shape.x * scale,
                        (flip - shape.y - shape.h) * scale,
                        shape.w * scale,
                        shape.h * scale,
                        fillColor=colors.HexColor(shape.fill),
                        strokeColor=None,
                    )
                )
            elif isinstance(shape, Line):
                points = [c for x, y in shape.points for c in (x * scale, (flip - y) * scale)]
                drawing.add(
                    PolyLine(
                        points,
                        strokeColor=colors.HexColor(shape.stroke),
                        strokeWidth=shape.width * scale,
                        strokeDashArray=[3, 2] if shape.dash else None,
                    )
                )
            elif isinstance(shape, Dot):
                drawing.add(
                    Circle(
                        shape.x * scale,
                        (flip - shape.y) * scale,
                        shape.r * scale,
                        fillColor=colors.HexColor(shape.fill),
                        strokeColor=None,
                    )
                )
            else:
                drawing.add(
                    String(
                        shape.x * scale,
                        (flip - shape.y) * scale,
                        shape.text,
                        fontName=FONT_BOLD if shape.bold else PDF_FONT,
                        fontSize=shape.size * scale,
                        fillColor=colors.HexColor(INK),
                        textAnchor=shape.anchor,
                    )
                )
        return drawing


def _svg_shape(shape: Rect | Line | Dot | Text) -> str:
    if isinstance(shape, Rect):
        return (
            f'<rect x="{shape.x:.1f}" y="{shape.y:.1f}" width="{max(0.0, shape.w):.1f}" '
            f'height="{max(0.0, shape.h):.1f}" fill="{shape.fill}"/>'
        )
    if isinstance(shape, Line):
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in shape.points)
        dash = ' stroke-dasharray="6 4"' if shape.dash else ""
        return (
            f'<polyline points="{points}" fill="none" stroke="{shape.stroke}" '
            f'stroke-width="{shape.width:g}"{dash}/>'
        )
    if isinstance(shape, Dot):
        return (
            f'<circle cx="{shape.x:.1f}" cy="{shape.y:.1f}" r="{shape.r:g}" fill="{shape.fill}"/>'
        )
    weight = ' font-weight="700"' if shape.bold else ""
    anchor = f' text-anchor="{shape.anchor}"' if shape.anchor != "start" else ""
    return (
        f'<text x="{shape.x:.1f}" y="{shape.y:.1f}" font-size="{shape.size:g}"{weight}{anchor} '
        f'fill="{INK}">{escape(shape.text)}</text>'
    )


def _trim(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _describe(bars: Sequence[Bar]) -> str:
    return "; ".join(f"{bar.label}: {bar.text}" for bar in bars)


def _top(bars: Sequence[Bar], max_value: float | None = None) -> float:
    return max([max_value or 0.0, *[b.value or 0.0 for b in bars]]) or 1.0


def hbar(
    title: str, bars: Sequence[Bar], *, max_value: float | None = None, empty: str = ""
) -> Chart:
    """Horizontal bars: the label above each bar (never cut short of 60 characters), the value
    at the bar's end. Rankings: the bars in the order given (best first)."""
    row, chart_w, value_w, pad = 64, 500, 160, 6
    height = max(1, len(bars)) * row + 2 * pad
    top = _top(bars, max_value)
    chart = Chart(title, _describe(bars) or empty, chart_w + value_w, height)
    if not bars:
        chart.shapes.append(Text(0, pad + 36, empty, 20))
    for index, bar in enumerate(bars):
        y = pad + index * row
        width = max(0.0, bar.value or 0.0) / top * chart_w
        chart.shapes += [
            Text(0, y + 20, _trim(bar.label, 60), 20),
            Rect(0, y + 28, width, 28, BAR_ALT if bar.alt else BAR),
            Text(width + 8, y + 50, bar.text, 22, bold=True),
        ]
    return chart


def ranking(
    title: str, bars: Sequence[Bar], *, max_value: float | None = None, empty: str = ""
) -> Chart:
    """A ranking as a compact horizontal bar chart: rank and name on the left, the bar, the
    value after it; one line per unit so that 34 provinces fit on a screen and a page. The
    labels carry their rank (the caller may leave ranks out between the best and the lowest)."""
    row, label_w, chart_w, value_w, pad = 30, 450, 360, 110, 4
    height = max(1, len(bars)) * row + 2 * pad
    top = _top(bars, max_value)
    chart = Chart(title, _describe(bars) or empty, label_w + chart_w + value_w, height)
    if not bars:
        chart.shapes.append(Text(0, pad + 20, empty, 18))
    for index, bar in enumerate(bars):
        y = pad + index * row
        width = max(0.0, bar.value or 0.0) / top * chart_w
        chart.shapes += [
            Text(label_w - 10, y + 20, _trim(bar.label, 44), 17, anchor="end"),
            Rect(label_w, y + 4, width, row - 8, BAR_ALT if bar.alt else BAR),
            Text(label_w + width + 6, y + 21, bar.text, 17, bold=True),
        ]
    return chart


def columns(title: str, bars: Sequence[Bar], *, empty: str = "", chart_h: int = 260) -> Chart:
    """Vertical columns (a time series by month), the value above each column."""
    col, pad_top, pad_bottom = 64, 36, 44
    width = max(1, len(bars)) * col + 20
    top = _top(bars)
    chart = Chart(title, _describe(bars) or empty, width, chart_h + pad_top + pad_bottom)
    chart.shapes.append(Line(((10, pad_top + chart_h), (width - 10, pad_top + chart_h)), GRID))
    for index, bar in enumerate(bars):
        x = 10 + index * col
        h = max(0.0, bar.value or 0.0) / top * chart_h
        y = pad_top + chart_h - h
        chart.shapes += [
            Rect(x + 6, y, col - 12, h, BAR_ALT if bar.alt else BAR),
            Text(x + col / 2, y - 8, bar.text, 18, bold=True, anchor="middle"),
            Text(x + col / 2, pad_top + chart_h + 30, bar.label, 19, anchor="middle"),
        ]
    return chart


def line(
    title: str,
    points: Sequence[Bar],
    *,
    max_value: float | None = None,
    empty: str = "",
    chart_h: int = 220,
    axis: tuple[str, str] | None = None,
    floor: float = 0.0,
) -> Chart:
    """A line through the months that have a value (a gap where a month has none, marked
    with a dash), a dot and the value written at every point (alternately above and below it, so
    that neighbours never overlap), the month under it. `floor`: the value at the bottom of
    the axis (a rate that moves between 90 and 96 % reads better from 80 %), written with the
    top on the axis (`axis`: the two labels) so that the cut is never hidden."""
    col, left, pad_top, pad_bottom = 64, 70 if axis else 10, 40, 48
    width = max(1, len(points)) * col + left + 10
    top = _top(points, max_value)
    span = (top - floor) or 1.0
    chart = Chart(title, _describe(points) or empty, width, chart_h + pad_top + pad_bottom)
    base = pad_top + chart_h
    chart.shapes.append(Line(((left, base), (width - 10, base)), GRID))
    if max_value is not None:
        chart.shapes.append(Line(((left, pad_top), (width - 10, pad_top)), GRID, 1, dash=True))
    if axis:
        chart.shapes += [
            Text(left - 8, base + 6, axis[0], 16, anchor="end"),
            Text(left - 8, pad_top + 6, axis[1], 16, anchor="end"),
        ]
    run: list[tuple[float, float]] = []
    marks: list[Dot | Text] = []
    for index, point in enumerate(points):
        x = left + index * col + col / 2
        chart.shapes.append(Text(x, base + 32, point.label, 19, anchor="middle"))
        if point.value is None:
            if len(run) > 1:
                chart.shapes.append(Line(tuple(run), BAR, 3))
            run = []
            marks.append(Text(x, base - 8, GAP, 18, anchor="middle"))
            continue
        y = base - (min(max(point.value, floor), top) - floor) / span * chart_h
        run.append((x, y))
        below = index % 2 == 1
        marks += [
            Dot(x, y, 6, BAR),
            Text(
                x,
                min(base - 4, y + 26) if below else max(16.0, y - 12),
                point.text,
                16,
                bold=True,
                anchor="middle",
            ),
        ]
    if len(run) > 1:
        chart.shapes.append(Line(tuple(run), BAR, 3))
    chart.shapes += marks
    return chart


# The names the views used before the charts were shapes: SVG straight away.
def hbar_chart(title: str, bars: Sequence[Bar], *, max_value: float | None = None) -> SafeString:
    return hbar(title, bars, max_value=max_value).svg()


def column_chart(title: str, bars: Sequence[Bar]) -> SafeString:
    return columns(title, bars).svg()

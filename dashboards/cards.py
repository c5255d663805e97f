"""The headline figures of a dashboard as cards: the value of the period, and how it moved
from the period before as an arrow and a sentence (never colour alone). Built from figures the
page has already loaded; shown on the page and in the PDF summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from .index import IndexResult
from .selectors import Figures, Period
from .tables import fmt, number, percent

ARROWS = {"up": "▲", "down": "▼", "same": "=", "none": ""}


@dataclass
class Card:
    name: str
    value: str
    change: str  # the sentence: "up 12 (8.0%) from 2025"
    trend: str = "none"  # up | down | same | none
    extra: list[tuple[str, str]] = field(default_factory=list)  # (label, value) lines

    @property
    def missing(self) -> bool:
        return self.value == fmt(None, "int")

    @property
    def arrow(self) -> str:
        return ARROWS[self.trend]


def _count_card(name: str, now: int, before: int, previous: Period) -> Card:
    diff = now - before
    label = previous.label
    if not before:
        return Card(name, fmt(now, "int"), _("no figure for %(period)s") % {"period": label})
    if diff == 0:
        return Card(name, fmt(now, "int"), _("same as %(period)s") % {"period": label}, "same")
    values = {"diff": fmt(abs(diff), "int"), "rate": percent(abs(diff) / before), "period": label}
    if diff > 0:
        return Card(
            name, fmt(now, "int"), _("up %(diff)s (%(rate)s) from %(period)s") % values, "up"
        )
    return Card(
        name, fmt(now, "int"), _("down %(diff)s (%(rate)s) from %(period)s") % values, "down"
    )


def _rate_card(name: str, now: float | None, before: float | None, previous: Period) -> Card:
    label = previous.label
    if now is None:
        return Card(name, fmt(None, "pct"), "")
    if before is None:
        return Card(name, fmt(now, "pct"), _("no figure for %(period)s") % {"period": label})
    diff = round((now - before) * 100, 1)
    if diff == 0:
        return Card(name, fmt(now, "pct"), _("same as %(period)s") % {"period": label}, "same")
    values = {"diff": number(abs(diff), 1), "period": label}
    if diff > 0:
        change = _("up %(diff)s percentage points from %(period)s") % values
        return Card(name, fmt(now, "pct"), change, "up")
    change = _("down %(diff)s percentage points from %(period)s") % values
    return Card(name, fmt(now, "pct"), change, "down")


def headline_cards(now: Figures, before: Figures, period: Period) -> list[Card]:
    previous = period.previous()
    return [
        _count_card(_("Dossiers received"), now.totals["received"], before.totals["received"], previous),
        _count_card(_("Dossiers finished"), now.totals["finished"], before.totals["finished"], previous),
        _rate_card(_("Finished on time"), now.on_time_rate, before.on_time_rate, previous),
        _rate_card(_("Satisfaction"), now.satisfaction, before.satisfaction, previous),
    ]  # fmt: skip


def index_card(result: IndexResult) -> Card:
    """The 100-point index with its groups (points of each group's maximum)."""
    total = result.total
    value = (
        fmt(None, "points")
        if total is None
        else _("%(points)s of 100") % {"points": fmt(total, "points")}
    )
    measured: Any = result.max_measured
    change = (
        "" if total is None else _("%(max)s points measurable") % {"max": fmt(measured, "points")}
    )
    extra = [
        (
            f"{g.number}. {g.label}",
            f"{fmt(g.points, 'points')} / {number(g.max_points)}",
        )
        for g in result.groups
    ]
    return Card(_("Service index"), value, change, "none", extra)

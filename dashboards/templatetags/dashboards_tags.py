"""Numbers on the dashboard templates in the reader's language, the same as the tables'
cells (dashboards.tables.fmt): {{ value|num }}, {{ value|num:1 }}, {{ rate|pct }}."""

from __future__ import annotations

from typing import Any

from django import template

from dashboards.tables import fmt, number

register = template.Library()


@register.filter
def num(value: Any, decimals: int | None = None) -> str:
    if value is None or value == "":
        return fmt(None, "int")
    return number(value, decimals)


@register.filter
def pct(value: Any) -> str:
    return fmt(value, "pct")


@register.filter
def points(value: Any) -> str:
    return fmt(value, "points")

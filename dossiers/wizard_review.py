"""The check-your-answers page of the e-form wizard: the answers by section (a Change link
per section, none where every value is a verified prefilled one), and what will happen to
the dossier: the agency that will receive it, the fee and the expected result date."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from procedures.models import ChannelKind, ProcedureVersion

from .eforms.base import SummaryRow
from .routing import resolve_competent_agency
from .services.common import channel_due_at


@dataclass
class Section:
    title: str
    rows: list[SummaryRow]
    change_url: str | None  # None: nothing here can be changed (verified values only)


@dataclass
class WhatNext:
    agency: Any  # agencies.models.Agency | None (not known until the routing commune is)
    fees: list[Any] = field(default_factory=list)  # procedures.models.Fee, amount > 0
    due: Any = None  # datetime | None
    time_limit: Any = None  # procedures.models.Channel | None (its limit and unit)


def sections(
    summary: list[tuple[str, list[SummaryRow]]],
    locked: dict[str, dict[str, Any]],
    change_url: Callable[[str], str],
) -> list[Section]:
    out = []
    for title, rows in summary:
        for row in rows:
            row.locked = bool(row.field) and row.field in locked.get(row.step, {})
        step = next((row.step for row in rows if not row.locked), None)
        out.append(Section(title, rows, change_url(step) if step else None))
    return out


def what_next(*, version: ProcedureVersion, commune: Any) -> WhatNext:
    """The receiving agency (the routing, cached), the online channel's fees and its
    due date counted from now in working days (the same function that sets a received
    dossier's due date)."""
    agency = resolve_competent_agency(version=version, commune=commune) if commune else None
    channel = (
        version.channels.filter(kind=ChannelKind.ONLINE).prefetch_related("fees").first()
        or version.channels.prefetch_related("fees").first()
    )
    if channel is None:
        return WhatNext(agency=agency)
    fees = [fee for fee in channel.fees.all() if fee.amount]
    return WhatNext(
        agency=agency,
        fees=fees,
        due=channel_due_at(channel, timezone.now()),
        time_limit=channel,
    )

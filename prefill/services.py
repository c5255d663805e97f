"""Prefill lookups: every lookup is audited (who asked, whose data, for which procedure)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from portal.audit import audit_record
from portal.models import User

from . import sources  # noqa: F401  (registers the sources)
from .registry import SourceUnavailableError, registry

logger = logging.getLogger(__name__)


@dataclass
class PrefillResult:
    source: str
    record: dict[str, Any] | None = None
    unavailable: bool = False
    values: dict[str, Any] = field(default_factory=dict)


def prefill_lookup(*, actor: User, source_key: str, subject_id: str, purpose: str) -> PrefillResult:
    """Fetch one record from a source, audited. Never raises for an outage: says so instead."""
    source = registry.get(source_key)
    try:
        record = source.fetch(subject_id)
        outcome = "found" if record else "not_found"
    except SourceUnavailableError:
        logger.warning("prefill source %s unavailable", source_key)
        record, outcome = None, "unavailable"
    audit_record(
        actor=actor,
        action="prefill.lookup",
        object_type=f"registry.{source_key}",
        object_id=subject_id,
        reason=purpose,
        details={"outcome": outcome},
    )
    return PrefillResult(source=source_key, record=record, unavailable=outcome == "unavailable")

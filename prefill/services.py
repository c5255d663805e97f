"""Prefill lookups, fetched in parallel with timeouts and a circuit breaker per source.

Every lookup is audited (who asked, whose data, for which procedure). An outage never raises:
the result says the source is unavailable and the person types the data. Application logs
carry the source name and the outcome, never the identification number or the record.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from portal.audit import audit_record
from portal.models import User

from . import sources  # noqa: F401  (registers the sources)
from .circuit import CircuitBreaker
from .registry import SourceUnavailableError, registry

logger = logging.getLogger(__name__)
_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="prefill")


@dataclass
class PrefillResult:
    source: str
    record: dict[str, Any] | None = None
    unavailable: bool = False
    skipped: bool = False  # the circuit was open: no call was made
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Lookup:
    source: str
    subject_id: str


def _fetch(source_key: str, subject_id: str) -> tuple[str, dict[str, Any] | None]:
    try:
        record = registry.get(source_key).fetch(subject_id)
    except SourceUnavailableError:
        return "unavailable", None
    return ("found" if record else "not_found"), record


def prefill_fetch_many(
    *, actor: User, lookups: list[Lookup], purpose: str, timeout: float | None = None
) -> dict[Lookup, PrefillResult]:
    """Fetch several records at once. A page waits at most the slowest source's timeout (or
    `timeout`, what is left of a page's budget); a source whose circuit is open is not called
    at all."""
    timeout = float(settings.PREFILL_TIMEOUT_SECONDS) if timeout is None else max(timeout, 0.0)
    futures = {}
    results: dict[Lookup, PrefillResult] = {}
    outcomes: dict[Lookup, str] = {}
    for lookup in dict.fromkeys(lookups):
        breaker = CircuitBreaker(lookup.source)
        if not breaker.allow():
            results[lookup] = PrefillResult(source=lookup.source, unavailable=True, skipped=True)
            outcomes[lookup] = "circuit_open"
            continue
        futures[lookup] = _pool.submit(_fetch, lookup.source, lookup.subject_id)
    deadline = time.monotonic() + timeout + 0.5  # the HTTP timeout fires first
    for lookup, future in futures.items():
        breaker = CircuitBreaker(lookup.source)
        try:
            outcome, record = future.result(timeout=max(deadline - time.monotonic(), 0.0))
        except FutureTimeout:
            outcome, record = "unavailable", None
        if outcome == "unavailable":
            breaker.record_failure()
            logger.warning("prefill source %s unavailable", lookup.source)
        else:
            breaker.record_success()
        outcomes[lookup] = outcome
        results[lookup] = PrefillResult(
            source=lookup.source, record=record, unavailable=outcome == "unavailable"
        )
    # One transaction for the page's audit rows: one commit (one disk sync) instead of one per
    # lookup, which the person would wait for (docs/benchmarks.md, prefill latency).
    with transaction.atomic():
        for lookup, outcome in outcomes.items():
            audit_record(
                actor=actor,
                action="prefill.lookup",
                object_type=f"registry.{lookup.source}",
                object_id=lookup.subject_id,
                reason=purpose[:200],
                details={"outcome": outcome},
            )
    return results

"""A circuit breaker per prefill source, shared by all processes through the cache.

After `threshold` failures within `window` seconds the circuit opens for `cooldown` seconds:
lookups to that source are skipped at once (the person types the data), instead of every page
waiting for a timeout. After the cooldown one trial lookup is let through (half-open); a success
closes the circuit, a failure opens it again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class CircuitSettings:
    threshold: int = 3
    window: int = 60
    cooldown: int = 30


def _settings() -> CircuitSettings:
    values = getattr(settings, "PREFILL_CIRCUIT", {})
    return CircuitSettings(**values)


class CircuitBreaker:
    def __init__(self, source: str, config: CircuitSettings | None = None) -> None:
        self.source = source
        self.config = config or _settings()
        self._failures = f"prefill:circuit:{source}:failures"
        self._open_until = f"prefill:circuit:{source}:open_until"
        self._trial = f"prefill:circuit:{source}:trial"

    def allow(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        open_until = cache.get(self._open_until)
        if open_until is None:
            return True
        if now < open_until:
            return False
        # half-open: exactly one trial per cooldown
        return bool(cache.add(self._trial, 1, timeout=self.config.cooldown))

    def is_open(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        open_until = cache.get(self._open_until)
        return open_until is not None and now < open_until

    def record_success(self) -> None:
        cache.delete_many([self._failures, self._open_until, self._trial])

    def record_failure(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        if cache.get(self._open_until) is not None:
            # a failed half-open trial: open again for a full cooldown
            cache.set(self._open_until, now + self.config.cooldown, timeout=None)
            cache.delete(self._trial)
            return
        cache.add(self._failures, 0, timeout=self.config.window)
        try:
            failures = cache.incr(self._failures)
        except ValueError:
            cache.set(self._failures, 1, timeout=self.config.window)
            failures = 1
        if failures >= self.config.threshold:
            cache.set(self._open_until, now + self.config.cooldown, timeout=None)
            cache.delete(self._failures)

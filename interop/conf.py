"""Settings of the interop app, with their defaults (override them in the settings module)."""

from __future__ import annotations

from django.conf import settings

#: Delay in seconds before attempt 2, 3, ...: 1 min, 5 min, 15 min, 1 h, 3 h, 6 h, 12 h.
DEFAULT_RETRY_SCHEDULE = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600)


def retry_schedule() -> tuple[int, ...]:
    return tuple(
        int(s) for s in getattr(settings, "INTEROP_WEBHOOK_RETRY_SCHEDULE", DEFAULT_RETRY_SCHEDULE)
    )


def max_attempts() -> int:
    """Attempts before a delivery is dead: by default one more than the schedule's delays."""
    return int(getattr(settings, "INTEROP_WEBHOOK_MAX_ATTEMPTS", len(retry_schedule()) + 1))


def jitter() -> float:
    """Each delay is multiplied by a random factor in [1 - jitter, 1 + jitter]."""
    return float(getattr(settings, "INTEROP_WEBHOOK_JITTER", 0.1))


def timeout_seconds() -> float:
    """Connect and read timeout of one webhook request."""
    return float(getattr(settings, "INTEROP_WEBHOOK_TIMEOUT_SECONDS", 10.0))


def lease_seconds() -> int:
    """A delivery left "delivering" longer than this is reclaimed (its worker died)."""
    return int(getattr(settings, "INTEROP_DELIVERY_LEASE_SECONDS", 300))


def attachment_url_max_age() -> int:
    """Lifetime in seconds of the signed attachment download URLs sent in a webhook."""
    return int(getattr(settings, "INTEROP_ATTACHMENT_URL_MAX_AGE", 24 * 3600))


def due_batch_size() -> int:
    return int(getattr(settings, "INTEROP_DUE_BATCH_SIZE", 500))

"""The portal's Celery app with the outbox sweeper every BENCH_SWEEP_SECONDS (default 5).

`celery -A bench.beat_app beat`: the settings hard-code a 30 s sweep interval, too slow for a
bench that restarts its broker. Only beat uses this module; the worker runs `-A portal`.
"""

from __future__ import annotations

import os

from portal.celery import app

app.conf.beat_schedule = {
    "outbox-sweeper": {
        "task": "portal.tasks.outbox_sweep",
        "schedule": float(os.environ.get("BENCH_SWEEP_SECONDS", "5")),
    },
}

__all__ = ["app"]

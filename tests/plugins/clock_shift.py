"""pytest plugin: run the whole suite with the clock moved ahead, to find tests that depend
on the day they run.

`PORTAL_TEST_CLOCK_SHIFT_DAYS=400 bash bin/test` starts the session (and each xdist worker)
with time-machine travelling that many days ahead of the real date, ticking. A test that
freezes its own moment with the `time_machine` fixture still gets that moment: time-machine
nests travels. Subprocesses that the tests start (the national mocks) are run through
`python -m tests.plugins.clock_shift MODULE ...`, which applies the same shift, so signed
requests carry timestamps both sides agree on.

Rule (docs/contributing.md): a test whose outcome depends on a date freezes the clock with
the `time_machine` fixture before it creates anything whose time matters, fixtures included.
"""

from __future__ import annotations

import datetime as dt
import os
import runpy
import sys

import time_machine

ENV = "PORTAL_TEST_CLOCK_SHIFT_DAYS"
_traveller: time_machine.travel | None = None


def shift_days() -> int:
    value = os.environ.get(ENV, "").strip()
    return int(value) if value else 0


def start() -> None:
    """Begin travelling `shift_days()` ahead of the real time, ticking; no-op when unset."""
    global _traveller
    days = shift_days()
    if not days or _traveller is not None:
        return
    destination = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    _traveller = time_machine.travel(destination, tick=True)
    _traveller.start()


def stop() -> None:
    global _traveller
    if _traveller is not None:
        _traveller.stop()
        _traveller = None


def wrap_command(argv: list[str]) -> list[str]:
    """`[python, -m, module, ...]` run under the same shift when one is active."""
    if not shift_days() or argv[:2] != [sys.executable, "-m"]:
        return argv
    return [sys.executable, "-m", "tests.plugins.clock_shift", *argv[2:]]


def pytest_configure(config) -> None:
    start()


def pytest_unconfigure(config) -> None:
    stop()


def pytest_report_header(config) -> str | None:
    days = shift_days()
    if days:
        return f"clock: moved {days} days ahead ({ENV}); today is {dt.date.today().isoformat()}"
    return None


if __name__ == "__main__":
    # python -m tests.plugins.clock_shift MODULE [ARGS...]: run MODULE as __main__, shifted.
    start()
    module, *rest = sys.argv[1:]
    sys.argv = [module, *rest]
    runpy.run_module(module, run_name="__main__", alter_sys=True)

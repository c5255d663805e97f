"""Submission latency, submit-to-routed latency and routing throughput at fixed open-loop rates.

    uv run python bench/routing_throughput.py [--rates 50,200] [--duration 20] [--markdown]

Same environment as bench/exactly_once.py (database `portal_bench` recreated, a private
redis-server, ONE Celery worker with 2 prefork processes, beat with the production sweeper
settings: every 30 s, stale after 60 s), no faults. For each rate, a scheduler issues
`dossier_submit` calls at the target times (open loop: a slow call does not delay the next
one) onto a pool of threads, each with its own database connection. Then it waits until every
dossier of the phase is routed and every outbox row is done before the next rate.

Reported per rate: achieved submit rate (honest: completed submissions over the time it took),
submit latency (the `dossier_submit` call) and response time (from the scheduled time, so
queueing in the pool counts), submit-to-routed latency (`routed_at - submitted_at` from the
database), routing throughput in the steady state (dossiers routed per second between the
10th and 90th percentile of their `routed_at`), the drain time after the last submission,
and where the CPU went.

Not part of the test suite; see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import queue
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (
    CpuMeter,
    Harness,
    ReferenceData,
    machine_summary,
    percentile,
    say,
)


@dataclass
class Call:
    index: int
    target: float
    start: float = 0.0
    end: float = 0.0
    pk: int | None = None
    error: str = ""


@dataclass
class Phase:
    rate: float
    duration: float
    calls: list[Call] = field(default_factory=list)
    t0: float = 0.0
    issued_until: float = 0.0
    cpu_submit: dict[str, float] = field(default_factory=dict)
    submit_seconds: float = 0.0
    cpu_drain: dict[str, float] = field(default_factory=dict)
    lock_waits: Counter[str] = field(default_factory=Counter)
    drain_seconds: float = float("nan")
    drained: bool = False
    results: dict[str, float] = field(default_factory=dict)


class Pool:
    """Threads that run submissions from a queue; each closes its connection at the end."""

    def __init__(self, harness: Harness, data: ReferenceData, size: int) -> None:
        self.harness = harness
        self.data = data
        self.jobs: queue.Queue[Call | None] = queue.Queue()
        self.threads = [
            threading.Thread(target=self._run, name=f"submit-{i}", daemon=True) for i in range(size)
        ]
        for thread in self.threads:
            thread.start()

    def _run(self) -> None:
        from django.db import connections

        try:
            while (call := self.jobs.get()) is not None:
                call.start = time.monotonic()
                try:
                    call.pk, _ = self.harness.submit(self.data, call.index)
                except Exception as exc:
                    call.error = f"{type(exc).__name__}: {exc}"[:200]
                call.end = time.monotonic()
                self.jobs.task_done()
            self.jobs.task_done()
        finally:
            connections.close_all()

    def close(self) -> None:
        for _ in self.threads:
            self.jobs.put(None)
        for thread in self.threads:
            thread.join(timeout=60)


class LockSampler:
    """Samples pg_stat_activity of the bench database: what its sessions are waiting for."""

    def __init__(self, db_name: str, interval: float = 0.1) -> None:
        self.db_name = db_name
        self.interval = interval
        self.counts: Counter[str] = Counter()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="lock-sampler", daemon=True)

    def _run(self) -> None:
        from django.db import connections

        try:
            with connections["default"].cursor() as cursor:
                while not self.stop.wait(self.interval):
                    cursor.execute(
                        "SELECT coalesce(wait_event_type || ':' || wait_event, 'on CPU'), "
                        "count(*) FROM pg_stat_activity WHERE datname = %s AND state = 'active' "
                        "AND pid <> pg_backend_pid() GROUP BY 1",
                        [self.db_name],
                    )
                    self.counts["samples"] += 1
                    for what, n in cursor.fetchall():
                        self.counts[what] += n
        finally:
            connections.close_all()

    def __enter__(self) -> LockSampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)


def run_phase(
    harness: Harness, pool: Pool, phase: Phase, start_index: int, drain_timeout: float
) -> None:
    from dossiers.models import Dossier

    meter = CpuMeter(harness)
    count = round(phase.rate * phase.duration)
    say(f"phase {phase.rate:g}/s: {count} submissions over {phase.duration:g} s")
    cpu0 = meter.snapshot()
    phase.t0 = time.monotonic() + 0.1
    with LockSampler(harness.db_name) as sampler:
        for i in range(count):
            call = Call(index=start_index + i, target=phase.t0 + i / phase.rate)
            delay = call.target - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            phase.calls.append(call)
            pool.jobs.put(call)
        phase.issued_until = time.monotonic()
        pool.jobs.join()
    phase.lock_waits = sampler.counts
    cpu1 = meter.snapshot()
    phase.cpu_submit = CpuMeter.delta(cpu0, cpu1)
    last_end = max(call.end for call in phase.calls)
    pks = [call.pk for call in phase.calls if call.pk is not None]
    started = time.monotonic()
    last_print = started
    from dashboards.models import RollupPending

    while True:
        unrouted = Dossier.objects.filter(pk__in=pks, routed_at__isnull=True).count()
        open_rows = sum(n for s, n in harness.outbox_counts().items() if s != "done")
        # the rollups of the phase are drained by beat: their CPU counts in the phase
        marks = RollupPending.objects.count()
        if unrouted == 0 and open_rows == 0 and marks == 0:
            phase.drained = True
            break
        if time.monotonic() - started > drain_timeout:
            say(f"TIMEOUT: {unrouted} dossiers unrouted, {open_rows} outbox rows open")
            break
        if time.monotonic() - last_print > 10:
            say(
                f"  draining: {unrouted} dossiers unrouted, {open_rows} outbox rows open,"
                f" {marks} rollup marks"
            )
            last_print = time.monotonic()
        time.sleep(0.5)
    phase.cpu_drain = CpuMeter.delta(cpu1, meter.snapshot())
    phase.drain_seconds = time.monotonic() - last_end
    phase.submit_seconds = last_end - phase.t0
    analyse(phase, pks)


def analyse(phase: Phase, pks: list[int]) -> None:
    from dossiers.models import Dossier

    ok = [call for call in phase.calls if not call.error]
    last_end = max(call.end for call in phase.calls)
    rows = list(
        Dossier.objects.filter(pk__in=pks).values_list("submitted_at", "routed_at", flat=False)
    )
    routed = sorted(r for _, r in rows if r is not None)
    to_routed = [(r - s).total_seconds() for s, r in rows if r is not None]
    n = len(routed)
    lo, hi = int(n * 0.1), max(int(n * 0.9) - 1, 0)
    span = (routed[hi] - routed[lo]).total_seconds() if n > 1 else 0.0
    submitted = sorted(s for s, _ in rows)
    submit_span = (submitted[-1] - submitted[0]).total_seconds() if len(submitted) > 1 else 0.0
    phase.results = {
        "offered rate (/s)": phase.rate,
        "submissions": len(phase.calls),
        "errors": len(phase.calls) - len(ok),
        "achieved submit rate (/s)": len(ok) / (last_end - phase.t0),
        "scheduler lag at end (s)": phase.issued_until - (phase.t0 + phase.duration),
        "submit latency p50 (ms)": percentile([c.end - c.start for c in ok], 50) * 1000,
        "submit latency p95 (ms)": percentile([c.end - c.start for c in ok], 95) * 1000,
        "submit latency p99 (ms)": percentile([c.end - c.start for c in ok], 99) * 1000,
        "response time p50 (ms)": percentile([c.end - c.target for c in ok], 50) * 1000,
        "response time p99 (ms)": percentile([c.end - c.target for c in ok], 99) * 1000,
        "submit-to-routed p50 (s)": percentile(to_routed, 50),
        "submit-to-routed p95 (s)": percentile(to_routed, 95),
        "submit-to-routed p99 (s)": percentile(to_routed, 99),
        "routing throughput, steady (/s)": (hi - lo) / span if span > 0 else float("nan"),
        "submission rate seen by the DB (/s)": (len(submitted) - 1) / submit_span
        if submit_span
        else float("nan"),
        "drain after last submission (s)": phase.drain_seconds,
        "all routed": float(phase.drained),
    }
    ms_per_dossier = {
        "bench (submitters)": "CPU per dossier: submitting process (ms)",
        "postgres (bench db)": "CPU per dossier: PostgreSQL backends (ms)",
        "celery worker": "CPU per dossier: Celery worker (ms)",
    }
    for family, label in ms_per_dossier.items():
        seconds = phase.cpu_submit.get(family, 0.0) + phase.cpu_drain.get(family, 0.0)
        phase.results[label] = seconds / max(len(pks), 1) * 1000


def cpu_rows(phases: list[Phase], which: str) -> list[list[str]]:
    families = [
        "bench (submitters)",
        "celery worker",
        "postgres (bench db)",
        "postgres (other)",
        "redis",
        "celery beat",
        "other processes",
        "machine busy",
    ]
    rows = []
    for family in families:
        row = [family]
        for phase in phases:
            cpu = getattr(phase, which)
            wall = phase.submit_seconds if which == "cpu_submit" else phase.drain_seconds
            wall = max(wall, 1e-9)
            row.append(f"{cpu.get(family, 0.0) / wall * 100:.0f} %")
        rows.append(row)
    # Processes that ended inside the window (another user's test run, a short-lived
    # PostgreSQL backend) are missing from the per-process rows but not from the machine.
    row = ["unattributed (ended processes, kernel)"]
    for phase in phases:
        cpu = getattr(phase, which)
        wall = max(phase.submit_seconds if which == "cpu_submit" else phase.drain_seconds, 1e-9)
        listed = sum(v for k, v in cpu.items() if k != "machine busy")
        row.append(f"{max(cpu.get('machine busy', 0.0) - listed, 0.0) / wall * 100:.0f} %")
    rows.append(row)
    return rows


def fmt(value: float) -> str:
    if value != value:  # NaN
        return "-"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def render(title: str, headers: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        out = [f"**{title}**", "", "| " + " | ".join(headers) + " |"]
        out.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|")
        out += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(out) + "\n"
    widths = [max(len(x) for x in column) for column in zip(headers, *rows, strict=False)]
    line = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    out = [title, line.format(*headers), line.format(*("-" * w for w in widths))]
    out += [line.format(*row) for row in rows]
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="50,200", help="comma list of submissions/s")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per rate")
    parser.add_argument("--threads", type=int, default=16, help="submitting threads")
    parser.add_argument("--communes", type=int, default=4)
    parser.add_argument("--stale-seconds", type=int, default=60)
    parser.add_argument("--sweep-seconds", type=float, default=30.0)
    parser.add_argument(
        "--lease-seconds", type=int, default=240, help="PORTAL_OUTBOX_LEASE_SECONDS"
    )
    parser.add_argument("--drain-timeout", type=float, default=300.0)
    parser.add_argument("--redis-port", type=int, default=6390)
    parser.add_argument("--database", default="portal_bench")
    parser.add_argument("--markdown", action="store_true", help="results as markdown")
    parser.add_argument("--keep", action="store_true", help="keep logs and files")
    args = parser.parse_args()
    rates = [float(rate) for rate in args.rates.split(",") if rate.strip()]

    with Harness(
        label="throughput",
        db_name=args.database,
        redis_port=args.redis_port,
        stale_seconds=args.stale_seconds,
        sweep_seconds=args.sweep_seconds,
        lease_seconds=args.lease_seconds,
        keep_tmp=args.keep,
    ) as harness:
        data = harness.prepare(communes=args.communes)
        machine = machine_summary()
        say("machine: " + ", ".join(f"{k} {v}" for k, v in machine.items()))
        pool = Pool(harness, data, args.threads)
        say("warming up (20 submissions, not measured)")
        warm = [Call(index=i, target=time.monotonic()) for i in range(20)]
        for call in warm:
            pool.jobs.put(call)
        pool.jobs.join()
        phases = [Phase(rate=rate, duration=args.duration) for rate in rates]
        index = len(warm)
        try:
            for phase in phases:
                time.sleep(3)
                run_phase(harness, pool, phase, index, args.drain_timeout)
                index += len(phase.calls)
        finally:
            pool.close()
        logs = harness.worker_log_stats()

        headers = ["", *(f"{phase.rate:g}/s" for phase in phases)]
        keys = list(phases[0].results)
        rows = [[key, *(fmt(phase.results[key]) for phase in phases)] for key in keys]
        context = (
            f"{machine['cores']} cores ({machine['cpu']}), {machine['ram']}, PostgreSQL "
            f"{machine['postgresql'].split()[0]}, Redis {machine['redis']}; ONE worker "
            f"(prefork, concurrency 2), {args.threads} submitting threads, "
            f"{args.duration:g} s per rate, {args.communes} communes"
        )
        print(context + "\n")
        print(render("Submission and routing", headers, rows, args.markdown))
        print(render("CPU while submitting (100 % = one core)", headers, cpu_rows(phases, "cpu_submit"), args.markdown))  # fmt: skip
        print(render("CPU while draining", headers, cpu_rows(phases, "cpu_drain"), args.markdown))
        waits = sorted({key for phase in phases for key in phase.lock_waits} - {"samples"})
        wait_rows = [
            [
                key,
                *(
                    f"{phase.lock_waits[key] / max(phase.lock_waits['samples'], 1):.2f}"
                    for phase in phases
                ),
            ]
            for key in waits
        ]
        print(render("Active bench-db sessions by wait event (mean while submitting)", headers, wait_rows, args.markdown))  # fmt: skip
        print(
            f"worker deliveries: {logs['ran handler']} ran a handler, "
            f"{logs['duplicate, skipped']} skipped as duplicates, "
            f"{logs['handled by sweeper']} stale rows handled by the sweeper, {logs['retries']} retries"
        )
        rss = ", ".join(f"{mb:.0f} MB" for mb in harness.worker_rss())
        print(f"RSS of the worker's processes at the end: {rss}")
        errors = Counter(call.error for phase in phases for call in phase.calls if call.error)
        for error, count in errors.most_common(5):
            print(f"  submit error x{count}: {error}")
        return 0 if all(phase.drained for phase in phases) and not errors else 1


if __name__ == "__main__":
    sys.exit(main())

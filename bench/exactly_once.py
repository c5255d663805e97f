"""Exactly-once routing under faults: the outbox proof on PostgreSQL, Redis and real Celery.

    uv run python bench/exactly_once.py [--dossiers 2000] [--threads 4]

Recreates the database `portal_bench`, starts a private redis-server (port 6390), ONE Celery
worker (prefork, 2 processes) and beat (outbox sweeper every 5 s, stale after 5 s), then
submits the dossiers through `dossiers.services.dossier_submit` from a few threads. While it
submits, it SIGKILLs the worker's whole process group at 25 %, 50 % and 75 % (restarting it
each time) and restarts Redis without saving at 60 %, so queued and in-flight messages are
lost. Then it waits until every outbox row is done and checks that every dossier was routed
exactly once to the right agency, with unique codes. Exits 1 on any violation.

Not part of the test suite; see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import re
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import Harness, ReferenceData, machine_summary, say

KILLS = [0.25, 0.50, 0.75]  # fractions of the submissions: SIGKILL the worker group
REDIS_RESTART = 0.60  # fraction of the submissions: Redis SHUTDOWN NOSAVE, then start
CODE_IN_SUBJECT = re.compile(r"([\w.]+-\d{6}-\d{4,})")


class Run:
    def __init__(self, harness: Harness, data: ReferenceData, total: int) -> None:
        self.harness = harness
        self.data = data
        self.total = total
        self.next_index = 0
        self.done = 0
        self.errors: Counter[str] = Counter()
        self.submitted: dict[int, str] = {}
        self.latencies: list[float] = []
        self.faults: list[dict[str, object]] = []
        self.lock = threading.Lock()
        self.finished = threading.Event()

    # --- submitters ----------------------------------------------------------------------------

    def submitter(self) -> None:
        from django.db import connections

        try:
            while True:
                with self.lock:
                    if self.next_index >= self.total:
                        return
                    index = self.next_index
                    self.next_index += 1
                started = time.monotonic()
                try:
                    pk, code = self.harness.submit(self.data, index)
                except Exception as exc:
                    with self.lock:
                        self.errors[f"{type(exc).__name__}: {exc}"[:200]] += 1
                        self.done += 1
                    continue
                elapsed = time.monotonic() - started
                with self.lock:
                    self.submitted[pk] = code
                    self.latencies.append(elapsed)
                    self.done += 1
        finally:
            connections.close_all()

    # --- faults -----------------------------------------------------------------------------

    def _wait_for(self, fraction: float) -> bool:
        while self.done < fraction * self.total:
            if self.finished.wait(0.05):
                return False
        return True

    def _record(self, kind: str, at_dossier: int, outbox: dict[str, int]) -> None:
        with self.lock:
            self.faults.append(
                {
                    "kind": kind,
                    "at_dossier": at_dossier,
                    "processing": outbox.get("processing", 0),
                    "pending": outbox.get("pending", 0),
                }
            )

    def kills(self) -> None:
        from django.db import connections

        try:
            for fraction in KILLS:
                if not self._wait_for(fraction):
                    return
                # Kill a worker that is consuming, not one still starting up, and preferably
                # while it holds a claimed row (mid-handler): wait up to 3 s for one.
                self.harness.wait_worker_ready()
                deadline = time.monotonic() + 3
                while (outbox := self.harness.outbox_counts()).get("processing", 0) == 0:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.005)
                at_dossier = self.done
                self.harness.kill_worker()
                self.harness.start_worker()
                say(
                    f"fault: SIGKILL worker group at {at_dossier}/{self.total} "
                    f"(outbox processing={outbox.get('processing', 0)}, "
                    f"pending={outbox.get('pending', 0)}); restarting it"
                )
                self._record("kill", at_dossier, outbox)
            ready = self.harness.wait_worker_ready()
            say(f"last worker incarnation ready {ready:.1f} s after its start")
        finally:
            connections.close_all()

    def redis_restart(self) -> None:
        from django.db import connections

        try:
            if not self._wait_for(REDIS_RESTART):
                return
            outbox = self.harness.outbox_counts()
            at_dossier = self.done
            started = time.monotonic()
            self.harness.restart_redis(down_seconds=2.0)
            say(
                f"fault: Redis SHUTDOWN NOSAVE at {at_dossier}/{self.total}, back after "
                f"{time.monotonic() - started:.1f} s (pending={outbox.get('pending', 0)})"
            )
            self._record("redis", at_dossier, outbox)
        finally:
            connections.close_all()


def wait_drained(harness: Harness, timeout: float) -> tuple[bool, float]:
    from dossiers.models import Dossier

    started = time.monotonic()
    last_print = 0.0
    while True:
        counts = harness.outbox_counts()
        unrouted = Dossier.objects.filter(routed_at__isnull=True).count()
        open_rows = sum(n for status, n in counts.items() if status != "done")
        waited = time.monotonic() - started
        if open_rows == 0 and unrouted == 0:
            return True, waited
        if time.monotonic() - last_print >= 10:
            say(f"draining: outbox {dict(sorted(counts.items()))}, unrouted dossiers {unrouted}")
            last_print = time.monotonic()
        if waited > timeout:
            say(f"TIMEOUT after {timeout:.0f} s: outbox {counts}, unrouted dossiers {unrouted}")
            return False, waited
        if harness.worker is not None and harness.worker.poll() is not None:
            say("the worker died; restarting it")
            harness.start_worker()
        if harness.beat is not None and harness.beat.poll() is not None:
            # RedBeat exits when Redis lost its lock (the restart without saving): compose
            # restarts it (`restart: unless-stopped`), so does this harness
            say(f"beat exited ({harness.beat.returncode}); restarting it, as compose would")
            harness.start_beat()
        time.sleep(1)


def verify(harness: Harness, run: Run) -> list[tuple[str, str, str, bool]]:
    """(check, expected, observed, ok) rows."""
    from django.db.models import Count

    from dossiers.models import Dossier, DossierEvent
    from portal.models import AuditEvent, OutboxMessage

    rows: list[tuple[str, str, str, bool]] = []

    def check(name: str, expected: object, observed: object, ok: bool | None = None) -> None:
        rows.append(
            (name, str(expected), str(observed), expected == observed if ok is None else ok)
        )

    dossiers = list(
        Dossier.objects.values_list(
            "pk", "code", "commune_id", "target_agency_id", "competent_agency_id",
            "receiving_agency_id", "routed_at",
        )
    )  # fmt: skip
    total = len(dossiers)
    check("submissions that raised", 0, sum(run.errors.values()))
    check("dossiers in the database", run.total, total)
    check("dossiers returned by dossier_submit", total, len(run.submitted))
    check("dossiers without routed_at", 0, sum(1 for row in dossiers if row[6] is None))

    def per_dossier(queryset, key: str) -> Counter[int]:
        return Counter({row[key]: row["n"] for row in queryset.values(key).annotate(n=Count("pk"))})

    routed = per_dossier(DossierEvent.objects.filter(action="routed"), "dossier_id")
    check("dossiers with != 1 'routed' event", 0, sum(1 for row in dossiers if routed[row[0]] != 1))
    check("'triage' events", 0, DossierEvent.objects.filter(action="triage").count())
    submitted = per_dossier(DossierEvent.objects.filter(action="submitted"), "dossier_id")
    check(
        "dossiers with != 1 'submitted' event",
        0,
        sum(1 for row in dossiers if submitted[row[0]] != 1),
    )
    audits = Counter(
        int(object_id)
        for object_id in AuditEvent.objects.filter(action="dossier.route").values_list(
            "object_id", flat=True
        )
    )
    check(
        "dossiers with != 1 route audit row", 0, sum(1 for row in dossiers if audits[row[0]] != 1)
    )

    agency_pk = {commune: agency.pk for commune, agency in run.data.agency_by_commune.items()}
    agency_code = {agency.pk: agency.code for agency in run.data.agency_by_commune.values()}
    wrong = [row for row in dossiers if agency_pk[row[2]] != row[3]]
    check("dossiers with a wrong target agency (code)", 0, len(wrong))
    wrong = [
        row
        for row in dossiers
        if row[6] is not None and not (agency_pk[row[2]] == row[4] == row[5])
    ]
    check("routed dossiers with a wrong competent/receiving agency", 0, len(wrong))

    codes = Counter(row[1] for row in dossiers)
    check("duplicate codes", 0, sum(n - 1 for n in codes.values()))
    bad_prefix = [
        row for row in dossiers if not row[1].startswith(f"{agency_code.get(row[3], '?')}-")
    ]
    check("codes not prefixed by their agency's id", 0, len(bad_prefix))
    numbers: dict[str, list[int]] = {}
    for code in codes:
        prefix, number = code.rsplit("-", 1)
        numbers.setdefault(prefix, []).append(int(number))
    gaps = sum(max(values) - len(values) for values in numbers.values())
    check("gaps in the daily numbering (info)", 0, gaps, ok=True)

    statuses = Counter(OutboxMessage.objects.values_list("status", flat=True))
    not_done = {status: n for status, n in statuses.items() if status != "done"}
    check("outbox rows pending/processing/failed", {}, not_done)
    route_rows = Counter(
        OutboxMessage.objects.filter(topic="dossier.route").values_list(
            "payload__dossier_id", flat=True
        )
    )
    check(
        "dossiers with != 1 dossier.route row", 0, sum(1 for r in dossiers if route_rows[r[0]] != 1)
    )
    notify_rows = OutboxMessage.objects.filter(topic="dossier.notify").count()
    check("dossier.notify rows", total, notify_rows)
    rerun = OutboxMessage.objects.filter(attempts__gt=1).count()
    check("rows claimed more than once (info: lease expired)", "-", rerun, ok=True)

    mails = Counter(
        match.group(1) for s in harness.mail_subjects() if (match := CODE_IN_SUBJECT.search(s))
    )
    check("dossiers without a submission e-mail", 0, sum(1 for c in codes if mails[c] == 0))
    duplicates = sum(n - 1 for n in mails.values() if n > 1)
    check("duplicate e-mails (info: notify is at-least-once)", "-", duplicates, ok=True)
    return rows


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=False)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line.format(*headers), line.format(*("-" * w for w in widths))]
    out += [line.format(*map(str, row)) for row in rows]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4, help="submitter threads")
    parser.add_argument("--communes", type=int, default=4)
    parser.add_argument("--stale-seconds", type=int, default=5)
    parser.add_argument("--sweep-seconds", type=float, default=5.0)
    parser.add_argument(
        "--lease-seconds", type=int, default=240, help="PORTAL_OUTBOX_LEASE_SECONDS"
    )
    parser.add_argument("--drain-timeout", type=float, default=420.0)
    parser.add_argument("--redis-port", type=int, default=6390)
    parser.add_argument("--database", default="portal_bench")
    parser.add_argument("--keep", action="store_true", help="keep logs and files")
    args = parser.parse_args()

    with Harness(
        label="exactly-once",
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
        run = Run(harness, data, args.dossiers)
        threads = [
            threading.Thread(target=run.submitter, name=f"submitter-{i}", daemon=True)
            for i in range(args.threads)
        ]
        chaos = [
            threading.Thread(target=run.kills, name="kills", daemon=True),
            threading.Thread(target=run.redis_restart, name="redis-restart", daemon=True),
        ]
        say(f"submitting {args.dossiers} dossiers from {args.threads} threads")
        started = time.monotonic()
        for thread in chaos:
            thread.start()
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            for thread in threads:
                thread.join(timeout=5)
            say(f"submitted {run.done}/{args.dossiers}")
        submit_seconds = time.monotonic() - started
        for thread in chaos:
            thread.join(timeout=120)
        run.finished.set()
        say(
            f"submission done in {submit_seconds:.1f} s "
            f"({len(run.submitted) / submit_seconds:.0f}/s); waiting for the outbox to drain "
            f"(a row claimed by a killed worker is re-sent after the lease of {args.lease_seconds} s)"
        )
        drained, drain_seconds = wait_drained(harness, args.drain_timeout)
        time.sleep(2)  # let the last task log lines reach the worker log
        rows = verify(harness, run)
        logs = harness.worker_log_stats()

        kills = sum(1 for fault in run.faults if fault["kind"] == "kill")
        restarts = sum(1 for fault in run.faults if fault["kind"] == "redis")
        violations = [row for row in rows if not row[3]]
        if not drained:
            violations.append(("outbox drained before the timeout", "yes", "no", False))
        print()
        print(
            table(
                ["check", "expected", "observed", "ok"],
                [[n, e, o, "ok" if ok else "VIOLATION"] for n, e, o, ok in rows],
            )
        )
        print()
        latencies = sorted(run.latencies)
        summary = [
            ["dossiers submitted", len(run.submitted)],
            ["submitter threads", args.threads],
            ["submission time", f"{submit_seconds:.1f} s ({len(run.submitted) / submit_seconds:.0f}/s)"],
            ["submit latency p50 / p99", f"{latencies[len(latencies) // 2] * 1000:.0f} / {latencies[int(len(latencies) * 0.99)] * 1000:.0f} ms" if latencies else "-"],
            ["worker SIGKILLs (whole group)", kills],
            ["Redis restarts (SHUTDOWN NOSAVE)", restarts],
            ["sends that failed at commit (broker down)", harness.failed_sends],
            ["drain after the last submission", f"{drain_seconds:.0f} s"],
            ["deliveries that ran a handler", logs["ran handler"]],
            ["deliveries skipped (already claimed/done)", logs["duplicate, skipped"]],
            ["stale rows re-sent (or, patched, run) by the sweeper", logs["handled by sweeper"]],
            ["sweeps run", logs["sweeps"]],
            ["task retries / errors", f"{logs['retries']} / {logs['task errors']}"],
            ["violations", len(violations)],
        ]  # fmt: skip
        print(table(["exactly-once run", "value"], [[str(a), str(b)] for a, b in summary]))
        for fault in run.faults:
            print(
                f"  fault {fault['kind']:5} at dossier {fault['at_dossier']}: outbox "
                f"processing={fault['processing']} pending={fault['pending']}"
            )
        for error, count in run.errors.most_common(5):
            print(f"  submit error x{count}: {error}")
        if violations:
            harness.keep_tmp = True
            print("\nFAILED: " + "; ".join(row[0] for row in violations))
            return 1
        print("\nOK: every dossier routed exactly once")
        return 0


if __name__ == "__main__":
    sys.exit(main())

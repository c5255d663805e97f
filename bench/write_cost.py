"""Is a dossier's write cost flat with volume? Submit, route and receive at 1 thousand and at
1 million dossiers in the agency's month, side by side in one run.

    uv run python bench/write_cost.py [--dossiers 100] [--small 1000] [--large 1000000]

Issue 11, target 2: "the queries, CPU and lock waits of submitting, routing and receiving a
dossier are the same with 1 thousand and 1 million dossiers in its agency's month". One
agency (one commune's committee) receives every dossier. The volume is made by copying a
routed dossier of that agency with SQL (`INSERT ... SELECT ... generate_series`, new codes and
tokens, submitted this month), to `--small` and then to `--large` rows; at each volume
`--dossiers` fresh dossiers go through the production code in this process, without Celery
(as `bench/worker_cost.py`): `dossier_submit`, every outbox message it leaves (routing, the
applicant's notifications with the receipt PDF, ...) through `outbox_run`, the dashboards'
drain, and `dossier_receive` by a reception officer.

Measured per dossier and step: queries (Django's), CPU of this process
(`time.process_time`), CPU of its PostgreSQL backend (`/proc/<pid>/stat`) and the database's
buffer accesses (`pg_stat_database` blks_hit + blks_read, flushed with
`pg_stat_force_next_flush()`): a query whose work grows with the volume shows in the buffers
even when the clock is noisy. Lock waits are not measured here (one process cannot wait for
itself); `bench/routing_throughput.py` runs the concurrent path. Database
`portal_bench_volume`, recreated. Not part of the test suite; see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import Harness, backend_cpu, database_buffers, say
from bench.harness import backend_pid as harness_backend_pid

STEPS = ("submit", "outbox: routing and notifications", "rollups drain", "receive")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=100)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--database", default="portal_bench_volume")
    args = parser.parse_args()

    harness = Harness(label="volume", db_name=args.database)
    os.environ.update(harness.env)
    os.environ["LOG_LEVEL"] = "WARNING"
    harness._recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from agencies.models import Membership, OfficerRole
    from dashboards.tasks import rollups_drain_task
    from dossiers.models import Dossier
    from dossiers.services import dossier_receive
    from portal import outbox
    from portal.models import OutboxMessage, OutboxStatus, User

    call_command("migrate", verbosity=0)
    data = harness._reference_data(communes=1, applicants=20)
    agency = next(iter(data.agency_by_commune.values()))
    officer = User.objects.create_user(username="bench-reception", password="x" * 20)
    Membership.objects.create(user=officer, agency=agency, role=OfficerRole.RECEPTION)
    outbox._send = lambda *a, **k: None  # type: ignore[assignment]

    def run_outbox() -> None:
        rows = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).order_by("created_at")
        for message_id in [str(pk) for pk in rows.values_list("id", flat=True)]:
            outbox.outbox_run(message_id=message_id)

    def buffers() -> int:
        return database_buffers(connection)

    def backend_pid() -> int:
        return harness_backend_pid(connection)

    counter = iter(range(10**9))

    def one_step(step: str, dossier_ids: list[int]) -> None:
        if step == "submit":
            for _ in range(args.dossiers):
                pk, _code = harness.submit(data, next(counter))
                dossier_ids.append(pk)
        elif step.startswith("outbox"):
            run_outbox()
        elif step == "rollups drain":
            rollups_drain_task()
        else:
            for dossier in Dossier.objects.filter(pk__in=dossier_ids).order_by("pk"):
                dossier_receive(dossier=dossier, officer=officer, agency=agency)

    def measure(label: str) -> dict[str, dict[str, float]]:
        """Every step for --dossiers fresh dossiers: CPU and buffers on a plain run, queries
        on a second batch (capturing them costs CPU)."""
        results: dict[str, dict[str, float]] = defaultdict(dict)
        ids: list[int] = []
        pid = backend_pid()
        for step in STEPS:
            before_buffers = buffers()
            started, started_pg = time.process_time(), backend_cpu(pid)
            one_step(step, ids)
            cpu, cpu_pg = time.process_time() - started, backend_cpu(pid) - started_pg
            results[step]["cpu_ms"] = cpu * 1000 / args.dossiers
            results[step]["pg_cpu_ms"] = cpu_pg * 1000 / args.dossiers
            results[step]["buffers"] = (buffers() - before_buffers) / args.dossiers
        ids = []
        for step in STEPS:
            connection.queries_log.clear()  # a full log (9,000) would make the count wrong
            with CaptureQueriesContext(connection) as captured:
                one_step(step, ids)
            results[step]["queries"] = len(captured) / args.dossiers
        say(f"{label}: measured {args.dossiers} dossiers x 2")
        return results

    def grow_to(total: int) -> float:
        """Copy a routed dossier of the agency until it holds `total` dossiers this month."""
        current = Dossier.objects.filter(competent_agency=agency).count()
        missing = total - current
        if missing <= 0:
            return 0.0
        template = (
            Dossier.objects.filter(competent_agency=agency, routed_at__isnull=False)
            .order_by("pk")
            .first()
        )
        assert template is not None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'dossiers_dossier' ORDER BY ordinal_position"
            )
            columns = [row[0] for row in cursor.fetchall()]
        replaced = {
            "id": None,
            "code": "'V' || lpad(g::text, 9, '0')",
            "verification_token": "gen_random_uuid()",
            "submission_key": "NULL",
            "submitted_at": "%(month)s + mod(g, 1000) * interval '1 minute'",
        }
        kept = [c for c in columns if c != "id"]
        select = ", ".join(replaced.get(c) or f'd."{c}"' for c in kept)
        names = ", ".join(f'"{c}"' for c in kept)
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO dossiers_dossier ({names}) "
                f"SELECT {select} FROM dossiers_dossier d, "
                f"generate_series(%(first)s, %(last)s) g WHERE d.id = %(template)s",
                {
                    "first": current,
                    "last": current + missing - 1,
                    "template": template.pk,
                    "month": timezone.now().replace(day=1, hour=1, minute=0),
                },
            )
            cursor.execute("VACUUM ANALYZE dossiers_dossier")
        return time.monotonic() - started

    # warm-up: imports, templates, fonts, the first connection
    warm: list[int] = []
    for step in STEPS:
        one_step(step, warm)

    runs = {}
    for label, total in (("small", args.small), ("large", args.large)):
        took = grow_to(total)
        count = Dossier.objects.filter(competent_agency=agency).count()
        say(f"{label}: the agency holds {count:,} dossiers (copied in {took:.0f} s)")
        runs[label] = (count, measure(label))

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    (small_n, small), (large_n, large) = runs["small"], runs["large"]
    print(
        f"\ncommit {commit}; per dossier, {args.dossiers} dossiers at each volume; "
        f"{small_n:,} vs {large_n:,} dossiers in the agency's month\n"
    )
    print(
        "| step | queries | CPU ms (this process) | CPU ms (PostgreSQL backend) | buffers |\n"
        "|---|---|---|---|---|"
    )

    def pair(step: str, key: str, fmt: str) -> str:
        return f"{small[step][key]:{fmt}} → {large[step][key]:{fmt}}"

    for step in STEPS:
        print(
            f"| {step} | {pair(step, 'queries', '.1f')} | {pair(step, 'cpu_ms', '.1f')} "
            f"| {pair(step, 'pg_cpu_ms', '.1f')} | {pair(step, 'buffers', '.0f')} |"
        )
    totals = {
        key: (
            sum(small[s][key] for s in STEPS),
            sum(large[s][key] for s in STEPS),
        )
        for key in ("queries", "cpu_ms", "pg_cpu_ms", "buffers")
    }
    print(
        "| all | "
        + " | ".join(
            f"{a:.1f} → {b:.1f}" if key != "buffers" else f"{a:.0f} → {b:.0f}"
            for key, (a, b) in totals.items()
        )
        + " |"
    )
    print(f"\nratio large/small of the buffers: {totals['buffers'][1] / totals['buffers'][0]:.2f}")
    harness.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What a Celery task costs around its body: worker CPU per task for a task that does almost
nothing (the claim of an outbox row already done: one UPDATE that matches no row).

    uv run python bench/task_overhead.py [--tasks 2000] [--pool prefork] [--concurrency 2]
                                        [--conn-max-age 60]

A private Redis and a worker on the bench's database (`portal_bench_overhead`, recreated), as
in `bench/routing_throughput.py`; the bench process sends the tasks to the routing queue and
waits until the worker has logged every one as succeeded. Reported: tasks per second and CPU
per task of the worker (all its processes), PostgreSQL's backends that lived through the run
(a backend opened and closed per task exits before the second snapshot and is not counted),
the sending process and Redis, and the resident memory of the worker's processes at the end.
Run it twice with `--conn-max-age 0` and `60` to see what a
connection per task costs.

Not part of the test suite; see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import CpuMeter, Harness, say


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--pool", default="prefork", choices=["prefork", "threads", "solo"])
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--conn-max-age", type=int, default=60)
    parser.add_argument("--redis-port", type=int, default=6391)
    parser.add_argument("--database", default="portal_bench_overhead")
    args = parser.parse_args()

    harness = Harness(label="overhead", db_name=args.database, redis_port=args.redis_port)
    harness.env["DATABASE_CONN_MAX_AGE"] = str(args.conn_max_age)
    os.environ.update(harness.env)
    os.environ["LOG_LEVEL"] = "WARNING"
    harness._recreate_database()
    import django

    django.setup()
    from django.core.management import call_command

    from portal.models import OutboxMessage, OutboxStatus
    from portal.outbox import QUEUE_ROUTING
    from portal.tasks import outbox_process

    call_command("migrate", verbosity=0)
    harness.start_redis()
    harness.concurrency = args.concurrency
    harness.start_worker(pool=args.pool)
    harness.wait_worker_ready()
    done = OutboxMessage.objects.create(topic="dossier.route", payload={}, status=OutboxStatus.DONE)
    time.sleep(2)
    meter = CpuMeter(harness)
    before = meter.snapshot()
    started = time.monotonic()
    say(f"sending {args.tasks} tasks ...")
    for _ in range(args.tasks):
        outbox_process.apply_async((str(done.id),), queue=QUEUE_ROUTING)
    log = harness.worker_logs[-1]
    while log.read_text(errors="replace").count(" succeeded in ") < args.tasks:
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    spent = CpuMeter.delta(before, meter.snapshot())
    rss = harness.worker_rss()
    per_task = {family: seconds / args.tasks * 1000 for family, seconds in spent.items()}
    print(
        f"\n{args.pool}, concurrency {args.concurrency}, CONN_MAX_AGE {args.conn_max_age}: "
        f"{args.tasks / elapsed:.0f} tasks/s; CPU per task (ms): "
        f"worker {per_task.get('celery worker', 0.0):.2f}, "
        f"PostgreSQL {per_task.get('postgres (bench db)', 0.0):.2f}, "
        f"sender {per_task.get('bench (submitters)', 0.0):.2f}, "
        f"Redis {per_task.get('redis', 0.0):.2f}, "
        f"machine {per_task.get('machine busy', 0.0):.2f}\n"
        f"RSS of the worker's processes after {args.tasks} tasks: "
        + ", ".join(f"{mb:.0f} MB" for mb in rss)
    )
    harness.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

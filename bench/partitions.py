"""What monthly partitioning costs and buys: the audit trail, partitioned (as migrated) and
plain (the same columns and indexes, primary key `id`), side by side in one database.

    DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/portal \
        uv run python bench/partitions.py [--rows 500000] [--months 24] [--inserts 2000]

Issue 12 part 3. Both tables get `--rows` rows spread evenly over the last `--months` months
(one `INSERT ... SELECT generate_series`, timed: the bulk rate), then:

- insert cost per row: `--inserts` single-row INSERTs, as `audit_record` writes them, by
  rounds of 500 in one transaction each (the commit, the same for both tables, left out),
  alternating tables so both see the same machine load; median and p95 per row;
- one month's rows: `count(*)` of a month, and the 50 latest rows of one action in a month
  (`ORDER BY at DESC LIMIT 50`), and one row by id alone (as the outbox's claim), by EXPLAIN
  (ANALYZE, BUFFERS), best of 5: execution time and buffers;
- retiring a month: DELETE of the oldest month's rows from the plain table, versus DETACH
  and DROP of its partition.

Database `portal_bench_partitions`, recreated. Not part of the test suite; figures in
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import Harness, percentile, say

PLAIN = "bench_auditevent_plain"
PARTED = "portal_auditevent"
COLUMNS = (
    "at, actor_label, action, object_type, object_id, agency_code, reason, ip_address, details"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--inserts", type=int, default=2_000)
    parser.add_argument("--database", default="portal_bench_partitions")
    args = parser.parse_args()

    harness = Harness(label="partitions", db_name=args.database)
    os.environ.update(harness.env)
    os.environ["LOG_LEVEL"] = "WARNING"
    harness._recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from portal import partitions

    call_command("migrate", verbosity=0)
    now = timezone.now()
    this_month = partitions.month_of(now)
    first = partitions.add_months(this_month, -(args.months - 1))
    with transaction.atomic(), connection.cursor() as cursor:
        for offset in range(args.months - 1):  # the migration made this month and after
            month = partitions.add_months(first, offset)
            cursor.execute(
                f"CREATE TABLE {partitions.partition_name(PARTED, month)} PARTITION OF {PARTED} "
                f"FOR VALUES FROM ({partitions._bound(month)}) "
                f"TO ({partitions._bound(partitions.add_months(month, 1))})"
            )
        cursor.execute(f"CREATE TABLE {PLAIN} (LIKE {PARTED} INCLUDING DEFAULTS INCLUDING INDEXES)")
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
            [PLAIN],
        )
        cursor.execute(f"ALTER TABLE {PLAIN} DROP CONSTRAINT {cursor.fetchone()[0]}")
        cursor.execute(f"ALTER TABLE {PLAIN} ADD PRIMARY KEY (id)")
    start = partitions.month_start(first)
    span = (now - start).total_seconds()

    def bulk(table: str) -> float:
        began = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({COLUMNS}) SELECT "
                "%s::timestamptz + (g * %s / %s) * interval '1 second', 'bench', "
                "'action.' || (g %% 40), 'dossiers.dossier', (g %% 100000)::text, "
                "'000.00.01.H22', '', NULL, '{}' FROM generate_series(1, %s) g",
                [start, span, args.rows, args.rows],
            )
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
        return time.perf_counter() - began

    figures: dict[str, dict[str, float]] = {PLAIN: {}, PARTED: {}}
    for table in (PLAIN, PARTED):
        say(f"loading {args.rows:,} rows into {table}")
        seconds = bulk(table)
        figures[table]["bulk rows/s"] = args.rows / seconds

    say(f"{args.inserts:,} single-row inserts into each")
    timings: dict[str, list[float]] = {PLAIN: [], PARTED: []}
    sql = {
        table: f"INSERT INTO {table} ({COLUMNS}) VALUES "
        "(%s, 'bench', 'action.1', 'dossiers.dossier', '42', '000.00.01.H22', '', NULL, '{}')"
        for table in timings
    }
    done = 0
    while done < args.inserts:
        batch = min(500, args.inserts - done)
        for table in (PLAIN, PARTED):
            # one statement per row, as audit_record; the round in one transaction, so that
            # the commit's fsync (the same for both, and noisy on a shared disk) stays out
            with transaction.atomic(), connection.cursor() as cursor:
                for _ in range(batch):
                    began = time.perf_counter()
                    cursor.execute(sql[table], [timezone.now()])
                    timings[table].append(time.perf_counter() - began)
        done += batch
    for table, values in timings.items():
        figures[table]["insert median us"] = percentile(values, 50) * 1e6
        figures[table]["insert p95 us"] = percentile(values, 95) * 1e6

    month = partitions.add_months(this_month, -6)
    lower, upper = (
        partitions.month_start(month),
        partitions.month_start(partitions.add_months(month, 1)),
    )
    queries = {
        "month count": "SELECT count(*) FROM {t} WHERE at >= %s AND at < %s",
        "month latest 50 of one action": "SELECT * FROM {t} WHERE at >= %s AND at < %s "
        "AND action = 'action.7' ORDER BY at DESC LIMIT 50",
        # the outbox's claim finds its row by id alone: every partition's index is probed
        "one row by id alone": "SELECT * FROM {t} WHERE id = 4242 AND %s < %s",
    }
    for name, query in queries.items():
        for table in (PLAIN, PARTED):
            best = (float("inf"), 0)
            for _ in range(5):
                with connection.cursor() as cursor:
                    cursor.execute(
                        "EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) " + query.format(t=table),
                        [lower, upper],
                    )
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                ms = float(re.search(r"Execution Time: ([0-9.]+) ms", plan)[1])
                buffers = re.search(r"Buffers: shared hit=([0-9]+)(?: read=([0-9]+))?", plan)
                pages = int(buffers[1]) + int(buffers[2] or 0) if buffers else 0
                best = min(best, (ms, pages))
            figures[table][f"{name} ms"] = best[0]
            figures[table][f"{name} buffers"] = best[1]

    say("retiring the oldest month")
    oldest = partitions.partition_name(PARTED, first)
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {PLAIN} WHERE at < %s",
            [partitions.month_start(partitions.add_months(first, 1))],
        )
        deleted = cursor.rowcount
    figures[PLAIN]["retire a month ms"] = (time.perf_counter() - began) * 1000
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {PARTED} DETACH PARTITION {oldest}")
        cursor.execute(f"DROP TABLE {oldest}")
    figures[PARTED]["retire a month ms"] = (time.perf_counter() - began) * 1000

    print(f"{args.rows:,} rows over {args.months} months, {deleted:,} rows in the retired month")
    print("| measure | plain | partitioned by month |\n|---|---:|---:|")
    for key in figures[PLAIN]:
        print(f"| {key} | {figures[PLAIN][key]:,.1f} | {figures[PARTED][key]:,.1f} |")
    harness.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

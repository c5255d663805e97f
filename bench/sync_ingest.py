"""Bulk ingest of connected systems (issue 13, target: >= 2,000 records/s on the 2-core
machine, the cost per record flat from an empty table to many millions of stored records).

    uv run python bench/sync_ingest.py [--batches 10] [--size 500] [--large 1000000]

Each record is a new dossier received at a commune's counter with three steps (received, in
processing, result ready), as a provincial system sends them; batches of `--size` records go
through the whole HTTP path in this process (Django's test client: middleware, the signature
of the national data exchange platform, JSON, the checks, the bulk write in one transaction,
the audit row, the dashboards' marks), one after the other. Measured per record: wall time
(records/s), CPU of this process and of its PostgreSQL backend, queries per batch, buffers.
First on an empty table, then after growing the synchronised dossiers (and three steps each)
to `--large` with SQL (`INSERT ... SELECT ... generate_series`). Database
`portal_bench_sync`, recreated. Not part of the test suite; see docs/benchmarks.md.

With `--http`, as production runs it: gunicorn (`--workers` sync workers, the production
settings, the cache in Redis `--cache`) and 1, 2... client *processes* (`--processes 1,2`)
sending the batches over HTTP, each one after the other. `--trees` names other source trees
(e.g. a `git worktree` of the commit before) served by a gunicorn of their own on the same
database, measured in the same run, alternately (`--rounds`): before and after side by side
on a shared, noisy machine. Measured: records/s, and CPU per record of the gunicorn workers
and of the PostgreSQL backends (persistent connections; the server's background processes
are not counted), less sensitive to the noise than records/s.

    uv run python bench/sync_ingest.py --http --trees /tmp/before --processes 1,2 \
        --batches 8 --large 3000000
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import Harness, backend_cpu, database_buffers, say
from bench.harness import backend_pid as harness_backend_pid


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--database", default="portal_bench_sync")
    parser.add_argument(
        "--clients",
        type=int,
        default=1,
        help="systems sending at once (threads of this process, each its own connection)",
    )
    parser.add_argument("--http", action="store_true", help="through gunicorn, client processes")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (--http)")
    parser.add_argument("--processes", default="1,2", help="client processes to measure (--http)")
    parser.add_argument(
        "--trees", nargs="*", default=[], help="other source trees, measured alongside (--http)"
    )
    parser.add_argument("--rounds", type=int, default=2, help="alternations of the trees (--http)")
    parser.add_argument("--port", type=int, default=8871, help="first gunicorn port (--http)")
    parser.add_argument(
        "--cache", default="rediscache://127.0.0.1:6379/8", help="CACHE_URL of gunicorn (--http)"
    )
    args = parser.parse_args()

    harness = Harness(label="sync", db_name=args.database)
    os.environ.update(harness.env)
    os.environ["LOG_LEVEL"] = "WARNING"
    harness._recreate_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    import request_signing as signing
    from dossiers.models import Dossier
    from interop import sync
    from interop.models import ConnectedSystem

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    data = harness._reference_data(communes=1, applicants=1)
    agency = next(iter(data.agency_by_commune.values()))
    system = ConnectedSystem.objects.create(
        code="bench-province", name="Bench province", secret="bench-secret"
    )
    system.agencies.add(agency)
    procedure_code = data.version.procedure.code

    url = "/api/interop/sync/records"
    counter = iter(range(10**9))

    def national(moment: dt.datetime) -> str:
        return moment.astimezone(sync.NATIONAL_TZ).strftime(sync.TIME_FORMAT)

    def batch() -> bytes:
        now = timezone.now().replace(microsecond=0)
        received = now - dt.timedelta(minutes=5)
        records = []
        for _ in range(args.size):
            n = next(counter)
            records.append(
                {
                    "code": f"BENCH-{n:09d}",
                    "procedure_code": procedure_code,
                    "agency_code": agency.code,
                    "received_at": national(received),
                    "due_at": national(received + dt.timedelta(days=5)),
                    "channel": 1,
                    "applicant": {
                        "type": "citizen",
                        "name": "Nguyễn Văn Bench",
                        "personal_id": "001190012345",
                    },
                    "fees": [{"name": "Lệ phí", "amount": 8000}],
                    "steps": [
                        {"id": "1", "status": 2, "at": national(received)},
                        {
                            "id": "2",
                            "status": 4,
                            "at": national(received + dt.timedelta(minutes=1)),
                            "note": "Chuyển chuyên viên xử lý",
                        },
                        {
                            "id": "3",
                            "status": 9,
                            "at": national(received + dt.timedelta(minutes=4)),
                            "note": "Đã có kết quả",
                        },
                    ],
                }
            )
        return json.dumps({"records": records}).encode()

    def send(body: bytes) -> None:
        headers = signing.sign_headers(
            client_id=system.code, secret=system.secret, method="POST", path=url, body=body
        )
        response = Client().post(url, data=body, content_type="application/json", headers=headers)
        assert response.status_code == 200, response.content[:500]
        result = response.json()
        assert result["refused"] == 0, result["results"][:3]

    def backend_pid() -> int:
        return harness_backend_pid(connection)

    def buffers() -> int:
        return database_buffers(connection)

    def measure(label: str) -> dict[str, float]:
        bodies = [batch() for _ in range(args.batches * args.clients)]
        pids: list[int] = []
        cpu_pg_start: dict[int, float] = {}
        ready = threading.Barrier(args.clients + 1)

        def client_thread(mine: list[bytes]) -> None:
            pid = backend_pid()
            pids.append(pid)
            cpu_pg_start[pid] = backend_cpu(pid)
            ready.wait()
            for body in mine:
                send(body)
            cpu_pg_start[pid] = backend_cpu(pid) - cpu_pg_start[pid]  # now the delta
            connection.close()

        threads = [
            threading.Thread(target=client_thread, args=(bodies[i :: args.clients],))
            for i in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        before_buffers = buffers()
        ready.wait()
        started, cpu = time.monotonic(), time.process_time()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - started
        cpu = time.process_time() - cpu
        cpu_pg = sum(cpu_pg_start.values())
        records = len(bodies) * args.size
        used_buffers = buffers() - before_buffers
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            send(batch())
        out = {
            "records_per_s": records / wall,
            "cpu_ms": cpu * 1000 / records,
            "pg_cpu_ms": cpu_pg * 1000 / records,
            "buffers": used_buffers / records,
            "queries_per_batch": len(captured),
        }
        say(f"{label}: {out}")
        return out

    def grow_to(total: int) -> float:
        """Copy a synchronised dossier and its steps until the table holds `total`."""
        current = Dossier.objects.count()
        missing = total - current
        if missing <= 0:
            return 0.0
        template = Dossier.objects.filter(source_system=system.code).order_by("pk").first()
        assert template is not None
        with transaction.atomic():
            with connection.cursor() as cursor:
                # Indexes are dropped while the rows are copied and built again afterwards (a
                # sorted build, minutes instead of the hours of 10 million random inserts into
                # the unique indexes of codes and tokens); the measured batches run with them all.
                saved = []
                for table in ("dossiers_dossier", "dossiers_dossierevent"):
                    cursor.execute(
                        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                        "WHERE conrelid = %s::regclass AND contype = 'u'",
                        [table],
                    )
                    for name, definition in cursor.fetchall():
                        saved.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                    cursor.execute(
                        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
                        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                        [table],
                    )
                    for name, definition in cursor.fetchall():
                        saved.append(definition)
                        cursor.execute(f'DROP INDEX "{name}"')
                cursor.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = 'dossiers_dossier' ORDER BY ordinal_position"
                )
                columns = [row[0] for row in cursor.fetchall() if row[0] != "id"]
                replaced = {
                    "code": "'G' || lpad(g::text, 10, '0')",
                    "verification_token": "gen_random_uuid()",
                    "submission_key": "NULL",
                }
                select = ", ".join(replaced.get(c) or f'd."{c}"' for c in columns)
                names = ", ".join(f'"{c}"' for c in columns)
                started = time.monotonic()
                cursor.execute(
                    f"INSERT INTO dossiers_dossier ({names}) SELECT {select} "
                    f"FROM dossiers_dossier d, generate_series(%(first)s, %(last)s) g "
                    f"WHERE d.id = %(template)s",
                    {"first": current, "last": current + missing - 1, "template": template.pk},
                )
                cursor.execute(
                    "INSERT INTO dossiers_dossierevent (dossier_id, at, action, actor_role, "
                    "from_status, to_status, note, note_key, note_params, external_id, "
                    "arrived_at, agency_id, actor_id, step_due_at) "
                    "SELECT d.id, e.at, e.action, e.actor_role, e.from_status, e.to_status, e.note, "
                    "e.note_key, e.note_params, e.external_id, e.arrived_at, e.agency_id, NULL, "
                    "e.step_due_at "
                    "FROM dossiers_dossier d JOIN dossiers_dossierevent e "
                    "ON e.dossier_id = %(template)s WHERE d.code LIKE 'G%%'",
                    {"template": template.pk},
                )
                say(f"copied in {time.monotonic() - started:.0f} s; building the indexes again")
        # in a transaction of its own: the copy's deferred foreign-key checks run at its commit
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            for statement in saved:
                cursor.execute(statement)
        with connection.cursor() as cursor:  # VACUUM runs outside a transaction
            cursor.execute("VACUUM ANALYZE dossiers_dossier")
            cursor.execute("VACUUM ANALYZE dossiers_dossierevent")
        return time.monotonic() - started

    if args.http:
        return http_bench(args, harness, batch, grow_to, system.code, system.secret, url)

    # warm-up: imports, the first connection, the caches
    send(batch())
    runs = {}
    empty = measure("empty")
    runs["empty"] = (Dossier.objects.count(), empty)
    took = grow_to(args.large)
    count = Dossier.objects.count()
    say(f"large: {count:,} dossiers stored (grown in {took:.0f} s)")
    runs["large"] = (count, measure("large"))
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(
        f"\ncommit {commit}; {args.clients} client(s) x {args.batches} batches of {args.size} "
        "records, 3 steps each\n"
    )
    print(
        "| stored dossiers | records/s | CPU ms/record (process) | CPU ms/record (PostgreSQL) "
        "| buffers/record | queries/batch |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for _label, (n, r) in runs.items():
        print(
            f"| {n:,} | {r['records_per_s']:,.0f} | {r['cpu_ms']:.2f} | {r['pg_cpu_ms']:.2f} "
            f"| {r['buffers']:.0f} | {r['queries_per_batch']} |"
        )
    harness.close()
    return 0


# --- through gunicorn, from client processes (--http) ---------------------------------------


def _cpu_seconds(pid: int) -> float:
    try:
        return backend_cpu(pid)  # /proc/<pid>/stat: user + system
    except OSError:
        return 0.0


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry.name))
    return found


def _backends(database: str) -> list[int]:
    """The PostgreSQL backends connected to `database` (their title names it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, UnicodeDecodeError):
                continue
            if title.startswith("postgres: ") and f" {database} " in title:
                found.append(int(entry.name))
    return found


def _client(port: int, bodies: list[bytes], code: str, secret: str, path: str, go, out) -> None:
    """One connected system: its batches one after the other, each signed when it is sent."""
    import http.client

    import request_signing as signing

    go.wait()
    started = time.monotonic()
    for body in bodies:
        headers = signing.sign_headers(
            client_id=code, secret=secret, method="POST", path=path, body=body
        )
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                **headers,
                "Content-Type": "application/json",
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": "127.0.0.1",
            },
        )
        response = connection.getresponse()
        answer = response.read()
        connection.close()
        if response.status != 200 or json.loads(answer)["refused"]:
            out.put(("error", f"{response.status} {answer[:300]!r}"))
            return
    out.put(("done", time.monotonic() - started, time.process_time()))


def _start_gunicorn(tree: Path, port: int, workers: int, env: dict[str, str]):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--timeout=120",
            "--forwarded-allow-ips=127.0.0.1",
            "--log-level=warning",
        ],
        cwd=tree,
        env={**env, "PYTHONPATH": str(tree)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    import http.client

    deadline = time.monotonic() + 90
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/interop/sync/records/X")
            connection.getresponse().read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn of {tree} did not start") from None
            time.sleep(0.3)
    return process


def http_bench(args, harness, batch, grow_to, code: str, secret: str, path: str) -> int:
    import multiprocessing
    import secrets as tokens
    import signal

    from django.db import connection

    from dossiers.models import Dossier

    processes = [int(n) for n in args.processes.split(",")]
    trees = [Path(__file__).resolve().parents[1], *(Path(t).resolve() for t in args.trees)]
    names = ["this tree"] + [str(t) for t in args.trees]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DATABASE_URL": harness.database_url,
        "DATABASE_CONN_MAX_AGE": "600",
        "CACHE_URL": args.cache,
        "SECRET_KEY": tokens.token_urlsafe(64),
        "OIDC_RP_CLIENT_SECRET": tokens.token_urlsafe(32),
        "PREFILL_CLIENT_SECRET": tokens.token_urlsafe(32),
        "PAYMENT_SECRET": tokens.token_urlsafe(32),
        "S3_BUCKET": "portal-bench",
        "S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "S3_ACCESS_KEY_ID": "bench",
        "S3_SECRET_ACCESS_KEY": tokens.token_urlsafe(32),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }
    servers = []
    try:
        for i, tree in enumerate(trees):
            servers.append(_start_gunicorn(tree, args.port + i, args.workers, env))
            say(f"gunicorn of {names[i]} on port {args.port + i}")
        context = multiprocessing.get_context("fork")
        connection.close()  # the children are forked: no shared connection

        def measure(i: int, clients: int) -> dict[str, float]:
            bodies = [batch() for _ in range(args.batches * clients)]
            go = context.Barrier(clients + 1)
            out = context.Queue()
            children = [
                context.Process(
                    target=_client,
                    args=(args.port + i, bodies[c::clients], code, secret, path, go, out),
                )
                for c in range(clients)
            ]
            for child in children:
                child.start()
            workers = _children(servers[i].pid)
            backends = _backends(harness.db_name)
            before = {pid: _cpu_seconds(pid) for pid in workers + backends}
            go.wait()
            started = time.monotonic()
            answers = [out.get(timeout=1800) for _ in children]
            wall = time.monotonic() - started
            for child in children:
                child.join()
            errors = [a[1] for a in answers if a[0] == "error"]
            if errors:
                raise SystemExit(f"{names[i]}: {errors[0]}")
            backends = _backends(harness.db_name)
            spent = {pid: _cpu_seconds(pid) - before.get(pid, 0.0) for pid in workers + backends}
            records = len(bodies) * args.size
            result = {
                "records_per_s": records / wall,
                "web_ms": sum(spent[p] for p in workers) * 1000 / records,
                "pg_ms": sum(spent[p] for p in backends) * 1000 / records,
                "client_ms": sum(a[2] for a in answers) * 1000 / records,
            }
            say(f"{names[i]}, {clients} client(s): {result}")
            return result

        def phase(label: str) -> list[tuple[str, int, int, dict[str, float]]]:
            stored = Dossier.objects.count()
            connection.close()
            for i in range(len(trees)):  # warm-up: each worker's imports and connection
                measure(i, args.workers)
            found: dict[tuple[int, int], list[dict[str, float]]] = {}
            for _round in range(args.rounds):
                for i in range(len(trees)):
                    for clients in processes:
                        found.setdefault((i, clients), []).append(measure(i, clients))
            rows = []
            for (i, clients), results in sorted(found.items()):
                mean = {k: sum(r[k] for r in results) / len(results) for k in results[0]}
                rows.append((names[i], stored, clients, mean))
            say(f"{label}: done")
            return rows

        rows = phase("empty")
        took = grow_to(args.large)
        say(f"grown to {Dossier.objects.count():,} dossiers in {took:.0f} s")
        rows += phase("large")
    finally:
        for server in servers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=20)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(
        f"\ncommit {commit}; gunicorn {args.workers} workers; batches of {args.size} records "
        f"(3 steps each), {args.batches} a client process, {args.rounds} rounds (mean)\n"
    )
    print(
        "| tree | stored dossiers | client processes | records/s | CPU ms/record (gunicorn) "
        "| CPU ms/record (PostgreSQL) | CPU ms/record (both) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, stored, clients, r in rows:
        print(
            f"| {name} | {stored:,} | {clients} | {r['records_per_s']:,.0f} | {r['web_ms']:.2f} "
            f"| {r['pg_ms']:.2f} | {r['web_ms'] + r['pg_ms']:.2f} |"
        )
    harness.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""CPU and queries per dossier for each piece of work, in one process, without Celery.

    uv run python bench/worker_cost.py [--dossiers 200] [--markdown]

What `bench/routing_throughput.py` measures as a whole (processes, broker, concurrency), split
into its parts so a commit that makes one of them dearer shows which: the submission
(`dossier_submit`), each outbox handler run through `outbox_run` (routing, the applicant's
notifications with the receipt PDF, signed at --signature-level against the national mocks'
TSA, which this script starts), and the dashboards' drain of the rollup marks; then, not in the
total, the receipt alone on 50 dossiers of its own: asked for the first time (rendered and
signed, what a submission's e-mail costs) and asked again (a download after the e-mail). The outbox's Celery send is replaced by nothing; everything else
is the production code on PostgreSQL (database `portal_bench_cost`, recreated). CPU is this
process's (`time.process_time`), so PostgreSQL's own CPU and Celery's overhead are not in it:
routing_throughput counts those.

Not part of the test suite; see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import Harness, say

RECEIPTS = 50
RECEIPT_FIRST = "receipt alone: made (render + sign)"
RECEIPT_AGAIN = "receipt alone: asked again (a download)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=200)
    parser.add_argument("--database", default="portal_bench_cost")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument(
        "--signature-level",
        default="B-LT",
        choices=("B-B", "B-T", "B-LT"),
        help="of the signed receipt (B-T and B-LT ask the national mocks' TSA, started here)",
    )
    args = parser.parse_args()

    harness = Harness(label="cost", db_name=args.database)
    import os

    os.environ.update(harness.env)
    os.environ["LOG_LEVEL"] = "WARNING"
    # The documents are signed (portal/pdfsign.py): the demo CA in the bench's own directory,
    # and the national mocks (TSA, CRLs) on a free port, so the timestamp is a real HTTP call.
    mocks = _start_mocks(harness.tmp / "var" / "pki")
    os.environ["NATIONAL_SERVICES_URL"] = mocks.url
    os.environ["DOCUMENT_TSA_URL"] = f"{mocks.url}/pki/v1/tsa"
    os.environ["DOCUMENT_SIGNATURE_LEVEL"] = args.signature_level
    harness._recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dashboards.tasks import rollups_drain_task
    from dossiers.documents import receipt_pdf
    from dossiers.models import Dossier
    from portal import outbox
    from portal.models import OutboxMessage, OutboxStatus

    call_command("migrate", verbosity=0)
    data = harness._reference_data(communes=4, applicants=20)
    outbox._send = lambda *args, **kwargs: None  # type: ignore[assignment]

    def pending() -> list[tuple[str, str]]:
        rows = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).order_by("created_at")
        return [(str(pk), topic) for pk, topic in rows.values_list("id", "topic")]

    def run_all() -> None:
        for message_id, _topic in pending():
            outbox.outbox_run(message_id=message_id)

    # warm-up: imports, templates, fonts, the first connection
    for index in range(10):
        harness.submit(data, index)
    run_all()
    rollups_drain_task()

    # Queries are counted on a few dossiers of their own: capturing them costs CPU.
    queries: dict[str, list[int]] = defaultdict(list)
    for index in range(10):
        with CaptureQueriesContext(connection) as captured:
            harness.submit(data, 100 + index)
        queries["submit"].append(len(captured))
    for message_id, topic in pending():
        with CaptureQueriesContext(connection) as captured:
            outbox.outbox_run(message_id=message_id)
        queries[f"outbox: {topic}"].append(len(captured))
    rollups_drain_task()

    cpu: dict[str, list[float]] = defaultdict(list)
    say(f"submitting {args.dossiers} dossiers ...")
    for index in range(args.dossiers):
        started = time.process_time()
        harness.submit(data, 1000 + index)
        cpu["submit"].append(time.process_time() - started)
    say("running their outbox messages ...")
    for message_id, topic in pending():
        started = time.process_time()
        outbox.outbox_run(message_id=message_id)
        cpu[f"outbox: {topic}"].append(time.process_time() - started)
    started = time.process_time()
    rollups_drain_task()
    cpu["rollups drain (per dossier)"].append((time.process_time() - started) / args.dossiers)
    # The receipt alone, on dossiers of its own (submitted and routed, their notices not run,
    # so no receipt was made for them yet): asked for the first time (rendered and signed: what
    # the e-mail of a submission costs), then again (an applicant's or officer's download).
    say("the receipt alone ...")
    for index in range(RECEIPTS):
        harness.submit(data, 5000 + index)
    for message_id, topic in pending():
        if topic == "dossier.route":
            outbox.outbox_run(message_id=message_id)
    for dossier in Dossier.objects.order_by("-pk")[:RECEIPTS]:
        for label in (RECEIPT_FIRST, RECEIPT_AGAIN):
            started = time.process_time()
            receipt_pdf(dossier)
            cpu[label].append(time.process_time() - started)

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    rows = []
    total = 0.0
    for name, values in cpu.items():
        per = statistics.fmean(values) * 1000
        if not name.startswith("receipt alone"):
            total += per * (len(values) / args.dossiers if name.startswith("outbox") else 1)
        count = queries.get(name)
        rows.append((name, len(values), per, statistics.median(count) if count else None))
    rows.append(("all of it, per dossier", args.dossiers, total, None))
    print(f"\ncommit {commit}, {args.dossiers} dossiers, CPU of this process (ms) and queries")
    if args.markdown:
        print("\n| work | runs | CPU ms each | queries each |\n|---|---:|---:|---:|")
        for name, runs, per, count in rows:
            print(f"| {name} | {runs} | {per:.2f} | {'' if count is None else f'{count:.0f}'} |")
    else:
        for name, runs, per, count in rows:
            shown = "" if count is None else f"{count:.0f}"
            print(f"{name:40} {runs:6} {per:9.2f} ms {shown:>6}")
    harness.close()
    mocks.stop()
    return 0


class _Mocks:
    def __init__(self, url: str, process: subprocess.Popen[bytes]) -> None:
        self.url = url
        self.process = process

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _start_mocks(pki_dir: Path) -> _Mocks:
    import os
    import socket
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NATIONAL_MOCKS_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update({"NATIONAL_MOCKS_BASE_URL": url, "NATIONAL_MOCKS_PKI_DIR": str(pki_dir)})
    process = subprocess.Popen(
        [sys.executable, "-m", "national_mocks", "--host", "127.0.0.1", "--port", str(port)],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/health", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    return _Mocks(url, process)


if __name__ == "__main__":
    raise SystemExit(main())

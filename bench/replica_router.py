"""What the replica router adds to a request and to each read (issue 12 part 2), in one run.

    uv run python bench/replica_router.py [--rounds 200000]

In-process, no database: the cost is Python around the queries, which the router never
touches. Measured per call, best of 5:

* `router.db_for_read(Dossier)` with no router (before), and with `portal.replica.ReplicaRouter`
  without a replica (the demo), with a replica outside a lag-tolerant view, and inside one
  with an open replica connection (the routed case);
* a request through `ReplicaPinningMiddleware` and `reads_may_lag` around a view that returns
  at once, against the bare view, with and without a replica configured.

Prints a Markdown table. Not part of the test suite; see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
os.environ.pop("DATABASE_URL", None)

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connections  # noqa: E402
from django.db.utils import ConnectionRouter  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from dossiers.models import Dossier  # noqa: E402
from portal import replica  # noqa: E402


def best(statement, rounds: int) -> float:
    """Microseconds per call, best of 5."""
    return min(timeit.repeat(statement, number=rounds, repeat=5)) / rounds * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200_000)
    args = parser.parse_args()
    rounds = args.rounds
    rows: list[tuple[str, float]] = []

    bare_router = ConnectionRouter([])
    replica_router = ConnectionRouter(["portal.replica.ReplicaRouter"])
    settings.REPLICA_DATABASE = None
    rows.append(
        ("db_for_read, no router (before)", best(lambda: bare_router.db_for_read(Dossier), rounds))
    )
    rows.append(
        (
            "db_for_read, router, no replica",
            best(lambda: replica_router.db_for_read(Dossier), rounds),
        )
    )
    settings.REPLICA_DATABASE = "replica"
    rows.append(
        (
            "db_for_read, router, replica, not a lag-tolerant view",
            best(lambda: replica_router.db_for_read(Dossier), rounds),
        )
    )
    connections["replica"].ensure_connection()  # the mirror alias of the test settings: SQLite

    @replica.reads_may_lag
    def routed(request):
        return replica_router.db_for_read(Dossier)

    assert routed(None) == "replica"
    rows.append(
        (
            "db_for_read inside reads_may_lag, replica up (+ the decorator)",
            best(lambda: routed(None), rounds),
        )
    )

    request = RequestFactory().get("/procedures/")

    def view(request):
        return HttpResponse("ok")

    wrapped = replica.ReplicaPinningMiddleware(replica.reads_may_lag(view))
    request_rounds = max(rounds // 10, 1000)
    settings.REPLICA_DATABASE = None
    rows.append(("request: bare view (before)", best(lambda: view(request), request_rounds)))
    rows.append(
        (
            "request: middleware + decorator, no replica",
            best(lambda: wrapped(request), request_rounds),
        )
    )
    settings.REPLICA_DATABASE = "replica"
    rows.append(
        ("request: middleware + decorator, replica", best(lambda: wrapped(request), request_rounds))
    )
    connections["replica"].close()

    print("| What | µs per call |")
    print("|---|---:|")
    for name, micros in rows:
        print(f"| {name} | {micros:.2f} |")


if __name__ == "__main__":
    main()

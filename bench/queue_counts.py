"""The back-office queue's tab counts with and without "awaiting approval" and "assigned to
me" (issue 16 part 4), in one run, on PostgreSQL with one agency's dossiers.

    DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/portal_queue_counts \\
        uv run python bench/queue_counts.py [--dossiers 10000] [--rounds 150]

The database (created beforehand, migrated here) is filled once with ``--dossiers`` copies of a
factory dossier of one agency, spread over ten statuses and the three workflow steps; its
officer has the three roles. Measured: the median and worst milliseconds of the counts query
as it was (one count per status, plus the late and due-soon filters) and as the queue now runs
it (``selectors.queue_counts``: plus awaiting approval, an ``EXISTS`` on the workflow's steps,
and assigned to me), alternated three times. Not part of the test suite; see
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=150)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from agencies.models import Membership, OfficerRole
    from dossiers import selectors
    from dossiers.models import Dossier
    from portal.models import User
    from tests.factories import DossierFactory

    call_command("migrate", "--noinput", verbosity=0)
    officer, _ = User.objects.get_or_create(username="queue-counts.officer")
    if Dossier.objects.count() < args.dossiers:
        Dossier.objects.all().delete()
        proto = DossierFactory()
        skip = ("id", "code", "verification_token", "submission_key")
        base = {
            f.attname: getattr(proto, f.attname)
            for f in Dossier._meta.concrete_fields
            if f.attname not in skip
        }
        statuses = [1, 2, 4, 4, 5, 6, 9, 10, 3, 8]
        Dossier.objects.bulk_create(
            [
                Dossier(
                    **base,
                    code=f"Q-{i:07d}",
                    status=statuses[i % 10],
                    current_step=1 + i % 3,
                    verification_token=uuid.uuid4(),
                )
                for i in range(args.dossiers)
            ],
            batch_size=2000,
        )
    agency = Dossier.objects.order_by("pk").first().competent_agency
    for role in (OfficerRole.RECEPTION, OfficerRole.SPECIALIST, OfficerRole.LEADER):
        Membership.objects.get_or_create(user=officer, agency=agency, role=role)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    queues = {
        "new": [1, 11],
        "processing": [2, 4, 6, 12],
        "supplement": [5],
        "result": [9],
        "done": [10, 3, 8, 7],
    }

    def before():
        deadlines = selectors._deadline_q(timezone.now())
        return list(
            selectors.dossiers_for_officer(user=officer)
            .order_by()
            .values("status")
            .annotate(
                total=Count("status"),
                **{key: Count("status", filter=q) for key, q in deadlines.items()},
            )
        )

    def after():
        return selectors.queue_counts(user=officer, queues=queues)

    def timed(call) -> tuple[float, float]:
        call()
        samples = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            call()
            samples.append((time.perf_counter() - start) * 1000)
        return statistics.median(samples), max(samples)

    print(f"{Dossier.objects.count():,} dossiers; {args.rounds} rounds each, ms median / worst")
    for _ in range(3):
        median, worst = timed(before)
        print(f"before (statuses, late, due soon): {median:.1f} / {worst:.1f}")
        median, worst = timed(after)
        print(f"after (+ awaiting approval, mine): {median:.1f} / {worst:.1f}")
    print(after())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

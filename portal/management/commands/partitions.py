"""`manage.py partitions --plan` shows what the partition maintenance would do now;
`manage.py partitions` does it (what the beat task `portal.tasks.partitions_maintain` does)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from portal import partitions


class Command(BaseCommand):
    help = "Create the coming months' partitions and apply the retention of partitioned tables."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--plan", action="store_true", help="show the plan, change nothing")
        parser.add_argument(
            "--months-ahead",
            type=int,
            default=None,
            help="months after the current one to prepare (PORTAL_PARTITION_MONTHS_AHEAD)",
        )

    def handle(self, *args, plan: bool, months_ahead: int | None, **options) -> None:
        if connection.vendor != "postgresql":
            self.stdout.write("Not PostgreSQL: the tables are plain, nothing to do.")
            return
        for spec in partitions.PARTITIONED_TABLES:
            state = "partitioned" if partitions.is_partitioned(spec.table) else "NOT partitioned"
            monthly = partitions.monthly_partitions(spec.table)
            span = f", {min(monthly):%Y-%m} .. {max(monthly):%Y-%m}" if monthly else ""
            self.stdout.write(
                f"{spec.table}: {state} by {spec.column}, {len(monthly)} months{span}"
            )
        actions = partitions.plan(months_ahead=months_ahead)
        if not actions:
            self.stdout.write("Nothing to do.")
            return
        if plan:
            for action in actions:
                self.stdout.write(f"would {action}")
            return
        failed = 0
        for outcome in partitions.apply(actions):
            verb = "done" if outcome.done else "skipped"
            failed += not outcome.done and not outcome.note.startswith("already")
            note = f": {outcome.note}" if outcome.note else ""
            self.stdout.write(f"{verb} {outcome.action}{note}")
        if failed:
            raise CommandError(f"{failed} action(s) not done (see the log); run again later")

"""``manage.py rebuild_rollups``: the nightly reconciliation, by hand."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from ...rollups import _areas_rebuild, rollups_rebuild


class Command(BaseCommand):
    help = "Recompute the dashboard rollups from the raw dossiers (or only the area sums)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--areas-only",
            action="store_true",
            help="Only re-sum the area and procedure tables from the monthly facts.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["areas_only"]:
            with transaction.atomic():
                _areas_rebuild()
            self.stdout.write(f"Area sums rebuilt in {time.monotonic() - started:.1f} s")
            return
        rows = rollups_rebuild()
        self.stdout.write(f"{rows} monthly facts rebuilt in {time.monotonic() - started:.1f} s")

"""``manage.py rebuild_rollups``: the nightly reconciliation, by hand."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from ...rollups import rollups_rebuild
from ...rollups.rebuild import _areas_rebuild, _denormalise_areas


class Command(BaseCommand):
    help = "Recompute the dashboard rollups from the raw dossiers (or only the area sums)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--areas-only",
            action="store_true",
            help="Only re-attribute the monthly facts to provinces and ministries and re-sum the "
            "area and procedure tables.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["areas_only"]:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        _denormalise_areas(cursor)
                _areas_rebuild()
            self.stdout.write(f"Area sums rebuilt in {time.monotonic() - started:.1f} s")
            return
        rows = rollups_rebuild()
        self.stdout.write(f"{rows} monthly facts rebuilt in {time.monotonic() - started:.1f} s")

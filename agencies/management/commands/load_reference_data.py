"""``manage.py load_reference_data``: provinces, communes and agencies (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from agencies.services import reference_data_load


class Command(BaseCommand):
    help = (
        "Load or refresh the 34 provinces, 3,321 communes, the central agencies and the "
        "provincial and commune agencies with their electronic agency ids. Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = reference_data_load()
        self.stdout.write(f"Provinces: {result.provinces}")
        self.stdout.write(f"Communes:  {result.communes}")
        self.stdout.write(f"Agencies:  {result.agencies}")
        verdict = "Reference data loaded" if result.changed else "Reference data already up to date"
        self.stdout.write(self.style.SUCCESS(f"{verdict} in {result.seconds:.1f} s."))

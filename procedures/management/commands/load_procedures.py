from pathlib import Path

from django.core.management.base import BaseCommand

from procedures.services import DATA_DIR, procedures_load


class Command(BaseCommand):
    help = "Load the reviewed procedure data files into the catalogue (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--directory", type=Path, default=DATA_DIR)

    def handle(self, *args, directory: Path, **options):
        procedures = procedures_load(directory=directory)
        self.stdout.write(f"Loaded {len(procedures)} procedure(s) from {directory}")

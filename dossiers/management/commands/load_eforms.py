"""Load the reviewed e-form definitions (dossiers/eforms/definitions/*.json) into the database."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dossiers.eforms.loading import definition_files
from dossiers.eforms.validation import definition_problems
from dossiers.models import EForm


class Command(BaseCommand):
    help = (
        "Load the reviewed e-form definitions into the database. A newer version in a file "
        "replaces the stored one; an administrator's edit of the same version is kept."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="replace stored definitions")

    def handle(self, *args, **options) -> None:
        files = definition_files()
        bad = {key: definition_problems(data) for key, data in files.items()}
        bad = {key: problems for key, problems in bad.items() if problems}
        if bad:
            lines = [f"{key}: {p}" for key, problems in bad.items() for p in problems[:5]]
            raise CommandError("invalid e-form definitions:\n" + "\n".join(lines))
        created = updated = kept = 0
        with transaction.atomic():
            for key, data in files.items():
                row = EForm.objects.filter(key=key).first()
                if row is None:
                    EForm.objects.create(key=key, version=data["version"], definition=data)
                    created += 1
                elif options["force"] or data["version"] > row.version:
                    row.definition, row.version = data, data["version"]
                    row.save()
                    updated += 1
                else:
                    kept += 1
        self.stdout.write(f"e-forms: {created} created, {updated} updated, {kept} kept")

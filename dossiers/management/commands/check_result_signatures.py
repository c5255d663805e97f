"""Check the signature of the results stored before `Dossier.result_signed` existed (migration
dossiers 0008), so the index's "legally valid e-results" counts them when they are signed."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from dossiers.models import Dossier
from portal.audit import audit_record
from portal.pdfsign import validate_pdf


class Command(BaseCommand):
    help = (
        "Validate the stored results not yet known to be signed; mark those with a valid "
        "signature (the rollups follow: each save marks its dossier)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, default=0, help="at most this many results")

    def handle(self, *args, **options) -> None:
        pending = (
            Dossier.objects.filter(result_signed=False)
            .exclude(result_file="")
            .order_by("pk")
            .only("pk", "result_file", "result_sha256", "parent_id")
        )
        if options["limit"]:
            pending = pending[: options["limit"]]
        checked = signed = 0
        for dossier in pending.iterator(chunk_size=200):
            checked += 1
            with dossier.result_file.open("rb") as handle:
                verdict = validate_pdf(handle.read())
            if not verdict.valid:
                continue
            signed += 1
            with transaction.atomic():
                dossier.result_signed = True
                dossier.save(update_fields=["result_signed"])
                audit_record(
                    actor=None,
                    action="dossier.result_signature_checked",
                    obj=dossier,
                    agency_code=verdict.agency_code,
                    details={"status": verdict.status},
                )
        self.stdout.write(f"{checked} results checked, {signed} carry a valid signature")

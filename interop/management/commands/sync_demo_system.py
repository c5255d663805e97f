"""The demo's provincial settlement system: registered for Hà Nội with a published secret,
and the configuration file the mock system (national_mocks.province) reads. `manage.py demo`
runs it; refused under the production settings."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from agencies.models import Agency, AgencyKind, Province
from interop.models import ConnectedSystem
from procedures.models import ProcedureVersion

DEMO_SYSTEM = "demo-hanoi"
DEMO_SECRET = "demo-province-sync-secret"  # noqa: S105 - published demo secret
DEMO_PROVINCE = "Thành phố Hà Nội"
DEMO_COMMUNES = ("Phường Hoàn Kiếm", "Phường Ba Đình")
#: procedures a commune settles, received at the counter in the demo
DEMO_PROCEDURES = ("1.001193", "1.000894", "1.000656", "1.001022")


class Command(BaseCommand):
    help = "Register the demo provincial system and write the mock's configuration."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="the mock's configuration (JSON)")
        parser.add_argument("--portal-url", required=True)
        parser.add_argument("--interval", type=float, default=45.0)

    def handle(self, *args, output: str, portal_url: str, interval: float, **options):
        if settings.PORTAL_REFUSE_DEMO_SECRETS:
            raise CommandError("The demo system's secret is published: not under production.")
        province = Province.objects.filter(name=DEMO_PROVINCE).first()
        if province is None:
            raise CommandError("Load the reference data first (seed_demo).")
        system, _created = ConnectedSystem.objects.update_or_create(
            code=DEMO_SYSTEM,
            defaults={
                "name": "Hệ thống thông tin giải quyết TTHC Hà Nội (mô phỏng)",
                "secret": DEMO_SECRET,
                "province": province,
                "is_active": True,
            },
        )
        agencies = list(
            Agency.objects.filter(
                kind=AgencyKind.COMMUNE_COMMITTEE,
                commune__name__in=DEMO_COMMUNES,
                commune__province=province,
            ).values_list("code", flat=True)
        )
        published = set(
            ProcedureVersion.objects.filter(
                procedure__code__in=DEMO_PROCEDURES, is_published=True
            ).values_list("procedure__code", flat=True)
        )
        procedures = [code for code in DEMO_PROCEDURES if code in published]
        if not agencies or not procedures:
            raise CommandError("The demo's communes or procedures are missing (seed_demo).")
        Path(output).write_text(
            json.dumps(
                {
                    "portal_url": portal_url,
                    "system": system.code,
                    "secret": DEMO_SECRET,
                    "agencies": sorted(agencies),
                    "procedures": procedures,
                    "interval_seconds": interval,
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
        self.stdout.write(f"Demo provincial system {system.code}: {output}")

"""Register a connected system (a ministry's or province's own settlement system) and print
its secret once.

    manage.py sync_system_create hanoi-dvc "Hệ thống giải quyết TTHC Hà Nội" --province 01
    manage.py sync_system_create moj-civil "Bộ Tư pháp" --agency 000.00.00.G15 --agency ...
"""

from __future__ import annotations

import secrets

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agencies.models import Agency, Province
from interop.models import ConnectedSystem


class Command(BaseCommand):
    help = "Register a connected system that synchronises its dossiers; prints its secret once."

    def add_arguments(self, parser):
        parser.add_argument("code", help="the client id it signs with")
        parser.add_argument("name")
        parser.add_argument("--province", help="a province's code: every agency of it")
        parser.add_argument("--agency", action="append", default=[], dest="agencies")

    @transaction.atomic
    def handle(self, *args, code: str, name: str, province: str | None, agencies, **options):
        if ConnectedSystem.objects.filter(code=code).exists():
            raise CommandError(f"A connected system has the code {code!r} already.")
        found_province = None
        if province:
            found_province = Province.objects.filter(code=province).first()
            if found_province is None:
                raise CommandError(f"No province has the code {province!r}.")
        found = list(Agency.objects.filter(code__in=agencies))
        missing = sorted(set(agencies) - {a.code for a in found})
        if missing:
            raise CommandError(f"No agency has the code(s) {', '.join(missing)}.")
        if not found_province and not found:
            raise CommandError("Give --province or at least one --agency: the system's scope.")
        secret = secrets.token_urlsafe(32)
        system = ConnectedSystem.objects.create(
            code=code, name=name, secret=secret, province=found_province
        )
        system.agencies.set(found)
        self.stdout.write(f"Connected system {code} registered. Its secret (shown once):")
        self.stdout.write(secret)

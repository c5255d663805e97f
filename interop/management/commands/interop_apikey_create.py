"""Issue an API key for an agency's system and print it once.

    manage.py interop_apikey_create 000.00.00.G15 "Ministry of Justice system" \
        --scope dossiers:read --scope dossiers:status --scope dossiers:result
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from agencies.models import Agency
from interop.models import ApiScope
from interop.services import api_key_create


class Command(BaseCommand):
    help = "Issue an API key for an agency's own system; the key is printed once."

    def add_arguments(self, parser):
        parser.add_argument("agency_code")
        parser.add_argument("name")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            choices=ApiScope.values,
            help="repeat for several scopes (default: all of them)",
        )

    def handle(self, *args, agency_code: str, name: str, scopes: list[str] | None, **options):
        agency = Agency.objects.filter(code=agency_code).first()
        if agency is None:
            raise CommandError(f"no agency with code {agency_code}")
        key, raw_key = api_key_create(agency=agency, name=name, scopes=scopes or ApiScope.values)
        self.stderr.write(
            f"API key {key.prefix} for {agency.code} ({', '.join(key.scopes)}); "
            "it is shown only once:"
        )
        self.stdout.write(raw_key)

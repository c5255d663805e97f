"""Mark an agency as external: its dossiers go to its own system by signed webhook.

    manage.py interop_make_external 00004.00.H01                    # the demo: the mock ministry
    manage.py interop_make_external 000.00.00.G15 --url https://... --secret ... --api-key

Without --url, the webhook goes to the mock ministry of the national mocks
(`$NATIONAL_SERVICES_URL/ministry/v1/dossiers`), with its default secret unless --secret is
given. With --api-key, a key with every scope is issued and printed once.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from agencies.models import Agency
from interop.models import ApiScope
from interop.services import api_key_create

MOCK_PATH = "/ministry/v1/dossiers"
MOCK_SECRET = "demo-ministry-webhook-secret"  # noqa: S105 - the mock's published default


class Command(BaseCommand):
    help = "Mark an agency as external (own system reached by signed webhook)."

    def add_arguments(self, parser):
        parser.add_argument("agency_code")
        parser.add_argument("--url", default="", help="the system's webhook URL")
        parser.add_argument("--secret", default="", help="the shared HMAC secret (16+ chars)")
        parser.add_argument("--api-key", action="store_true", help="also issue an API key")

    def handle(self, *args, agency_code: str, url: str, secret: str, api_key: bool, **options):
        agency = Agency.objects.filter(code=agency_code).first()
        if agency is None:
            raise CommandError(f"no agency with code {agency_code}")
        if not url:
            url = settings.NATIONAL_SERVICES_URL.rstrip("/") + MOCK_PATH
            secret = secret or MOCK_SECRET
        if len(secret) < 16:
            raise CommandError("give the shared secret with --secret (at least 16 characters)")
        agency.is_external = True
        agency.webhook_url = url
        agency.webhook_secret = secret
        agency.save(update_fields=["is_external", "webhook_url", "webhook_secret"])
        self.stderr.write(f"{agency.code} ({agency.name}) is external: webhooks to {url}")
        if api_key:
            key, raw_key = api_key_create(
                agency=agency, name="own system", scopes=list(ApiScope.values)
            )
            self.stderr.write(f"API key {key.prefix} (all scopes); shown only once:")
            self.stdout.write(raw_key)

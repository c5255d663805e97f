from django.core.management import call_command
from django.core.management.base import BaseCommand

from agencies.demo import DEMO_OFFICERS, demo_users_create


class Command(BaseCommand):
    help = "Load reference data, the procedure catalogue and the demo officers (idempotent)."

    def handle(self, *args, **options):
        call_command("load_reference_data")
        call_command("load_procedures")
        call_command("load_eforms")
        demo_users_create()
        call_command("seed_dashboard_demo")
        self.stdout.write(
            f"Demo officers: {', '.join(o.username for o in DEMO_OFFICERS)} and admin"
        )

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from agencies.demo import DEMO_OFFICERS, demo_users_create


class Command(BaseCommand):
    help = "Load reference data, the procedure catalogue and the demo officers (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--with-demo-accounts",
            action="store_true",
            help="Under the production settings, create the demo officers and admin anyway "
            "(published passwords and second-factor secret: a demonstration only).",
        )

    def handle(self, *args, **options):
        if settings.PORTAL_REFUSE_DEMO_SECRETS and not options["with_demo_accounts"]:
            raise CommandError(
                "seed_demo creates accounts whose passwords and second-factor secret are "
                "published; the production settings refuse them. Load the reference data and "
                "the catalogue with load_reference_data, load_procedures and load_eforms, and "
                "create officers yourself; or pass --with-demo-accounts for a demonstration."
            )
        call_command("load_reference_data")
        call_command("load_procedures")
        call_command("load_eforms")
        demo_users_create()
        call_command("seed_dashboard_demo")
        self.stdout.write(
            f"Demo officers: {', '.join(o.username for o in DEMO_OFFICERS)} and admin"
        )

"""Print the current second-factor code of a demo officer (demo only).

The demo officers share a TOTP secret published in the README; this prints what an
authenticator app holding that secret shows now: the code alone on its line (stdout), how
long it stays valid on stderr. `.ci/readme-commands` runs it as the README shows it. It refuses to run outside DEBUG unless
forced, and it only knows the demo devices, never an officer's own authenticator.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.demo import DEMO_OTP_DEVICE_NAME, demo_otp_key_hex


class Command(BaseCommand):
    help = "Print the current 6-digit code of a demo officer's demo authenticator (demo only)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="a demo officer, e.g. hoankiem.canbo")
        parser.add_argument(
            "--force",
            action="store_true",
            help="run even though DEBUG is off (never in production)",
        )

    def handle(self, *args, username: str, force: bool, **options):
        if not (settings.DEBUG or force):
            raise CommandError("demo_otp is for the demo: it runs only with DEBUG on (or --force).")
        device = TOTPDevice.objects.filter(
            user__username=username,
            name=DEMO_OTP_DEVICE_NAME,
            key=demo_otp_key_hex(),
            confirmed=True,
        ).first()
        if device is None:
            raise CommandError(
                f"{username!r} has no demo authenticator (run `manage.py seed_demo` first)."
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        now = time.time()
        totp.time = now
        code = f"{totp.token():0{device.digits}d}"
        remaining = device.step - int(now - device.t0) % device.step
        # the code alone on its line on stdout (`$(bash bin/manage demo_otp ...)` gives just
        # the code); the rest, for a person, on stderr, after it even when both are one pipe
        self.stdout.write(code)
        self.stdout.flush()
        self.stderr.write(
            f"valid for about {remaining} more seconds; each code signs in once, then wait for the next"
        )

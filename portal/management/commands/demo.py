"""Start the whole portal on one machine with no server to install.

Migrates the embedded SQLite database, loads the demo data, then runs the mock national
services (SSO, population database), a real Celery worker with beat on kombu's filesystem
broker, and the web server, until Ctrl+C.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from portal.celery import DEMO_WORKER_ENV


class Command(BaseCommand):
    help = "Start the portal with demo data: web, Celery worker and beat, mock national services."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--mocks-port", type=int, default=8001)
        parser.add_argument("--no-seed", action="store_true")

    def handle(self, *args, port: int, mocks_port: int, no_seed: bool, **options):
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        for folder in ("broker", "broker-processed", "mail", "media", "cache"):
            (settings.VAR_DIR / folder).mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        if not no_seed:
            call_command("seed_demo")
        env = {**os.environ, "PYTHONUNBUFFERED": "1", DEMO_WORKER_ENV: "1"}
        mocks_url = f"http://127.0.0.1:{mocks_port}"
        env.setdefault("NATIONAL_MOCKS_BASE_URL", mocks_url)
        env.setdefault("NATIONAL_SERVICES_URL", mocks_url)
        # the demo national CA (keys made here, in var/pki/) whose TSA and CRLs the mocks serve
        call_command("pki_setup", crl_base_url=env["NATIONAL_SERVICES_URL"])
        env.setdefault("NATIONAL_MOCKS_PKI_DIR", str(settings.DOCUMENT_PKI_DIR))
        env.setdefault("DOCUMENT_TSA_URL", f"{env['NATIONAL_SERVICES_URL']}/pki/v1/tsa")
        env.setdefault("PORTAL_BASE_URL", f"http://127.0.0.1:{port}")
        # a provincial system that receives paper dossiers at its own counter and
        # synchronises them with the portal (national_mocks.province)
        province_config = settings.VAR_DIR / "province-mock.json"
        call_command(
            "sync_demo_system", output=str(province_config), portal_url=env["PORTAL_BASE_URL"]
        )
        env.setdefault("NATIONAL_MOCKS_PROVINCE_CONFIG", str(province_config))
        processes = [
            subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "national_mocks",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(mocks_port),
                ],
                env=env,
            ),
            subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "portal",
                    "worker",
                    "--beat",
                    "--loglevel",
                    "INFO",
                    "--concurrency",
                    "2",
                    "--schedule",
                    str(settings.VAR_DIR / "celerybeat-schedule"),
                ],
                env=env,
            ),
            subprocess.Popen(  # noqa: S603
                [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                env=env,
            ),
        ]
        self.stdout.write(
            self.style.SUCCESS(
                f"\nPortal: http://127.0.0.1:{port}/   mock national services: {mocks_url}/\n"
                "Citizens sign in with the national SSO (pick a demo identity);\n"
                "officers at /backoffice/login/ (see README), with the code that\n"
                "`bash bin/manage demo_otp hoankiem.canbo` prints in another terminal.\n"
                "Ctrl+C stops everything.\n"
            )
        )
        try:
            while all(p.poll() is None for p in processes):
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(
                signal.SIGINT, signal.SIG_IGN
            )  # a second Ctrl+C must not cut the shutdown
            for p in processes:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in processes:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()

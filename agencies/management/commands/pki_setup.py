"""Create the demo national CA and the agencies' signing certificates (docs/documents.md).

    manage.py pki_setup                      # the CA if missing + the agencies with officers
    manage.py pki_setup --agency 000.00.01.H22 --agency ...
    manage.py pki_setup --all                # every agency (about 3,500 keys, a few seconds)
    manage.py pki_setup --revoke 000.00.01.H22   # put its certificate on the CA's CRL

Keys are generated on this machine into settings.DOCUMENT_PKI_DIR (var/pki/, ignored by
git); an existing agency key is kept unless --renew. The CRL distribution points in the
certificates point at --crl-base-url (default NATIONAL_SERVICES_URL: the national mocks
serve the CRLs and the TSA from the same directory). Demo only: a real deployment gets its
agencies' certificates from the national CA and keeps their keys in an HSM.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from agencies.models import Agency
from portal import pki
from portal.issuers import PORTAL_ISSUER_CODE, PORTAL_ISSUER_NAME


class Command(BaseCommand):
    help = "Create the demo national CA and per-agency signing certificates (demo only)."

    def add_arguments(self, parser):
        parser.add_argument("--agency", action="append", default=[], help="an agency code")
        parser.add_argument("--all", action="store_true", help="every agency")
        parser.add_argument("--renew", action="store_true", help="new keys for those agencies")
        parser.add_argument("--revoke", metavar="CODE", help="revoke an agency's certificate")
        parser.add_argument("--crl-base-url", default="", help="where the CRLs are served")
        parser.add_argument("--new-ca", action="store_true", help="replace the demo CA")

    def handle(self, *args, **options):
        directory = settings.DOCUMENT_PKI_DIR
        base_url = options["crl_base_url"] or settings.NATIONAL_SERVICES_URL
        if options["revoke"]:
            path = pki.Paths(directory).agency_cert(options["revoke"])
            if not path.exists():
                raise CommandError(f"no certificate for {options['revoke']} in {directory}")
            pki.revoke(directory, serial=pki.load_cert(path).serial_number)
            self.stdout.write(f"revoked the certificate of {options['revoke']}")
            return
        if pki.create_demo_ca(directory, crl_base_url=base_url, force=options["new_ca"]):
            self.stdout.write(f"created the demo national CA in {directory}")
        agencies = Agency.objects.order_by("code")
        if options["agency"]:
            agencies = agencies.filter(code__in=options["agency"])
        elif not options["all"]:
            agencies = agencies.filter(memberships__isnull=False).distinct()
        wanted = [(a.code, a.name) for a in agencies]
        wanted.append((PORTAL_ISSUER_CODE, PORTAL_ISSUER_NAME))
        issued = 0
        for code, name in wanted:
            exists = pki.Paths(directory).agency_cert(code).exists()
            if exists and not (options["renew"] or options["new_ca"]):
                continue
            pki.issue_agency_certificate(directory, code=code, name=name, crl_base_url=base_url)
            issued += 1
        self.stdout.write(f"issued {issued} agency certificate(s); {len(wanted)} asked for")

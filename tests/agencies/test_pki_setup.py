"""`manage.py pki_setup`: the demo CA and the agencies' keys, made on this machine, outside
git, private keys readable by their owner only."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from portal import pki

pytestmark = pytest.mark.django_db

REPO_DIR = Path(__file__).resolve().parents[2]


def test_the_ca_and_the_keys_of_the_agencies_with_officers_are_made(
    settings, tmp_path, officer_hk, agency_hk, agency_bd
):
    settings.DOCUMENT_PKI_DIR = tmp_path
    call_command("pki_setup", crl_base_url="http://mocks.example")
    paths = pki.Paths(tmp_path)
    assert pki.ca_exists(tmp_path)
    assert paths.agency_cert(agency_hk.code).exists()
    assert not paths.agency_cert(agency_bd.code).exists()  # no officer: made when it signs
    key = paths.agency_key(agency_hk.code)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    cert = pki.load_cert(paths.agency_cert(agency_hk.code))
    assert cert.issuer == pki.load_cert(paths.cert("intermediate")).subject
    assert "http://mocks.example/pki/v1/crl/intermediate.crl" in str(
        cert.extensions.get_extension_for_class(pki.x509.CRLDistributionPoints).value
    )
    before = key.read_bytes()
    call_command("pki_setup")
    assert key.read_bytes() == before  # kept unless --renew
    call_command("pki_setup", revoke=agency_hk.code)
    assert f"{cert.serial_number:x}" in paths.revoked.read_text().split()


def test_the_demo_keys_are_outside_git():
    ignored = subprocess.run(
        ["git", "check-ignore", "var/pki/ca/root.key.pem", "var/pki/agencies/x.key.pem"],
        cwd=REPO_DIR,
        check=False,
        capture_output=True,
        text=True,
    )
    assert ignored.returncode == 0
    assert len(ignored.stdout.split()) == 2

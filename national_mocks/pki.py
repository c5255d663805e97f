"""The demo national CA's public services: an RFC 3161 timestamp authority and the CRLs.

- `POST /pki/v1/tsa` (`Content-Type: application/timestamp-query`): answers an RFC 3161
  `TimeStampResp` (`application/timestamp-reply`) signed with the TSA's key; the time is this
  server's clock.
- `GET /pki/v1/crl/<root|intermediate>.crl`: the CA's current CRL (DER), made on each request
  (this update: an hour ago, next update: in 7 days), listing the serial numbers written in
  `ca/revoked.txt` (the intermediate's) .

The keys and certificates are the files the portal's `manage.py pki_setup` writes (layout in
portal/pki.py), read from NATIONAL_MOCKS_PKI_DIR (default var/pki) on each request, so the
mock may start before they exist. Without them the endpoints answer 503. Service name for
fault injection: "pki". A real deployment uses the national CA's TSA and CRL/OCSP endpoints.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from pathlib import Path
from typing import Any

from asn1crypto import keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .config import REPO_DIR
from .faults import national_service

MAX_QUERY_BYTES = 16 * 1024
CRL_NAMES = ("root", "intermediate")


def pki_dir() -> Path:
    configured = os.environ.get("NATIONAL_MOCKS_PKI_DIR", "").strip()
    path = Path(configured) if configured else REPO_DIR / "var" / "pki"
    return path if path.is_absolute() else REPO_DIR / path


def _unavailable() -> JsonResponse:
    return JsonResponse({"error": "service_unavailable", "reason": "no_ca"}, status=503)


def _pem_files(name: str) -> tuple[Path, Path]:
    ca = pki_dir() / "ca"
    return ca / f"{name}.key.pem", ca / f"{name}.crt.pem"


@functools.lru_cache(maxsize=4)
def _stamper(key_path: str, cert_path: str, mtime: float) -> Any:
    """The TSA's key and certificate, read once per version of the files (pyHanko is imported
    here: the mocks start as fast as before for the services that do not need it)."""
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    private = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=None)
    tsa_key = keys.PrivateKeyInfo.load(
        private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    tsa_cert = asn1_x509.Certificate.load(
        x509.load_pem_x509_certificate(Path(cert_path).read_bytes()).public_bytes(
            serialization.Encoding.DER
        )
    )
    return DummyTimeStamper(tsa_cert=tsa_cert, tsa_key=tsa_key)


@csrf_exempt
@require_POST
@national_service("pki")
def timestamp(request: HttpRequest) -> HttpResponse:
    key_path, cert_path = _pem_files("tsa")
    if not key_path.exists() or not cert_path.exists():
        return _unavailable()
    body = request.body
    if len(body) > MAX_QUERY_BYTES:
        return JsonResponse({"error": "invalid_request", "reason": "too_large"}, status=400)
    try:
        query = tsp.TimeStampReq.load(body)
        query.native  # noqa: B018 - parse it all now, not in the middle of the answer
    except (ValueError, TypeError):
        return JsonResponse({"error": "invalid_request", "reason": "not_a_query"}, status=400)
    stamper = _stamper(str(key_path), str(cert_path), cert_path.stat().st_mtime)
    answer = stamper.request_tsa_response(query)
    return HttpResponse(answer.dump(), content_type="application/timestamp-reply")


@require_GET
@national_service("pki")
def revocation_list(request: HttpRequest, name: str) -> HttpResponse:
    if name not in CRL_NAMES:
        return JsonResponse({"error": "not_found"}, status=404)
    key_path, cert_path = _pem_files(name)
    if not key_path.exists() or not cert_path.exists():
        return _unavailable()
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    issuer = x509.load_pem_x509_certificate(cert_path.read_bytes())
    now = dt.datetime.now(tz=dt.UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(now - dt.timedelta(hours=1))
        .next_update(now + dt.timedelta(days=7))
        .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    )
    revoked = pki_dir() / "ca" / "revoked.txt"
    if name == "intermediate" and revoked.exists():
        for serial in revoked.read_text().split():
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(int(serial, 16))
                .revocation_date(now - dt.timedelta(hours=1))
                .build()
            )
    crl = builder.sign(key, hashes.SHA256())  # type: ignore[arg-type]
    return HttpResponse(
        crl.public_bytes(serialization.Encoding.DER), content_type="application/pkix-crl"
    )

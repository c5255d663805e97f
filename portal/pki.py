"""The demo national CA: a root, an intermediate, a timestamp authority and one signing
certificate per agency, as PEM files in a directory outside git (settings.DOCUMENT_PKI_DIR,
by default var/pki/).

Layout of the directory::

    ca/root.{key,crt}.pem          the demo national root (self-signed)
    ca/intermediate.{key,crt}.pem  the CA that issues agency and TSA certificates
    ca/tsa.{key,crt}.pem           the timestamp authority's certificate (national mocks)
    ca/revoked.txt                 serial numbers (hex) the intermediate has revoked
    agencies/<code>.{key,crt}.pem  one signing key and certificate per agency

Keys are generated on this machine (ECDSA P-256; the demo TSA's RSA-2048) and never leave the directory. A real
deployment keeps only `agencies/` (or an HSM, see portal.pdfsign) and trusts the national
root; the CA files are the demo's stand-in for the national CA and are read by the national
mocks, which serve the TSA and the CRLs.

Validity: certificates start five years before and end twenty years after the moment they are
made, so tests run with the clock moved (or frozen on a past date) still fall inside them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_BEFORE = dt.timedelta(days=5 * 366)
VALID_AFTER = dt.timedelta(days=20 * 366)
CRL_PATH = "/pki/v1/crl/{name}.crl"
TSA_PATH = "/pki/v1/tsa"
COUNTRY = "VN"
ROOT_NAME = "Demo National Root CA (not for production)"
INTERMEDIATE_NAME = "Demo National Public Service CA (not for production)"
TSA_NAME = "Demo National Timestamp Authority (not for production)"


@dataclass(frozen=True)
class Paths:
    directory: Path

    @property
    def ca(self) -> Path:
        return self.directory / "ca"

    def key(self, name: str) -> Path:
        return self.ca / f"{name}.key.pem"

    def cert(self, name: str) -> Path:
        return self.ca / f"{name}.crt.pem"

    def agency_key(self, code: str) -> Path:
        return self.directory / "agencies" / f"{safe_code(code)}.key.pem"

    def agency_cert(self, code: str) -> Path:
        return self.directory / "agencies" / f"{safe_code(code)}.crt.pem"

    @property
    def revoked(self) -> Path:
        return self.ca / "revoked.txt"


def safe_code(code: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", code).strip(".") or "_"
    return cleaned[:100]


def _now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC)


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def _write_public(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _key_pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path}: not an EC private key")
    return key


def load_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _name(common_name: str, *, organisation: str = "", unit: str = "") -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY)]
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]))
    if unit:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit[:64]))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]))
    return x509.Name(parts)


def _builder(
    subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
) -> x509.CertificateBuilder:
    now = _now()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - VALID_BEFORE)
        .not_valid_after(now + VALID_AFTER)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def _crl_point(crl_base_url: str, name: str) -> x509.CRLDistributionPoints:
    url = crl_base_url.rstrip("/") + CRL_PATH.format(name=name)
    return x509.CRLDistributionPoints(
        [
            x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(url)],
                relative_name=None,
                reasons=None,
                crl_issuer=None,
            )
        ]
    )


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _signing_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def ca_exists(directory: Path) -> bool:
    paths = Paths(directory)
    return all(paths.cert(n).exists() for n in ("root", "intermediate", "tsa"))


def create_demo_ca(directory: Path, *, crl_base_url: str, force: bool = False) -> bool:
    """Create the demo root, intermediate and TSA (False when they exist and not `force`).
    `crl_base_url` is where the national mocks serve the CRLs (their base URL)."""
    paths = Paths(directory)
    if ca_exists(directory) and not force:
        return False
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name(ROOT_NAME, organisation="Demo National Electronic Authentication Centre")
    root = (
        _builder(root_name, root_name, root_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    inter_key = ec.generate_private_key(ec.SECP256R1())
    inter_name = _name(INTERMEDIATE_NAME, organisation="Demo National Public Service CA")
    intermediate = (
        _builder(inter_name, root_name, inter_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
        .add_extension(_crl_point(crl_base_url, "root"), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    # RSA: the mock TSA answers with pyHanko's test timestamper, which signs with RSA only
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa = (
        _builder(
            _name(TSA_NAME, organisation="Demo National Timestamp Authority"), inter_name, tsa_key
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_signing_usage(), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(inter_key.public_key()),
            critical=False,
        )
        .add_extension(_crl_point(crl_base_url, "intermediate"), critical=False)
        .sign(inter_key, hashes.SHA256())
    )
    for name, key, cert in (
        ("root", root_key, root),
        ("intermediate", inter_key, intermediate),
        ("tsa", tsa_key, tsa),
    ):
        _write_private(paths.key(name), _key_pem(key))
        _write_public(paths.cert(name), cert.public_bytes(serialization.Encoding.PEM))
    if not paths.revoked.exists():
        _write_public(paths.revoked, b"")
    return True


def issue_agency_certificate(
    directory: Path, *, code: str, name: str, crl_base_url: str
) -> tuple[Path, Path]:
    """A new key and certificate for an agency (replacing any it had); returns (key, cert)."""
    paths = Paths(directory)
    inter_key = load_key(paths.key("intermediate"))
    intermediate = load_cert(paths.cert("intermediate"))
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(name or code, organisation=name or code, unit=code)
    cert = (
        _builder(subject, intermediate.subject, key)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_signing_usage(), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(inter_key.public_key()),
            critical=False,
        )
        .add_extension(_crl_point(crl_base_url, "intermediate"), critical=False)
        .sign(inter_key, hashes.SHA256())
    )
    _write_private(paths.agency_key(code), _key_pem(key))
    _write_public(paths.agency_cert(code), cert.public_bytes(serialization.Encoding.PEM))
    return paths.agency_key(code), paths.agency_cert(code)


def revoke(directory: Path, *, serial: int) -> None:
    """Add a certificate issued by the intermediate to its CRL (the mocks serve it)."""
    paths = Paths(directory)
    known = paths.revoked.read_text().split() if paths.revoked.exists() else []
    if f"{serial:x}" not in known:
        known.append(f"{serial:x}")
    _write_public(paths.revoked, ("\n".join(known) + "\n").encode())

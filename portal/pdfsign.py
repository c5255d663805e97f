"""PAdES signatures on the PDFs the portal issues, and their validation (pyHanko).

One narrow interface: `sign_pdf(content, issuer=..., reason=...)` signs as the issuing agency
and `validate_pdf(content)` says what a PDF's signature is worth. Where an agency's key lives
is a *signer provider* (`register_provider`): the default, "files", reads a PEM key and
certificate per agency from settings.DOCUMENT_PKI_DIR (see portal.pki); an HSM or the
national remote-signing gateway registers another provider that returns a pyHanko `Signer`
(pyHanko has PKCS#11 and remote signers) and is chosen with DOCUMENT_SIGNER_PROVIDER.

Levels (settings.DOCUMENT_SIGNATURE_LEVEL):
- "B-B": the signature alone (the signer's clock);
- "B-T": plus an RFC 3161 timestamp from DOCUMENT_TSA_URL;
- "B-LT": plus the certificates and CRLs needed to validate it later, embedded in the
  document's security store (DSS). CRLs come from the certificates' distribution points
  (the national mocks in the demo), fetched once and kept until their next update.
When the TSA or the CRLs cannot be reached the document is signed at the level reached and
the failure is logged: a receipt is never refused because the TSA is down. A certificate the
CRL says is revoked is refused at B-LT (pyHanko validates the signer before signing).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import functools
import hashlib
import io
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import requests
from asn1crypto import crl as asn1_crl
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import load_cert_from_pemder
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from . import pki
from .issuers import Issuer

logger = logging.getLogger(__name__)

LEVELS = ("B-B", "B-T", "B-LT")
SIGNATURE_BYTES = 12 * 1024

SignerProvider = Callable[[Issuer], signers.Signer]
_providers: dict[str, SignerProvider] = {}


def register_provider(name: str) -> Callable[[SignerProvider], SignerProvider]:
    def decorate(provider: SignerProvider) -> SignerProvider:
        _providers[name] = provider
        return provider

    return decorate


def pki_dir() -> Path:
    return Path(settings.DOCUMENT_PKI_DIR)


@functools.lru_cache(maxsize=512)
def _file_signer(directory: str, code: str, mtime: float) -> signers.SimpleSigner:
    paths = pki.Paths(Path(directory))
    chain = [str(paths.cert("intermediate"))] if paths.cert("intermediate").exists() else []
    signer = signers.SimpleSigner.load(
        str(paths.agency_key(code)), str(paths.agency_cert(code)), ca_chain_files=chain
    )
    if signer is None:
        raise RuntimeError(f"the signing key of {code} cannot be read")
    return signer


_issue_lock = threading.Lock()


@register_provider("files")
def files_provider(issuer: Issuer) -> signers.Signer:
    """The agency's key and certificate from DOCUMENT_PKI_DIR/agencies/. With
    DOCUMENT_PKI_AUTO_ISSUE (demo and tests only) a missing CA or agency certificate is made."""
    directory = pki_dir()
    paths = pki.Paths(directory)
    cert = paths.agency_cert(issuer.code)
    if not cert.exists():
        if not settings.DOCUMENT_PKI_AUTO_ISSUE:
            raise RuntimeError(f"no signing certificate for {issuer.code} in {directory}")
        with _issue_lock:
            if not pki.ca_exists(directory):
                pki.create_demo_ca(directory, crl_base_url=settings.NATIONAL_SERVICES_URL)
            if not cert.exists():
                pki.issue_agency_certificate(
                    directory,
                    code=issuer.code,
                    name=issuer.name,
                    crl_base_url=settings.NATIONAL_SERVICES_URL,
                )
    return _file_signer(str(directory), issuer.code, cert.stat().st_mtime)


def signer_for(issuer: Issuer) -> signers.Signer:
    return _providers[settings.DOCUMENT_SIGNER_PROVIDER](issuer)


# --- Trust and revocation -------------------------------------------------------------------


def trust_roots() -> list[asn1_x509.Certificate]:
    paths = [Path(p) for p in settings.DOCUMENT_TRUST_ROOTS] or [pki.Paths(pki_dir()).cert("root")]
    return [cert for path in paths for cert in _certs_in(path)]


def _other_certs() -> list[asn1_x509.Certificate]:
    return list(_certs_in(pki.Paths(pki_dir()).cert("intermediate")))


def _certs_in(path: Path) -> tuple[asn1_x509.Certificate, ...]:
    """The certificate in a PEM/DER file, parsed once per version of the file (its mtime and
    size): none when the file does not exist."""
    try:
        stat = path.stat()
    except OSError:
        return ()
    return _load_cert(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _load_cert(path: str, mtime_ns: int, size: int) -> tuple[asn1_x509.Certificate, ...]:
    return (load_cert_from_pemder(path),)


_crl_cache: dict[str, tuple[dt.datetime, bytes]] = {}
_crl_lock = threading.Lock()
CRL_REFRESH = dt.timedelta(minutes=10)


def _distribution_points(cert: asn1_x509.Certificate) -> list[str]:
    urls: list[str] = []
    for point in cert.crl_distribution_points:
        urls.extend(url for url in [point.url] if url)
    return urls


def _fetch_crl(url: str) -> tuple[dt.datetime, bytes]:
    """The CRL at `url` and until when it is kept: fetched once and kept until its next
    update, at most CRL_REFRESH."""
    now = dt.datetime.now(tz=dt.UTC)
    with _crl_lock:
        cached = _crl_cache.get(url)
    if cached and now < cached[0]:
        return cached
    response = _http().get(url, timeout=settings.DOCUMENT_PKI_TIMEOUT_SECONDS)
    response.raise_for_status()
    data = response.content
    next_update = asn1_crl.CertificateList.load(data)["tbs_cert_list"]["next_update"].native
    until = min(now + CRL_REFRESH, next_update) if next_update else now + CRL_REFRESH
    with _crl_lock:
        _crl_cache[url] = (until, data)
    return until, data


def _crls_for(certs: list[asn1_x509.Certificate]) -> tuple[dt.datetime, list[bytes]]:
    """The CRLs of the certificates' distribution points, and until when all are kept."""
    seen: dict[str, bytes] = {}
    until = dt.datetime.max.replace(tzinfo=dt.UTC)
    for cert in certs:
        for url in _distribution_points(cert):
            if url not in seen:
                kept_until, seen[url] = _fetch_crl(url)
                until = min(until, kept_until)
    return until, list(seen.values())


_local = threading.local()


def _http() -> requests.Session:
    """This thread's HTTP session (kept-alive connections to the TSA and the CRL points)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


class _SessionTimeStamper(RequestsHTTPTimeStamper):
    """pyHanko's requests client, through this thread's session instead of a new connection
    per request."""

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        session = _http()

        def task() -> tsp.TimeStampResp:
            try:
                response = session.post(
                    self.url,
                    req.dump(),
                    headers=self.request_headers(),
                    auth=self.auth,
                    timeout=self.timeout,
                )
            except OSError as error:
                raise TimestampRequestError(
                    "Error in communication with timestamp server"
                ) from error
            if response.headers.get("Content-Type") != "application/timestamp-reply":
                raise TimestampRequestError("Timestamp server response is malformed.", response)
            return tsp.TimeStampResp.load(response.content)

        return await asyncio.to_thread(task)


#: how long a timestamper (with the TSA's certificates it learnt from a first token) and a
#: validation context (its moment, the certificate paths it validated) are kept per thread
SIGNING_STATE_LIFETIME = dt.timedelta(minutes=10)


@dataclass
class _Kept:
    key: Any
    value: Any
    made: dt.datetime
    until: dt.datetime

    def fresh(self, key: Any, now: dt.datetime) -> bool:
        # a clock moved back (a test's time machine) makes it stale too
        return self.key == key and self.made <= now < self.until


def _kept(
    name: Any,
    key: Any,
    make: Callable[[], tuple[Any, dt.datetime]],
    *,
    usable: Callable[[Any], bool] = lambda value: True,
) -> Any:
    """A per-thread value kept while `key` stays the same and `usable(value)` holds, until the
    moment `make` gave (at most SIGNING_STATE_LIFETIME)."""
    now = dt.datetime.now(tz=dt.UTC)
    store: dict[Any, _Kept] = _local.__dict__.setdefault("kept", {})
    entry = store.get(name)
    if entry is None or not entry.fresh(key, now) or not usable(entry.value):
        for stale in [kept for kept, held in store.items() if not held.made <= now < held.until]:
            del store[stale]
        value, until = make()
        entry = store[name] = _Kept(key, value, now, min(until, now + SIGNING_STATE_LIFETIME))
    return entry.value


def _timestamper() -> RequestsHTTPTimeStamper:
    """One timestamper per thread and TSA: pyHanko asks the TSA for a first token to learn its
    certificates (to validate and embed them at B-LT), once per timestamper; a new one per
    signature asked the TSA twice per document."""
    url, timeout = settings.DOCUMENT_TSA_URL, settings.DOCUMENT_PKI_TIMEOUT_SECONDS
    return _kept(
        "timestamper",
        (url, timeout),
        lambda: (_SessionTimeStamper(url, timeout=timeout), dt.datetime.max.replace(tzinfo=dt.UTC)),
    )


def _signing_context(signer: signers.Signer) -> ValidationContext:
    """The validation context pyHanko checks the signer and the TSA against before it embeds
    their chains and CRLs (B-LT): one per thread for every agency, kept while the trust roots
    and the CRLs stay the same, until the first CRL's next update or SIGNING_STATE_LIFETIME.
    It judges certificates at the moment it was made: a certificate issued after that moment
    (a renewal) gets a new context at once."""
    cert = _certificate(signer)
    until, crls = _crls_for([cert, *signer.cert_registry])
    roots, others = trust_roots(), _other_certs()
    key = (
        tuple(root.sha256 for root in roots),
        tuple(other.sha256 for other in others),
        tuple(hashlib.sha256(crl).digest() for crl in crls),
    )
    valid_from = cert["tbs_certificate"]["validity"]["not_before"].native
    return _kept(
        ("context", key),  # one per set of roots and CRLs: agencies of several CAs
        key,
        lambda: (
            ValidationContext(
                trust_roots=roots, other_certs=others, crls=crls, allow_fetching=False
            ),
            until,
        ),
        usable=lambda context: context.moment >= valid_from,
    )


def clear_signing_caches() -> None:
    """Forget the CRLs, this thread's timestamper and validation context, and the loaded keys
    and certificates (they are also forgotten on their own: see above)."""
    with _crl_lock:
        _crl_cache.clear()
    _local.__dict__.pop("kept", None)
    _file_signer.cache_clear()
    _load_cert.cache_clear()


# --- Signing --------------------------------------------------------------------------------


def signature_level() -> str:
    level = settings.DOCUMENT_SIGNATURE_LEVEL
    return level if level in LEVELS else "B-LT"


def intended_level() -> str:
    """The level a signature reaches when the TSA and the CRLs answer (B-B without a TSA)."""
    return signature_level() if settings.DOCUMENT_TSA_URL else "B-B"


def _outside_event_loop(function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Call one of pyHanko's synchronous functions, which run `asyncio.run()`: where this
    thread already runs an event loop (an async caller; Playwright's sync API in the tests)
    that raises and leaves the coroutine never awaited, so the call gets a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def sign_pdf(content: bytes, *, issuer: Issuer, reason: str, location: str = "") -> bytes:
    """The PDF signed by `issuer` (a PAdES approval signature over the whole document)."""
    return sign_pdf_reaching(content, issuer=issuer, reason=reason, location=location)[0]


def sign_pdf_reaching(
    content: bytes, *, issuer: Issuer, reason: str, location: str = ""
) -> tuple[bytes, str]:
    """`sign_pdf`, and the level the signature reached: less than `intended_level()` when the
    TSA or the CRLs did not answer (a document worth signing again later, not keeping)."""
    signer = signer_for(issuer)
    level = signature_level()
    timestamper = None
    if level in ("B-T", "B-LT") and settings.DOCUMENT_TSA_URL:
        timestamper = _timestamper()
    context = None
    if level == "B-LT" and timestamper is not None:
        try:
            context = _signing_context(signer)
        except (requests.RequestException, OSError, ValueError) as error:
            logger.error("document signing: no revocation data (%s), signing without it", error)
    reached = "B-LT" if context is not None else "B-T" if timestamper is not None else "B-B"
    try:
        signed = _sign(
            content,
            signer=signer,
            reason=reason,
            location=location,
            timestamper=timestamper,
            context=context,
        )
    except OSError as error:  # the TSA did not answer (pyHanko's TimestampRequestError is one)
        if timestamper is None:
            raise
        logger.error("document signing: the TSA failed (%s), signing without a timestamp", error)
        signed = _sign(
            content, signer=signer, reason=reason, location=location, timestamper=None, context=None
        )
        reached = "B-B"
    return signed, reached


def signer_fingerprint(issuer: Issuer) -> str:
    """The SHA-256 of the certificate `issuer` signs with now (changes when it is renewed)."""
    return _certificate(signer_for(issuer)).sha256.hex()


def _certificate(signer: signers.Signer) -> asn1_x509.Certificate:
    cert = signer.signing_cert
    if cert is None:
        raise RuntimeError("the signer has no certificate")
    return cert


def _sign(
    content: bytes,
    *,
    signer: signers.Signer,
    reason: str,
    location: str,
    timestamper: Any,
    context: ValidationContext | None,
) -> bytes:
    metadata = signers.PdfSignatureMetadata(
        field_name="Signature",
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        reason=reason[:200],
        location=location[:200] or None,
        embed_validation_info=context is not None,
        validation_context=context,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(content), strict=False)
    signer_ = signers.PdfSigner(metadata, signer=signer, timestamper=timestamper)
    # room for the signature, its chain and the timestamp token, set so pyHanko does not ask
    # the TSA a second time to measure it
    output = _outside_event_loop(signer_.sign_pdf, writer, bytes_reserved=SIGNATURE_BYTES)
    return output.getvalue()


# --- Validation -----------------------------------------------------------------------------

VALID = "valid"
INVALID = "invalid"  # altered after signing, or the signature itself is broken
UNKNOWN_SIGNER = "unknown_signer"  # intact, but not by a key the national CA certified
REVOKED = "revoked"
UNSIGNED = "unsigned"
UNREADABLE = "unreadable"

ACCEPTED_LEVELS = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)


@dataclass(frozen=True)
class Verdict:
    status: str
    signer_name: str = ""
    agency_code: str = ""
    signed_at: dt.datetime | None = None
    timestamped: bool = False
    reason: str = ""
    location: str = ""

    @property
    def valid(self) -> bool:
        return self.status == VALID


def _subject(cert: asn1_x509.Certificate, field: str) -> str:
    value = cert.subject.native.get(field, "")
    return value[-1] if isinstance(value, list) else str(value or "")


def _text(value: Any) -> str:
    return str(value)[:200] if value is not None else ""


def validate_pdf(content: bytes) -> Verdict:
    """What the last signature of a PDF is worth, against the national trust roots."""
    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        signatures = reader.embedded_signatures
    except Exception as error:
        logger.info("document validation: an unreadable PDF (%s)", error)
        return Verdict(UNREADABLE)
    if not signatures:
        return Verdict(UNSIGNED)
    embedded = signatures[0]
    try:
        context = _validation_context(reader, moment=_timestamp_time(embedded.signer_info))
        status = _outside_event_loop(
            validate_pdf_signature, embedded, signer_validation_context=context
        )
    except Exception as error:
        logger.info("document validation: a signature that cannot be checked (%s)", error)
        return Verdict(INVALID)
    sig = embedded.sig_object
    timestamp_status = status.timestamp_validity
    timestamped = bool(timestamp_status and timestamp_status.trusted)
    signed_at = (
        timestamp_status.timestamp
        if timestamp_status and timestamped
        else status.signer_reported_dt
    )
    found = Verdict(
        INVALID,
        signer_name=_subject(status.signing_cert, "common_name"),
        agency_code=_subject(status.signing_cert, "organizational_unit_name"),
        signed_at=signed_at,
        timestamped=timestamped,
        reason=_text(sig.get("/Reason")),
        location=_text(sig.get("/Location")),
    )
    covered = status.coverage in (
        SignatureCoverageLevel.ENTIRE_FILE,
        SignatureCoverageLevel.ENTIRE_REVISION,
    )
    if not (status.intact and status.valid and covered) or (
        status.modification_level not in ACCEPTED_LEVELS
    ):
        return found
    if status.revocation_details is not None:
        return replace(found, status=REVOKED)
    if not status.trusted:
        return replace(found, status=UNKNOWN_SIGNER)
    if timestamp_status is not None and not (
        timestamp_status.intact and timestamp_status.valid and timestamp_status.trusted
    ):
        return found
    return replace(found, status=VALID)


def _timestamp_time(signer_info: Any) -> dt.datetime | None:
    """The time in the signature's timestamp token (checked by the validation that follows:
    it only chooses the moment at which the certificates and CRLs are judged)."""
    unsigned = signer_info["unsigned_attrs"]
    if not unsigned:
        return None
    for attribute in unsigned:
        if attribute["type"].native == "signature_time_stamp_token":
            for token in attribute["values"]:
                info = token["content"]["encap_content_info"]["content"].parsed
                return info["gen_time"].native
    return None


def _validation_context(reader: PdfFileReader, *, moment: dt.datetime | None) -> ValidationContext:
    """The trust roots, plus the certificates and CRLs embedded in the document (B-LT), judged
    at the time of the timestamp when there is one (so a certificate that expired or was
    revoked after a timestamped signature does not spoil it)."""
    kwargs: dict[str, Any] = {
        "trust_roots": trust_roots(),
        "other_certs": _other_certs(),
        "moment": moment,
        "retroactive_revinfo": True,
        "allow_fetching": False,
    }
    try:
        store = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return ValidationContext(**kwargs)
    return store.as_validation_context(kwargs)

"""Every document the portal issues is signed by its agency (PAdES B-LT: the signature, an
RFC 3161 timestamp from the national mocks' TSA, the chain and the CRLs embedded), checked
with pyHanko and with poppler's `pdfsig`."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore

from dossiers.documents import receipt_pdf, slip_pdf
from dossiers.services import (
    MissingItem,
    dossier_extend,
    dossier_issue_result,
    dossier_receive,
    dossier_refuse,
    dossier_request_supplement,
    dossier_start_processing,
    dossier_stop,
)
from portal import pdfsign, pki

pytestmark = pytest.mark.django_db

PDFSIG = shutil.which("pdfsig")


@pytest.fixture(autouse=True)
def english(client, settings):
    """The pages in English (the language test below sets its own)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def lt_signing(national_settings, national_services):
    """Sign at B-LT against the mocks' TSA and CRLs, with the CA the mocks serve."""
    directory = Path(national_services.env["NATIONAL_MOCKS_PKI_DIR"])
    pki.create_demo_ca(directory, crl_base_url=national_services.url)
    national_settings.DOCUMENT_PKI_DIR = directory
    national_settings.DOCUMENT_SIGNATURE_LEVEL = "B-LT"
    national_settings.DOCUMENT_TSA_URL = f"{national_services.url}/pki/v1/tsa"
    return directory


@pytest.fixture
def received(submit, citizen_a, officer_hk, agency_hk):
    dossier = submit(citizen_a)
    return dossier_receive(dossier=dossier, officer=officer_hk, agency=agency_hk)


def _documents(received, submit, citizen_a, officer_hk, agency_hk) -> dict[str, bytes]:
    """One PDF of each kind: receipt 01, slips 02-05 and the result."""
    documents = {"01": receipt_pdf(received)}
    dossier_request_supplement(
        dossier=received, officer=officer_hk, agency=agency_hk, items=[MissingItem("Tờ khai", "x")]
    )
    documents["02"] = slip_pdf(received, "02")
    other = dossier_receive(dossier=submit(citizen_a), officer=officer_hk, agency=agency_hk)
    dossier_extend(
        dossier=other,
        officer=officer_hk,
        agency=agency_hk,
        new_due_at=other.due_at + dt.timedelta(days=3),
        reason="Cần xác minh thêm",
    )
    documents["04"] = slip_pdf(other, "04")
    dossier_stop(dossier=other, officer=officer_hk, agency=agency_hk, reason="Người nộp đề nghị")
    documents["05"] = slip_pdf(other, "05")
    refused = submit(citizen_a)
    dossier_refuse(
        dossier=refused, officer=officer_hk, agency=agency_hk, reason="Không thuộc thẩm quyền"
    )
    documents["03"] = slip_pdf(refused, "03")
    third = dossier_receive(dossier=submit(citizen_a), officer=officer_hk, agency=agency_hk)
    third = dossier_start_processing(dossier=third, officer=officer_hk, agency=agency_hk)
    third = dossier_issue_result(dossier=third, officer=officer_hk, agency=agency_hk)
    with third.result_file.open("rb") as handle:
        documents["KQ"] = handle.read()
    return documents


def _plain_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "TRÍCH LỤC KHAI SINH")
    page.save()
    return buffer.getvalue()


def _pdfsig(tmp_path: Path, content: bytes) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    return subprocess.run(
        [PDFSIG, str(path)], capture_output=True, text=True, check=False, timeout=30
    ).stdout


@pytest.mark.skipif(PDFSIG is None, reason="pdfsig (poppler-utils) is not installed")
def test_every_document_kind_is_signed_at_b_lt_and_validates(
    lt_signing, received, submit, citizen_a, officer_hk, agency_hk, tmp_path
):
    documents = _documents(received, submit, citizen_a, officer_hk, agency_hk)
    assert sorted(documents) == ["01", "02", "03", "04", "05", "KQ"]
    for kind, content in documents.items():
        verdict = pdfsign.validate_pdf(content)
        assert verdict.status == pdfsign.VALID, kind
        assert verdict.timestamped, kind
        assert verdict.agency_code == agency_hk.code, kind
        assert verdict.signer_name == agency_hk.name, kind
        # long-term validation data: the chain and the CRLs in the document security store
        store = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(content)))
        assert store.crls, kind
        assert len(list(store.load_certs())) >= 2, kind
        report = _pdfsig(tmp_path, content)
        assert "Signature Validation: Signature is Valid." in report, (kind, report)
        assert f"OU={agency_hk.code}" in report, kind
        assert "ETSI.CAdES.detached" in report, kind


def test_without_the_tsa_the_document_is_still_signed(lt_signing, national_settings, received):
    national_settings.DOCUMENT_TSA_URL = f"{national_settings.NATIONAL_SERVICES_URL}/no-such-tsa"
    verdict = pdfsign.validate_pdf(receipt_pdf(received))
    assert verdict.status == pdfsign.VALID
    assert not verdict.timestamped


def test_a_revoked_key_signs_no_more_and_what_it_signed_before_stays_valid(lt_signing):
    from pyhanko.sign.general import SigningError

    issuer = pdfsign.Issuer(code="TEST.REVOKED", name="UBND xã Thử Nghiệm")
    before = pdfsign.sign_pdf(_plain_pdf(), issuer=issuer, reason="KQ")
    cert = pki.load_cert(pki.Paths(lt_signing).agency_cert(issuer.code))
    pki.revoke(lt_signing, serial=cert.serial_number)
    pdfsign._crl_cache.clear()
    with pytest.raises(SigningError):
        pdfsign.sign_pdf(_plain_pdf(), issuer=issuer, reason="KQ")
    assert pdfsign.validate_pdf(before).status == pdfsign.VALID


def test_signing_and_checking_work_where_an_event_loop_runs(lt_signing):
    """pyHanko's synchronous API runs asyncio.run(): called where a loop already runs (an
    async caller; Playwright's sync API in the browser tests) it failed with a coroutine never
    awaited. The portal runs it on a thread of its own there."""
    import asyncio

    issuer = pdfsign.Issuer(code="TEST.LOOP", name="UBND xã Thử Nghiệm")

    async def inside_a_loop() -> tuple[bytes, str]:
        signed = pdfsign.sign_pdf(_plain_pdf(), issuer=issuer, reason="KQ")
        return signed, pdfsign.validate_pdf(signed).status

    signed, status = asyncio.run(inside_a_loop())
    assert status == pdfsign.VALID
    assert pdfsign.validate_pdf(signed).status == pdfsign.VALID


def _http_calls(monkeypatch) -> list[tuple[str, str]]:
    """The requests this thread's signing session sends from now on (method, URL)."""
    calls: list[tuple[str, str]] = []
    session = pdfsign._http()
    send = session.request

    def counting(method: str, url: str, *args, **kwargs):
        calls.append((method, url))
        return send(method, url, *args, **kwargs)

    monkeypatch.setattr(session, "request", counting)
    return calls


def _assert_b_lt(content: bytes, *, code: str) -> None:
    verdict = pdfsign.validate_pdf(content)
    assert verdict.status == pdfsign.VALID
    assert verdict.timestamped
    assert verdict.agency_code == code
    store = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(content)))
    assert store.crls
    assert len(list(store.load_certs())) >= 2


def test_a_second_signature_asks_the_tsa_once_and_fetches_no_crl(lt_signing, monkeypatch):
    """The timestamper (with the TSA certificates it learnt from a first token), the CRLs and
    the validation context are kept per process: the first signature asks the TSA twice (a
    first token to learn its chain, then the signature's) and fetches the CRLs; the next ones
    ask the TSA once, for their own timestamp, and nothing else."""
    pdfsign.clear_signing_caches()
    calls = _http_calls(monkeypatch)
    issuer = pdfsign.Issuer(code="TEST.CACHE", name="UBND xã Thử Nghiệm")
    first = pdfsign.sign_pdf(_plain_pdf(), issuer=issuer, reason="KQ")
    assert [method for method, _url in calls].count("POST") == 2
    assert any(url.endswith(".crl") for _method, url in calls)
    calls.clear()
    second = pdfsign.sign_pdf(_plain_pdf(), issuer=issuer, reason="KQ")
    third = pdfsign.sign_pdf(_plain_pdf(), issuer=issuer, reason="KQ")
    assert calls == [("POST", pdfsign.settings.DOCUMENT_TSA_URL)] * 2
    for content in (first, second, third):
        _assert_b_lt(content, code=issuer.code)


def test_a_renewed_agency_certificate_signs_at_once_with_its_own_chain(
    lt_signing, national_services
):
    issuer = pdfsign.Issuer(code="TEST.RENEW", name="UBND xã Thử Nghiệm")
    before = pdfsign.sign_pdf(_plain_pdf(), issuer=issuer, reason="KQ")
    pki.issue_agency_certificate(
        lt_signing, code=issuer.code, name=issuer.name, crl_base_url=national_services.url
    )
    renewed = pki.load_cert(pki.Paths(lt_signing).agency_cert(issuer.code)).serial_number
    after = pdfsign.sign_pdf(_plain_pdf(), issuer=issuer, reason="KQ")
    signed_with = PdfFileReader(io.BytesIO(after)).embedded_signatures[0].signer_cert
    assert signed_with.serial_number == renewed
    _assert_b_lt(after, code=issuer.code)
    _assert_b_lt(before, code=issuer.code)


def test_the_kept_signing_state_is_made_again_when_the_clock_goes_back(lt_signing, time_machine):
    """A validation context judges certificates at the moment it was made: one made 'later'
    than now (a clock moved back, as in tests) is not used."""
    issuer = pdfsign.Issuer(code="TEST.CLOCK", name="UBND xã Thử Nghiệm")
    signer = pdfsign.signer_for(issuer)
    now = pdfsign._signing_context(signer)
    assert pdfsign._signing_context(signer) is now
    time_machine.move_to(dt.datetime.now(tz=dt.UTC) - dt.timedelta(days=2), tick=False)
    earlier = pdfsign._signing_context(signer)
    assert earlier is not now
    assert earlier.moment < now.moment


def test_agencies_of_one_ca_share_the_kept_validation_context(lt_signing):
    """A worker signs for many agencies in turn: one context per CA, not per agency."""
    first = pdfsign.signer_for(pdfsign.Issuer(code="TEST.ONE", name="UBND xã Một"))
    second = pdfsign.signer_for(pdfsign.Issuer(code="TEST.TWO", name="UBND xã Hai"))
    context = pdfsign._signing_context(first)
    assert pdfsign._signing_context(second) is context
    assert pdfsign._signing_context(first) is context

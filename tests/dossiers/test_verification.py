"""The public verification page tells a genuine document from an edited one and from one
signed with a key the national CA never certified; a bad or unknown token gets a page of its
own in the person's language."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.urls import reverse
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter

from dossiers.services import dossier_issue_result, dossier_receive, dossier_start_processing
from dossiers.verification import mask_name
from portal import pki
from tests.conftest import PDF_BYTES
from tests.dossiers.test_signatures import _plain_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    """The pages in English (the language test below sets its own)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def received(submit, citizen_a, officer_hk, agency_hk):
    dossier = submit(citizen_a)
    return dossier_receive(dossier=dossier, officer=officer_hk, agency=agency_hk)


def _issued(received, officer_hk, agency_hk):
    started = dossier_start_processing(dossier=received, officer=officer_hk, agency=agency_hk)
    return dossier_issue_result(dossier=started, officer=officer_hk, agency=agency_hk)


def _upload(client, content: bytes, name: str = "ket-qua.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("dossiers:verify_upload"),
        {"document": SimpleUploadedFile(name, content, content_type="application/pdf")},
    )


def _tampered(content: bytes) -> bytes:
    """One byte of the signed part changed (the document's /Producer, an edit a viewer shows
    nowhere but which the signature covers)."""
    index = content.index(b"ReportLab")
    return content[:index] + b"X" + content[index + 1 :]


def _signed_by_a_stranger(content: bytes, tmp_path: Path) -> bytes:
    """The same PDF re-signed with a CA of its own that copies the agency's names."""
    stranger = tmp_path / "stranger"
    pki.create_demo_ca(stranger, crl_base_url="http://127.0.0.1:9")
    pki.issue_agency_certificate(
        stranger, code="000.00.01.H22", name="UBND Phường Hoàn Kiếm", crl_base_url="http://x"
    )
    paths = pki.Paths(stranger)
    signer = signers.SimpleSigner.load(
        str(paths.agency_key("000.00.01.H22")),
        str(paths.agency_cert("000.00.01.H22")),
        ca_chain_files=[str(paths.cert("intermediate"))],
    )
    metadata = signers.PdfSignatureMetadata(
        field_name="Signature",
        subfilter=SigSeedSubFilter.PADES,
        reason="Kết quả giải quyết thủ tục hành chính số 0001/2026/GKS, hồ sơ X",
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(content))
    return signers.PdfSigner(metadata, signer=signer).sign_pdf(writer).getvalue()


def test_the_qr_code_page_checks_the_stored_result(
    client, received, officer_hk, agency_hk, citizen_a
):
    issued = _issued(received, officer_hk, agency_hk)
    page = client.get(reverse("dossiers:verify", args=[issued.verification_token]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "The signature is valid" in text
    assert issued.result_number in text
    assert agency_hk.name in text
    assert mask_name(issued.applicant_name) in text
    assert issued.applicant_name not in text
    assert "Trích lục khai sinh" in text  # the result's own title


def test_an_uploaded_genuine_result_is_confirmed(client, received, officer_hk, agency_hk):
    issued = _issued(received, officer_hk, agency_hk)
    with issued.result_file.open("rb") as handle:
        content = handle.read()
    page = _upload(client, content)
    text = page.content.decode()
    assert page.status_code == 200
    assert "The signature is valid" in text
    assert "This is the very file the portal issued for this dossier." in text
    assert issued.code in text


def test_an_uploaded_edited_result_is_told_apart(client, received, officer_hk, agency_hk):
    issued = _issued(received, officer_hk, agency_hk)
    with issued.result_file.open("rb") as handle:
        content = handle.read()
    page = _upload(client, _tampered(content))
    text = page.content.decode()
    assert page.status_code == 200
    assert "The document was changed after it was signed" in text
    assert "The signature is valid" not in text
    assert issued.code not in text


def test_an_uploaded_result_signed_by_an_unknown_key_is_told_apart(
    client, received, officer_hk, agency_hk, tmp_path
):
    issued = _issued(received, officer_hk, agency_hk)
    page = _upload(client, _signed_by_a_stranger(_plain_pdf(), tmp_path))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Signed by an unknown signer" in text
    assert "The signature is valid" not in text
    assert issued.code not in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (_plain_pdf(), "This PDF has no signature"),
        (PDF_BYTES, "This file cannot be read as a PDF"),
        (b"%PDF-1.7\n" + b"\x00garbage" * 50, "This file cannot be read as a PDF"),
    ],
)
def test_an_uploaded_unsigned_or_broken_pdf_is_told_so(client, content, message):
    page = _upload(client, content)
    assert page.status_code == 200
    assert message in page.content.decode()


def test_an_upload_that_is_not_a_pdf_is_refused_with_the_form_kept(client):
    page = _upload(client, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, name="x.png")
    assert page.status_code == 400
    assert "error-summary" in page.content.decode()


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("en", "No document with this verification code"),
        ("vi", "Không có giấy tờ nào mang mã xác minh này"),
    ],
)
@pytest.mark.parametrize("token", ["2b1f8f7e-7d0c-4a4e-9d7b-1c3f5a6b7c8d", "not-a-token", "0"])
def test_a_bad_or_unknown_token_gets_a_page_in_the_persons_language(
    client, language, heading, token
):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(f"/verify/{token}/", HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 404
    assert heading in page.content.decode()


@pytest.mark.parametrize(
    ("full_name", "masked"),
    [("Trần Thị Ngọc", "Trần T. N."), ("Nguyễn Văn An", "Nguyễn V. A."), ("Lan", "L."), ("", "")],
)
def test_the_holders_name_is_masked(full_name, masked):
    assert mask_name(full_name) == masked


@pytest.mark.parametrize(
    ("personal_id", "year"),
    [
        ("001190012345", 1990),
        ("001088004321", 1988),
        ("079305001122", 2005),
        ("00119001234", None),
        ("999190012345", None),  # 999 is no province
        ("\uff10" * 12, None),
    ],
)
def test_the_year_of_birth_from_the_identification_number(personal_id, year):
    from dossiers.verification import birth_year_of

    assert birth_year_of(personal_id) == year

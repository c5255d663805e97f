"""Electronic certified copies from originals (issue 14 part 3): issued at the counter of a
certifying agency, signed (PAdES) and valid for pyHanko, recognised by the verification page,
stored in the citizen's e-document store and reused by a later dossier."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from reportlab.pdfgen.canvas import Canvas

from agencies.models import Agency, AgencyKind, AgencyLevel, Membership, OfficerRole
from dossiers.models import Attachment, AttachmentKind, CertifiedCopy, Dossier
from dossiers.services import CopyNotAllowed, Holder, certified_copy_issue
from portal import pdfsign
from portal.copies import ScanError
from portal.models import AuditEvent, User
from tests.dossiers.test_eform_engine import (  # noqa: F401  (fixtures of the reuse journey)
    ABOUT,
    post,
    version,
    walk_to_documents,
    wizard,
)
from tests.dossiers.test_signatures import lt_signing  # noqa: F401

pytestmark = pytest.mark.django_db

LAN = "001190012345"
UNKNOWN = "001099999999"


def scan_pdf(pages: int = 2) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    for page in range(1, pages + 1):
        canvas.drawString(72, 760, f"GIAY KHAI SINH - trang {page}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def scan_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (620, 877), "white").save(buffer, "PNG")
    return buffer.getvalue()


def scan_upload(content: bytes | None = None, name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else scan_pdf())


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def gks_result(version):  # noqa: F811
    """The catalogue (the engine test procedure) has a component replaceable by KQ-GKS."""
    return "KQ-GKS"


def form_data(**changes):
    data = {
        "personal_id": LAN,
        "document_type": "KQ-GKS",
        "document_title": "Giấy khai sinh",
        "scan": scan_upload(),
        "compared": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def issue(officer, agency, **changes) -> CertifiedCopy:
    kwargs = {
        "officer": officer,
        "agency": agency,
        "holder": Holder(personal_id=LAN, full_name="Nguyễn Thị Lan", birth_year=1990),
        "document_title": "Giấy khai sinh",
        "result_code": "KQ-GKS",
        "scan": scan_pdf(),
        "content_type": "application/pdf",
        "compared": True,
    }
    kwargs.update(changes)
    return certified_copy_issue(**kwargs)


def test_an_officer_issues_a_signed_copy_at_the_counter_and_it_joins_the_store(
    client,
    national_settings,
    officer_hk,
    officer_login,
    agency_hk,
    gks_result,
    django_capture_on_commit_callbacks,
):
    from prefill.national_client import NationalDataClient

    officer_login(client, officer_hk)
    url = reverse("backoffice:certified_copies")
    page = client.get(url)
    assert page.status_code == 200
    assert "Certify an electronic copy from an original" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form_data())
    assert response.status_code == 302, response.content.decode()[:3000]
    copy = CertifiedCopy.objects.get()
    year = timezone.localdate().year
    assert copy.number == f"0001/{year}/SCT/BS"
    assert (copy.agency, copy.officer, copy.holder_name) == (
        agency_hk,
        officer_hk,
        "Nguyễn Thị Lan",
    )
    assert copy.holder_birth_year == 1990
    assert copy.result_code == "KQ-GKS"
    assert copy.pages == 3  # two scanned pages and the certification page
    content = copy.file.read()
    assert hashlib.sha256(content).hexdigest() == copy.sha256
    verdict = pdfsign.validate_pdf(content)
    assert verdict.status == pdfsign.VALID
    assert verdict.agency_code == agency_hk.code
    assert verdict.reason == f"Bản sao điện tử chứng thực từ bản chính số {copy.number}"
    # audited: the national lookup and the issue
    assert AuditEvent.objects.filter(action="prefill.lookup", object_id=LAN).exists()
    issued = AuditEvent.objects.get(action="certified_copy.issue")
    assert (issued.actor, issued.agency_code) == (officer_hk, agency_hk.code)
    assert issued.details["number"] == copy.number
    # in the citizen's e-document store, as a document replacing KQ-GKS
    assert copy.store_document_id
    stored = {d["document_id"]: d for d in NationalDataClient().list_documents(LAN)}
    assert stored[copy.store_document_id]["result_code"] == "KQ-GKS"
    assert copy.number in stored[copy.store_document_id]["title"]
    assert AuditEvent.objects.filter(action="edocuments.store_certified_copy").exists()
    # the page lists it, and the officer can download it
    listing = client.get(url).content.decode()
    assert copy.number in listing
    download = client.get(
        reverse("backoffice:certified_copy_download", args=[copy.verification_token])
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="pdfsig (poppler-utils) is absent")
def test_the_copy_is_signed_at_b_lt_and_pdfsig_validates_it(
    lt_signing,  # noqa: F811
    officer_hk,
    agency_hk,
    tmp_path,
):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    content = issue(officer_hk, agency_hk).file.read()
    verdict = pdfsign.validate_pdf(content)
    assert verdict.status == pdfsign.VALID
    assert verdict.timestamped
    assert verdict.signer_name == agency_hk.name
    store = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(content)))
    assert store.crls
    path = tmp_path / "copy.pdf"
    path.write_bytes(content)
    report = subprocess.run(
        [shutil.which("pdfsig") or "pdfsig", str(path)],
        capture_output=True, text=True, check=False, timeout=30,
    ).stdout  # fmt: skip
    assert "Signature Validation: Signature is Valid." in report, report
    assert f"OU={agency_hk.code}" in report
    assert "ETSI.CAdES.detached" in report
    assert verdict.reason.startswith("Bản sao điện tử chứng thực từ bản chính số ")


def test_a_second_copy_takes_the_next_number_and_an_image_scan_is_one_page(officer_hk, agency_hk):
    first = issue(officer_hk, agency_hk)
    second = issue(officer_hk, agency_hk, scan=scan_png(), content_type="image/png")
    assert first.number.startswith("0001/")
    assert second.number.startswith("0002/")
    assert second.pages == 2
    assert pdfsign.validate_pdf(second.file.read()).valid


@pytest.mark.parametrize("kind", [AgencyKind.PROVINCE_DEPARTMENT, AgencyKind.COMMUNE_POLICE])
def test_only_officers_of_a_certifying_agency_may_issue(client, hanoi, officer_login, kind):
    agency = Agency.objects.create(
        code=f"X.{kind}"[:24], name="Sở Tư pháp", level=AgencyLevel.PROVINCE, kind=kind,
        province=hanoi,
    )  # fmt: skip
    officer = User.objects.create_user(username="other", password="pw-officer-123")
    Membership.objects.create(user=officer, agency=agency, role=OfficerRole.RECEPTION)
    officer_login(client, officer)
    assert client.get(reverse("backoffice:certified_copies")).status_code == 404
    with pytest.raises(CopyNotAllowed):
        issue(officer, agency)
    assert not CertifiedCopy.objects.exists()


def test_an_agency_administrator_of_a_commune_may_not_issue(client, agency_hk, officer_login):
    admin = User.objects.create_user(username="admin.hk", password="pw-officer-123")
    Membership.objects.create(user=admin, agency=agency_hk, role=OfficerRole.ADMIN)
    officer_login(client, admin)
    assert client.get(reverse("backoffice:certified_copies")).status_code == 404
    with pytest.raises(CopyNotAllowed):
        issue(admin, agency_hk)


def test_the_comparison_must_be_confirmed(client, officer_hk, officer_login, agency_hk):
    officer_login(client, officer_hk)
    response = client.post(reverse("backoffice:certified_copies"), form_data(compared=None))
    assert response.status_code == 400
    assert "Confirm that you compared the scan with the original." in response.content.decode()
    with pytest.raises(ValueError, match="compared"):
        issue(officer_hk, agency_hk, compared=False)
    assert not CertifiedCopy.objects.exists()


def test_a_citizen_not_in_the_population_database_gets_a_clear_error(
    client, national_settings, officer_hk, officer_login, agency_hk, gks_result
):
    officer_login(client, officer_hk)
    response = client.post(reverse("backoffice:certified_copies"), form_data(personal_id=UNKNOWN))
    assert response.status_code == 400
    page = response.content.decode()
    assert "No citizen has this personal identification number" in page
    assert f'value="{UNKNOWN}"' in page
    assert not CertifiedCopy.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"just some text", "scan.pdf", "must be a PDF, JPEG or PNG"),
        (b"%PDF-1.4\nnot really a pdf\n%%EOF\n", "scan.pdf", "The scan cannot be read"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "scan.png", "The scan cannot be read"),
        (b"", "scan.pdf", "empty"),
    ],
)
def test_a_bad_upload_gets_a_clear_error_and_keeps_the_other_fields(
    client, officer_hk, officer_login, agency_hk, gks_result, content, name, message
):
    officer_login(client, officer_hk)
    response = client.post(
        reverse("backoffice:certified_copies"),
        form_data(scan=SimpleUploadedFile(name, content), document_title="Giấy khai sinh bản A"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert f'value="{LAN}"' in page
    assert 'value="Giấy khai sinh bản A"' in page
    assert re.search(r'<option value="KQ-GKS"[^>]*selected', page)
    assert re.search(r'<input[^>]*name="compared"[^>]*checked', page)
    assert not CertifiedCopy.objects.exists()


def test_a_protected_or_too_long_scan_is_refused_by_the_service(officer_hk, agency_hk):
    with pytest.raises(ScanError):
        issue(officer_hk, agency_hk, scan=scan_pdf(51))
    assert not CertifiedCopy.objects.exists()


def test_another_document_needs_its_name(client, officer_hk, officer_login, agency_hk):
    officer_login(client, officer_hk)
    response = client.post(
        reverse("backoffice:certified_copies"),
        form_data(document_type="other", document_title=""),
    )
    assert response.status_code == 400
    assert "Write the name of the document as printed on it." in response.content.decode()


def test_the_verification_page_recognises_a_certified_copy(client, settings, officer_hk, agency_hk):
    copy = issue(officer_hk, agency_hk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("dossiers:verify", args=[copy.verification_token]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "The signature is valid" in text
    assert "Bản sao điện tử chứng thực từ bản chính: Giấy khai sinh" in text
    assert copy.number in text
    assert agency_hk.name in text
    assert "Nguyễn T. L." in text
    assert "Nguyễn Thị Lan" not in text
    assert "1990" in text
    assert "This is the very certified copy the agency issued." in text
    # the PDF uploaded: the same, and an edited copy fails
    content = copy.file.read()
    uploaded = client.post(
        reverse("dossiers:verify_upload"),
        {"document": SimpleUploadedFile("copy.pdf", content)},
    ).content.decode()
    assert "The signature is valid" in uploaded
    assert copy.number in uploaded
    assert "Nguyễn T. L." in uploaded
    assert "This is the very certified copy the agency issued." in uploaded
    # one byte of the signed part changed (the binary comment after the header)
    assert content[9:10] == b"%"
    tampered = content[:10] + b"X" + content[11:]
    edited = client.post(
        reverse("dossiers:verify_upload"),
        {"document": SimpleUploadedFile("copy.pdf", tampered)},
    ).content.decode()
    assert "The document was changed after it was signed" in edited
    assert "The signature is valid" not in edited


def test_the_copy_replaces_the_component_in_a_later_dossier(
    client,
    wizard,  # noqa: F811
    officer_hk,
    agency_hk,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        copy = issue(officer_hk, agency_hk)
    copy.refresh_from_db()
    assert copy.store_document_id
    walk_to_documents(
        client, wizard, about={**ABOUT, "purpose": "work"}, employer={"name": "Công ty A"}
    )
    page = client.get(wizard, follow=True).content.decode()
    assert f'value="{copy.store_document_id}"' in page
    assert f"bản sao điện tử chứng thực số {copy.number}" in page
    assert (
        post(client, wizard, "documents", {"gks__store": copy.store_document_id}).status_code == 302
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, wizard, "review", {"declaration": "on"})
    assert response.status_code == 302
    attachment = Attachment.objects.get(dossier=Dossier.objects.get())
    assert attachment.kind == AttachmentKind.REUSED
    assert attachment.store_document_id == copy.store_document_id
    assert attachment.component.code == "GKS"
    assert attachment.sha256 == copy.sha256

"""Every document the portal hands out (attachments, receipts, slips, results) is a download:
`Content-Disposition: attachment` under a name whose extension is the one of the type read
from the content, that type as Content-Type, never cached, never sniffed, and sandboxed by
its Content-Security-Policy, so a file that is also a web page never runs as one."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from dossiers.models import Attachment
from dossiers.services import (
    MissingItem,
    NewAttachment,
    dossier_issue_result,
    dossier_receive,
    dossier_request_supplement,
    dossier_resubmit,
    dossier_start_processing,
)
from tests.conftest import PDF_BYTES, PNG_BYTES, assert_safe_download

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(submit, citizen_a, agency_hk, agency_bd):
    return submit(citizen_a)


@pytest.fixture
def received(dossier, officer_hk, agency_hk):
    return dossier_receive(dossier=dossier, officer=officer_hk, agency=agency_hk)


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_applicants_receipt_and_result_are_safe_downloads(
    client, received, citizen_a, officer_hk, agency_hk
):
    client.force_login(citizen_a)
    receipt = client.get(reverse("dossiers:receipt", args=[received.code]))
    assert_safe_download(receipt, "application/pdf", f"{received.code}-receipt.pdf")
    assert _body(receipt).startswith(b"%PDF")
    started = dossier_start_processing(dossier=received, officer=officer_hk, agency=agency_hk)
    issued = dossier_issue_result(dossier=started, officer=officer_hk, agency=agency_hk)
    result = client.get(reverse("dossiers:result", args=[issued.code]))
    assert_safe_download(result, "application/pdf", f"{issued.code}-result.pdf")
    assert _body(result).startswith(b"%PDF")


def test_the_applicants_slip_is_a_safe_download(client, received, officer_hk, agency_hk, citizen_a):
    dossier_request_supplement(
        dossier=received, officer=officer_hk, agency=agency_hk, items=[MissingItem("Tờ khai", "x")]
    )
    client.force_login(citizen_a)
    slip = client.get(reverse("dossiers:slip", args=[received.code, "02"]))
    assert_safe_download(slip, "application/pdf", f"{received.code}-slip-02.pdf")


def test_the_officers_slip_is_a_safe_download(client, dossier, officer_hk, officer_login):
    officer_login(client, officer_hk)
    slip = client.get(reverse("backoffice:slip", args=[dossier.code, "01"]))
    assert_safe_download(slip, "application/pdf", f"{dossier.code}-slip-01.pdf")


def test_an_attachment_is_downloaded_under_its_name_with_the_extension_of_its_content(
    client, received, officer_hk, agency_hk, citizen_a, officer_login
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dossier_request_supplement(
        dossier=received, officer=officer_hk, agency=agency_hk, items=[MissingItem("Ảnh", "x")]
    )
    dossier_resubmit(
        dossier=received,
        applicant=citizen_a,
        attachments=[NewAttachment(None, SimpleUploadedFile("poly.html", PNG_BYTES), "text/html")],
    )
    item = received.attachments.get(original_name="poly.html")
    officer_login(client, officer_hk)
    response = client.get(reverse("backoffice:attachment", args=[received.code, item.pk]))
    assert_safe_download(response, "image/png", "poly.png")
    assert _body(response) == PNG_BYTES


def test_a_vietnamese_name_is_given_encoded_as_rfc_5987(
    client, received, officer_hk, officer_login
):
    item = received.attachments.get()
    Attachment.objects.filter(pk=item.pk).update(original_name='Giấy "chứng" sinh.pdf')
    officer_login(client, officer_hk)
    response = client.get(reverse("backoffice:attachment", args=[received.code, item.pk]))
    assert_safe_download(response, "application/pdf", 'Giấy "chứng" sinh.pdf')
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Gi%E1%BA%A5y%20%22ch%E1%BB%A9ng%22%20sinh.pdf"
    )


def test_a_file_stored_under_its_old_name_still_downloads(
    client, received, officer_hk, officer_login
):
    """Attachments stored before the server made the names keep their names on disk."""
    item = received.attachments.get()
    old_name = "attachments/2024/01/Giấy chứng sinh (bản cũ).html"
    assert item.file.storage.save(old_name, ContentFile(PDF_BYTES)) == old_name
    Attachment.objects.filter(pk=item.pk).update(
        file=old_name, original_name="Giấy chứng sinh (bản cũ).html", content_type="text/html"
    )
    officer_login(client, officer_hk)
    response = client.get(reverse("backoffice:attachment", args=[received.code, item.pk]))
    assert_safe_download(response, "application/pdf", "Giấy chứng sinh (bản cũ).pdf")
    assert _body(response) == PDF_BYTES

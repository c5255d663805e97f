"""The receipt and the slips are signed once per version of what they say and kept in the
storage (portal.signed_documents): the e-mail's receipt is the file the applicant and the
officer download later, a download does not sign again, and a new appointment date or a
renewed agency certificate signs a new one."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.urls import reverse

from dossiers.documents import receipt_pdf, slip_pdf
from dossiers.services import MissingItem, dossier_receive, dossier_request_supplement
from portal import pdfsign, pki, signed_documents

pytestmark = pytest.mark.django_db


@pytest.fixture
def signatures(monkeypatch):
    """The number of PDFs signed since the fixture was made."""
    made: list[bytes] = []
    sign = pdfsign._sign

    def counting(content: bytes, **kwargs) -> bytes:
        made.append(content)
        return sign(content, **kwargs)

    monkeypatch.setattr(pdfsign, "_sign", counting)
    return made


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _receipts_sent(dossier) -> list[bytes]:
    return [
        content
        for message in mail.outbox
        if dossier.code in message.subject
        for (name, content, _mimetype) in message.attachments
        if name == f"{dossier.code}-receipt.pdf"
    ]


def _stored(dossier, kind: str) -> list[str]:
    folder = f"documents/{pki.safe_code(dossier.code)}/{kind}"
    return default_storage.listdir(folder)[1] if default_storage.exists(folder) else []


def test_the_downloads_hand_out_the_receipt_the_email_carried_without_signing_again(
    client, submit, citizen_a, officer_hk, officer_login, signatures
):
    dossier = submit(citizen_a)
    [emailed] = _receipts_sent(dossier)
    assert len(signatures) == 1
    assert len(_stored(dossier, "01")) == 1

    client.force_login(citizen_a)
    first = _body(client.get(reverse("dossiers:receipt", args=[dossier.code])))
    second = _body(client.get(reverse("dossiers:receipt", args=[dossier.code])))
    officer_login(client, officer_hk)
    officers = _body(client.get(reverse("backoffice:slip", args=[dossier.code, "01"])))

    assert first == second == officers == emailed
    assert len(signatures) == 1
    assert pdfsign.validate_pdf(first).status == pdfsign.VALID


def test_the_receipt_is_the_same_file_whatever_the_language_of_who_asks(
    client, submit, citizen_a, signatures, settings
):
    dossier = submit(citizen_a)
    client.force_login(citizen_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _body(client.get(reverse("dossiers:receipt", args=[dossier.code])))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    vietnamese = _body(client.get(reverse("dossiers:receipt", args=[dossier.code])))
    assert english == vietnamese
    assert len(signatures) == 1


def test_reception_signs_a_new_receipt_and_the_first_stays_stored(
    submit, citizen_a, officer_hk, agency_hk, signatures
):
    dossier = submit(citizen_a)
    submitted = receipt_pdf(dossier)
    received = dossier_receive(dossier=dossier, officer=officer_hk, agency=agency_hk)
    with_date = receipt_pdf(received)
    assert with_date != submitted
    assert len(_stored(dossier, "01")) == 2
    count = len(signatures)
    assert receipt_pdf(received) == with_date
    assert len(signatures) == count


def test_a_slip_is_signed_once(submit, citizen_a, officer_hk, agency_hk, signatures):
    dossier = dossier_receive(dossier=submit(citizen_a), officer=officer_hk, agency=agency_hk)
    dossier_request_supplement(
        dossier=dossier, officer=officer_hk, agency=agency_hk, items=[MissingItem("Tờ khai", "x")]
    )
    count = len(signatures)
    first = slip_pdf(dossier, "02")
    assert slip_pdf(dossier, "02") == first
    assert len(signatures) == count + 1
    assert pdfsign.validate_pdf(first).status == pdfsign.VALID


def test_a_renewed_agency_certificate_signs_the_next_download_again(
    submit, citizen_a, agency_hk, signatures, settings
):
    dossier = submit(citizen_a)
    before = receipt_pdf(dossier)
    old = pdfsign.signer_fingerprint(pdfsign.Issuer(agency_hk.code, agency_hk.name))
    pki.issue_agency_certificate(
        settings.DOCUMENT_PKI_DIR,
        code=agency_hk.code,
        name=agency_hk.name,
        crl_base_url=settings.NATIONAL_SERVICES_URL,
    )
    new = pdfsign.signer_fingerprint(pdfsign.Issuer(agency_hk.code, agency_hk.name))
    assert new != old
    count = len(signatures)
    after = receipt_pdf(dossier)
    assert after != before
    assert len(signatures) == count + 1
    assert pdfsign.validate_pdf(after).status == pdfsign.VALID
    assert receipt_pdf(dossier) == after
    assert len(signatures) == count + 1


def test_a_receipt_signed_without_its_timestamp_is_not_kept(
    submit, citizen_a, signatures, settings
):
    dossier = submit(citizen_a)
    settings.DOCUMENT_SIGNATURE_LEVEL = "B-T"
    settings.DOCUMENT_TSA_URL = "http://127.0.0.1:9/no-tsa"  # the discard port: refused
    settings.DOCUMENT_PKI_TIMEOUT_SECONDS = 1
    stored = len(_stored(dossier, "01"))
    count = len(signatures)
    first = receipt_pdf(dossier)
    second = receipt_pdf(dossier)
    assert len(signatures) == count + 4  # each: with the timestamp (failed), then without
    assert not pdfsign.validate_pdf(first).timestamped
    assert pdfsign.validate_pdf(second).status == pdfsign.VALID
    assert len(_stored(dossier, "01")) == stored


def test_a_store_that_does_not_answer_does_not_keep_the_receipt_from_anyone(
    submit, citizen_a, signatures, monkeypatch
):
    dossier = submit(citizen_a)

    def down(*args, **kwargs):
        raise ConnectionError("the object store does not answer")

    monkeypatch.setattr(signed_documents.default_storage, "open", down)
    monkeypatch.setattr(signed_documents.default_storage, "save", down)
    count = len(signatures)
    content = receipt_pdf(dossier)
    assert pdfsign.validate_pdf(content).status == pdfsign.VALID
    assert len(signatures) == count + 1

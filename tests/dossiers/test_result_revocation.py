"""A result its agency withdraws (issued in error, or replaced by a corrected record): the
public verification page says so and links the replacement, the applicant is told, the copy in
their e-document store is flagged and no longer offered for reuse; every refusal is a clear
message in the officer's language that keeps what they typed."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from agencies.models import OfficerRole
from dossiers.eforms.steps import DocumentsForm
from dossiers.models import Dossier, DossierEvent
from dossiers.permissions import ActionNotPermitted
from dossiers.services import (
    RevocationRefused,
    dossier_issue_result,
    dossier_receive,
    dossier_revoke_result,
    dossier_start_processing,
)
from notifications.wording import compose
from portal.models import AuditEvent, OutboxMessage
from procedures.models import Component
from tests.conftest import _officer

pytestmark = pytest.mark.django_db

REASON = "Cấp sai ngày sinh của trẻ; đã cải chính"


@pytest.fixture(autouse=True)
def english(client, settings):
    """Pages and the services' messages in English (the Vietnamese ones are checked apart)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def _issue(submit, citizen, officer, agency) -> Dossier:
    dossier = dossier_receive(dossier=submit(citizen), officer=officer, agency=agency)
    dossier = dossier_start_processing(dossier=dossier, officer=officer, agency=agency)
    return dossier_issue_result(dossier=dossier, officer=officer, agency=agency)


@pytest.fixture
def issued(submit, citizen_a, officer_hk, agency_hk) -> Dossier:
    return _issue(submit, citizen_a, officer_hk, agency_hk)


@pytest.fixture
def corrected(submit, citizen_a, officer_hk, agency_hk) -> Dossier:
    """Another result of the same agency: the corrected record that replaces the first."""
    return _issue(submit, citizen_a, officer_hk, agency_hk)


def test_a_revoked_and_replaced_result_is_recorded_told_and_queued(
    issued, corrected, officer_hk, agency_hk
):
    dossier = dossier_revoke_result(
        dossier=issued,
        officer=officer_hk,
        agency=agency_hk,
        reason=f"  {REASON}  ",
        replacement_code=corrected.code.lower(),
    )
    dossier.refresh_from_db()
    assert dossier.result_revoked_at is not None
    assert dossier.result_revocation_reason == REASON
    assert dossier.result_replaced_by == corrected
    assert dossier.status == issued.status  # the processing status does not move
    event = DossierEvent.objects.get(dossier=dossier, action="result_revoked")
    assert event.actor == officer_hk
    assert event.agency == agency_hk
    assert corrected.result_number in event.note
    assert REASON in event.note
    audit = AuditEvent.objects.get(action="dossier.result_revoked", object_id=str(dossier.pk))
    assert audit.details["replaced_by"] == corrected.code
    assert audit.details["sha256"] == dossier.result_sha256
    assert OutboxMessage.objects.filter(
        topic="edocuments.revoke_result", payload={"dossier_id": dossier.pk}
    ).exists()
    assert OutboxMessage.objects.filter(
        topic="dossier.notify", payload={"event_id": event.pk}
    ).exists()
    # the applicant's notice, in both languages, names the result, the reason and the new one
    for language, title in (
        ("en", "The result of your dossier was revoked"),
        ("vi", "Kết quả hồ sơ của bạn đã bị thu hồi"),
    ):
        dossier.language = language
        dossier.save(update_fields=["language"])
        notice = compose(DossierEvent.objects.select_related("dossier").get(pk=event.pk))
        assert notice is not None
        assert notice.kind == "result_revoked"
        assert notice.title == title
        assert dossier.result_number in notice.email_body
        assert REASON in notice.email_body
        assert corrected.result_number in notice.email_body
        assert dossier.code in notice.sms_body


def _refusal(issued, officer, agency, **kwargs) -> RevocationRefused:
    with pytest.raises(RevocationRefused) as caught:
        dossier_revoke_result(dossier=issued, officer=officer, agency=agency, **kwargs)
    return caught.value


@pytest.mark.parametrize(
    ("reason", "field", "message"),
    [
        ("   ", "reason", "Enter the reason the result is revoked."),
        ("x" * 501, "reason", "The reason must be 500 characters or fewer."),
    ],
)
def test_a_revocation_needs_a_reason(issued, officer_hk, agency_hk, reason, field, message):
    refused = _refusal(issued, officer_hk, agency_hk, reason=reason)
    assert (refused.field, str(refused)) == (field, message)


def test_a_replacement_must_be_another_issued_valid_result_of_the_same_agency(
    issued, submit, citizen_a, citizen_b, officer_hk, agency_hk, officer_bd, agency_bd
):
    def refused(code: str) -> RevocationRefused:
        return _refusal(issued, officer_hk, agency_hk, reason=REASON, replacement_code=code)

    assert "cannot replace itself" in str(refused(issued.code))
    unknown = refused("000.00.01.H22-999999-9999")
    assert unknown.field == "replacement_code"
    assert "Your agency has no dossier with the code" in str(unknown)
    # another agency's dossier is answered exactly like a missing one
    elsewhere = submit(citizen_b)
    Dossier.objects.filter(pk=elsewhere.pk).update(competent_agency=agency_bd)
    assert str(refused(elsewhere.code)) == str(unknown).replace(
        "000.00.01.H22-999999-9999", elsewhere.code
    )
    pending = submit(citizen_a)
    assert "has no issued result yet" in str(refused(pending.code))
    other = _issue(submit, citizen_a, officer_hk, agency_hk)
    dossier_revoke_result(dossier=other, officer=officer_hk, agency=agency_hk, reason=REASON)
    assert "was revoked too" in str(refused(other.code))
    issued.refresh_from_db()
    assert issued.result_revoked_at is None  # nothing was written by a refusal
    assert not DossierEvent.objects.filter(dossier=issued, action="result_revoked").exists()


def test_only_a_leader_of_the_issuing_agency_revokes_once(
    issued, submit, citizen_a, officer_hk, agency_hk, agency_bd
):
    specialist = _officer("hk.specialist", agency_hk, roles=(OfficerRole.SPECIALIST,))
    with pytest.raises(ActionNotPermitted):
        dossier_revoke_result(dossier=issued, officer=specialist, agency=agency_hk, reason=REASON)
    foreign_leader = _officer("bd.leader", agency_bd, roles=(OfficerRole.LEADER,))
    refused = _refusal(issued, foreign_leader, agency_bd, reason=REASON)
    assert str(refused) == "Only the agency that issued the result can revoke it."
    not_issued = submit(citizen_a)
    refused = _refusal(not_issued, officer_hk, agency_hk, reason=REASON)
    assert str(refused) == "This dossier has no issued result to revoke."
    dossier_revoke_result(dossier=issued, officer=officer_hk, agency=agency_hk, reason=REASON)
    refused = _refusal(issued, officer_hk, agency_hk, reason=REASON)
    assert str(refused) == "This result was already revoked."


def test_the_verification_page_says_revoked_and_links_the_replacement(
    client, issued, corrected, officer_hk, agency_hk
):
    dossier_revoke_result(
        dossier=issued,
        officer=officer_hk,
        agency=agency_hk,
        reason=REASON,
        replacement_code=corrected.code,
    )
    response = client.get(reverse("dossiers:verify", args=[issued.verification_token]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "This result was revoked: it is no longer valid" in page
    assert "Revoked by the issuing agency" in page
    assert REASON in page
    assert reverse("dossiers:verify", args=[corrected.verification_token]) in page
    assert f"It is replaced by the result {corrected.result_number}." in page
    assert "This is the very file the portal issued" not in page
    # an uploaded copy of the revoked PDF is told revoked as well
    with issued.result_file.open("rb") as handle:
        content = handle.read()
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploaded = client.post(
        reverse("dossiers:verify_upload"),
        {"document": SimpleUploadedFile("kq.pdf", content, content_type="application/pdf")},
    )
    assert "This result was revoked: it is no longer valid" in uploaded.content.decode()
    # the replacement is valid, and in Vietnamese the revoked one says so too
    replacing = client.get(reverse("dossiers:verify", args=[corrected.verification_token]))
    assert "The signature is valid" in replacing.content.decode()
    client.cookies["django_language"] = "vi"
    with translation.override("vi"):
        page_vi = client.get(reverse("dossiers:verify", args=[issued.verification_token]))
    assert "Kết quả này đã bị thu hồi" in page_vi.content.decode()


def test_the_back_office_form_refuses_with_the_typed_values_kept(
    client, officer_login, issued, officer_hk, agency_hk
):
    officer_login(client, officer_hk)
    url = reverse("backoffice:revoke_result", args=[issued.code])
    detail = client.get(reverse("backoffice:detail", args=[issued.code])).content.decode()
    assert url in detail
    assert client.get(url).status_code == 200
    unconfirmed = client.post(url, {"reason": REASON, "replacement_code": ""})
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm the revocation" in unconfirmed.content.decode()
    assert REASON in unconfirmed.content.decode()
    wrong = client.post(
        url, {"reason": REASON, "replacement_code": "NO-SUCH-CODE", "confirm": "on"}
    )
    assert wrong.status_code == 400
    page = wrong.content.decode()
    assert "Your agency has no dossier with the code NO-SUCH-CODE" in page
    assert REASON in page
    assert 'value="NO-SUCH-CODE"' in page
    issued.refresh_from_db()
    assert issued.result_revoked_at is None
    done = client.post(url, {"reason": REASON, "replacement_code": "", "confirm": "on"})
    assert done.status_code == 302
    detail = client.get(reverse("backoffice:detail", args=[issued.code])).content.decode()
    assert "This result was revoked" in detail
    assert REASON in detail
    assert url not in detail  # once only
    again = client.post(url, {"reason": REASON, "confirm": "on"})
    assert again.status_code == 302  # back to the dossier with the reason it cannot


def test_a_specialist_sees_no_revocation_and_is_turned_back(
    client, officer_login, issued, agency_hk
):
    specialist = _officer("hk.specialist", agency_hk, roles=(OfficerRole.SPECIALIST,))
    officer_login(client, specialist)
    url = reverse("backoffice:revoke_result", args=[issued.code])
    assert url not in client.get(reverse("backoffice:detail", args=[issued.code])).content.decode()
    response = client.post(url, {"reason": REASON, "confirm": "on"})
    assert response.status_code == 302
    issued.refresh_from_db()
    assert issued.result_revoked_at is None


def test_the_applicant_sees_the_revocation_on_the_dossier_page(
    client, issued, corrected, citizen_a, officer_hk, agency_hk
):
    dossier_revoke_result(
        dossier=issued,
        officer=officer_hk,
        agency=agency_hk,
        reason=REASON,
        replacement_code=corrected.code,
    )
    client.force_login(citizen_a)
    page = client.get(reverse("dossiers:mine_detail", args=[issued.code])).content.decode()
    assert "This result was revoked" in page
    assert REASON in page
    assert "Download the revoked result (PDF)" in page
    assert reverse("dossiers:verify", args=[corrected.verification_token]) in page


def test_a_revoked_result_in_the_store_is_not_offered_for_reuse():
    component = Component(code="GKS", name="Giấy khai sinh", replaceable_by_result_code="KQ-GKS")
    store = [
        {
            "document_id": "EDOC-00000000000000000001",
            "result_code": "KQ-GKS",
            "title": "Trích lục khai sinh",
            "issued_date": "2026-01-05",
            "revoked": True,
        },
        {
            "document_id": "EDOC-00000000000000000002",
            "result_code": "KQ-GKS",
            "title": "Trích lục khai sinh (cải chính)",
            "issued_date": "2026-03-12",
            "revoked": False,
        },
    ]
    form = DocumentsForm(components=[component], store=store)
    offered = [doc["document_id"] for docs in form.reuse_options.values() for doc in docs]
    assert offered == ["EDOC-00000000000000000002"]
    assert DocumentsForm(components=[component], store=store[:1]).reuse_options == {}


def test_the_store_copy_is_flagged_revoked_through_the_stores_api(
    national_settings,
    submit,
    citizen_a,
    officer_hk,
    agency_hk,
    django_capture_on_commit_callbacks,
):
    from prefill.national_client import NationalDataClient

    with django_capture_on_commit_callbacks(execute=True):
        issued = _issue(submit, citizen_a, officer_hk, agency_hk)
    with django_capture_on_commit_callbacks(execute=True):
        dossier_revoke_result(dossier=issued, officer=officer_hk, agency=agency_hk, reason=REASON)
    stored = [
        d
        for d in NationalDataClient().list_documents(citizen_a.personal_id)
        if d.get("dossier_code") == issued.code and d.get("sha256") == issued.result_sha256
    ]
    assert len(stored) == 1
    assert stored[0]["revoked"] is True
    assert stored[0]["revocation_reason"] == REASON
    assert AuditEvent.objects.filter(
        action="edocuments.revoke_result", object_id=str(issued.pk)
    ).exists()
    # the store refuses a revocation without a reason (HTTP 400)
    with pytest.raises(ValueError, match="reason"):
        NationalDataClient().revoke_document(
            citizen_a.personal_id, stored[0]["document_id"], reason=" "
        )

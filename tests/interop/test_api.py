"""Inbound: the API of agencies' systems, with API keys and scopes, through the real services."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers.models import DossierEvent
from dossiers.states.business import Status
from interop import services
from interop.links import attachment_link
from interop.models import ApiScope
from portal.models import AuditEvent, OutboxMessage, User
from tests.conftest import PDF_BYTES, PNG_BYTES, assert_safe_download
from tests.interop.conftest import ALL_SCOPES

pytestmark = pytest.mark.django_db

READ, STATUS, RESULT = ApiScope.DOSSIERS_READ, ApiScope.DOSSIERS_STATUS, ApiScope.DOSSIERS_RESULT


def auth(raw_key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw_key}"}


@pytest.fixture
def key(api_key_factory):
    return api_key_factory(*ALL_SCOPES)[1]


def push(client, code: str, raw_key: str, **body):
    return client.post(
        f"/api/interop/dossiers/{code}/status",
        body,
        content_type="application/json",
        **auth(raw_key),
    )


def upload(client, code: str, raw_key: str, content: bytes, name: str = "ket-qua.pdf", **extra):
    file = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(
        f"/api/interop/dossiers/{code}/result", {"file": file, **extra}, **auth(raw_key)
    )


# --- authentication and scopes -------------------------------------------------------------


def test_no_key_is_401_with_the_scheme(client, dossier):
    response = client.get("/api/interop/dossiers/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Api-Key realm="interop"'


def test_unknown_key_is_401(client, dossier, key):
    prefix = key.split(".")[0]
    assert client.get("/api/interop/dossiers/", **auth(f"{prefix}.wrong")).status_code == 401
    assert client.get("/api/interop/dossiers/", **auth("garbage")).status_code == 401
    other_scheme = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get("/api/interop/dossiers/", **other_scheme).status_code == 401


def test_revoked_key_is_401(client, dossier, api_key_factory):
    api_key, raw = api_key_factory(*ALL_SCOPES)
    assert client.get("/api/interop/dossiers/", **auth(raw)).status_code == 200
    services.api_key_revoke(api_key=api_key, actor=None)
    response = client.get("/api/interop/dossiers/", **auth(raw))
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_missing_scope_is_403(client, dossier, api_key_factory):
    _key, read_only = api_key_factory(READ)
    assert (
        client.get(f"/api/interop/dossiers/{dossier.code}/", **auth(read_only)).status_code == 200
    )
    response = push(client, dossier.code, read_only, status="received")
    assert response.status_code == 403
    assert "dossiers:status" in response.json()["detail"]
    assert upload(client, dossier.code, read_only, PDF_BYTES).status_code == 403
    _key, status_only = api_key_factory(STATUS)
    assert client.get("/api/interop/dossiers/", **auth(status_only)).status_code == 403
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_another_agencys_dossier_is_404(client, submit, citizen_a, agency_bd, ba_dinh, key):
    theirs = submit(citizen_a, commune=ba_dinh)
    assert theirs.competent_agency == agency_bd
    assert client.get(f"/api/interop/dossiers/{theirs.code}/", **auth(key)).status_code == 404
    assert push(client, theirs.code, key, status="received").status_code == 404
    assert upload(client, theirs.code, key, PDF_BYTES).status_code == 404
    assert client.get("/api/interop/dossiers/", **auth(key)).json()["results"] == []
    theirs.refresh_from_db()
    assert theirs.status == Status.SUBMITTED


# --- reads ------------------------------------------------------------------------------------


def test_list_and_detail(client, dossier, api_key_factory):
    api_key, raw = api_key_factory(READ)
    listing = client.get("/api/interop/dossiers/", **auth(raw)).json()
    assert [d["code"] for d in listing["results"]] == [dossier.code]
    assert client.get("/api/interop/dossiers/?status=2", **auth(raw)).json()["results"] == []
    detail = client.get(f"/api/interop/dossiers/{dossier.code}/", **auth(raw)).json()
    assert detail["procedure"]["code"] == "1.001193"
    assert detail["agency"] == dossier.competent_agency.code
    assert detail["attachments"][0]["download"]["url"].startswith("http")
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


def test_every_call_is_audited(client, dossier, api_key_factory):
    _key, raw = api_key_factory(READ)
    client.get(f"/api/interop/dossiers/{dossier.code}/", **auth(raw))
    push(client, dossier.code, raw, status="received")  # 403
    client.get("/api/interop/dossiers/NO-SUCH/", **auth(raw))  # 404
    client.get("/api/interop/dossiers/")  # 401
    rows = list(AuditEvent.objects.filter(action__startswith="interop.api.").order_by("id"))
    assert [(r.action, r.details["status_code"]) for r in rows] == [
        ("interop.api.dossiers.read", 200),
        ("interop.api.dossiers.status", 403),
        ("interop.api.dossiers.read", 404),
        ("interop.api.dossiers.list", 401),
    ]
    assert rows[0].object_id == str(dossier.pk)
    assert rows[0].actor.username == f"system:{dossier.competent_agency.code}"
    assert rows[0].details["api_key"] == raw.split(".")[0]
    assert rows[3].actor is None


# --- status pushed through the dossier services ------------------------------------------------


def test_status_push_moves_the_dossier_through_the_services(client, dossier, key):
    response = push(client, dossier.code, key, status="received")
    assert response.status_code == 200
    assert response.json()["changed"] is True
    assert response.json()["status"] == Status.RECEIVED
    again = push(client, dossier.code, key, status="received")  # a retried push
    assert again.status_code == 200
    assert again.json()["changed"] is False
    assert push(client, dossier.code, key, status="processing").json()["status"] == 4

    dossier.refresh_from_db()
    assert dossier.status == Status.IN_PROCESSING
    assert dossier.received_at is not None
    assert dossier.due_at is not None  # computed by dossier_receive in working time
    events = list(dossier.events.order_by("at", "id"))
    assert [e.action for e in events] == ["submitted", "routed", "received", "processing"]
    system = User.objects.get(username=f"system:{dossier.competent_agency.code}")
    assert events[2].actor == system
    assert events[2].agency == dossier.competent_agency
    assert events[2].actor_role
    assert AuditEvent.objects.filter(action="dossier.received", actor=system).exists()
    # the applicant is told, as for an officer's action
    assert OutboxMessage.objects.filter(
        topic="dossier.notify", payload={"event_id": events[3].pk}
    ).exists()


def test_the_system_user_can_never_sign_in(client, dossier, key):
    push(client, dossier.code, key, status="received")
    system = User.objects.get(username=f"system:{dossier.competent_agency.code}")
    assert not system.is_active
    assert not system.has_usable_password()
    assert system.memberships.filter(agency=dossier.competent_agency).count() == 3


def test_a_refusal_needs_a_reason_and_reaches_the_timeline(client, dossier, key):
    assert push(client, dossier.code, key, status="refused").status_code == 400
    response = push(client, dossier.code, key, status="refused", reason="Thiếu giấy chứng sinh.")
    assert response.status_code == 200
    dossier.refresh_from_db()
    assert dossier.status == Status.REFUSED
    assert dossier.events.get(action="refused").note == "Thiếu giấy chứng sinh."


def test_a_change_the_state_machine_refuses_is_409(client, dossier, key):
    response = push(client, dossier.code, key, status="processing")  # not received yet
    assert response.status_code == 409
    assert response.json()["status"] == Status.SUBMITTED
    assert push(client, dossier.code, key, status="withdrawn").status_code == 400


# --- result uploaded by the external system -----------------------------------------------------


def test_result_upload_sets_status_9_with_a_timeline_entry(client, dossier, key):
    push(client, dossier.code, key, status="received")
    push(client, dossier.code, key, status="processing")
    response = upload(client, dossier.code, key, PDF_BYTES, result_number="123/2026/BTP")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == Status.RESULT_READY
    assert body["result_number"] == "123/2026/BTP"
    assert body["result_sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY
    assert dossier.delivery_status == "ready"
    with dossier.result_file.open("rb") as fh:
        assert fh.read() == PDF_BYTES
    event = dossier.events.get(action="result_issued")
    assert event.from_status == Status.IN_PROCESSING
    assert event.actor.username.startswith("system:")
    assert "123/2026/BTP" in event.note
    assert OutboxMessage.objects.filter(
        topic="dossier.notify", payload={"event_id": event.pk}
    ).exists()
    audit = AuditEvent.objects.get(action="dossier.result_issued")
    assert audit.details["source"] == "external"
    # then the result is returned
    assert push(client, dossier.code, key, status="returned").json()["status"] == 10


def test_result_is_checked_by_content(client, dossier, key):
    push(client, dossier.code, key, status="received")
    push(client, dossier.code, key, status="processing")
    text = upload(client, dossier.code, key, b"I am not a PDF at all\n" * 10, name="result.pdf")
    assert text.status_code == 400
    assert "file" in text.json()
    png = upload(client, dossier.code, key, PNG_BYTES, name="result.pdf")
    assert png.status_code == 400
    dossier.refresh_from_db()
    assert dossier.status == Status.IN_PROCESSING
    assert not DossierEvent.objects.filter(dossier=dossier, action="result_issued").exists()


def test_result_before_processing_is_409(client, dossier, key):
    response = upload(client, dossier.code, key, PDF_BYTES)
    assert response.status_code == 409
    dossier.refresh_from_db()
    assert not dossier.result_file


# --- signed attachment links -----------------------------------------------------------------


def test_attachment_links_are_signed_bound_and_limited_in_time(
    client, dossier, agency_bd, settings
):
    attachment = dossier.attachments.get()
    link = attachment_link(attachment=attachment, agency_id=dossier.competent_agency_id)
    path = "/" + link.url.split("://", 1)[1].split("/", 1)[1]
    assert_safe_download(client.get(path), "application/pdf", attachment.original_name)
    assert client.get(path[:-2] + "xx").status_code == 404  # tampered
    wrong_agency = attachment_link(attachment=attachment, agency_id=agency_bd.pk)
    assert client.get("/" + wrong_agency.url.split("/", 3)[3]).status_code == 404
    settings.INTEROP_ATTACHMENT_URL_MAX_AGE = -1
    assert client.get(path).status_code == 404  # expired
    assert AuditEvent.objects.filter(action="interop.api.attachment.download").count() == 1


def test_schema_documents_the_interop_api(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/interop/dossiers/{code}/status" in schema["paths"]
    assert "/api/interop/dossiers/{code}/result" in schema["paths"]
    assert schema["components"]["securitySchemes"]["apiKeyAuth"]["name"] == "Authorization"


def test_management_command_prints_a_working_key(client, dossier, agency_hk):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command(
        "interop_apikey_create",
        agency_hk.code,
        "cli",
        "--scope",
        "dossiers:read",
        stdout=out,
        stderr=StringIO(),
    )
    raw = out.getvalue().strip()
    assert client.get("/api/interop/dossiers/", **auth(raw)).status_code == 200
    assert push(client, dossier.code, raw, status="received").status_code == 403


@pytest.mark.parametrize("status", ["AAA", "٣", "13", "-1", "1.0"])
def test_a_status_filter_that_is_no_status_is_a_400(client, dossier, key, status):
    response = client.get("/api/interop/dossiers/", {"status": status}, **auth(key))
    assert response.status_code == 400
    assert set(response.json()) == {"status"}


def test_a_status_filter_reads_a_status_code_and_empty_is_none(client, dossier, key):
    listed = client.get("/api/interop/dossiers/", {"status": "1"}, **auth(key)).json()
    assert [d["code"] for d in listed["results"]] == [dossier.code]
    everything = client.get("/api/interop/dossiers/", {"status": ""}, **auth(key)).json()
    assert everything["count"] == 1

"""The ingest API of connected systems (issue 13): signed batches of dossiers and steps,
idempotent, late steps placed by time, forbidden transitions refused, nothing half-written,
and the bad-input corpus of the issue, each refused with a clear error and an audit row."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

import request_signing as signing
from dossiers.models import Dossier, DossierEvent
from dossiers.states.business import Status
from dossiers.states.payment import PaymentStatus
from dossiers.states.sync import SyncStatus
from interop import sync
from interop.models import ConnectedSystem
from portal.models import AuditEvent

SECRET = "province-system-secret-for-tests"
URL = "/api/interop/sync/records"


def national(moment: dt.datetime) -> str:
    return moment.astimezone(sync.NATIONAL_TZ).strftime(sync.TIME_FORMAT)


def ago(**kwargs) -> dt.datetime:
    return (timezone.now() - dt.timedelta(**kwargs)).replace(microsecond=0)


@pytest.fixture
def system(hanoi, agency_hk, agency_bd, birth_version) -> ConnectedSystem:
    """Hà Nội's settlement system: serves every agency of the province."""
    return ConnectedSystem.objects.create(
        code="hanoi-dvc", name="Hệ thống giải quyết TTHC Hà Nội", secret=SECRET, province=hanoi
    )


@pytest.fixture
def other_system(agency_bd) -> ConnectedSystem:
    other = ConnectedSystem.objects.create(code="bd-only", name="Ba Đình", secret="s2")
    other.agencies.add(agency_bd)
    return other


def record(code="H01-SYNC-0001", *, received=None, steps=(), **extra) -> dict:
    received = received or ago(hours=2)
    out = {
        "code": code,
        "procedure_code": "1.001193",
        "agency_code": "00070.00.H01",
        "received_at": national(received),
        "due_at": national(received + dt.timedelta(days=3)),
        "channel": 1,
        "applicant": {"type": "citizen", "name": "Nguyễn Thị Lan", "personal_id": "001190012345"},
        "subject_name": "Nguyễn Văn An",
        "steps": list(steps),
    }
    out.update(extra)
    return out


def step(step_id, status, at, **extra) -> dict:
    return {"id": step_id, "status": status, "at": national(at), **extra}


def post(client, body, *, system_code="hanoi-dvc", secret=SECRET, nonce=None, raw=None):
    data = raw if raw is not None else json.dumps(body).encode()
    headers = signing.sign_headers(
        client_id=system_code, secret=secret, method="POST", path=URL, body=data, nonce=nonce
    )
    return client.post(
        URL,
        data=data,
        content_type="application/json",
        headers={k: v for k, v in headers.items()},
    )


def test_a_dossier_received_and_processed_outside_is_created_with_its_steps(client, system):
    received = ago(hours=2)
    body = {
        "records": [
            record(
                steps=[
                    step("s1", 2, received),
                    step("s2", 4, received + dt.timedelta(minutes=30), note="Chuyển chuyên viên"),
                ]
            )
        ]
    }
    response = post(client, body)
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["accepted"] == 1
    assert result["refused"] == 0
    assert result["results"][0] == {
        "index": 0,
        "code": "H01-SYNC-0001",
        "accepted": True,
        "created": True,
        "steps_added": 2,
        "steps_unchanged": 0,
    }
    dossier = Dossier.objects.get(code="H01-SYNC-0001")
    assert dossier.source_system == "hanoi-dvc"
    assert dossier.status == Status.IN_PROCESSING
    assert dossier.competent_agency.code == "00070.00.H01"
    assert dossier.applicant_personal_id == "001190012345"
    assert dossier.received_at == received
    events = list(dossier.events.order_by("at"))
    assert [(e.from_status, e.to_status) for e in events] == [(None, 2), (2, 4)]
    assert all(e.arrived_at is not None for e in events)
    # the steps were two hours old: not synchronised in real time
    assert dossier.sync_status == SyncStatus.LATE


def test_the_same_message_twice_is_one_record(client, system):
    received = ago(minutes=5)
    body = {"records": [record(received=received, steps=[step("s1", 2, received)])]}
    assert post(client, body).json()["results"][0]["created"] is True
    again = post(client, body).json()["results"][0]
    assert again["accepted"] is True
    assert again["created"] is False
    assert again["steps_added"] == 0
    assert again["steps_unchanged"] == 1
    assert Dossier.objects.filter(code="H01-SYNC-0001").count() == 1
    assert DossierEvent.objects.filter(dossier__code="H01-SYNC-0001").count() == 1
    assert Dossier.objects.get(code="H01-SYNC-0001").sync_status == SyncStatus.SYNCED


def test_a_late_step_is_placed_by_its_own_time(client, system):
    received = ago(minutes=10)
    post(
        client,
        {
            "records": [
                record(
                    received=received,
                    steps=[
                        step("s1", 2, received),
                        step("s3", 9, received + dt.timedelta(minutes=6)),
                    ],
                )
            ]
        },
    )
    # s3 (2 -> 9) is forbidden on its own: the whole record is refused
    assert not Dossier.objects.filter(code="H01-SYNC-0001").exists()
    post(client, {"records": [record(received=received, steps=[step("s1", 2, received)])]})
    dossier = Dossier.objects.get(code="H01-SYNC-0001")
    # the step in between arrives late, with the one after it
    late = post(
        client,
        {
            "records": [
                {
                    "code": "H01-SYNC-0001",
                    "steps": [
                        step("s2", 4, received + dt.timedelta(minutes=3)),
                        step("s3", 9, received + dt.timedelta(minutes=6)),
                    ],
                }
            ]
        },
    ).json()
    assert late["accepted"] == 1, late
    earlier = post(
        client,
        {
            "records": [
                {
                    "code": "H01-SYNC-0001",
                    "steps": [
                        step("s1b", 2, received + dt.timedelta(minutes=1), note="Bổ sung ghi chú"),
                    ],
                }
            ]
        },
    ).json()
    assert earlier["accepted"] == 1, earlier
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY
    assert dossier.processed_at == received + dt.timedelta(minutes=6)
    events = list(dossier.events.order_by("at", "id"))
    assert [e.external_id for e in events] == ["s1", "s1b", "s2", "s3"]
    assert [(e.from_status, e.to_status) for e in events] == [(None, 2), (2, 2), (2, 4), (4, 9)]


def test_a_forbidden_transition_is_refused_and_nothing_of_the_record_is_written(client, system):
    received = ago(minutes=10)
    post(
        client,
        {
            "records": [
                record(
                    received=received,
                    steps=[
                        step("s1", 2, received),
                        step("s2", 4, received + dt.timedelta(minutes=1)),
                        step("s3", 9, received + dt.timedelta(minutes=2)),
                        step("s4", 10, received + dt.timedelta(minutes=3)),
                    ],
                )
            ]
        },
    )
    response = post(
        client,
        {
            "records": [
                {
                    "code": "H01-SYNC-0001",
                    "steps": [
                        step(
                            "s5", 4, received + dt.timedelta(minutes=4)
                        ),  # returned -> in processing
                    ],
                }
            ]
        },
    )
    result = response.json()["results"][0]
    assert result["accepted"] is False
    assert result["errors"] == [
        {
            "field": "records[0].steps[0].status",
            "rule": "transition_forbidden",
            "message": result["errors"][0]["message"],
        }
    ]
    assert "(10)" in result["errors"][0]["message"]
    assert "(4)" in result["errors"][0]["message"]
    assert Dossier.objects.get(code="H01-SYNC-0001").status == Status.RETURNED
    assert not DossierEvent.objects.filter(external_id="s5").exists()
    assert AuditEvent.objects.filter(action="interop.sync.refused").count() == 1


def test_a_batch_answers_per_record(client, system):
    received = ago(minutes=10)
    records = [
        record(f"H01-B-{i:04d}", received=received, steps=[step("a", 2, received)])
        for i in range(500)
    ]
    records[7]["procedure_code"] = "9.999999"
    records[9]["steps"][0]["at"] = national(timezone.now() + dt.timedelta(days=1))
    response = post(client, {"records": records})
    result = response.json()
    assert result["accepted"] == 498
    assert result["refused"] == 2
    assert result["results"][7]["errors"][0]["rule"] == "unknown_procedure"
    assert result["results"][9]["errors"][0] == {
        "field": "records[9].steps[0].at",
        "rule": "date_in_future",
        "message": result["results"][9]["errors"][0]["message"],
    }
    assert Dossier.objects.filter(source_system="hanoi-dvc").count() == 498
    assert not Dossier.objects.filter(code__in=["H01-B-0007", "H01-B-0009"]).exists()


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"procedure_code": "0.000000"}, "records[0].procedure_code", "unknown_procedure"),
        ({"agency_code": "NO.SUCH.AGENCY"}, "records[0].agency_code", "unknown_agency"),
        ({"received_at": "20261340250000"}, "records[0].received_at", "format"),
        ({"received_at": "2026-12-01T08:00:00"}, "records[0].received_at", "format"),
        ({"status": 11}, "records[0].status", "status_unknown"),
        ({"status": "2"}, "records[0].status", "status_unknown"),
        ({"channel": 9}, "records[0].channel", "format"),
        ({"code": "bad code with spaces"}, "records[0].code", "format"),
        ({"code": None}, "records[0].code", "required"),
        (
            {"applicant": {"name": "A", "personal_id": "999999999999"}},
            "records[0].applicant.personal_id",
            "personal_id",
        ),
        ({"applicant": {"name": "A"}}, "records[0].applicant.personal_id", "required"),
        ({"subject_name": "x" * 201}, "records[0].subject_name", "max_length"),
        ({"subject_name": "a\x00b"}, "records[0].subject_name", "format"),
        ({"fees": [{"name": "Lệ phí", "amount": -5}]}, "records[0].fees[0].amount", "format"),
        ({"steps": [{"id": "s1", "status": 2}]}, "records[0].steps[0].at", "required"),
        ({"steps": "s1"}, "records[0].steps", "type"),
    ],
)
def test_the_bad_input_corpus_is_refused_with_the_field_and_the_rule(
    client, system, change, field, rule
):
    bad = record(status=2)
    bad.update(change)
    result = post(client, {"records": [bad]}).json()["results"][0]
    assert result["accepted"] is False
    assert {"field": field, "rule": rule} in [
        {"field": e["field"], "rule": e["rule"]} for e in result["errors"]
    ], result
    assert not Dossier.objects.exists()
    assert AuditEvent.objects.filter(action="interop.sync.refused").exists()


def test_dates_before_the_reception_are_refused(client, system):
    received = ago(hours=1)
    bad = record(received=received, steps=[step("s1", 2, received - dt.timedelta(minutes=1))])
    bad["due_at"] = national(received - dt.timedelta(days=1))
    errors = post(client, {"records": [bad]}).json()["results"][0]["errors"]
    assert {(e["field"], e["rule"]) for e in errors} >= {
        ("records[0].steps[0].at", "date_before_reception"),
        ("records[0].due_at", "date_before_reception"),
    }


def test_an_agency_outside_the_systems_scope_is_refused(client, system, other_system):
    bad = record(status=2)  # agency_hk: not served by bd-only
    result = post(client, {"records": [bad]}, system_code="bd-only", secret="s2").json()
    assert result["results"][0]["errors"][0]["rule"] == "agency_out_of_scope"


def test_the_same_code_from_two_systems_is_refused(client, system, other_system):
    post(client, {"records": [record(status=2)]})
    mine = record(status=2, agency_code="00004.00.H01")
    result = post(client, {"records": [mine]}, system_code="bd-only", secret="s2").json()
    assert result["results"][0]["errors"][0]["rule"] == "code_of_another_system"
    assert Dossier.objects.get(code="H01-SYNC-0001").source_system == "hanoi-dvc"


def test_a_code_of_the_portals_own_dossier_is_refused(client, system, submit, citizen_a):
    own = submit(citizen_a)
    result = post(client, {"records": [record(own.code, status=2)]}).json()
    assert result["results"][0]["errors"][0]["rule"] == "code_of_portal"


def test_a_step_sent_again_with_another_time_is_refused(client, system):
    received = ago(minutes=10)
    post(client, {"records": [record(received=received, steps=[step("s1", 2, received)])]})
    changed = {
        "code": "H01-SYNC-0001",
        "steps": [step("s1", 2, received + dt.timedelta(minutes=1))],
    }
    errors = post(client, {"records": [changed]}).json()["results"][0]["errors"]
    assert errors[0]["rule"] == "step_changed"


def test_a_status_that_no_step_explains_is_refused(client, system):
    received = ago(minutes=10)
    post(client, {"records": [record(received=received, steps=[step("s1", 2, received)])]})
    errors = post(client, {"records": [{"code": "H01-SYNC-0001", "status": 9}]}).json()
    assert errors["results"][0]["errors"][0]["rule"] == "status_without_step"


@pytest.mark.parametrize(
    ("raw", "status", "rule"),
    [
        (b"{not json", 400, "json"),
        ('{"records": [{"code": "Hà"}]}'.encode("latin-1"), 400, "encoding"),
        (b'{"items": []}', 400, "records"),
        (b"[]", 400, "records"),
        (json.dumps({"records": [{}] * 1001}).encode(), 413, "too_many_records"),
    ],
)
def test_a_body_that_cannot_be_read_is_refused_whole(client, system, raw, status, rule):
    response = post(client, None, raw=raw)
    assert response.status_code == status
    assert response.json()["rule"] == rule
    assert AuditEvent.objects.filter(action="interop.sync.request_refused", reason=rule).exists()


def test_a_body_of_50_mb_is_refused_before_it_is_read(client, system):
    response = client.generic(
        "POST",
        URL,
        data=b"",
        content_type="application/json",
        HTTP_X_CLIENT_ID="hanoi-dvc",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert response.json()["rule"] == "body_too_large"


def test_a_replayed_signature_is_refused(client, system):
    body = {"records": [record(status=2)]}
    assert post(client, body, nonce="n-1").status_code == 200
    replay = post(client, body, nonce="n-1")
    assert replay.status_code == 401
    assert AuditEvent.objects.filter(
        action="interop.sync.request_refused", reason=signing.REPLAYED_NONCE
    ).exists()


@pytest.mark.parametrize("secret", ["wrong-secret", ""])
def test_a_wrong_or_missing_signature_is_refused(client, system, secret):
    if secret:
        response = post(client, {"records": []}, secret=secret)
    else:
        response = client.post(URL, data=b'{"records": []}', content_type="application/json")
    assert response.status_code == 401


def test_the_lookup_gives_the_status_and_the_steps(client, system):
    received = ago(minutes=10)
    post(client, {"records": [record(received=received, steps=[step("s1", 2, received)])]})
    path = reverse("interop:sync-record", args=["h01-sync-0001"])
    headers = signing.sign_headers(
        client_id="hanoi-dvc", secret=SECRET, method="GET", path=path, body=b""
    )
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == 2
    assert data["steps"][0]["id"] == "s1"
    assert data["received_at"] == national(received)


def test_the_synchronised_dossier_is_in_my_dossiers_and_tracking(client, system, citizen_a):
    received = ago(minutes=10)
    post(client, {"records": [record(received=received, steps=[step("s1", 2, received)])]})
    client.force_login(citizen_a)
    assert "H01-SYNC-0001" in client.get(reverse("dossiers:mine")).content.decode()
    client.logout()
    found = client.get(reverse("dossiers:track"), {"code": "H01-SYNC-0001", "id_last4": "2345"})
    assert found.status_code == 200
    assert "H01-SYNC-0001" in found.content.decode()


def test_a_silent_system_is_flagged_to_the_agency_and_the_province(
    client, system, agency_hk, hanoi, mailoutbox, django_capture_on_commit_callbacks
):
    from agencies.models import Agency, AgencyKind, AgencyLevel
    from interop.silence import sync_silent_sweep
    from portal import outbox

    agency_hk.email = "hoankiem@example.vn"
    agency_hk.save()
    Agency.objects.create(
        code="000.00.00.H01",
        name="Ủy ban nhân dân Thành phố Hà Nội",
        level=AgencyLevel.PROVINCE,
        kind=AgencyKind.PROVINCE_COMMITTEE,
        province=hanoi,
        email="ubnd@hanoi.example.vn",
    )
    received = ago(minutes=10)
    late = record(received=received, steps=[step("s1", 2, received)])
    late["due_at"] = national(received + dt.timedelta(minutes=5))  # due 5 minutes ago
    fine = record("H01-SYNC-0002", received=received, steps=[step("s1", 2, received)])
    post(client, {"records": [late, fine]})
    with django_capture_on_commit_callbacks(execute=True):
        assert sync_silent_sweep() == 1
    outbox.outbox_sweep()
    dossier = Dossier.objects.get(code="H01-SYNC-0001")
    assert dossier.sync_status == SyncStatus.FAILED
    assert Dossier.objects.get(code="H01-SYNC-0002").sync_status == SyncStatus.SYNCED
    assert sorted(m.to[0] for m in mailoutbox) == ["hoankiem@example.vn", "ubnd@hanoi.example.vn"]
    assert "H01-SYNC-0001" in mailoutbox[0].body
    assert sync_silent_sweep() == 0  # flagged once
    # the system reports again: synchronised again
    post(client, {"records": [{"code": "H01-SYNC-0001", "steps": [step("s2", 4, ago(minutes=1))]}]})
    dossier.refresh_from_db()
    assert dossier.sync_status == SyncStatus.SYNCED
    assert AuditEvent.objects.filter(action="interop.sync.silent").count() == 1


def test_the_portals_own_dossiers_are_synchronised_when_committed(submit, citizen_a):
    dossier = submit(citizen_a)
    assert dossier.sync_status == SyncStatus.SYNCED


def test_a_synchronised_dossier_counts_in_the_dashboards(client, system):
    from dashboards.models import MonthlyFact
    from dashboards.tasks import rollups_drain_task

    received = ago(minutes=10)
    post(
        client,
        {
            "records": [
                record(
                    received=received,
                    steps=[
                        step("s1", 2, received),
                        step("s2", 4, received + dt.timedelta(minutes=1)),
                        step("s3", 9, received + dt.timedelta(minutes=2)),
                    ],
                )
            ]
        },
    )
    rollups_drain_task()
    facts = MonthlyFact.objects.filter(agency__code="00070.00.H01")
    assert sum(f.dossiers for f in facts) == 1
    assert sum(f.finished for f in facts) == 1
    assert sum(f.synced for f in facts) == 1


def test_a_synchronised_dossier_is_not_in_the_back_office_queue(client, system, officer_hk):
    from dossiers import selectors

    received = ago(minutes=10)
    post(client, {"records": [record(received=received, steps=[step("s1", 2, received)])]})
    assert not selectors.dossiers_for_officer(user=officer_hk).filter(code="H01-SYNC-0001").exists()


# --- review of issue 13: inputs that gave a 500 instead of a record's error ----------------


def test_a_payment_change_the_payment_table_forbids_is_refused_not_a_500(db, client, system):
    fees = [{"name": "Lệ phí", "amount": 20000}]
    first = record(fees=fees, paid_online=True, steps=[step("s1", 2, ago(hours=1))])
    assert post(client, {"records": [first]}).json()["accepted"] == 1
    dossier = Dossier.objects.get(code="H01-SYNC-0001")
    assert dossier.payment_status == PaymentStatus.PAID
    # the system then sends no fee: paid -> not required, which the payment table forbids
    again = {"code": "H01-SYNC-0001", "fees": []}
    other = record("H01-SYNC-0002", steps=[step("s1", 2, ago(hours=1))])
    response = post(client, {"records": [again, other]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["results"][0]["accepted"] is False
    assert body["results"][0]["errors"][0]["rule"] == "payment_forbidden"
    assert body["results"][0]["errors"][0]["field"] == "records[0].fees"
    assert body["results"][1]["accepted"] is True  # the rest of the batch is written
    dossier.refresh_from_db()
    assert dossier.payment_status == PaymentStatus.PAID


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"note": "\ud800"}, "records[0].steps[0].note"),
        ({"role": "ok", "note": "a\x00"}, "records[0].steps[0].note"),
    ],
)
def test_a_lone_surrogate_or_nul_anywhere_is_a_per_field_error(db, client, system, bad, field):
    r = record(steps=[step("s1", 2, ago(hours=1), **bad)])
    response = post(client, {"records": [r]})
    assert response.status_code == 200, response.content
    result = response.json()["results"][0]
    assert result["accepted"] is False
    assert field in {e["field"] for e in result["errors"]}
    assert not Dossier.objects.filter(code="H01-SYNC-0001").exists()


def test_a_nul_in_a_documents_free_field_is_refused(db, client, system):
    r = record(
        documents=[{"name": "Tờ khai", "result_code": "A\x00B"}],
        steps=[step("s1", 2, ago(hours=1))],
    )
    response = post(client, {"records": [r]})
    assert response.status_code == 200, response.content
    errors = response.json()["results"][0]["errors"]
    assert errors[0]["field"] == "records[0].documents[0].result_code"
    assert errors[0]["rule"] == "format"


def test_a_code_with_a_lone_surrogate_is_refused_and_audited(db, client, system):
    r = record(code="AB\ud800", steps=[step("s1", 2, ago(hours=1))])
    response = post(client, {"records": [r]})
    assert response.status_code == 200, response.content
    assert response.json()["results"][0]["accepted"] is False
    assert AuditEvent.objects.filter(action="interop.sync.refused").exists()


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_numbers_json_has_not_are_refused(db, client, system, literal):
    text = json.dumps(
        {
            "records": [
                record(
                    fees=[{"name": "Lệ phí", "amount": 1, "x": 0}],
                    steps=[step("s1", 2, ago(hours=1))],
                )
            ]
        }
    )
    raw = text.replace('"x": 0', f'"x": {literal}').encode()
    response = post(client, None, raw=raw)
    assert response.status_code in (200, 400), response.content
    if response.status_code == 200:
        assert response.json()["results"][0]["accepted"] is False
    assert not Dossier.objects.filter(code="H01-SYNC-0001").exists()


def test_an_applicant_name_of_blanks_is_required(db, client, system):
    r = record(steps=[step("s1", 2, ago(hours=1))])
    r["applicant"]["name"] = "   "
    result = post(client, {"records": [r]}).json()["results"][0]
    assert result["accepted"] is False
    assert result["errors"][0]["field"] == "records[0].applicant.name"
    assert result["errors"][0]["rule"] == "required"


def test_two_batches_with_the_same_new_code_at_once_are_one_dossier(db, system, monkeypatch):
    """The batch that loses the race inserts a code the other one has just committed: its
    insert fails (on PostgreSQL through psycopg2's own cursor) and it is checked again."""
    r = record(steps=[step("s1", 2, ago(hours=1))])
    assert sync.ingest([r], system=system)[0].accepted
    real = sync.transitions.lock_codes
    calls = []

    def not_yet_committed(codes):  # the first look does not see the other batch's dossier
        calls.append(list(codes))
        return {} if len(calls) == 1 else real(codes)

    monkeypatch.setattr(sync.transitions, "lock_codes", not_yet_committed)
    outcome = sync.ingest([r], system=system)[0]
    assert len(calls) == 2
    assert outcome.accepted
    assert not outcome.created
    assert outcome.steps_unchanged == 1
    assert Dossier.objects.filter(code="H01-SYNC-0001").count() == 1


def test_a_late_dossier_that_went_silent_stays_late_when_its_system_reports_again(db, system):
    """Late is for good (dossiers.states.sync): the sweep's failed state in between does not
    turn the dossier back into one synchronised in real time."""
    from dossiers import transitions

    r = record(steps=[step("s1", 2, ago(hours=1))])  # an hour after its time: late
    assert sync.ingest([r], system=system)[0].accepted
    dossier = Dossier.objects.get(code="H01-SYNC-0001")
    assert dossier.sync_status == SyncStatus.LATE
    with transaction.atomic():
        transitions.change(transitions.lock(dossier.pk), action=None, sync_status=SyncStatus.FAILED)
    fresh = {"code": "H01-SYNC-0001", "steps": [step("s2", 4, ago(seconds=30))]}
    assert sync.ingest([fresh], system=system)[0].accepted
    dossier.refresh_from_db()
    assert dossier.sync_status == SyncStatus.LATE


def test_fees_paid_online_later_mark_the_dossier_paid(client, system):
    received = ago(minutes=10)
    first = record(received=received, steps=[step("s1", 2, received)])
    first["fees"] = [{"name": "Lệ phí", "amount": 8000}]
    post(client, {"records": [first]})
    assert Dossier.objects.get(code="H01-SYNC-0001").payment_status == "unpaid"
    post(client, {"records": [{"code": "H01-SYNC-0001", "paid_online": True}]})
    assert Dossier.objects.get(code="H01-SYNC-0001").payment_status == "paid"


def test_a_channel_must_be_a_whole_number(client, system):
    bad = record(status=2, channel=2.0)
    errors = post(client, {"records": [bad]}).json()["results"][0]["errors"]
    assert errors[0]["field"] == "records[0].channel"

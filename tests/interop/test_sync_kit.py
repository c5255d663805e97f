"""The mock provincial system that synchronises its counter's dossiers with the portal, and
the conformance kit of connected systems (issue 13, parts 4 and 5)."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from dossiers.models import Dossier
from dossiers.states.business import Status
from dossiers.states.sync import SyncStatus
from interop.management.commands.sync_conformance import schema_problems
from interop.models import ConnectedSystem
from national_mocks.province import ProvincialSystem
from tests.interop.test_sync import SECRET, national, record, step

EXAMPLES = Path(settings.BASE_DIR) / "docs" / "sync" / "examples"


@pytest.fixture
def system(hanoi, agency_hk, agency_bd, birth_version) -> ConnectedSystem:
    return ConnectedSystem.objects.create(
        code="hanoi-dvc", name="Hà Nội", secret=SECRET, province=hanoi
    )


def test_the_mock_provincial_system_is_followed_inside_the_portal(client, system):
    def send(body: bytes, headers: dict[str, str]):
        response = client.post(
            "/api/interop/sync/records",
            data=body,
            content_type="application/json",
            headers={k: v for k, v in headers.items() if k != "Content-Type"},
        )
        assert response.status_code == 200, response.content
        return response.json()

    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        province = ProvincialSystem(
            portal_url="http://portal.invalid",
            system="hanoi-dvc",
            secret=SECRET,
            agencies=["00070.00.H01", "00004.00.H01"],
            procedures=["1.001193"],
            interval_seconds=3600,
            send=send,
        )
        answer = province.tick()
        assert answer["accepted"] == 1
        code = province.dossiers[0].code
        dossier = Dossier.objects.get(code=code)
        assert dossier.status == Status.RECEIVED
        assert dossier.source_system == "hanoi-dvc"
        assert dossier.sync_status == SyncStatus.SYNCED
        traveller.shift(dt.timedelta(minutes=2))
        province.tick()
        dossier.refresh_from_db()
        assert dossier.status == Status.IN_PROCESSING
        traveller.shift(dt.timedelta(minutes=4))
        province.tick()
        assert province.tick() is None  # nothing left to send
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED
    assert list(dossier.events.values_list("to_status", flat=True)) == [2, 4, 9, 10]
    assert dossier.sync_status == SyncStatus.SYNCED
    # the portal was away for a tick: what was not accepted goes with the next one
    province.send = lambda body, headers: None
    with time_machine.travel(start + dt.timedelta(hours=2), tick=False):
        province.tick()
        assert not Dossier.objects.filter(code=province.dossiers[1].code).exists()
        province.send = send
        province.tick()
    assert Dossier.objects.filter(code=province.dossiers[1].code).exists()


def test_the_examples_in_the_docs_follow_the_schema():
    for example in sorted(EXAMPLES.glob("*.json")):
        assert schema_problems(json.loads(example.read_text(encoding="utf-8"))) == [], example


def test_the_conformance_command_passes_good_messages(tmp_path, system):
    received = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=10)
    first = tmp_path / "1.json"
    first.write_text(
        json.dumps({"records": [record(received=received, steps=[step("s1", 2, received)])]})
    )
    second = tmp_path / "2.json"
    second.write_text(
        json.dumps(
            {
                "records": [
                    {
                        "code": "H01-SYNC-0001",
                        "steps": [step("s2", 4, received + dt.timedelta(minutes=2))],
                    }
                ]
            }
        )
    )
    out = io.StringIO()
    call_command("sync_conformance", str(first), str(second), system="hanoi-dvc", stdout=out)
    assert "PASS: 2 message(s) conform." in out.getvalue()
    assert not Dossier.objects.exists()  # checked as if accepted, nothing written


def test_the_conformance_command_says_what_fails_and_why(tmp_path, system):
    received = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=10)
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "records": [
                    record(
                        received=received,
                        steps=[
                            step("s1", 2, received),
                            step("s2", 10, received + dt.timedelta(minutes=1)),
                        ],
                    )
                ]
            }
        )
    )
    broken = tmp_path / "broken.json"
    broken.write_text('{"records": [{"code": "x", "status": 12}]}')
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("sync_conformance", str(bad), str(broken), system="hanoi-dvc", stdout=out)
    assert exit_.value.code == 1
    text = out.getvalue()
    assert "records[0].steps[1].status [transition_forbidden]" in text
    assert "records[0].status: 12 is greater than the maximum of 10" in text
    assert "FAIL: 2 of 2 message(s) have problems." in text


def test_the_conformance_command_replays_a_recorded_exchange(tmp_path, system):
    received = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=10)
    body = {"records": [record(received=received, steps=[step("s1", 2, received)])]}
    exchange = tmp_path / "exchange.jsonl"
    exchange.write_text(
        "\n".join(
            [
                json.dumps({"body": body, "response": {"results": [{"accepted": True}]}}),
                json.dumps({"body": body, "response": {"results": [{"accepted": False}]}}),
                "not json",
            ]
        )
    )
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("sync_conformance", replay=str(exchange), system="hanoi-dvc", stdout=out)
    text = out.getvalue()
    assert f"{exchange}:1: ok" in text
    assert "recorded accepted=False, now accepted=True" in text
    assert f"{exchange}:3: FAIL  not JSON" in text


def test_the_conformance_command_needs_something_to_check():
    with pytest.raises(CommandError):
        call_command("sync_conformance")


def test_a_connected_system_is_registered_with_its_scope(hanoi, agency_hk):
    out = io.StringIO()
    call_command("sync_system_create", "hn", "Hà Nội", province="01", stdout=out)
    secret = out.getvalue().strip().splitlines()[-1]
    assert ConnectedSystem.objects.get(code="hn").secret == secret
    with pytest.raises(CommandError):
        call_command("sync_system_create", "hn", "again", province="01")
    with pytest.raises(CommandError):
        call_command("sync_system_create", "none", "no scope")


def test_the_times_of_the_national_interface_round_trip():
    moment = timezone.now().replace(microsecond=0)
    from interop.sync import parse_time

    assert parse_time(national(moment)) == moment
    for bad in ("2026120308300", "2026-12-03T08", "20261332083000", "٢٠٢٦١٢٠٣٠٨٣٠٠٠", 20261203):
        assert parse_time(bad) is None

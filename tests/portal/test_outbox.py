"""The outbox: a redelivered message does nothing twice; the sweeper finds lost messages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from portal import outbox
from portal.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls():
    return []


@pytest.fixture
def registry(calls):
    reg = outbox.OutboxRegistry()

    @reg.register("test.topic")
    def handler(payload):
        calls.append(payload)

    @reg.register("test.fails")
    def failing(payload):
        raise RuntimeError("registry down")

    return reg


def test_redelivered_message_runs_once(registry, calls):
    message = OutboxMessage.objects.create(topic="test.topic", payload={"n": 1})
    assert outbox.outbox_run(message_id=str(message.id), handlers=registry) is True
    assert outbox.outbox_run(message_id=str(message.id), handlers=registry) is False
    assert calls == [{"n": 1}]
    message.refresh_from_db()
    assert message.status == OutboxStatus.DONE
    assert message.attempts == 1


def test_failed_handler_leaves_message_pending_for_retry(registry):
    message = OutboxMessage.objects.create(topic="test.fails", payload={})
    with pytest.raises(RuntimeError):
        outbox.outbox_run(message_id=str(message.id), handlers=registry)
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert "registry down" in message.last_error


def test_sweeper_finds_stale_pending_and_expired_claims(settings):
    now = timezone.now()
    fresh = OutboxMessage.objects.create(topic="dossier.route", payload={})
    stale = OutboxMessage.objects.create(topic="dossier.route", payload={})
    OutboxMessage.objects.filter(pk=stale.pk).update(created_at=now - dt.timedelta(minutes=10))
    crashed = OutboxMessage.objects.create(topic="dossier.route", payload={})
    OutboxMessage.objects.filter(pk=crashed.pk).update(
        status=OutboxStatus.PROCESSING,
        created_at=now - dt.timedelta(hours=1),
        claimed_at=now - dt.timedelta(hours=1),
    )
    done = OutboxMessage.objects.create(topic="dossier.route", payload={}, status=OutboxStatus.DONE)
    OutboxMessage.objects.filter(pk=done.pk).update(created_at=now - dt.timedelta(hours=1))

    stale_ids = set(outbox.outbox_stale(now=now))

    assert stale_ids == {str(stale.pk), str(crashed.pk)}
    assert str(fresh.pk) not in stale_ids
    crashed.refresh_from_db()
    assert crashed.status == OutboxStatus.PENDING


def test_unknown_topic_is_refused_when_written():
    with pytest.raises(LookupError):
        outbox.outbox_enqueue(topic="no.such.topic", payload={})


def test_route_twice_routes_once(submit, citizen_a, agency_hk):
    from dossiers.services import dossier_route

    dossier = submit(citizen_a)
    dossier_route(dossier_id=dossier.pk)
    dossier_route(dossier_id=dossier.pk)
    assert dossier.events.filter(action="routed").count() == 1


def test_the_sweeper_runs_a_lost_message_itself_once(
    birth_version, hoan_kiem, agency_hk, citizen_a
):
    """A message lost on its way to the broker is run by the sweeper, and only once."""
    import uuid

    from dossiers.services import dossier_submit

    dossier = dossier_submit(  # on_commit never fires in this test: the message is "lost"
        applicant=citizen_a,
        version=birth_version,
        case=None,
        commune=hoan_kiem,
        data={},
        subject_name="X",
        attachments=[],
        submission_key=uuid.uuid4(),
    )
    OutboxMessage.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    assert outbox.outbox_sweep() == 2  # the route and the notification
    assert outbox.outbox_sweep() == 0
    dossier.refresh_from_db()
    assert dossier.routed_at is not None
    assert dossier.events.filter(action="routed").count() == 1

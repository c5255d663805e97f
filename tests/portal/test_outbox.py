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


def test_each_kind_of_work_has_its_queue_and_every_queue_is_consumed(settings):
    """Routing and notifications do not wait behind each other (docs/benchmarks.md); a worker
    started without -Q consumes every queue the outbox sends to."""
    assert outbox.registry.queue("dossier.route") == outbox.QUEUE_ROUTING
    assert outbox.registry.queue("dossier.notify") == outbox.QUEUE_NOTIFY
    assert outbox.registry.queue("feedback.email") == outbox.QUEUE_NOTIFY
    assert outbox.registry.queue("interop.deliver") == outbox.QUEUE_DEFAULT
    configured = [queue.name for queue in settings.CELERY_TASK_QUEUES]
    assert sorted(configured) == sorted(outbox.QUEUES)
    assert settings.CELERY_TASK_DEFAULT_QUEUE == outbox.QUEUE_DEFAULT


def test_a_committed_message_goes_to_its_topics_queue(
    monkeypatch, django_capture_on_commit_callbacks
):
    from portal import tasks

    sent = []
    monkeypatch.setattr(
        tasks.outbox_process, "apply_async", lambda args, queue: sent.append((args, queue))
    )
    with django_capture_on_commit_callbacks(execute=True):
        route = outbox.outbox_enqueue(topic="dossier.route", payload={"dossier_id": 0})
        notify = outbox.outbox_enqueue(topic="dossier.notify", payload={"event_id": 0})
    assert sent == [((str(route.id),), "routing"), ((str(notify.id),), "notify")]


def test_a_handler_for_an_unknown_queue_is_refused():
    with pytest.raises(ValueError, match="unknown queue"):
        outbox.OutboxRegistry().register("test.topic", queue="fast")

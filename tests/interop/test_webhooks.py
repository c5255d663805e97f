"""Outbound: the signed webhook, retries with backoff, dead letters, requeue, claims, beat."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest
from django.core import mail
from django.utils import timezone

from dossiers.states import TransitionNotAllowed
from interop import conf, services, signing, tasks
from interop.models import Delivery
from interop.selectors import deliveries_due
from interop.states import DeliveryState
from portal.models import AuditEvent, OutboxMessage
from portal.outbox import outbox_enqueue, outbox_run
from tests.fixtures_mocks import free_port
from tests.interop.conftest import MINISTRY_SECRET, SCHEDULE, make_external, ministry_received

pytestmark = pytest.mark.django_db


class CapturingSession:
    """Stands for requests.Session: records the request, answers with `status`."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.calls: list[dict] = []

    def post(self, url, *, data, headers, timeout, allow_redirects):
        self.calls.append({"url": url, "body": data, "headers": headers})

        class Answer:
            status_code = self.status

        return Answer()


def test_signature_is_hmac_of_timestamp_dot_body(delivery):
    session = CapturingSession()
    services.delivery_attempt(delivery_id=str(delivery.pk), session=session)
    (call,) = session.calls
    headers, body = call["headers"], call["body"]
    timestamp = headers["X-Portal-Timestamp"]
    expected = hmac.new(
        MINISTRY_SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Portal-Signature"] == f"sha256={expected}"
    assert headers["X-Portal-Delivery"] == str(delivery.pk)
    assert headers["Content-Type"].startswith("application/json")
    assert signing.verify(
        secret=MINISTRY_SECRET,
        timestamp=timestamp,
        signature=headers["X-Portal-Signature"],
        body=body,
    )
    assert not signing.verify(
        secret="another-secret-of-16", timestamp=timestamp, signature=expected, body=body
    )


def test_body_carries_the_dossier_and_signed_attachment_links(delivery, dossier, client):
    session = CapturingSession()
    services.delivery_attempt(delivery_id=str(delivery.pk), session=session)
    document = json.loads(session.calls[0]["body"])
    assert document["event"] == "dossier.delivered"
    assert document["delivery_id"] == str(delivery.pk)
    assert document["attempt"] == 1
    sent = document["dossier"]
    assert sent["code"] == dossier.code
    assert sent["status"] == 1
    assert sent["procedure"] == {
        "code": "1.001193",
        "name": dossier.procedure_version.procedure.name,
        "version": 1,
        "case": "TH1",
    }
    assert sent["applicant"]["personal_id"] == "001190012345"
    assert sent["data"]["child"]["full_name"] == "Trần Minh An"
    assert sent["submitted_at"]
    (attachment,) = sent["attachments"]
    assert attachment["content_type"] == "application/pdf"
    assert attachment["component"] == "GCS"
    assert len(attachment["sha256"]) == 64
    assert attachment["download"]["expires_at"]
    path = attachment["download"]["url"].split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert hashlib.sha256(content).hexdigest() == attachment["sha256"]


def test_2xx_from_the_mock_ministry_is_delivered(delivery, dossier, national_services):
    now = timezone.now()
    result = services.delivery_attempt(delivery_id=str(delivery.pk), now=now)
    assert result is not None
    assert result.status == DeliveryState.DELIVERED
    assert result.last_status_code == 202
    assert result.delivered_at == now
    assert result.next_attempt_at is None
    got = ministry_received(national_services, delivery.pk)
    assert got["count"] == 1
    assert got["received"][0]["dossier_code"] == dossier.code
    attempt = AuditEvent.objects.get(action="interop.delivery.attempt", object_id=str(delivery.pk))
    assert attempt.details["outcome"] == "delivered"
    assert attempt.agency_code == delivery.agency.code
    # no timeline entry per attempt
    assert [e.action for e in dossier.events.all()] == ["submitted", "routed"]


def test_a_wrong_secret_is_refused_by_the_mock_and_retried(delivery, external_hk):
    external_hk.webhook_secret = "not-the-ministry-secret"
    external_hk.save()
    now = timezone.now()
    result = services.delivery_attempt(delivery_id=str(delivery.pk), now=now)
    assert result.status == DeliveryState.PENDING
    assert result.last_status_code == 401
    assert result.next_attempt_at == now + dt.timedelta(seconds=60)


def test_503_is_retried_on_the_schedule_then_dead(
    dossier, agency_hk, national_services_factory, django_capture_on_commit_callbacks
):
    down = national_services_factory(NATIONAL_MOCKS_DOWN="ministry")
    make_external(agency_hk, url=f"{down.url}/ministry/v1/dossiers")
    item = services.delivery_create(dossier=dossier, agency=agency_hk)
    now = item.next_attempt_at
    delays = []
    for attempt in range(1, conf.max_attempts() + 1):
        # not due yet: a worker that comes early claims nothing
        early = now - dt.timedelta(seconds=1)
        assert services.delivery_attempt(delivery_id=str(item.pk), now=early) is None
        with django_capture_on_commit_callbacks(execute=True):
            item = services.delivery_attempt(delivery_id=str(item.pk), now=now)
        assert item.attempts == attempt
        assert item.last_status_code == 503
        assert item.last_error == "HTTP 503"
        if item.status == DeliveryState.DEAD:
            break
        assert item.status == DeliveryState.PENDING
        delays.append((item.next_attempt_at - now).total_seconds())
        now = item.next_attempt_at
    assert delays == SCHEDULE
    assert item.status == DeliveryState.DEAD
    assert item.attempts == 8
    assert item.next_attempt_at is None
    assert (
        services.delivery_attempt(delivery_id=str(item.pk), now=now + dt.timedelta(days=9)) is None
    )
    assert AuditEvent.objects.filter(action="interop.delivery.attempt").count() == 8
    assert AuditEvent.objects.filter(action="interop.delivery.dead").count() == 1
    # the agency is told by e-mail (through the outbox)
    assert OutboxMessage.objects.filter(topic="interop.dead_letter").count() == 1
    (message,) = [m for m in mail.outbox if "[Interop]" in m.subject]
    assert message.to == ["ministry-it@example.vn"]
    assert dossier.code in message.body
    assert "HTTP 503" in message.body


def test_timeout_is_a_failed_attempt(dossier, agency_hk, national_services_factory, settings):
    slow = national_services_factory(NATIONAL_MOCKS_DELAY_MS="2000")
    settings.INTEROP_WEBHOOK_TIMEOUT_SECONDS = 0.3
    make_external(agency_hk, url=f"{slow.url}/ministry/v1/dossiers")
    item = services.delivery_create(dossier=dossier, agency=agency_hk)
    now = item.next_attempt_at
    item = services.delivery_attempt(delivery_id=str(item.pk), now=now)
    assert item.status == DeliveryState.PENDING
    assert item.last_status_code is None
    assert item.last_error == "timeout after 0.3 s"
    assert item.next_attempt_at == now + dt.timedelta(seconds=60)


def test_a_system_that_is_down_is_retried(dossier, agency_hk):
    make_external(agency_hk, url=f"http://127.0.0.1:{free_port()}/ministry/v1/dossiers")
    item = services.delivery_create(dossier=dossier, agency=agency_hk)
    now = item.next_attempt_at
    item = services.delivery_attempt(delivery_id=str(item.pk), now=now)
    assert item.status == DeliveryState.PENDING
    assert item.last_error == "connection failed"
    later = services.delivery_attempt(delivery_id=str(item.pk), now=item.next_attempt_at)
    assert later.attempts == 2
    assert later.next_attempt_at == item.next_attempt_at + dt.timedelta(seconds=300)


def test_jitter_stays_within_bounds(settings):
    settings.INTEROP_WEBHOOK_JITTER = 0.1
    delays = {services.retry_delay(4).total_seconds() for _ in range(50)}
    assert all(3240 <= d <= 3960 for d in delays)
    assert len(delays) > 1
    settings.INTEROP_WEBHOOK_RETRY_SCHEDULE = [10, 20]
    settings.INTEROP_WEBHOOK_JITTER = 0
    assert [services.retry_delay(n).total_seconds() for n in (1, 2, 3)] == [10, 20, 20]
    assert conf.max_attempts() == 3


def test_requeue_gives_a_dead_delivery_a_new_cycle(
    delivery, admin_user, national_services, django_capture_on_commit_callbacks
):
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryState.DEAD, attempts=8, next_attempt_at=None
    )
    with django_capture_on_commit_callbacks(execute=True):  # the attempt is sent right away
        services.delivery_requeue(item=delivery, actor=admin_user)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryState.DELIVERED
    assert delivery.attempts == 1
    requeue = AuditEvent.objects.get(action="interop.delivery.requeue")
    assert requeue.actor == admin_user
    assert requeue.details["previous_attempts"] == 8
    assert ministry_received(national_services, delivery.pk)["count"] == 1


def test_requeue_without_sending_leaves_it_pending_and_due(delivery, admin_user):
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryState.DEAD, attempts=8)
    now = timezone.now()
    item = services.delivery_requeue(item=delivery, actor=admin_user, now=now)
    assert (item.status, item.attempts, item.next_attempt_at) == (DeliveryState.PENDING, 0, now)
    assert str(item.pk) in deliveries_due(now=now)


@pytest.mark.parametrize("state", [DeliveryState.PENDING, DeliveryState.DELIVERED])
def test_only_dead_deliveries_are_requeued(delivery, admin_user, state):
    Delivery.objects.filter(pk=delivery.pk).update(status=state)
    with pytest.raises(TransitionNotAllowed):
        services.delivery_requeue(item=delivery, actor=admin_user)


def test_a_claimed_delivery_is_not_sent_twice(delivery, national_services):
    now = timezone.now()
    claimed = services.delivery_claim(delivery_id=str(delivery.pk), now=now)  # worker A
    assert claimed is not None
    assert claimed.status == DeliveryState.DELIVERING
    # worker B (a duplicated task, the beat task) gets nothing to send
    assert services.delivery_attempt(delivery_id=str(delivery.pk), now=now) is None
    assert services.delivery_claim(delivery_id=str(delivery.pk), now=now) is None
    assert ministry_received(national_services, delivery.pk)["count"] == 0
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_a_delivered_delivery_is_never_sent_again(delivery, national_services):
    first = services.delivery_attempt(delivery_id=str(delivery.pk))
    assert first.status == DeliveryState.DELIVERED
    assert services.delivery_attempt(delivery_id=str(delivery.pk)) is None
    assert ministry_received(national_services, delivery.pk)["count"] == 1


def test_the_receiver_dedupes_a_resent_delivery(delivery, national_services):
    """A worker that lost its lease after the ministry got the webhook: the next attempt
    carries the same X-Portal-Delivery and the ministry ignores it."""
    services.delivery_attempt(delivery_id=str(delivery.pk))
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryState.PENDING, next_attempt_at=timezone.now()
    )
    again = services.delivery_attempt(delivery_id=str(delivery.pk))
    assert again.status == DeliveryState.DELIVERED
    assert again.last_status_code == 200
    got = ministry_received(national_services, delivery.pk)
    assert got["count"] == 1
    assert got["duplicates"] == {str(delivery.pk): 1}


def test_an_expired_lease_is_reclaimed(delivery, settings):
    settings.INTEROP_DELIVERY_LEASE_SECONDS = 300
    t0 = timezone.now()
    services.delivery_claim(delivery_id=str(delivery.pk), now=t0)  # the worker then dies
    assert services.deliveries_reclaim(now=t0 + dt.timedelta(seconds=299)) == 0
    assert deliveries_due(now=t0 + dt.timedelta(seconds=299)) == []
    t1 = t0 + dt.timedelta(seconds=301)
    assert services.deliveries_reclaim(now=t1) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryState.PENDING
    assert delivery.attempts == 1
    assert deliveries_due(now=t1) == [str(delivery.pk)]


def test_beat_task_enqueues_due_deliveries_only(
    delivery, dossier, submit, citizen_b, external_hk, monkeypatch
):
    other = submit(citizen_b)
    future = services.delivery_create(dossier=other, agency=external_hk)
    Delivery.objects.filter(pk=future.pk).update(
        next_attempt_at=timezone.now() + dt.timedelta(minutes=5)
    )
    third = submit(citizen_b)
    dead = services.delivery_create(dossier=third, agency=external_hk)
    Delivery.objects.filter(pk=dead.pk).update(status=DeliveryState.DEAD)
    sent: list[str] = []
    monkeypatch.setattr(tasks.delivery_send, "delay", sent.append)
    assert tasks.deliveries_due() == 1
    assert sent == [str(delivery.pk)]


def test_beat_schedule_runs_the_task_every_30_seconds(settings):
    entries = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "interop.tasks.deliveries_due"
    ]
    assert entries == [{"task": "interop.tasks.deliveries_due", "schedule": 30.0}]


def test_beat_schedule_sweeps_silent_systems_every_15_minutes(settings):
    entries = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "interop.tasks.sync_silent_sweep"
    ]
    assert entries == [{"task": "interop.tasks.sync_silent_sweep", "schedule": 900.0}]


def test_outbox_topic_creates_one_delivery_and_sends_it(
    dossier, external_hk, national_services, django_capture_on_commit_callbacks
):
    for _ in range(2):  # a redelivered message creates nothing more
        with django_capture_on_commit_callbacks(execute=True):
            outbox_enqueue(topic="interop.deliver", payload={"dossier_id": dossier.pk})
    (item,) = Delivery.objects.filter(dossier=dossier)
    assert item.status == DeliveryState.DELIVERED
    assert ministry_received(national_services, item.pk)["count"] == 1


def test_outbox_topic_does_nothing_for_an_agency_without_its_own_system(dossier):
    message = OutboxMessage.objects.create(
        topic="interop.deliver", payload={"dossier_id": dossier.pk}
    )
    assert outbox_run(message_id=str(message.id)) is True
    assert not Delivery.objects.exists()


def test_routing_to_an_external_agency_delivers_the_dossier(
    submit, citizen_a, agency_hk, ministry_url, national_services
):
    """End to end through `dossier_route` (the lead's hook enqueues "interop.deliver")."""
    make_external(agency_hk, url=ministry_url)
    dossier = submit(citizen_a)
    assert OutboxMessage.objects.filter(topic="interop.deliver").count() == 1
    (item,) = Delivery.objects.filter(dossier=dossier)
    assert item.agency == agency_hk
    assert item.status == DeliveryState.DELIVERED
    assert ministry_received(national_services, item.pk)["received"][0]["dossier_code"] == (
        dossier.code
    )


def test_dead_letter_mail_reaches_the_agency_admins(delivery, agency_hk):
    from agencies.models import Membership, OfficerRole
    from portal.models import User

    admin = User.objects.create_user(username="hk.admin", email="admin@hk.example.vn")
    Membership.objects.create(user=admin, agency=agency_hk, role=OfficerRole.ADMIN)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryState.DEAD, attempts=8)
    assert services.dead_letter_notify(delivery_id=str(delivery.pk)) is True
    (message,) = mail.outbox[-1:]
    assert message.to == ["admin@hk.example.vn", "ministry-it@example.vn"]
    assert f"/admin/interop/delivery/{delivery.pk}/" in message.body

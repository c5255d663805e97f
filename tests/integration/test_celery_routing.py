"""A submitted dossier is routed by a real Celery worker through Redis, on PostgreSQL.

The test process submits through `dossier_submit`; its outbox task goes to Redis when the
transaction commits and a `celery -A portal worker` subprocess, on the same test database,
routes the dossier. Redelivering a finished message changes nothing; a message that was
never sent is found by the sweeper.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from unittest import mock

import pytest
from django.utils import timezone

from dossiers.models import Dossier, DossierEvent
from portal.models import AuditEvent, OutboxMessage, OutboxStatus
from tests.conftest import submit_birth_registration

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

POLL_TIMEOUT_SECONDS = 30.0


def wait_for(
    condition: Callable[[], bool], what: str, timeout: float = POLL_TIMEOUT_SECONDS
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting until {what}")
        time.sleep(0.2)


@pytest.fixture
def submit_birth(citizen_a, birth_version, hoan_kiem):
    """Submit for real: the outbox task is sent to the broker when the transaction commits."""

    def _submit() -> Dossier:
        return submit_birth_registration(citizen_a, version=birth_version, commune=hoan_kiem)

    return _submit


def route_message(dossier: Dossier) -> OutboxMessage:
    """The routing message written by dossier_submit (the first one for this dossier)."""
    message = (
        OutboxMessage.objects.filter(topic="dossier.route", payload__dossier_id=dossier.pk)
        .order_by("created_at")
        .first()
    )
    assert message is not None, "dossier_submit wrote no dossier.route outbox message"
    return message


def routed(dossier: Dossier) -> bool:
    return (
        Dossier.objects.filter(pk=dossier.pk, routed_at__isnull=False).exists()
        and route_message(dossier).status == OutboxStatus.DONE
    )


def all_done() -> bool:
    return not OutboxMessage.objects.exclude(status=OutboxStatus.DONE).exists()


def assert_routed_once(dossier: Dossier, agency) -> None:
    dossier.refresh_from_db()
    assert dossier.routed_at is not None
    assert dossier.competent_agency == agency
    assert dossier.receiving_agency == agency
    assert DossierEvent.objects.filter(dossier=dossier, action="routed").count() == 1
    assert AuditEvent.objects.filter(action="dossier.route").count() == 1
    message = route_message(dossier)
    assert message.status == OutboxStatus.DONE
    assert message.attempts == 1


def test_worker_routes_a_submitted_dossier(celery_worker, submit_birth, agency_hk):
    dossier = submit_birth()
    assert route_message(dossier).attempts <= 1  # sent to Redis on commit, not run here
    wait_for(lambda: routed(dossier), "the worker routed the dossier")
    wait_for(all_done, "every outbox message is done")

    assert_routed_once(dossier, agency_hk)
    assert celery_worker.alive()


def test_redelivered_message_does_nothing_twice(celery_worker, submit_birth, agency_hk):
    from portal.tasks import outbox_process

    dossier = submit_birth()
    wait_for(lambda: routed(dossier), "the worker routed the dossier")
    message = route_message(dossier)
    first_processed_at = message.processed_at

    # The same message delivered again (a broker redelivery, a duplicate publish) ...
    outbox_process.delay(str(message.id))
    outbox_process.delay(str(message.id))
    # ... followed by a fresh message: the solo worker consumes the queue in order, so
    # when the fresh one is done, the duplicates have been consumed too.
    marker = OutboxMessage.objects.create(topic="dossier.route", payload={"dossier_id": dossier.pk})
    outbox_process.delay(str(marker.id))
    wait_for(
        lambda: OutboxMessage.objects.get(pk=marker.pk).status == OutboxStatus.DONE,
        "the worker consumed the redelivered messages",
    )
    wait_for(all_done, "every outbox message is done")

    assert_routed_once(dossier, agency_hk)
    message.refresh_from_db()
    assert message.processed_at == first_processed_at


def test_sweeper_sends_a_message_that_was_never_sent(celery_worker, submit_birth, agency_hk):
    from portal.tasks import outbox_sweep

    # The broker "lost" the messages: the rows are committed, nothing reaches Redis.
    with mock.patch("portal.outbox._send") as send:
        dossier = submit_birth()
    assert send.called
    assert route_message(dossier).status == OutboxStatus.PENDING
    # Let them age past PORTAL_OUTBOX_STALE_SECONDS.
    OutboxMessage.objects.update(created_at=timezone.now() - dt.timedelta(minutes=10))
    time.sleep(1)
    dossier.refresh_from_db()
    assert dossier.routed_at is None

    outbox_sweep.delay()

    wait_for(lambda: routed(dossier), "the sweeper re-sent the message and the worker routed it")
    wait_for(all_done, "every outbox message is done")
    assert_routed_once(dossier, agency_hk)

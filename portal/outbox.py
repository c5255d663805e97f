"""The transactional outbox: side effects leave a service through here.

`outbox_enqueue` writes a row in the caller's transaction and enqueues a Celery task when
that transaction commits. The task claims the row with a conditional UPDATE (pending ->
processing), so a redelivered or duplicated message does nothing twice. The beat sweeper
runs, itself, rows that stayed pending (lost message, broker restart) and rows whose claim
expired (worker killed mid-task). Handlers are registered per topic and must themselves be
idempotent, because a row whose claim expired runs again.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .models import OutboxMessage, OutboxStatus
from .registry import Registry

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
MAX_ATTEMPTS = 8


#: Celery queues, one per kind of work, so that a burst of one kind does not hold up another
#: (measured in docs/benchmarks.md): routing is short and waited for; notifications render
#: PDFs and talk to SMTP and SMS gateways; the rest (agency deliveries, e-document storage,
#: alerts) is the default queue. `CELERY_TASK_QUEUES` lists them; a worker started without
#: `-Q` consumes all three, production runs a worker service per queue.
QUEUE_ROUTING = "routing"
QUEUE_NOTIFY = "notify"
QUEUE_DEFAULT = "celery"
QUEUES = (QUEUE_ROUTING, QUEUE_NOTIFY, QUEUE_DEFAULT)


class OutboxRegistry(Registry[Handler]):
    """Topic -> handler (portal.registry's rules), and the queue each topic's tasks go to.
    Tests may build their own registry."""

    def __init__(self) -> None:
        super().__init__("outbox handler for topic")
        self._queues: dict[str, str] = {}

    def register(self, key: str, *, queue: str = QUEUE_DEFAULT) -> Callable[[Handler], Handler]:  # type: ignore[override]
        """`@outbox_handler("topic", queue=QUEUE_NOTIFY)` over the handler."""
        if queue not in QUEUES:
            raise ValueError(f"outbox topic {key!r}: unknown queue {queue!r} (one of {QUEUES})")

        def decorator(handler: Handler) -> Handler:
            self.add(key, handler)
            self._queues[key] = queue
            return handler

        return decorator

    def queue(self, topic: str) -> str:
        return self._queues.get(topic, QUEUE_DEFAULT)

    def topics(self) -> list[str]:
        return self.keys()


registry = OutboxRegistry()
outbox_handler = registry.register


def _send(message_id: str, topic: str) -> None:
    from .tasks import outbox_process

    try:
        outbox_process.apply_async((message_id,), queue=registry.queue(topic))
    except Exception:  # broker down: the sweeper will pick the row up
        logger.warning("outbox: could not enqueue %s; the sweeper will retry", message_id)


def outbox_enqueue(*, topic: str, payload: dict[str, Any]) -> OutboxMessage:
    """Record a side effect in the current transaction; it is sent when the transaction commits."""
    registry.get(topic)  # fail early on a typo
    message = OutboxMessage.objects.create(topic=topic, payload=payload)
    message_id = str(message.id)
    transaction.on_commit(lambda: _send(message_id, topic))
    return message


def outbox_claim(*, message_id: str) -> OutboxMessage | None:
    """Claim a pending message for processing; None when another delivery already has it.

    One statement, the conditional UPDATE returning the row (PostgreSQL, SQLite >= 3.35)."""
    meta = OutboxMessage._meta
    table = connection.ops.quote_name(meta.db_table)
    params = [
        OutboxStatus.PROCESSING.value,
        meta.get_field("claimed_at").get_db_prep_value(timezone.now(), connection),
        meta.pk.get_db_prep_value(uuid.UUID(str(message_id)), connection),
        OutboxStatus.PENDING.value,
    ]
    claimed = OutboxMessage.objects.raw(
        f"UPDATE {table} SET status = %s, claimed_at = %s, attempts = attempts + 1 "  # noqa: S608
        "WHERE id = %s AND status = %s RETURNING *",
        params,
    )
    return next(iter(claimed), None)


def outbox_run(*, message_id: str, handlers: OutboxRegistry | None = None) -> bool:
    """Claim and run one message. Returns True when this call ran the handler."""
    message = outbox_claim(message_id=message_id)
    if message is None:
        return False
    handler = (handlers or registry).get(message.topic)
    try:
        handler(message.payload)
    except Exception as exc:
        status = OutboxStatus.FAILED if message.attempts >= MAX_ATTEMPTS else OutboxStatus.PENDING
        OutboxMessage.objects.filter(id=message.id).update(
            status=status, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    OutboxMessage.objects.filter(id=message.id).update(
        status=OutboxStatus.DONE, processed_at=timezone.now(), last_error=""
    )
    return True


def outbox_stale(*, now: dt.datetime | None = None) -> list[str]:
    """Messages to send again: pending for too long, or claimed by a worker that died."""
    now = now or timezone.now()
    stale_before = now - dt.timedelta(seconds=settings.PORTAL_OUTBOX_STALE_SECONDS)
    lease_before = now - dt.timedelta(seconds=settings.PORTAL_OUTBOX_LEASE_SECONDS)
    expired = OutboxMessage.objects.filter(
        status=OutboxStatus.PROCESSING, claimed_at__lt=lease_before
    )
    expired.update(status=OutboxStatus.PENDING)
    rows = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).filter(
        Q(created_at__lt=stale_before) | Q(claimed_at__lt=lease_before)
    )
    return [str(pk) for pk in rows.order_by("created_at").values_list("id", flat=True)[:1000]]


def outbox_sweep(*, budget_seconds: float = 20.0) -> int:
    """Run the stale messages here, oldest first, instead of sending them to the broker again.

    Re-sending could not tell a lost message from one still queued behind a backlog: under
    load every sweep would add a duplicate per stale row (measured in docs/benchmarks.md).
    Running them is still exactly-once: the claim makes a queued duplicate find the row done.
    The budget stays below the sweep task's soft time limit and the sweep interval."""
    deadline = time.monotonic() + budget_seconds
    ran = 0
    for message_id in outbox_stale():
        if time.monotonic() > deadline:
            break
        try:
            ran += outbox_run(message_id=message_id)
        except Exception:  # outbox_run has put the row back to pending (or failed)
            logger.exception("outbox: sweeping %s failed", message_id)
    return ran

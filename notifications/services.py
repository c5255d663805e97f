"""Writes: send the notifications of a dossier event; mark the inbox as read."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.models import User
from portal.outbox import QUEUE_NOTIFY, outbox_handler

from .channels import Channel, ChannelRegistry, registry
from .models import DeliveryState, NotificationDelivery
from .wording import DossierNotice, compose

if TYPE_CHECKING:
    from dossiers.models import DossierEvent

logger = logging.getLogger(__name__)


@outbox_handler("dossier.notify", queue=QUEUE_NOTIFY)
def _on_dossier_event(payload: dict[str, Any]) -> None:
    """The subscription: every "dossier.notify" row of the outbox (dossiers.transitions)."""
    notify_dossier_event(event_id=payload["event_id"])


def notify_dossier_event(*, event_id: int, channels: ChannelRegistry | None = None) -> bool:
    """Tell the applicant about one timeline entry on every channel that reaches them.

    Safe to run again: a channel already sent (or being sent) for this event is skipped, and
    only the channels whose send raised are tried again. Raises the first error after trying
    every channel, so the outbox retries. Returns True when this call delivered something.
    """
    from dossiers.models import DossierEvent

    try:  # get(), not first(): an ORDER BY over these joins costs ~2 ms of CPU to compile
        event = DossierEvent.objects.select_related(
            "dossier__procedure_version__procedure",
            "dossier__competent_agency",
            "dossier__applicant",
            # the receipt attached to the e-mail names the receiving agency, its parent and place
            "dossier__receiving_agency__province",
            "dossier__receiving_agency__parent",
            "dossier__target_agency__province",
            "dossier__target_agency__parent",
            "agency",
        ).get(pk=event_id)
    except DossierEvent.DoesNotExist:
        return False
    notice = compose(event)
    if notice is None:
        return False
    delivered = False
    error: Exception | None = None
    for channel in channels or registry:
        try:
            delivered |= _deliver(channel, event=event, notice=notice)
        except Exception as exc:
            logger.exception("event %s: %s notification failed", event.pk, channel.name)
            error = error or exc
    if error is not None:
        raise error
    return delivered


def _claim(*, event: DossierEvent, channel: str, recipient: str) -> NotificationDelivery | None:
    """The delivery row for (event, channel), or None when it was sent or is being sent.

    A failed send is claimed again, and so is a claim older than the task time limit: its
    worker died before sending (or before marking it sent)."""
    now = timezone.now()
    claimed = _insert_unless_exists(event=event, channel=channel, recipient=recipient, now=now)
    if claimed is not None:
        return claimed
    abandoned = now - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    retried = (
        NotificationDelivery.objects.filter(event=event, channel=channel)
        .filter(
            Q(state=DeliveryState.FAILED) | Q(state=DeliveryState.SENDING, claimed_at__lt=abandoned)
        )
        .update(
            state=DeliveryState.SENDING,
            recipient=recipient,
            attempts=F("attempts") + 1,
            claimed_at=now,
        )
    )
    if not retried:
        return None
    return NotificationDelivery.objects.get(event=event, channel=channel)


def _insert_unless_exists(
    *, event: DossierEvent, channel: str, recipient: str, now: dt.datetime
) -> NotificationDelivery | None:
    """The new delivery row, or None when (event, channel) has one: one statement, where
    catching the IntegrityError of a plain INSERT needs a savepoint or a transaction."""
    meta = NotificationDelivery._meta
    at = meta.get_field("claimed_at").get_db_prep_value(now, connection)
    rows = NotificationDelivery.objects.raw(
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} "  # noqa: S608
        "(event_id, channel, recipient, state, attempts, created_at, claimed_at, last_error) "
        "VALUES (%s, %s, %s, %s, 1, %s, %s, '') "
        "ON CONFLICT (event_id, channel) DO NOTHING RETURNING *",
        [event.pk, channel, recipient, DeliveryState.SENDING.value, at, at],
    )
    return next(iter(rows), None)


def _deliver(channel: Channel, *, event: DossierEvent, notice: DossierNotice) -> bool:
    recipient = channel.recipient(event)
    if not recipient:
        return False
    if channel.transactional:
        # claim, write and mark sent together: a crash rolls all of it back
        with transaction.atomic():
            delivery = _claim(event=event, channel=channel.name, recipient=recipient)
            if delivery is None:
                return False
            channel.deliver(event=event, notice=notice, recipient=recipient)
            _mark_sent(delivery)
        logger.info("event %s (%s): sent by %s", event.pk, notice.kind, channel.name)
        return True
    delivery = _claim(event=event, channel=channel.name, recipient=recipient)
    if delivery is None:
        return False
    try:
        channel.deliver(event=event, notice=notice, recipient=recipient)
    except Exception as exc:
        NotificationDelivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    _mark_sent(delivery)
    logger.info("event %s (%s): sent by %s", event.pk, notice.kind, channel.name)
    return True


def _mark_sent(delivery: NotificationDelivery) -> None:
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.SENT, sent_at=timezone.now(), last_error=""
    )


def notification_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user as read; returns how many."""
    with transaction.atomic(durable=True):
        return user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())

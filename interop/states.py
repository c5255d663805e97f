"""The state machine of a webhook delivery (one module per state machine).

    pending ──claim──> delivering ──2xx──> delivered
       ^                   │
       │  failure, attempts left / lease expired
       └───────────────────┤
                           └──failure, last attempt──> dead ──requeue──> pending

`interop.services` is the only place that changes a delivery's state, after checking it here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dossiers.states import check


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERING = "delivering", _("Delivering")
    DELIVERED = "delivered", _("Delivered")
    DEAD = "dead", _("Dead letter")


D = DeliveryState
TRANSITIONS: dict[DeliveryState, frozenset[DeliveryState]] = {
    D.PENDING: frozenset({D.DELIVERING}),
    D.DELIVERING: frozenset({D.DELIVERED, D.PENDING, D.DEAD}),
    D.DEAD: frozenset({D.PENDING}),
    D.DELIVERED: frozenset(),
}


def check_transition(source: str, target: str) -> None:
    check("webhook delivery", TRANSITIONS, DeliveryState(source), DeliveryState(target))

"""The state machine of one online payment (an attempt to pay what a dossier owes).

created -> pending (the platform accepted INIT) -> paid | failed | cancelled | expired;
created -> failed when INIT was refused or the platform did not answer. Every end state is
final: a new attempt is a new payment. Only `payments.services` changes a state, after
`check_transition`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dossiers.states import check


class PaymentState(models.TextChoices):
    CREATED = "created", _("Created")
    PENDING = "pending", _("Waiting for the payment platform")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


S = PaymentState
TRANSITIONS: dict[PaymentState, frozenset[PaymentState]] = {
    S.CREATED: frozenset({S.PENDING, S.FAILED}),
    S.PENDING: frozenset({S.PAID, S.FAILED, S.CANCELLED, S.EXPIRED}),
    S.PAID: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
}

#: states in which the platform may still settle the payment
OPEN = frozenset({S.CREATED, S.PENDING})
FINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)


def check_transition(source: str, target: str) -> None:
    check("online payment", TRANSITIONS, PaymentState(source), PaymentState(target))

"""The payment of a dossier's fees: separate from its business status."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import check


class PaymentStatus(models.TextChoices):
    NOT_REQUIRED = "not_required", _("No fee")
    UNPAID = "unpaid", _("Unpaid")
    PENDING = "pending", _("Payment in progress")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Payment failed")
    REFUNDED = "refunded", _("Refunded")


P = PaymentStatus
# pending -> unpaid: the payer cancelled on the payment platform, or the attempt expired;
# not_required/paid -> unpaid: the agency asks for financial obligations (status 6)
TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    P.NOT_REQUIRED: frozenset({P.UNPAID}),
    P.UNPAID: frozenset({P.PENDING, P.PAID}),
    P.PENDING: frozenset({P.PAID, P.FAILED, P.UNPAID}),
    P.FAILED: frozenset({P.PENDING}),
    P.PAID: frozenset({P.REFUNDED, P.UNPAID}),
    P.REFUNDED: frozenset(),
}


def check_transition(source: str, target: str) -> None:
    check("payment", TRANSITIONS, PaymentStatus(source), PaymentStatus(target))

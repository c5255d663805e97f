"""How the result reaches the applicant: separate from the business status."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import check


class DeliveryMethod(models.TextChoices):
    ONLINE = "online", _("Online, in the portal")
    IN_PERSON = "in_person", _("In person at the agency")
    POST = "post", _("By public postal service")


class DeliveryStatus(models.TextChoices):
    NOT_READY = "not_ready", _("Not ready")
    READY = "ready", _("Ready to deliver")
    DELIVERED = "delivered", _("Delivered")


D = DeliveryStatus
TRANSITIONS: dict[DeliveryStatus, frozenset[DeliveryStatus]] = {
    D.NOT_READY: frozenset({D.READY}),
    D.READY: frozenset({D.DELIVERED}),
    D.DELIVERED: frozenset(),
}


def check_transition(source: str, target: str) -> None:
    check("result delivery", TRANSITIONS, DeliveryStatus(source), DeliveryStatus(target))

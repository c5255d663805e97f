"""Online payments of a dossier's fees through the national payment platform."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier

from .states import OPEN, PaymentState


class Obligation(models.Model):
    """Financial obligations (taxes, charges) an officer asked the applicant to pay while
    processing the dossier (status 6), payable online like the fees."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="obligations")
    amount = models.PositiveBigIntegerField()
    description = models.CharField(max_length=255)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.amount} {self.description}"


class Payment(models.Model):
    """One attempt to pay what a dossier owes: its lines are a snapshot of the procedure
    version's online-channel fees (or of the obligation) when the attempt started."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="payments")
    obligation = models.ForeignKey(
        Obligation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        help_text=_("Empty: the procedure's fees."),
    )
    reference = models.CharField(max_length=64, unique=True)
    attempt = models.PositiveSmallIntegerField(help_text=_("1 for the first try of the dossier."))
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3, default="VND")
    lines = models.JSONField(default=list, help_text="[{code, label, label_en, amount}]")
    description = models.CharField(max_length=255)
    state = models.CharField(
        max_length=16, choices=PaymentState.choices, default=PaymentState.CREATED
    )
    create_time = models.CharField(
        max_length=14, help_text=_("The INIT time as sent (yyyyMMddHHmmss, Vietnam time).")
    )
    platform_transaction_id = models.CharField(max_length=64, blank=True)
    payment_url = models.URLField(max_length=500, blank=True)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="payments"
    )
    payer_name = models.CharField(max_length=200)
    client_ip = models.CharField(max_length=45, blank=True)
    method = models.CharField(max_length=32, blank=True)
    result_code = models.CharField(max_length=8, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    query_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    last_queried_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"],
                condition=models.Q(state__in=sorted(s.value for s in OPEN)),
                name="one_open_payment_per_dossier",
            )
        ]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount} {self.currency} {self.state}"


class PaymentEvent(models.Model):
    """One change of state of a payment, and what caused it."""

    class Source(models.TextChoices):
        INIT = "init", _("Payment request to the platform")
        CALLBACK = "callback", _("Callback from the platform")
        QUERY = "query", _("Query to the platform")
        RETURN = "return", _("Return of the payer's browser")

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    from_state = models.CharField(max_length=16, choices=PaymentState.choices)
    to_state = models.CharField(max_length=16, choices=PaymentState.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.payment_id} {self.from_state} -> {self.to_state}"


class CallbackLog(models.Model):
    """Every callback received from the platform, verified or not, with why it was refused."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        DUPLICATE = "duplicate", _("Already applied, nothing changed")
        REFUSED = "refused", _("Refused")

    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="callbacks"
    )
    received_at = models.DateTimeField()
    reference = models.CharField(max_length=128, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    body = models.TextField(
        help_text=_(
            "The body as received: a signed one up to 4,000 characters, an unsigned one its "
            "first 256 characters, its size and its SHA-256."
        )
    )
    signature = models.CharField(max_length=128, blank=True, db_index=True)
    verified = models.BooleanField(default=False)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reason = models.CharField(max_length=64, blank=True)
    http_status = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reference} {self.outcome} {self.reason}"

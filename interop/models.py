"""Webhook deliveries to external agencies and the API keys of their systems."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from dossiers.models import Dossier

from .states import DeliveryState


class Delivery(models.Model):
    """The delivery of one dossier to one external agency's system by signed webhook.

    Its id is the `X-Portal-Delivery` header: the same on every attempt, so the receiver can
    ignore a delivery it has already processed.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="deliveries")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="deliveries")
    status = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(
        default=0, help_text=_("Attempts in the current cycle (a requeue starts a new cycle).")
    )
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["dossier", "agency"], name="unique_delivery")
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["status", "claimed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} -> {self.agency_id} ({self.status})"


class ApiScope(models.TextChoices):
    DOSSIERS_READ = "dossiers:read", _("Read the agency's dossiers")
    DOSSIERS_STATUS = "dossiers:status", _("Change the status of the agency's dossiers")
    DOSSIERS_RESULT = "dossiers:result", _("Upload the result of the agency's dossiers")


class ApiKey(models.Model):
    """A key of an external system, for one agency, with scopes.

    The key is shown once when it is created; only its prefix (to find it) and the SHA-256
    of the whole key (to check it) are stored.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["agency", "name"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class ConnectedSystem(models.Model):
    """A ministry's or province's own settlement system that synchronises its dossiers and
    their processing steps with the portal (issue 13), through the national data exchange
    platform's signed requests (`request_signing`: client id, timestamp, nonce, HMAC-SHA256).

    It may only write dossiers of the agencies it serves. The secret is the HMAC key both
    sides hold (as an agency's webhook secret); it is shown once, when the system is made.
    """

    code = models.SlugField(
        max_length=40, unique=True, help_text=_("The client id the system signs with.")
    )
    name = models.CharField(max_length=200)
    secret = models.CharField(max_length=128, editable=False)
    agencies = models.ManyToManyField(Agency, related_name="connected_systems", blank=True)
    province = models.ForeignKey(
        "agencies.Province",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("A province's system serves every agency of the province."),
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

"""Shared pieces: the user account, the transactional outbox, the audit log and the
notifications (the in-portal inbox and what was sent on each channel)."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountType(models.IntegerChoices):
    """Account types of the national SSO (DOMAIN.md section 5)."""

    PERSON = 1, _("Person")
    BUSINESS = 2, _("Business")
    ORGANISATION = 3, _("Organisation")


class User(AbstractUser):
    """One account for citizens (national SSO) and officers (username, password)."""

    sso_subject = models.CharField(max_length=64, unique=True, null=True, blank=True)
    account_type = models.PositiveSmallIntegerField(
        choices=AccountType.choices, default=AccountType.PERSON
    )
    personal_id = models.CharField(
        _("personal identification number"), max_length=12, unique=True, null=True, blank=True
    )
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    level_of_assurance = models.PositiveSmallIntegerField(default=0)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    def __str__(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def is_citizen(self) -> bool:
        return self.sso_subject is not None


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    PROCESSING = "processing", _("processing")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class OutboxMessage(models.Model):
    """A side effect written in the same transaction as the state change that causes it.

    The worker claims a row with a conditional UPDATE, so a redelivered task does nothing
    twice; the beat sweeper re-enqueues rows that stayed pending or whose claim expired.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    topic = models.CharField(max_length=64, db_index=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.topic} {self.id} ({self.status})"


class AuditEvent(models.Model):
    """Append-only record of mutations, officer reads of personal data and registry lookups."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    agency_code = models.CharField(max_length=32, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_id}"


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    PORTAL = "portal", _("In the portal")


class Notification(models.Model):
    """A message in a user's inbox in the portal, rendered in the dossier's language when it
    was sent (the same wording as the e-mail and the SMS)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.ForeignKey(
        "dossiers.DossierEvent",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["user", "read_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=models.Q(event__isnull=False),
                name="unique_notification_per_event_and_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class DeliveryState(models.TextChoices):
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class NotificationDelivery(models.Model):
    """What was sent for a dossier event on one channel: one row per (event, channel).

    The row is written (state "sending", with its claim time) and committed before the message
    leaves, so a handler that runs again finds it and does not send again. A send that raised
    is marked "failed" and is sent again by a re-run; so is a row still "sending" after the
    task time limit (its worker died between the claim and the send): losing an applicant's
    notice is worse than, in that rare crash, sending it twice.
    """

    event = models.ForeignKey(
        "dossiers.DossierEvent", on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=16, choices=NotificationChannel.choices)
    recipient = models.CharField(max_length=254, blank=True)
    state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.SENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "channel"], name="unique_delivery_per_event_and_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.channel} ({self.state})"

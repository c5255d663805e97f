"""The applicant's inbox and the record of what was sent for each dossier event."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.models import User


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
    #: {language: {"title": ..., "body": ...}}: the same message in each of the portal's
    #: languages, shown in the reader's (title and body: the language it was sent in)
    translations = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "portal_notification"  # moved from portal: the table keeps its name
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="portal_noti_user_id_af50dc_idx"),
            models.Index(fields=["user", "read_at"], name="portal_noti_user_id_d5ad53_idx"),
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

    def _shown(self) -> dict[str, str]:
        return self.translations.get((get_language() or "").split("-")[0]) or {}

    @property
    def shown_title(self) -> str:
        """The title in the reader's language, when it was kept in it."""
        return self._shown().get("title") or self.title

    @property
    def shown_body(self) -> str:
        return self._shown().get("body") or self.body

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
        db_table = "portal_notificationdelivery"  # moved from portal: the table keeps its name
        constraints = [
            models.UniqueConstraint(
                fields=["event", "channel"], name="unique_delivery_per_event_and_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.channel} ({self.state})"

"""Shared pieces: the user account, the transactional outbox, the audit log and the
notifications (the in-portal inbox and what was sent on each channel)."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountType(models.IntegerChoices):
    """Account types of the national SSO (docs/domain.md section 5)."""

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
    #: the language the person last chose or signed in with: what they are written to in
    #: (blank: not known, the dossier's language is used)
    language = models.CharField(max_length=8, blank=True)

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name_to_display(
            full_name=self.full_name,
            first_name=self.first_name,
            last_name=self.last_name,
            username=self.username,
        )

    @staticmethod
    def name_to_display(*, full_name: str, first_name: str, last_name: str, username: str) -> str:
        """A person's name as pages show it, from the columns alone (a list reading them
        with ``values()`` builds no User): the full name, else first and last, else the
        username."""
        return full_name or f"{first_name} {last_name}".strip() or username

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

"""Ratings of the handling of a dossier, and feedback / complaints (docs/domain.md section 6)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from dossiers.models import Dossier
from procedures.models import ChannelKind, Procedure

from .criteria import criteria_score, validate_criteria


class RatingLevel(models.IntegerChoices):
    VERY_SATISFIED = 2, _("Very satisfied")
    SATISFIED = 1, _("Satisfied")
    NOT_SATISFIED = 0, _("Not satisfied")


class RatedAfter(models.TextChoices):
    RESULT = "result", _("After the result")
    REFUSAL = "refusal", _("After a refusal")


class ReviewStatus(models.TextChoices):
    NONE = "none", _("No response needed")
    REQUESTED = "requested", _("Waiting for the agency's response")
    REOPENED = "reopened", _("Reopened for review")
    ANSWERED = "answered", _("The agency responded")


class Rating(models.Model):
    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="rating")
    level = models.PositiveSmallIntegerField(choices=RatingLevel.choices)
    comment = models.TextField(blank=True, max_length=2000)
    #: {criterion_slug: 0|1|2} over the nine criteria of feedback/criteria.py, each optional
    criteria = models.JSONField(default=dict, blank=True, validators=[validate_criteria])
    created_at = models.DateTimeField(auto_now_add=True)

    # denormalised from the dossier for the satisfaction figures
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="ratings"
    )
    procedure = models.ForeignKey(
        Procedure, null=True, blank=True, on_delete=models.PROTECT, related_name="ratings"
    )
    channel = models.PositiveSmallIntegerField(choices=ChannelKind.choices, null=True, blank=True)
    rated_after = models.CharField(
        max_length=8, choices=RatedAfter.choices, default=RatedAfter.RESULT
    )

    # a "not satisfied" rating asks the agency to respond
    review_requested = models.BooleanField(default=False)
    review_status = models.CharField(
        max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.NONE
    )
    response = models.TextField(blank=True, max_length=4000)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "created_at"]),
            models.Index(fields=["agency", "review_status"]),
            models.Index(fields=["procedure", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.get_level_display()}"

    @property
    def criteria_score(self) -> int:
        """Points over the answered criteria (0-18; unanswered criteria count 0)."""
        return criteria_score(self.criteria or {})


class ComplaintKind(models.TextChoices):
    RULES = "rules", _("The procedure or the regulation")
    STAFF = "staff", _("The behaviour of staff")
    SERVICE = "service", _("The portal or the online service")


class ComplaintStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, waiting to be routed")
    ROUTED = "routed", _("Sent to the responsible agency")
    IN_PROGRESS = "in_progress", _("Being handled")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Not accepted")


class Complaint(models.Model):
    """Feedback or a complaint (phan anh, kien nghi) with its answer and deadline."""

    code = models.CharField(max_length=24, unique=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="complaints"
    )
    kind = models.CharField(max_length=8, choices=ComplaintKind.choices)
    procedure = models.ForeignKey(
        Procedure, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    #: the responsible agency; empty while the complaint waits in the national triage queue
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    dossier = models.ForeignKey(
        Dossier, null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints"
    )
    title = models.CharField(max_length=200)
    content = models.TextField(max_length=5000)
    status = models.CharField(
        max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.SUBMITTED
    )
    created_at = models.DateTimeField(default=timezone.now)
    routed_at = models.DateTimeField(null=True, blank=True)
    #: PORTAL_COMPLAINT_ANSWER_WORKING_DAYS working days from routing (working-time calendar)
    deadline = models.DateTimeField(null=True, blank=True)
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True, max_length=8000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    #: the agency decides to publish the answer (the author's name is never shown publicly)
    is_public = models.BooleanField(default=False)
    #: what the public sees of the question: written by the officer when publishing, without
    #: names, numbers or addresses (title and content stay private to the author and agency)
    public_title = models.CharField(max_length=200, blank=True)
    public_question = models.TextField(blank=True, max_length=5000)
    published_at = models.DateTimeField(null=True, blank=True)
    #: the author rates the answer
    author_satisfied = models.BooleanField(null=True, blank=True)
    author_rated_at = models.DateTimeField(null=True, blank=True)
    #: the published title, question and answer folded (no diacritics, lower case) for the
    #: public search; empty while unpublished, so private text is never searchable
    search_text = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("triage_complaint", "Can route complaints waiting in national triage")]
        indexes = [
            models.Index(fields=["agency", "status", "deadline"]),
            models.Index(fields=["author", "-created_at"]),
            models.Index(fields=["is_public", "status", "-answered_at"]),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def on_time(self) -> bool | None:
        """Answered by the deadline; None while unanswered and not yet late, or without one."""
        if self.deadline is None:
            return None
        if self.answered_at is not None:
            return self.answered_at <= self.deadline
        if timezone.now() > self.deadline:
            return False
        return None

    @property
    def is_overdue(self) -> bool:
        return (
            self.answered_at is None
            and self.deadline is not None
            and self.status in OPEN_COMPLAINT_STATUSES
            and timezone.now() > self.deadline
        )


OPEN_COMPLAINT_STATUSES = frozenset(
    {ComplaintStatus.SUBMITTED, ComplaintStatus.ROUTED, ComplaintStatus.IN_PROGRESS}
)

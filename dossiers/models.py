"""Dossiers (ho so), their timeline, attachments, e-form drafts and the daily code counter."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Commune
from portal.uploads import storage_name
from procedures.models import Case, ChannelKind, Component, ProcedureVersion

from .states.business import Status
from .states.delivery import DeliveryMethod, DeliveryStatus
from .states.payment import PaymentStatus
from .states.sync import SyncStatus


class Dossier(models.Model):
    code = models.CharField(max_length=40, unique=True)
    procedure_version = models.ForeignKey(
        ProcedureVersion, on_delete=models.PROTECT, related_name="dossiers"
    )
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT)
    channel = models.PositiveSmallIntegerField(
        choices=ChannelKind.choices, default=ChannelKind.ONLINE
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    applicant_name = models.CharField(max_length=200)
    applicant_personal_id = models.CharField(max_length=12, blank=True)
    applicant_email = models.EmailField(blank=True)
    applicant_phone = models.CharField(max_length=20, blank=True)
    subject_name = models.CharField(
        max_length=200, blank=True, help_text=_("Whom the dossier is about, e.g. the child.")
    )
    commune = models.ForeignKey(
        Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="parts",
        help_text=_("The bundle dossier this part belongs to (linked procedures)."),
    )
    part_code = models.CharField(max_length=8, blank=True)
    data = models.JSONField(default=dict)
    language = models.CharField(max_length=8, default="vi")

    status = models.PositiveSmallIntegerField(choices=Status.choices, default=Status.SUBMITTED)
    payment_status = models.CharField(
        max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.NOT_REQUIRED
    )
    delivery_method = models.CharField(
        max_length=16, choices=DeliveryMethod.choices, default=DeliveryMethod.ONLINE
    )
    delivery_status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.NOT_READY
    )
    sync_status = models.CharField(
        max_length=16, choices=SyncStatus.choices, default=SyncStatus.PENDING
    )
    #: the connected system (interop.ConnectedSystem code) that received and processes the
    #: dossier outside the portal and synchronises it here; empty for the portal's own
    source_system = models.CharField(max_length=40, blank=True)

    target_agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The competent agency determined when the dossier was submitted."),
    )
    receiving_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="received_dossiers"
    )
    competent_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="dossiers"
    )

    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_dossiers",
    )
    current_step = models.PositiveSmallIntegerField(null=True, blank=True)
    step_due_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the clock was paused (supplement requested).")
    )
    due_soon_alerted_at = models.DateTimeField(null=True, blank=True)
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)

    submitted_at = models.DateTimeField()
    routed_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)

    submission_key = models.UUIDField(unique=True, null=True, blank=True)
    #: the national sources whose data prefilled the e-form (index group 5: "dossiers using
    #: population data")
    prefilled_from = models.JSONField(default=list, blank=True)
    verification_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    result_file = models.FileField(upload_to="results/%Y/%m/", blank=True)
    result_sha256 = models.CharField(max_length=64, blank=True)
    result_number = models.CharField(max_length=40, blank=True)
    #: the result carries a valid signature of the issuing agency (PAdES, portal.pdfsign): the
    #: results the portal renders are signed; a PDF from an agency's own system is checked
    result_signed = models.BooleanField(default=False)
    #: the issuing agency withdrew the result (issued in error, or replaced by a corrected
    #: record): the verification page says so and names the replacement; the file stays
    result_revoked_at = models.DateTimeField(null=True, blank=True)
    result_revocation_reason = models.CharField(max_length=500, blank=True)
    #: the dossier whose result replaces this one (a corrected civil-status record, say);
    #: looked up from the revoked side only, so no index on a table of millions
    result_replaced_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at"]
        permissions = [("triage_dossier", "Can send dossiers waiting in triage to an agency")]
        indexes = [
            models.Index(fields=["competent_agency", "status", "due_at"]),
            # the back-office's "processed this month" (selectors.workload)
            models.Index(fields=["competent_agency", "processed_at"]),
            # the back-office's "Finished" tab, newest first: its page read from the index in
            # that order, whatever the agency's history (the statuses: states.business.FINAL)
            models.Index(
                fields=["competent_agency", "-submitted_at", "-id"],
                condition=models.Q(status__in=[3, 7, 8, 10], source_system=""),
                name="dossier_finished_newest",
            ),
            models.Index(fields=["applicant", "-submitted_at"]),
            models.Index(fields=["status", "routed_at"]),
            # a synchronised dossier belongs to the person of its identification number
            models.Index(
                fields=["applicant_personal_id", "-submitted_at"],
                condition=~models.Q(source_system=""),
                name="dossier_synced_by_person",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


class DossierEvent(models.Model):
    """One entry of the dossier's timeline: who, in which role and agency, did what, when."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    action = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(max_length=32, blank=True)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.PositiveSmallIntegerField(choices=Status.choices, null=True, blank=True)
    to_status = models.PositiveSmallIntegerField(choices=Status.choices, null=True, blank=True)
    note = models.TextField(blank=True, help_text=_("Shown to the applicant and the public."))
    #: a note the portal composed (dossiers.notes): its key and parameters, rendered in the
    #: reader's language; `note` keeps its text in the portal's language
    note_key = models.CharField(max_length=40, blank=True)
    note_params = models.JSONField(default=dict, blank=True)
    step_due_at = models.DateTimeField(null=True, blank=True)
    #: a step synchronised from a connected system: its id there (the same step sent twice
    #: is one entry) and when it reached the portal (its delay is arrived_at - at)
    external_id = models.CharField(max_length=64, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "external_id"],
                condition=~models.Q(external_id=""),
                name="unique_synced_step",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.action} {self.at}"


class AttachmentKind(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded by the applicant")
    REUSED = "reused", _("Reused from the e-document store")
    DIGITISED = "digitised", _("Digitised at the counter")


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    """attachments/YYYY/MM/<random>.<extension of the detected type>: never the person's
    file name, which is kept in original_name, only to be shown."""
    return storage_name(timezone.now().strftime("attachments/%Y/%m"), instance.content_type)


class Attachment(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="attachments")
    component = models.ForeignKey(Component, null=True, blank=True, on_delete=models.PROTECT)
    #: Files stored before names were made by the server keep their old names.
    file = models.FileField(upload_to=attachment_upload_to)
    #: The person's file name, made safe (portal.uploads.display_name): shown, never a path.
    original_name = models.CharField(max_length=255)
    #: The type read from the content (portal.validators.detect_upload_type).
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    kind = models.CharField(
        max_length=16, choices=AttachmentKind.choices, default=AttachmentKind.UPLOADED
    )
    #: for a reused document: its id in the person's e-document store
    store_document_id = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return self.original_name


class FormDraft(models.Model):
    """The server-side state of an e-form wizard: survives logout and resumes anywhere.

    Also records when the form was started, first answered and submitted, for the completion
    rate and the login-to-submission time. An open draft (neither submitted nor discarded) is
    listed on My dossiers, where its owner continues or deletes it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="form_drafts"
    )
    procedure_version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE)
    storage = models.JSONField(default=dict)
    started_at = models.DateTimeField(auto_now_add=True)
    first_answered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    login_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    #: deleted by its owner from My dossiers: the answers and files are gone, the row stays
    #: (without personal data) so that the started/submitted figures of the dashboards hold
    discarded_at = models.DateTimeField(null=True, blank=True)
    dossier = models.OneToOneField(
        Dossier, null=True, blank=True, on_delete=models.SET_NULL, related_name="draft"
    )

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"draft {self.id} ({self.procedure_version})"


class SupplementRound(models.Model):
    """One request for a supplement: all missing items at once; the clock pauses until the
    applicant resubmits, then the due date moves by the pause, in working time."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="supplements")
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    items = models.JSONField(help_text=_("[{name, reason}] for every missing item"))
    note = models.TextField(blank=True)
    from_status = models.PositiveSmallIntegerField(choices=Status.choices)
    old_due_at = models.DateTimeField(null=True, blank=True)
    resubmitted_at = models.DateTimeField(null=True, blank=True)
    applicant_note = models.TextField(blank=True)
    paused_seconds = models.PositiveIntegerField(null=True, blank=True)
    new_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at"]

    def __str__(self) -> str:
        return f"{self.dossier_id} supplement {self.requested_at:%Y-%m-%d}"


class DeadlineExtension(models.Model):
    """An apology for a late dossier with its new return date (slip 04)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="extensions")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    old_due_at = models.DateTimeField()
    new_due_at = models.DateTimeField()
    reason = models.TextField()

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.old_due_at:%Y-%m-%d} -> {self.new_due_at:%Y-%m-%d}"


class RoutingRuleQuerySet(models.QuerySet["RoutingRule"]):
    """`update()` (the admin's bulk actions) sends no model signal: it forgets the cached
    routing itself (`dossiers.routing`); saves and deletes do it through the signals."""

    def update(self, **kwargs: Any) -> int:
        from .routing import routing_changed

        updated = super().update(**kwargs)
        routing_changed(using=self.db)
        return updated


class RoutingRule(models.Model):
    """An administrator's routing rule: the first active rule that matches a dossier decides
    its competent agency, before the default by implementing level. Empty conditions match
    anything (a rule for a procedure across a whole province, say)."""

    order = models.PositiveIntegerField(default=100, help_text=_("Lower runs first."))
    is_active = models.BooleanField(default=True)
    procedure = models.ForeignKey(
        "procedures.Procedure", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    province = models.ForeignKey(
        "agencies.Province", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    commune = models.ForeignKey(
        Commune, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(max_length=255, blank=True)

    objects = RoutingRuleQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"#{self.order} -> {self.agency}"


def certified_copy_upload_to(instance: CertifiedCopy, filename: str) -> str:
    return storage_name(timezone.now().strftime("certified/%Y/%m"), "application/pdf")


class CertifiedCopy(models.Model):
    """An electronic copy certified from the paper original ("chứng thực bản sao điện tử từ
    bản chính", Decree 23/2015/ND-CP, Decree 45/2020/ND-CP): the scan of the original with a
    certification page, signed by the certifying agency, numbered in its yearly register. It
    joins the holder's e-document store and can replace that component in later dossiers."""

    number = models.CharField(max_length=40)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="certified_copies")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certified_copies"
    )
    holder_personal_id = models.CharField(max_length=12)
    holder_name = models.CharField(max_length=200)
    holder_birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    #: the code of the catalogue result the original is (e.g. KQ-GKS, a birth certificate),
    #: which lets the copy replace a component; blank for another kind of document
    result_code = models.CharField(max_length=32, blank=True)
    document_title = models.CharField(max_length=255)
    pages = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to=certified_copy_upload_to)
    sha256 = models.CharField(max_length=64)
    verification_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    issued_at = models.DateTimeField()
    #: its id in the holder's e-document store, once stored there
    store_document_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "number"], name="unique_certified_copy_number"
            )
        ]
        indexes = [models.Index(fields=["agency", "issued_at"])]
        verbose_name_plural = "certified copies"

    def __str__(self) -> str:
        return f"{self.number} {self.document_title}"


class DossierCounter(models.Model):
    """The daily per-agency counter behind NNNN in `{agency id}-{yyMMdd}-{NNNN}`."""

    agency_code = models.CharField(max_length=24)
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency_code", "day"], name="unique_counter_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.agency_code} {self.day} {self.last_number}"


class EForm(models.Model):
    """An e-form definition kept as data (docs/eforms.md), edited by administrators. A row
    overrides the reviewed file dossiers/eforms/definitions/<key>.json of the same key."""

    key = models.SlugField(max_length=64, unique=True)
    version = models.PositiveIntegerField(default=1)
    definition = models.JSONField()
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("e-form")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from .eforms.validation import definition_problems

        problems = definition_problems(self.definition)
        if problems:
            raise ValidationError({"definition": problems})
        if self.definition.get("key") != self.key:
            raise ValidationError({"key": _("The key must be the definition's key.")})
        self.version = int(self.definition.get("version", self.version))

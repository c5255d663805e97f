"""The procedure catalogue (docs/domain.md section 3): procedures versioned by effective date."""

from __future__ import annotations

import datetime as dt

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from agencies.models import AgencyKind, AgencyLevel

procedure_code_validator = RegexValidator(
    r"^[0-9]\.[0-9]{6}$", _("A procedure code looks like 1.001193.")
)


def bilingual(text: str, text_en: str) -> str:
    """`text_en` when the active language is English and it is not blank, else `text`."""
    if text_en and (get_language() or "vi").startswith("en"):
        return text_en
    return text


class BilingualMixin:
    """`label` returns the English name when the active language is English."""

    name: str
    name_en: str

    @property
    def label(self) -> str:
        return bilingual(self.name, self.name_en)


class Sector(BilingualMixin, models.Model):
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=255)
    name_en = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LifeEvent(BilingualMixin, models.Model):
    """A moment of life (having a baby, moving house, starting a business, ...) to browse by."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=255)
    name_en = models.CharField(max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.name


class ApplicantType(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    BUSINESS = "business", _("Business")
    ORGANISATION = "organisation", _("Organisation")


class Procedure(BilingualMixin, models.Model):
    code = models.CharField(max_length=8, unique=True, validators=[procedure_code_validator])
    name = models.CharField(max_length=255)
    name_en = models.CharField(max_length=255, blank=True)
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="procedures")
    applicant_types = models.JSONField(default=list)
    keywords = models.CharField(max_length=500, blank=True)
    is_published = models.BooleanField(default=True)
    life_events = models.ManyToManyField(LifeEvent, blank=True, related_name="procedures")
    #: dossiers submitted for it in the last three months, counted each night from the
    #: dashboards' facts (dashboards.tasks.procedure_usage_refresh): the order of the front
    #: page's common procedures
    recent_dossiers = models.PositiveIntegerField(default=0, editable=False)
    essential_service = models.BooleanField(
        default=False, help_text=_("One of the 25 essential public services.")
    )
    ministry = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_procedures",
        limit_choices_to={"level": AgencyLevel.MINISTRY},
        help_text=_("The central agency that manages this procedure."),
    )
    search_text = models.TextField(
        blank=True,
        editable=False,
        help_text=_(
            "Name, English name, keywords, sector and description without diacritics, "
            "kept up to date on every save."
        ),
    )
    search_name = models.CharField(max_length=1000, blank=True, editable=False)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def version_in_force(self, on: dt.date | None = None) -> ProcedureVersion | None:
        from django.utils import timezone

        on = on or timezone.localdate()
        return (
            self.versions.filter(effective_from__lte=on, is_published=True)
            .filter(models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=on))
            .order_by("-effective_from", "-number")
            .first()
        )


class OnlineLevel(models.TextChoices):
    FULL = "full", _("Full-process online service")
    PARTIAL = "partial", _("Partial online service")
    INFORMATION = "information", _("Information only")


class ProcedureVersion(models.Model):
    """A version of a procedure in force from `effective_from`; a dossier keeps its version."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    is_published = models.BooleanField(default=True)
    publishing_decision = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    conditions = models.TextField(blank=True)
    conditions_en = models.TextField(blank=True)
    online_level = models.CharField(max_length=16, choices=OnlineLevel.choices)
    eligible_full_process = models.BooleanField(default=False)
    online_payment_required = models.BooleanField(default=False)
    e_signed_result = models.BooleanField(default=False)
    accept_regardless_of_address = models.BooleanField(default=True)
    proxy_allowed = models.BooleanField(default=False)
    form_key = models.CharField(
        max_length=64, blank=True, help_text=_("The e-form that implements this version.")
    )
    related_codes = models.JSONField(default=list, blank=True)
    bundle_parts = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            "For a linked bundle (lien thong): the parts, each handled by its own agency: "
            '[{"code": "1.001193", "name": "...", "agency_kind": "commune_committee"}]'
        ),
    )

    class Meta:
        ordering = ["procedure", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="unique_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number} ({self.effective_from})"


class ImplementationLevel(models.Model):
    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField(choices=AgencyLevel.choices)
    implementing_agency = models.CharField(max_length=255)
    competent_agency_kind = models.CharField(max_length=32, choices=AgencyKind.choices)
    competent_agency = models.CharField(max_length=255)
    competent_agency_en = models.CharField(max_length=255, blank=True)
    delegated_agency = models.CharField(max_length=255, blank=True)
    coordinating_agencies = models.CharField(max_length=500, blank=True)
    coordinating_agencies_en = models.CharField(max_length=500, blank=True)
    receiving_address = models.CharField(max_length=500, blank=True)
    receiving_address_en = models.CharField(max_length=500, blank=True)
    competent_agency_number = models.CharField(
        max_length=2,
        blank=True,
        help_text=_(
            "For a provincial department: its 2-digit number in agencies/data/ministries.json "
            '("02" Department of Justice, "11" provincial police).'
        ),
    )
    competent_agency_code = models.CharField(
        max_length=24,
        blank=True,
        help_text=_('For a ministry: its electronic agency id ("000.00.00.G01").'),
    )

    class Meta:
        ordering = ["level", "id"]

    def __str__(self) -> str:
        return f"{self.version} level {self.level}"

    @property
    def competent_agency_label(self) -> str:
        return bilingual(self.competent_agency, self.competent_agency_en)

    @property
    def coordinating_agencies_label(self) -> str:
        return bilingual(self.coordinating_agencies, self.coordinating_agencies_en)

    @property
    def receiving_address_label(self) -> str:
        return bilingual(self.receiving_address, self.receiving_address_en)


class ChannelKind(models.IntegerChoices):
    IN_PERSON = 1, _("In person")
    ONLINE = 2, _("Online")
    POST = 3, _("Public postal service")


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    CALENDAR_DAYS = "calendar_days", _("calendar days")
    HOURS = "hours", _("working hours")


class Channel(models.Model):
    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="channels")
    kind = models.PositiveSmallIntegerField(choices=ChannelKind.choices)
    time_limit = models.DecimalField(max_digits=6, decimal_places=2)
    time_unit = models.CharField(max_length=16, choices=TimeUnit.choices)
    time_note = models.CharField(max_length=500, blank=True)
    time_note_en = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["version", "kind"], name="unique_channel_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.time_limit} {self.get_time_unit_display()}"

    @property
    def time_note_label(self) -> str:
        return bilingual(self.time_note, self.time_note_en)


class Fee(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="fees")
    code = models.CharField(max_length=32)
    amount = models.DecimalField(max_digits=14, decimal_places=0)
    unit = models.CharField(max_length=32, default="VND")
    description = models.CharField(max_length=500)
    description_en = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.code} {self.amount} {self.unit}"


class Case(BilingualMixin, models.Model):
    """A case (truong hop) with its own list of dossier components."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="cases")
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=500)
    name_en = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_case_code")]

    def __str__(self) -> str:
        return self.name


class Component(BilingualMixin, models.Model):
    """A document of the dossier (thanh phan ho so) in one case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="components")
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=500)
    name_en = models.CharField(max_length=500, blank=True)
    originals = models.PositiveSmallIntegerField(default=1)
    copies = models.PositiveSmallIntegerField(default=0)
    template = models.CharField(max_length=255, blank=True)
    replaceable_by_result_code = models.CharField(max_length=32, blank=True)
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "code"], name="unique_component_code")
        ]

    def __str__(self) -> str:
        return self.name


class Step(BilingualMixin, models.Model):
    """An ordered processing step; its share of the time limit gives its own deadline."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=255)
    name_en = models.CharField(max_length=255, blank=True)
    role = models.CharField(max_length=16)
    duration_hours = models.DecimalField(max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class Result(BilingualMixin, models.Model):
    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="results")
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=255)
    name_en = models.CharField(max_length=255, blank=True)
    template = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return self.name


class LegalBasis(models.Model):
    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="legal_bases"
    )
    number = models.CharField(max_length=64)
    title = models.CharField(max_length=500)
    title_en = models.CharField(max_length=500, blank=True)
    issuer = models.CharField(max_length=255)
    issuer_en = models.CharField(max_length=255, blank=True)
    issue_date = models.DateField()
    effective_date = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "legal bases"

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def title_label(self) -> str:
        return bilingual(self.title, self.title_en)

    @property
    def issuer_label(self) -> str:
        return bilingual(self.issuer, self.issuer_en)


class SearchWord(models.Model):
    """A word of the catalogue's folded search text and how many procedures use it: the
    vocabulary that corrects typos and weighs rare words more (refreshed by the loader and on
    every save in the admin)."""

    word = models.CharField(max_length=64, primary_key=True)
    documents = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.word

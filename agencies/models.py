"""Administrative units, agencies and the working calendar they keep."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    """One of the 34 provinces and centrally-run cities (since 1 July 2025)."""

    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=120)
    division_type = models.CharField(max_length=40)
    codename = models.SlugField(max_length=120)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Commune(models.Model):
    """A commune (xa), ward (phuong) or special zone (dac khu)."""

    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=120)
    division_type = models.CharField(max_length=40)
    codename = models.SlugField(max_length=120)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="communes")

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["province", "name"])]

    def __str__(self) -> str:
        return f"{self.name}, {self.province.name}"


class AgencyLevel(models.IntegerChoices):
    """Implementing levels of docs/domain.md section 2 (2 = district, historic only)."""

    MINISTRY = 0, _("Ministry")
    PROVINCE = 1, _("Province")
    DISTRICT = 2, _("District (historic)")
    COMMUNE = 3, _("Commune")


class AgencyKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry or ministry-level agency")
    PROVINCE_COMMITTEE = "province_committee", _("Provincial People's Committee")
    PROVINCE_DEPARTMENT = "province_department", _("Provincial department")
    COMMUNE_COMMITTEE = "commune_committee", _("Commune People's Committee")
    COMMUNE_POLICE = "commune_police", _("Commune police")
    SOCIAL_INSURANCE = "social_insurance", _("Social insurance")
    SERVICE_CENTRE = "service_centre", _("Public Administration Service Centre")


class Agency(models.Model):
    """An agency that receives or decides dossiers, with its electronic agency id."""

    code = models.CharField(_("electronic agency id"), max_length=24, unique=True)
    name = models.CharField(max_length=255)
    name_en = models.CharField(max_length=255, blank=True)
    level = models.PositiveSmallIntegerField(choices=AgencyLevel.choices)
    kind = models.CharField(max_length=32, choices=AgencyKind.choices)
    province = models.ForeignKey(
        Province, null=True, blank=True, on_delete=models.PROTECT, related_name="agencies"
    )
    commune = models.ForeignKey(
        Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="agencies"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="predecessors"
    )
    address = models.CharField(max_length=255, blank=True)
    email = models.EmailField(blank=True)
    is_external = models.BooleanField(
        _("has its own system"),
        default=False,
        help_text=_(
            "Dossiers routed to this agency are delivered to its own system by a signed "
            "webhook (see docs/interop.md)."
        ),
    )
    webhook_url = models.URLField(_("webhook URL"), max_length=500, blank=True)
    webhook_secret = models.CharField(
        _("webhook secret"),
        max_length=128,
        blank=True,
        help_text=_("Signs the webhooks (HMAC-SHA256); never shown again in full."),
    )

    class Meta:
        ordering = ["level", "name"]
        verbose_name_plural = "agencies"
        indexes = [
            models.Index(fields=["kind", "commune"]),
            models.Index(fields=["kind", "province"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name in the active language: the English name when English is active and the
        agency has one, else the official (Vietnamese) name."""
        if self.name_en and (get_language() or "vi").startswith("en"):
            return self.name_en
        return self.name

    @property
    def webhook_secret_hint(self) -> str:
        """The last four characters of the webhook secret, for administrators."""
        if not self.webhook_secret:
            return ""
        return "…" + self.webhook_secret[-4:]


class OfficerRole(models.TextChoices):
    RECEPTION = "reception", _("Reception officer")
    SPECIALIST = "specialist", _("Specialist")
    LEADER = "leader", _("Leader")
    ADMIN = "admin", _("Agency administrator")


class Membership(models.Model):
    """An officer belongs to agencies with a role in each."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=OfficerRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.agency} ({self.role})"


class CalendarDay(models.Model):
    """An administrator's override of the national calendar for one date.

    Substitute days off (is_working_day=False) and make-up working Saturdays
    (is_working_day=True) are announced yearly; they win over the computed holidays.
    """

    date = models.DateField(unique=True)
    is_working_day = models.BooleanField()
    name = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        kind = "working day" if self.is_working_day else "day off"
        return f"{self.date} {kind} {self.name}"

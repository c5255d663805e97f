"""Ratings of the handling of a dossier (DOMAIN.md section 6)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier


class RatingLevel(models.IntegerChoices):
    VERY_SATISFIED = 2, _("Very satisfied")
    SATISFIED = 1, _("Satisfied")
    NOT_SATISFIED = 0, _("Not satisfied")


class Rating(models.Model):
    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="rating")
    level = models.PositiveSmallIntegerField(choices=RatingLevel.choices)
    comment = models.TextField(blank=True, max_length=2000)
    criteria = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.get_level_display()}"

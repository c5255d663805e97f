"""E-forms: each procedure's form is a definition registered by key; one wizard renders them.

A definition lists its steps (name, title, form class), says how to prefill them, how to
summarise the answers on "Check your answers", and how to turn the answers into a dossier.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django import forms

from .base import (
    LockableForm,
    PrefillContext,
    StepSpec,
    Submission,
    SummaryRow,
    normalise_locked,
)

if TYPE_CHECKING:
    from .engine import DataForm


def get_definition(key: str) -> DataForm | None:
    """The e-form with this key: the administrators' copy in the database (model EForm) if there
    is one, else the reviewed file dossiers/eforms/definitions/<key>.json."""
    from .loading import definition_for_key

    return definition_for_key(key) if key else None


def dossier_summary(dossier) -> list[tuple[str, list[SummaryRow]]]:
    """What the applicant declared, by section, read from the dossier's stored answers."""
    definition = get_definition(dossier.procedure_version.form_key)
    if definition is None:
        return []
    return definition.summary(dossier.data or {})


@dataclass(frozen=True)
class Coverage:
    """How much of an e-form the person must type, once prefill has done its part."""

    text_fields: int  # fields typed with a keyboard (text, dates, numbers, e-mail, phone)
    prefilled: int  # of which filled from a national database or the SSO account
    defaulted: int  # of which filled with a sensible default (nationality, ethnicity)
    typed: int  # of which left to type
    chosen: int  # choices, ticks and uploads: picked, not typed

    @property
    def typed_share(self) -> float:
        return self.typed / self.text_fields if self.text_fields else 0.0

    @property
    def prefilled_share(self) -> float:
        return self.prefilled / self.text_fields if self.text_fields else 0.0


TYPED_FIELDS = (forms.CharField, forms.DateField, forms.IntegerField, forms.DecimalField)


def prefill_coverage(definition: DataForm, context: PrefillContext) -> Coverage:
    """Count, over every step of the e-form, the text fields a person must still type (a
    repeating group counts its first row; uploads and choices are picked, not typed)."""
    text = prefilled = defaulted = typed = chosen = 0
    for spec in definition.steps:
        form_class = getattr(spec.form_class, "form", spec.form_class)  # a formset's row
        fields = form_class.base_fields
        initial = context.initial.get(spec.name, {})
        if not isinstance(initial, dict):
            initial = {}
        for name, form_field in fields.items():
            is_text = isinstance(form_field, TYPED_FIELDS) and not isinstance(
                form_field, forms.ChoiceField | forms.ModelChoiceField | forms.FileField
            )
            if not is_text:
                chosen += 1
                continue
            text += 1
            if initial.get(name):
                prefilled += 1
            elif form_field.initial:
                defaulted += 1
            else:
                typed += 1
    return Coverage(text, prefilled, defaulted, typed, chosen)


__all__ = [
    "Coverage",
    "LockableForm",
    "PrefillContext",
    "StepSpec",
    "Submission",
    "SummaryRow",
    "dossier_summary",
    "get_definition",
    "normalise_locked",
    "prefill_coverage",
]

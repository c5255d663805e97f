"""E-forms: each procedure's form is a definition registered by key; one wizard renders them.

A definition lists its steps (name, title, form class), says how to prefill them, how to
summarise the answers on "Check your answers", and how to turn the answers into a dossier.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from agencies.models import Commune

if TYPE_CHECKING:
    from .engine import DataForm


@dataclass(frozen=True)
class StepSpec:
    name: str
    title: Any  # lazy translation
    form_class: Any  # a Form class, or a FormSet class for a repeating group
    template: str = "eforms/step.html"


@dataclass
class PrefillContext:
    """Prefilled initial values per step, with the source label of each prefilled field."""

    initial: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: dict[str, dict[str, str]] = field(default_factory=dict)
    unavailable: list[str] = field(default_factory=list)
    #: step -> {field: value} that the registry marks verified: shown read-only, and a
    #: submission that changed one is refused
    locked: dict[str, dict[str, str]] = field(default_factory=dict)
    #: step -> {field: the source's name}, for the message when a locked value was changed
    locked_sources: dict[str, dict[str, str]] = field(default_factory=dict)
    #: documents of the person's e-document store (for components an earlier result replaces)
    store: list[dict[str, Any]] = field(default_factory=list)
    #: the sources whose data filled at least one field
    used: list[str] = field(default_factory=list)


def normalise_locked(value: Any) -> str:
    """Compare a locked value as text: dates as ISO, numbers without separators."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return " ".join(str(value or "").split())


class LockableForm(forms.Form):
    """A step form whose verified prefilled fields are locked: rendered read-only, and a posted
    value that differs from the registry's is an error (the server, not the page, decides)."""

    locked_message = _(
        "This comes from %(source)s and cannot be changed here. If it is wrong, ask the "
        "commune police to correct the national record."
    )

    def __init__(
        self,
        *args: Any,
        locked: dict[str, str] | None = None,
        locked_sources: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.locked = {k: v for k, v in (locked or {}).items() if k in self.fields}
        self.locked_sources = locked_sources or {}
        for name, value in self.locked.items():
            field = self.fields[name]
            if isinstance(field, forms.ChoiceField) and not isinstance(
                field.widget, forms.TextInput
            ):
                # Radios, check boxes and lists cannot be read-only in HTML (nor carry
                # aria-readonly): offer only the verified answer.
                wanted = {str(v) for v in value} if isinstance(value, list) else {str(value)}
                choices = list(cast("list[tuple[Any, Any]]", field.choices))
                kept = [(key, label) for key, label in choices if str(key) in wanted]
                if kept:
                    field.choices = kept
                continue
            field.widget.attrs["readonly"] = "readonly"
            field.widget.attrs["aria-readonly"] = "true"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, expected in self.locked.items():
            if name in data and normalise_locked(data[name]) != normalise_locked(expected):
                self.add_error(
                    name,
                    forms.ValidationError(
                        self.locked_message
                        % {
                            "source": self.locked_sources.get(name)
                            or _("the national population database")
                        },
                        code="locked",
                    ),
                )
        return data


@dataclass
class SummaryRow:
    label: str
    value: str
    step: str


@dataclass
class Submission:
    subject_name: str
    commune: Commune | None
    data: dict[str, Any]
    case_code: str | None
    files: dict[str, UploadedFile]  # component code -> file
    email: str = ""
    phone: str = ""
    reused: dict[str, str] = field(default_factory=dict)  # component code -> store document id


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

"""The shapes every part of the e-form engine shares: a wizard step, the prefill context, a
locked (verified) form, a summary row and a submission."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from agencies.models import Commune


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
    field: str = ""  # the field of a question page ("" for a group, an address, a file)
    locked: bool = False  # a verified prefilled value: no Change link (set by the wizard)


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

"""Field types of e-form definitions, as Django form fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from portal.validators import (
    validate_person_name,
    validate_personal_id,
    validate_phone,
    validate_tax_code,
    validate_upload,
)

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]
UPLOAD_ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def pick_text(text: dict[str, str] | None) -> str:
    """The text in the active language (Vietnamese unless English is active)."""
    if not text:
        return ""
    if (get_language() or "vi").startswith("en"):
        return text.get("en") or text.get("vi", "")
    return text.get("vi") or text.get("en", "")


bilingual = lazy(pick_text, str)


def _bound(value: str | None) -> dt.date | None:
    if not value:
        return None
    return timezone.localdate() if value == "today" else dt.date.fromisoformat(value)


class DateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date", "autocomplete": "off"}, format="%Y-%m-%d")

    def __init__(self, *, not_before: str | None = None, not_after: str | None = None, **kwargs):
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        super().__init__(**kwargs)
        self.not_before = not_before
        self.not_after = not_after

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        latest, earliest = _bound(self.not_after), _bound(self.not_before)
        if latest is not None and value > latest:
            if self.not_after == "today":
                raise ValidationError(_("The date must be today or in the past."), code="future")
            raise ValidationError(
                _("The date must be on or before %(date)s.")
                % {"date": latest.strftime("%d/%m/%Y")},
                code="too_late",
            )
        if earliest is not None and value < earliest:
            if self.not_before == "today":
                raise ValidationError(_("The date must be today or later."), code="past")
            raise ValidationError(
                _("The date must be on or after %(date)s.")
                % {"date": earliest.strftime("%d/%m/%Y")},
                code="too_early",
            )


class _Normalised(forms.CharField):
    """A text field whose value is checked and normalised by a validator function."""

    normalise: Any = None

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return type(self).normalise(value) if value else value


class PersonalIdField(_Normalised):
    normalise = staticmethod(validate_personal_id)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}
            ),
        )
        super().__init__(**kwargs)


class PersonNameField(_Normalised):
    """A person's name, spaces collapsed: "Trần  Minh An" -> "Trần Minh An"."""

    normalise = staticmethod(validate_person_name)


class TaxCodeField(_Normalised):
    normalise = staticmethod(validate_tax_code)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
        )
        super().__init__(**kwargs)


class PhoneField(_Normalised):
    normalise = staticmethod(validate_phone)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        )
        super().__init__(**kwargs)


class UploadField(forms.FileField):
    """An upload checked by its content and size; keeps the detected type on the file."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": UPLOAD_ACCEPT}))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        uploaded = super().clean(data, initial)
        if uploaded and hasattr(uploaded, "size"):
            uploaded.detected_type = validate_upload(uploaded)
        return uploaded


def build_field(spec: dict[str, Any]) -> forms.Field:
    """A form field for one field of a definition (docs/eforms.md)."""
    kind = spec["type"]
    common: dict[str, Any] = {
        "label": bilingual(spec["label"]),
        "help_text": bilingual(spec["help"]) if spec.get("help") else "",
        "required": spec.get("required", True) and not spec.get("required_unless"),
    }
    if "initial" in spec:
        common["initial"] = spec["initial"]
    choices: list[tuple[str, Any]] = [
        (c["value"], bilingual(c["label"])) for c in spec.get("choices", [])
    ]
    field: forms.Field
    if kind in ("text", "textarea"):
        max_length = spec.get("max_length", 255 if kind == "text" else 2000)
        widget = forms.Textarea(attrs={"rows": 5}) if kind == "textarea" else forms.TextInput()
        if spec.get("autocomplete"):
            widget.attrs["autocomplete"] = spec["autocomplete"]
        if "person_name" in spec.get("validators", []):
            widget.attrs.setdefault("autocomplete", "off")
            widget.attrs["spellcheck"] = "false"
            field = PersonNameField(max_length=max_length, widget=widget, **common)
        else:
            field = forms.CharField(max_length=max_length, widget=widget, **common)
    elif kind == "number":
        field = forms.IntegerField(
            min_value=spec.get("min"),
            max_value=spec.get("max"),
            widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            error_messages={"invalid": gettext_lazy("Enter a whole number, for example 2.")},
            **common,
        )
    elif kind == "date":
        field = DateField(
            not_before=spec.get("not_before"), not_after=spec.get("not_after"), **common
        )
    elif kind == "choice":
        widget_cls = forms.Select if spec.get("widget") == "select" else forms.RadioSelect
        if widget_cls is forms.Select:
            choices = [("", gettext_lazy("Choose one")), *choices]
        field = forms.ChoiceField(choices=choices, widget=widget_cls, **common)
    elif kind == "multichoice":
        field = forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    elif kind == "boolean":
        common["required"] = spec.get("required", False)
        field = forms.BooleanField(**common)
    elif kind == "personal_id":
        field = PersonalIdField(**common)
    elif kind == "tax_code":
        field = TaxCodeField(**common)
    elif kind == "phone":
        field = PhoneField(**common)
    elif kind == "email":
        field = forms.EmailField(
            max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}), **common
        )
    elif kind == "file":
        field = UploadField(**common)
    else:  # pragma: no cover - the schema allows no other type
        raise ValueError(f"unknown field type {kind}")
    setattr(field, "spec", spec)  # noqa: B010 (read back by the engine)
    return field

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

from portal.numbers import ascii_digits
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


def _in_sentence(label: Any) -> str:
    """A field's label inside a sentence ("Nhập họ và tên", "Enter full name"): its first
    letter in lower case, unless it starts an abbreviation ("CCCD", "ID")."""
    text = str(label or "").strip()
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


class DateBoxes(forms.MultiWidget):
    """Day, month and year in three numeric boxes (the GOV.UK date input): easier on a phone
    than a calendar, and no format to guess. Its value is the three parts as typed; a single
    value posted under the field's own name (a draft saved before, an ISO or dd/mm/yyyy date
    from a script) is read as before."""

    template_name = "eforms/widgets/date_boxes.html"
    parts = ("day", "month", "year")
    always_hint = True  # "For example, 27 3 2007" (portal_tags.described_by)

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        boxes: dict[str, forms.Widget | type[forms.Widget]] = {
            part: forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "autocomplete": "off",
                    "maxlength": "4" if part == "year" else "2",
                    "class": f"input date-input-{part}",
                }
            )
            for part in self.parts
        }
        super().__init__(boxes, attrs)
        #: the parts to mark as wrong (set by DateField.to_python), all of them if empty
        self.error_parts: tuple[str, ...] = ()

    def decompress(self, value: Any) -> list[str]:
        if isinstance(value, str):
            value = _parse_date(value) or value
        if isinstance(value, dt.date):
            return [str(value.day), str(value.month), str(value.year)]
        return ["", "", ""]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        boxes = super().value_from_datadict(data, files, name)
        if any(boxes) or not data.get(name):
            return boxes
        return data.get(name)  # one value under the field's own name, the boxes left empty

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and super().value_omitted_from_data(data, files, name)

    def id_for_label(self, id_: str) -> str:
        """The error summary's link goes to the first box."""
        return f"{id_}_0" if id_ else id_

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        attrs = dict(attrs or {})
        invalid = attrs.pop("aria-invalid", None)
        attrs.pop("class", None)  # each box keeps its own width
        attrs.pop("aria-describedby", None)  # on the fieldset (templates/includes/field.html)
        context = super().get_context(name, value, attrs)
        for part, sub in zip(self.parts, context["widget"]["subwidgets"], strict=True):
            sub["part"] = part
            if invalid and (not self.error_parts or part in self.error_parts):
                sub["attrs"]["aria-invalid"] = "true"
                sub["attrs"]["class"] = f"{sub['attrs'].get('class', '')} input-error".strip()
        return context


def _parse_date(value: str) -> dt.date | None:
    for pattern in DATE_INPUT_FORMATS:
        try:
            return dt.datetime.strptime(value.strip(), pattern).date()  # noqa: DTZ007 (a date)
        except ValueError:
            continue
    return None


class DateField(forms.DateField):
    """A date in day / month / year boxes; its value stays a date (ISO in the answers)."""

    widget = DateBoxes

    def __init__(self, *, not_before: str | None = None, not_after: str | None = None, **kwargs):
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        super().__init__(**kwargs)
        self.not_before = not_before
        self.not_after = not_after

    def _error(self, message: str, code: str, parts: tuple[str, ...] = ()) -> ValidationError:
        if isinstance(self.widget, DateBoxes):
            self.widget.error_parts = parts
        return ValidationError(message, code=code)

    def to_python(self, value: Any) -> dt.date | None:
        if not isinstance(value, list | tuple):
            try:
                return super().to_python(value)
            except ValidationError:
                raise self._error(self._messages()["real"], "invalid") from None
        parts = dict(zip(DateBoxes.parts, (str(v or "").strip() for v in value), strict=False))
        missing = tuple(part for part in DateBoxes.parts if not parts.get(part))
        if len(missing) == len(DateBoxes.parts):
            return None  # nothing typed: required or not is validate()'s business
        messages = self._messages()
        if missing:
            raise self._error(messages["missing_" + "_".join(missing)], "incomplete", missing)
        # digits 0-9 only, not other scripts' digits that int() would take
        wrong = tuple(part for part in DateBoxes.parts if not ascii_digits(parts[part]))
        if wrong:
            raise self._error(messages["real"], "invalid", wrong)
        if len(parts["year"]) != 4:
            raise self._error(messages["year"], "invalid", ("year",))
        try:
            return dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except ValueError:
            raise self._error(messages["real"], "invalid") from None

    def _messages(self) -> dict[str, str]:
        label = str(self.label or _("The date"))
        return {
            "missing_day": _("%(label)s must include a day") % {"label": label},
            "missing_month": _("%(label)s must include a month") % {"label": label},
            "missing_year": _("%(label)s must include a year") % {"label": label},
            "missing_day_month": _("%(label)s must include a day and month") % {"label": label},
            "missing_day_year": _("%(label)s must include a day and year") % {"label": label},
            "missing_month_year": _("%(label)s must include a month and year") % {"label": label},
            "real": _("%(label)s must be a real date") % {"label": label},
            "year": _("The year must include 4 numbers"),
        }

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        label = str(self.label or _("The date"))
        latest, earliest = _bound(self.not_after), _bound(self.not_before)
        if latest is not None and value > latest:
            if self.not_after == "today":
                raise self._error(
                    _("%(label)s must be today or in the past") % {"label": label}, "future"
                )
            raise self._error(
                _("%(label)s must be the same as or before %(date)s")
                % {"label": label, "date": latest.strftime("%d/%m/%Y")},
                "too_late",
            )
        if earliest is not None and value < earliest:
            if self.not_before == "today":
                raise self._error(
                    _("%(label)s must be today or in the future") % {"label": label}, "past"
                )
            raise self._error(
                _("%(label)s must be the same as or after %(date)s")
                % {"label": label, "date": earliest.strftime("%d/%m/%Y")},
                "too_early",
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


def _naming(template: Any, label: dict[str, str], *, first: bool = False, **values: Any) -> Any:
    """A message that names the field, in the language of the request that shows it:
    `template` (a lazy translation with %(label)s) with the label inside the sentence, or at
    its start (`first`). A validator's message (`values` given) is formatted once more by
    Django, so a "%" of the label is doubled there."""

    def text() -> str:
        name = pick_text(label)
        name = name if first else _in_sentence(name)
        if values:
            name = name.replace("%", "%%")
        return str(template) % {"label": name, **values}

    return lazy(text, str)()


def _messages_naming(field: forms.Field, spec: dict[str, Any]) -> None:
    """The engine's generic errors (required, invalid, too long, not a choice) name the field
    and say what to do: "Nhập họ và tên của trẻ" / "Enter child's full name"."""
    from django.core import validators

    label = spec["label"]
    kind = spec["type"]
    select = kind in ("choice", "multichoice")
    if kind == "file":
        field.error_messages["required"] = _naming(gettext_lazy("Upload %(label)s"), label)
    elif select:
        field.error_messages["required"] = _naming(gettext_lazy("Select %(label)s"), label)
        field.error_messages["invalid_choice"] = _naming(
            gettext_lazy("Select %(label)s from the list"), label
        )
    elif kind != "boolean":
        field.error_messages["required"] = _naming(gettext_lazy("Enter %(label)s"), label)
    if kind == "email":
        field.error_messages["invalid"] = _naming(
            gettext_lazy("Enter %(label)s in the right form, like name@example.com"), label
        )
    if kind == "number":
        field.error_messages["invalid"] = _naming(
            gettext_lazy("%(label)s must be a whole number, like 2"), label, first=True
        )
    replaced = []
    for validator in field.validators:
        if isinstance(validator, validators.MaxLengthValidator):
            validator = validators.MaxLengthValidator(
                validator.limit_value,
                _naming(
                    gettext_lazy("%(label)s must be %(limit)s characters or fewer"),
                    label,
                    first=True,
                    limit=validator.limit_value,
                ),
            )
        elif isinstance(validator, validators.MinValueValidator):
            validator = validators.MinValueValidator(
                validator.limit_value,
                _naming(
                    gettext_lazy("%(label)s must be %(limit)s or more"),
                    label,
                    first=True,
                    limit=validator.limit_value,
                ),
            )
        elif isinstance(validator, validators.MaxValueValidator):
            validator = validators.MaxValueValidator(
                validator.limit_value,
                _naming(
                    gettext_lazy("%(label)s must be %(limit)s or less"),
                    label,
                    first=True,
                    limit=validator.limit_value,
                ),
            )
        replaced.append(validator)
    field.validators = replaced


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
    _messages_naming(field, spec)
    setattr(field, "spec", spec)  # noqa: B010 (read back by the engine)
    return field

"""The forms of the wizard's steps, and how a step of a definition becomes them: a question
page, a repeating group, an address (province, then commune), the documents, the declaration."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import Commune, Province
from procedures.models import Component

from .base import LockableForm, StepSpec
from .conditions import holds
from .fields import UploadField, bilingual, build_field, pick_text
from .reading import date_text
from .rules import broken_rules, shown_on

REVIEW_TEMPLATE = "eforms/review.html"
REPEAT_TEMPLATE = "eforms/repeat.html"
REUSE_SUFFIX = "__store"


def component_field_name(code: str) -> str:
    """The form field of a dossier component: "GCS" -> "gcs", "TK-KS" -> "tk_ks"."""
    name = re.sub(r"[^a-z0-9]+", "_", code.lower()).strip("_")
    return name if name and name[0].isalpha() else f"c_{name}"


class FieldsForm(LockableForm):
    """A question page: its fields come from the definition; conditional fields whose condition
    does not hold for the earlier answers are left out; `required_unless` fields become required
    unless their boolean is ticked."""

    field_specs: list[dict[str, Any]] = []
    step_name = ""
    #: the definition's rules checked on this page (rules.py): their messages show here
    rules: list[dict[str, Any]] = []

    def __init__(self, *args: Any, answers: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        answers = answers or {}
        self.earlier_answers = answers
        for spec in self.field_specs:
            if spec.get("condition") and not holds(spec["condition"], answers):
                self.fields.pop(spec["name"], None)
                self.locked.pop(spec["name"], None)

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        for spec in self.field_specs:
            name, unless = spec["name"], spec.get("required_unless")
            if not unless or name not in self.fields:
                continue
            if spec.get("required", True) and not data.get(unless) and not data.get(name):
                if name not in self.errors:
                    self.add_error(
                        name,
                        forms.ValidationError(
                            _("Enter %(label)s, or tick '%(unless)s'.")
                            % {
                                "label": str(self.fields[name].label).lower(),
                                "unless": self.fields[unless].label
                                if unless in self.fields
                                else "",
                            },
                            code="required",
                        ),
                    )
        self._check_rules(data)
        return data

    def _check_rules(self, data: dict[str, Any]) -> None:
        if not self.rules:
            return
        answers = {**self.earlier_answers, self.step_name: data}
        for rule in broken_rules(self.rules, answers):
            name = shown_on(rule).split(".", 1)[1]
            if name in self.errors:
                continue  # the answer's own error first
            self.add_error(
                name if name in self.fields else None,
                forms.ValidationError(
                    f"{pick_text(rule['message'])} ({pick_text(rule['basis'])}).",
                    code=f"rule_{rule['name']}",
                ),
            )


class ProvinceStepForm(forms.Form):
    province = forms.ModelChoiceField(
        queryset=Province.objects.order_by("name"),
        to_field_name="code",
        empty_label=_("Choose a province or city"),
    )


class CommuneChoiceField(forms.ModelChoiceField):
    """Communes of one province, listed by their own name."""

    def label_from_instance(self, obj: Commune) -> str:  # type: ignore[override]
        return obj.name


class CommuneStepForm(forms.Form):
    commune = CommuneChoiceField(
        queryset=Commune.objects.none(),
        to_field_name="code",
        empty_label=_("Choose a commune or ward"),
    )

    def __init__(self, *args: Any, province_code: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["commune"]
        if not isinstance(field, forms.ModelChoiceField):  # pragma: no cover
            raise TypeError("commune must be a ModelChoiceField")
        field.queryset = Commune.objects.filter(province__code=province_code).order_by("name")


class RepeatItemForm(forms.Form):
    field_specs: list[dict[str, Any]] = []


class RepeatFormSet(forms.BaseFormSet):
    """A repeating group. Rows ticked "Remove" and rows left empty are not answers."""

    def rows(self) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        rows = self.rows()
        minimum = getattr(self, "min_rows", 0)
        if len(rows) < minimum:
            raise forms.ValidationError(
                gettext("Add at least %(n)d.") % {"n": minimum}, code="too_few"
            )


class DocumentsForm(forms.Form):
    """One upload per component of the applicant's case; a component that an earlier result can
    replace may be taken from the person's e-document store instead (marked reused)."""

    def __init__(
        self,
        *args: Any,
        components: list[Component] | None = None,
        store: list[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.components = components or []
        self.reuse_options: dict[str, list[dict[str, Any]]] = {}
        for component in self.components:
            name = component_field_name(component.code)
            label = component.label
            self.fields[name] = UploadField(
                label=label,
                required=False,
                help_text=_(
                    "A PDF, JPEG or PNG file, smaller than 5 MB. A clear photo taken with a phone "
                    "is fine."
                ),
            )
            self.fields[name].component = component  # type: ignore[attr-defined]
            matches = [
                doc
                for doc in store or []
                if component.replaceable_by_result_code
                and doc.get("result_code") == component.replaceable_by_result_code
                # a result its issuer revoked (issued in error, or replaced) is not reused
                and not doc.get("revoked")
            ]
            if matches:
                self.reuse_options[name] = matches
                choices = [
                    (
                        doc["document_id"],
                        gettext("Use “%(title)s” from my e-document store (issued %(date)s)")
                        % {
                            "title": doc.get("title", ""),
                            "date": date_text(doc.get("issued_date")),
                        },
                    )
                    for doc in matches
                ]
                choices.append(("", gettext("Upload a file instead")))
                self.fields[name].label = gettext("Or upload a file of “%(name)s”") % {
                    "name": label
                }
                self.fields[name].help_text = gettext(
                    "Only if you chose to upload a file above. A PDF, JPEG or PNG file, smaller "
                    "than 5 MB."
                )
                self.fields[name + REUSE_SUFFIX] = forms.ChoiceField(
                    label=gettext("%(name)s: the state already holds this document")
                    % {"name": label},
                    choices=choices,
                    required=False,
                    initial=matches[0]["document_id"],
                    widget=forms.RadioSelect,
                )
                # the choice comes first, the upload is the alternative
                self.order_fields([n for n in self.fields if n != name] + [name])

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        items: dict[str, dict[str, Any]] = {}
        for component in self.components:
            name = component_field_name(component.code)
            reused = data.get(name + REUSE_SUFFIX)
            if reused:
                documents = {d["document_id"]: d for d in self.reuse_options.get(name, [])}
                if reused not in documents:
                    self.add_error(
                        name + REUSE_SUFFIX,
                        forms.ValidationError(_("Choose one of the documents listed.")),
                    )
                    continue
                data[name] = None
                items[component.code] = {
                    "label": component.label,
                    "reused": True,
                    "document_id": reused,
                    "title": documents[reused].get("title", ""),
                    "result_code": component.replaceable_by_result_code,
                }
            elif data.get(name):
                items[component.code] = {"label": component.label, "name": data[name].name}
            elif component.required and name not in self.errors:
                self.add_error(
                    name,
                    forms.ValidationError(
                        _("Choose the file of “%(name)s” to upload.") % {"name": component.label},
                        code="required",
                    ),
                )
        data["_components"] = self.components
        data["_items"] = items
        return data


class ReviewForm(forms.Form):
    declaration = forms.BooleanField(
        error_messages={"required": _("Tick the declaration to submit the dossier.")},
    )


def _fields_form(base: type, name: str, specs: list[dict[str, Any]], **extra: Any) -> Any:
    return type(
        name, (base,), {**{f["name"]: build_field(f) for f in specs}, "field_specs": specs, **extra}
    )


def step_specs(step: dict[str, Any], rules: list[dict[str, Any]] | None = None) -> list[StepSpec]:
    """The wizard steps of one step of a definition (an address asks two), with the rules
    checked on a question page."""
    kind = step.get("kind", "fields")
    title = bilingual(step["title"])
    if kind == "fields":
        form_class = _fields_form(
            FieldsForm,
            f"{step['name'].title()}Form",
            step["fields"],
            step_name=step["name"],
            rules=rules or [],
        )
        return [StepSpec(step["name"], title, form_class)]
    if kind == "repeat":
        item_form = _fields_form(RepeatItemForm, f"{step['name'].title()}ItemForm", step["fields"])
        formset: Any = forms.formset_factory(
            item_form,
            formset=RepeatFormSet,
            extra=1,
            max_num=step.get("max", 10),
            validate_max=True,
            can_delete=True,
        )
        formset.min_rows = step.get("min", 0)
        return [StepSpec(step["name"], title, formset, REPEAT_TEMPLATE)]
    if kind == "address":
        province_form: Any = type("AddressProvinceForm", (ProvinceStepForm,), {})
        province_form.base_fields["province"].label = bilingual(step["province_label"])
        commune_fields: dict[str, Any] = {}
        detail = step.get("detail")
        if detail:
            commune_fields[detail["name"]] = forms.CharField(
                label=bilingual(detail["label"]),
                help_text=bilingual(detail["help"]) if detail.get("help") else "",
                max_length=255,
                required=detail.get("required", True),
            )
        commune_form: Any = type("AddressCommuneForm", (CommuneStepForm,), commune_fields)
        commune_form.base_fields["commune"].label = bilingual(step["commune_label"])
        if step.get("commune_help"):
            commune_form.base_fields["commune"].help_text = bilingual(step["commune_help"])
        commune_title = bilingual(step.get("commune_title") or step["title"])
        return [
            StepSpec(step["province_step"], title, province_form),
            StepSpec(step["commune_step"], commune_title, commune_form),
        ]
    if kind == "documents":
        return [StepSpec(step["name"], title, DocumentsForm)]
    if kind == "review":
        review_form: Any = type("DeclarationForm", (ReviewForm,), {})
        review_form.base_fields["declaration"].label = bilingual(step["declaration"])
        return [StepSpec(step["name"], title, review_form, REVIEW_TEMPLATE)]
    raise ValueError(f"unknown step kind {kind!r}")

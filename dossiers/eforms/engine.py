"""The e-form engine: turns a definition kept as data (docs/eforms.md) into the wizard's steps,
its prefill, its summary, its submission and its result.

One class, `DataForm`, serves every procedure; no procedure has code of its own.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import Commune, Province
from portal.models import User
from procedures.models import Component, ProcedureVersion

from . import (
    LockableForm,
    PrefillContext,
    StepSpec,
    Submission,
    SummaryRow,
)
from .conditions import answer_at, holds
from .fields import UploadField, bilingual, build_field, pick_text

REVIEW_TEMPLATE = "eforms/review.html"
REPEAT_TEMPLATE = "eforms/repeat.html"


def component_field_name(code: str) -> str:
    """The form field of a dossier component: "GCS" -> "gcs", "TK-KS" -> "tk_ks"."""
    name = re.sub(r"[^a-z0-9]+", "_", code.lower()).strip("_")
    return name if name and name[0].isalpha() else f"c_{name}"


REUSE_SUFFIX = "__store"


# --- forms ------------------------------------------------------------------------------------


class FieldsForm(LockableForm):
    """A question page: its fields come from the definition; conditional fields whose condition
    does not hold for the earlier answers are left out; `required_unless` fields become required
    unless their boolean is ticked."""

    field_specs: list[dict[str, Any]] = []

    def __init__(self, *args: Any, answers: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        answers = answers or {}
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
        return data


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
            ]
            if matches:
                self.reuse_options[name] = matches
                choices = [
                    (
                        doc["document_id"],
                        gettext("Use “%(title)s” from my e-document store (issued %(date)s)")
                        % {
                            "title": doc.get("title", ""),
                            "date": _date_text(doc.get("issued_date")),
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


def _date_text(value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        value = dt.date.fromisoformat(value)
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else str(value)


# --- plain data ------------------------------------------------------------------------------


def to_plain(value: Any) -> Any:
    """Answers as stored in the dossier: dates as ISO, places by code, files by name."""
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items() if not hasattr(v, "read")}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Province | Commune):
        return value.code
    return value


# --- the definition ----------------------------------------------------------------------------


class DataForm:
    """An e-form definition (already validated) ready for the wizard."""

    def __init__(self, definition: dict[str, Any]) -> None:
        self.raw = definition
        self.key: str = definition["key"]
        self.crucial_sources: tuple[str, ...] = tuple(definition.get("crucial_sources", []))
        self.steps: list[StepSpec] = []
        self.step_defs: dict[str, dict[str, Any]] = {}
        self.address_steps: dict[str, dict[str, Any]] = {}  # wizard step -> address step def
        self.conditions: dict[str, dict[str, Any]] = {}
        for step in definition["steps"]:
            kind = step.get("kind", "fields")
            title = bilingual(step["title"])
            if step.get("condition"):
                for wizard_step in self._wizard_names(step):
                    self.conditions[wizard_step] = step["condition"]
            if kind == "fields":
                form_class: Any = type(
                    f"{step['name'].title()}Form",
                    (FieldsForm,),
                    {
                        **{f["name"]: build_field(f) for f in step["fields"]},
                        "field_specs": step["fields"],
                    },
                )
                self._add(step, StepSpec(step["name"], title, form_class))
            elif kind == "repeat":
                item_form: Any = type(
                    f"{step['name'].title()}ItemForm",
                    (RepeatItemForm,),
                    {
                        **{f["name"]: build_field(f) for f in step["fields"]},
                        "field_specs": step["fields"],
                    },
                )
                formset: Any = forms.formset_factory(
                    item_form,
                    formset=RepeatFormSet,
                    extra=1,
                    max_num=step.get("max", 10),
                    validate_max=True,
                    can_delete=True,
                )
                formset.min_rows = step.get("min", 0)  # type: ignore[attr-defined]
                self._add(step, StepSpec(step["name"], title, formset, REPEAT_TEMPLATE))
            elif kind == "address":
                province_form: Any = type(
                    "AddressProvinceForm",
                    (ProvinceStepForm,),
                    {},
                )
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
                self._add(step, StepSpec(step["province_step"], title, province_form))
                commune_title = bilingual(step.get("commune_title") or step["title"])
                self._add(step, StepSpec(step["commune_step"], commune_title, commune_form))
                self.address_steps[step["province_step"]] = step
                self.address_steps[step["commune_step"]] = step
            elif kind == "documents":
                self._add(step, StepSpec(step["name"], title, DocumentsForm))
            elif kind == "review":
                review_form: Any = type("DeclarationForm", (ReviewForm,), {})
                review_form.base_fields["declaration"].label = bilingual(step["declaration"])
                self._add(step, StepSpec(step["name"], title, review_form, REVIEW_TEMPLATE))
        self.wizard_step_names = [spec.name for spec in self.steps]

    @staticmethod
    def _wizard_names(step: dict[str, Any]) -> list[str]:
        if step.get("kind") == "address":
            return [step["province_step"], step["commune_step"]]
        return [step["name"]]

    def _add(self, step: dict[str, Any], spec: StepSpec) -> None:
        self.steps.append(spec)
        self.step_defs[spec.name] = step

    # --- the wizard's questions ---------------------------------------------------------------
    @property
    def documents_step(self) -> str | None:
        for name, step in self.step_defs.items():
            if step.get("kind") == "documents":
                return name
        return None

    def kind(self, step: str) -> str:
        return self.step_defs[step].get("kind", "fields")

    def dependencies(self, step: str) -> list[str]:
        """The earlier steps whose answers this step's form needs."""
        index = self.wizard_step_names.index(step)
        earlier = self.wizard_step_names[:index]
        definition = self.step_defs[step]
        kind = definition.get("kind", "fields")
        if kind == "address" and step == definition["commune_step"]:
            return [definition["province_step"]]
        if kind == "documents":
            return earlier  # the case may depend on any answer
        if kind == "fields" and any(f.get("condition") for f in definition["fields"]):
            return earlier
        return []

    def sources_of_step(self, step: str) -> set[str]:
        """The sources that prefill fields of this step."""
        subjects = self.raw.get("subjects", {})

        def source_of(subject: str, depth: int = 0) -> set[str]:
            spec = subjects.get(subject) or {}
            if "source" in spec:
                return {spec["source"]}
            if depth > 5:
                return set()
            return {s for p in spec.get("pick", []) for s in source_of(p["subject"], depth + 1)}

        definition = self.step_defs.get(step, {})
        wanted: set[str] = set()
        if definition.get("prefill"):
            wanted |= source_of(definition["prefill"]["subject"])
        for spec in definition.get("fields", []):
            if spec.get("prefill"):
                wanted |= source_of(spec["prefill"]["subject"])
        if definition.get("kind") == "documents":
            wanted.add("documents")
        return wanted

    def step_condition(self, step: str) -> dict[str, Any] | None:
        return self.conditions.get(step)

    def form_kwargs(self, step: str, answers: dict[str, Any]) -> dict[str, Any]:
        definition = self.step_defs[step]
        kind = definition.get("kind", "fields")
        if kind == "address" and step == definition["commune_step"]:
            province = (answers.get(definition["province_step"]) or {}).get("province")
            code = getattr(province, "code", province)
            return {"province_code": code}
        if kind == "fields":
            return {"answers": answers}
        return {}

    def exit_for(self, step: str, answers: dict[str, Any]) -> dict[str, Any] | None:
        """The exit page that an answer of `step` leads to, if any."""
        for exit_page in self.step_defs.get(step, {}).get("exits", []):
            if holds(exit_page["when"], answers, step=step):
                return exit_page
        return None

    def exits_reached(self, answers: dict[str, Any]) -> dict[str, Any] | None:
        for step in self.wizard_step_names:
            if step in answers:
                found = self.exit_for(step, answers)
                if found:
                    return found
        return None

    def case_code(self, answers: dict[str, Any]) -> str | None:
        case = self.raw.get("case")
        if not case:
            return None
        for rule in case.get("rules", []):
            if holds(rule["when"], answers):
                return rule["case"]
        return case["default"]

    def components(self, version: ProcedureVersion, answers: dict[str, Any]) -> list[Component]:
        """The documents the applicant's case requires, minus the e-form itself."""
        code = self.case_code(answers)
        case = version.cases.filter(code=code).first() if code else version.cases.first()
        if case is None:
            return []
        return [c for c in case.components.all() if c.code not in self.form_components]

    @property
    def form_components(self) -> set[str]:
        """The e-form itself, and the components a file field on a question page provides:
        never asked again on the documents page."""
        declared = self.raw.get("form_component") or []
        codes = {declared} if isinstance(declared, str) else set(declared)
        for spec in self.field_specs().values():
            if spec.get("type") == "file":
                codes.add(spec["component"])
        return codes

    def wants_store(self, version: ProcedureVersion) -> bool:
        """Whether any component of any case can be replaced by a stored result."""
        return (
            self.documents_step is not None
            and Component.objects.filter(case__version=version)
            .exclude(replaceable_by_result_code="")
            .exists()
        )

    # --- prefill ----------------------------------------------------------------------------
    def prefill(self, *, user: User, version: ProcedureVersion) -> PrefillContext:
        from .prefilling import resolve_prefill

        return resolve_prefill(self, user=user, version=version)

    # --- summary ------------------------------------------------------------------------------
    def summary(self, answers: dict[str, Any]) -> list[tuple[str, list[SummaryRow]]]:
        """Every answer, by section, with the step to change it; works on the wizard's cleaned
        answers and on a dossier's stored data alike."""
        data = to_plain(answers)
        sections: list[tuple[str, list[SummaryRow]]] = []
        seen_address: set[str] = set()
        for step in self.raw["steps"]:
            kind = step.get("kind", "fields")
            title = pick_text(step["title"])
            rows: list[SummaryRow] = []
            if kind == "fields":
                values = data.get(step["name"])
                if values is None:
                    continue
                for spec in step["fields"]:
                    if spec["name"] not in values:
                        continue
                    rows.append(
                        SummaryRow(
                            pick_text(spec["label"]),
                            display(spec, values.get(spec["name"])),
                            step["name"],
                        )
                    )
            elif kind == "repeat":
                items = data.get(step["name"])
                if items is None:
                    continue
                item_label = pick_text(step["item_label"])
                if not items:
                    rows.append(SummaryRow(item_label, gettext("None"), step["name"]))
                for number, item in enumerate(items, start=1):
                    text = "; ".join(
                        display(spec, item.get(spec["name"]))
                        for spec in step["fields"]
                        if item.get(spec["name"]) not in (None, "", [])
                    )
                    rows.append(SummaryRow(f"{item_label} {number}", text, step["name"]))
            elif kind == "address":
                if step["name"] in seen_address:
                    continue
                seen_address.add(step["name"])
                commune_values = data.get(step["commune_step"]) or {}
                if not commune_values and step["province_step"] not in data:
                    continue
                rows.append(
                    SummaryRow(
                        pick_text(step["commune_label"]),
                        address_text(commune_values.get("commune")),
                        step["province_step"],
                    )
                )
                detail = step.get("detail")
                if detail and detail["name"] in commune_values:
                    rows.append(
                        SummaryRow(
                            pick_text(detail["label"]),
                            str(commune_values.get(detail["name"]) or ""),
                            step["commune_step"],
                        )
                    )
            elif kind == "documents":
                stored = data.get(step["name"]) or {}
                for code, item in stored.get("_items", stored).items():
                    if not isinstance(item, dict):
                        continue
                    value = (
                        gettext("From your e-document store: %(title)s") % {"title": item["title"]}
                        if item.get("reused")
                        else item.get("name", "")
                    )
                    rows.append(SummaryRow(item.get("label") or code, value, step["name"]))
            if rows:
                sections.append((title, rows))
        return sections

    # --- submission ----------------------------------------------------------------------------
    def routing_commune(self, answers: dict[str, Any]) -> Commune | None:
        for step in self.raw["steps"]:
            if step.get("kind") == "address" and step.get("routing"):
                commune = (answers.get(step["commune_step"]) or {}).get("commune")
                if isinstance(commune, Commune):
                    return commune
                if commune:
                    return Commune.objects.filter(code=commune).first()
        return None

    def submission(self, answers: dict[str, Any]) -> Submission:
        documents_step = self.documents_step
        files: dict[str, Any] = {}
        reused: dict[str, str] = {}
        document_data: dict[str, Any] = {}
        for step in self.raw["steps"]:
            for spec in step.get("fields", []) if step.get("kind", "fields") == "fields" else []:
                if spec["type"] == "file":
                    uploaded = (answers.get(step["name"]) or {}).get(spec["name"])
                    if uploaded:
                        files[spec["component"]] = uploaded
        if documents_step and documents_step in answers:
            form_data = answers[documents_step]
            document_data = dict(form_data.get("_items", {}))
            components = form_data.get("_components", [])
            for component in components:
                name = component_field_name(component.code)
                store_id = form_data.get(name + REUSE_SUFFIX)
                if store_id:
                    reused[component.code] = store_id
                elif form_data.get(name):
                    files[component.code] = form_data[name]
        data = {
            step: to_plain(values)
            for step, values in answers.items()
            if step != documents_step and self.kind(step) != "review"
        }
        for step, values in data.items():
            if self.kind(step) == "address" and isinstance(values, dict) and "commune" in values:
                values["commune_name"] = address_text(values["commune"])
        if documents_step:
            data[documents_step] = document_data
        contact = self.raw.get("contact", {})
        commune = self.routing_commune(answers)
        return Submission(
            subject_name=str(answer_at(answers, self.raw["subject_name"]) or ""),
            commune=commune,
            data=data,
            case_code=self.case_code(answers),
            files=files,
            email=str(answer_at(answers, contact["email"]) or "") if "email" in contact else "",
            phone=str(answer_at(answers, contact["phone"]) or "") if "phone" in contact else "",
            reused=reused,
        )

    # --- result -------------------------------------------------------------------------------
    def result_fields(self, data: dict[str, Any]) -> list[tuple[str, str]]:
        rows = []
        specs = self.field_specs()
        for row in self.raw.get("result_fields", []):
            value = answer_at(data, row["path"])
            if value in (None, ""):
                continue
            fmt = row.get("format", "text")
            if fmt == "date":
                text = _date_text(value)
            elif fmt == "address":
                text = address_text(value, detail=_address_detail(self, data, row["path"]))
            elif fmt == "choice":
                from django.utils import translation

                with translation.override("vi"):
                    text = display(specs.get(row["path"], {}), value)
            else:
                text = str(value)
            rows.append((row["label"], text))
        return rows

    def field_specs(self) -> dict[str, dict[str, Any]]:
        """ "step.field" -> field spec, for every field of every question page."""
        out = {}
        for step in self.raw["steps"]:
            for spec in step.get("fields", []):
                out[f"{step['name']}.{spec['name']}"] = spec
        return out


def _address_detail(form: DataForm, data: dict[str, Any], path: str) -> str:
    step_name = path.split(".")[0]
    step = form.step_defs.get(step_name)
    if step and step.get("kind") == "address" and step.get("detail"):
        return str((data.get(step["commune_step"]) or {}).get(step["detail"]["name"]) or "")
    return ""


def address_text(value: Any, *, detail: str = "") -> str:
    """ "Phường Hoàn Kiếm, Thành phố Hà Nội" from a commune or its code."""
    commune = value if isinstance(value, Commune) else None
    if commune is None and value:
        commune = Commune.objects.select_related("province").filter(code=str(value)).first()
    parts = [detail] if detail else []
    if commune is not None:
        parts += [commune.name, commune.province.name]
    elif value:
        parts.append(str(value))
    return ", ".join(p for p in parts if p)


def display(spec: dict[str, Any], value: Any) -> str:
    """An answer as people read it."""
    if value in (None, ""):
        return ""
    kind = spec.get("type")
    labels = {c["value"]: pick_text(c["label"]) for c in spec.get("choices", [])}
    if kind == "choice":
        return labels.get(str(value), str(value))
    if kind == "multichoice":
        return ", ".join(labels.get(str(v), str(v)) for v in value or [])
    if kind == "boolean":
        return gettext("Yes") if value else gettext("No")
    if kind == "date":
        return _date_text(value)
    if hasattr(value, "name") and hasattr(value, "read"):
        return value.name
    return str(value)

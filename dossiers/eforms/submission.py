"""The wizard's answers turned into what `dossier_submit` takes: the stored data, the files, the
documents reused from the person's e-document store, the case and the commune it is routed to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agencies.models import Commune

from .base import Submission
from .conditions import answer_at
from .reading import address_text, to_plain
from .steps import REUSE_SUFFIX, component_field_name

if TYPE_CHECKING:
    from .engine import DataForm


def routing_commune(form: DataForm, answers: dict[str, Any]) -> Commune | None:
    for step in form.raw["steps"]:
        if step.get("kind") == "address" and step.get("routing"):
            commune = (answers.get(step["commune_step"]) or {}).get("commune")
            if isinstance(commune, Commune):
                return commune
            if commune:
                return Commune.objects.filter(code=commune).first()
    return None


def build_submission(form: DataForm, answers: dict[str, Any]) -> Submission:
    documents_step = form.documents_step
    files: dict[str, Any] = {}
    reused: dict[str, str] = {}
    document_data: dict[str, Any] = {}
    for step in form.raw["steps"]:
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
        if step != documents_step and form.kind(step) != "review"
    }
    for step, values in data.items():
        if form.kind(step) == "address" and isinstance(values, dict) and "commune" in values:
            values["commune_name"] = address_text(values["commune"])
    if documents_step:
        data[documents_step] = document_data
    contact = form.raw.get("contact", {})
    commune = routing_commune(form, answers)
    return Submission(
        subject_name=str(answer_at(answers, form.raw["subject_name"]) or ""),
        commune=commune,
        data=data,
        case_code=form.case_code(answers),
        files=files,
        email=str(answer_at(answers, contact["email"]) or "") if "email" in contact else "",
        phone=str(answer_at(answers, contact["phone"]) or "") if "phone" in contact else "",
        reused=reused,
    )

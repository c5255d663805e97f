"""The e-form engine: turns a definition kept as data (docs/eforms.md) into the wizard's steps
and answers the wizard's questions about them (which step depends on which, which source fills
it, where an answer exits, which case and documents apply).

One class, `DataForm`, serves every procedure; no procedure has code of its own. The step forms
are built in `steps`, the answers are read back in `reading` (summary, result fields) and turned
into a submission in `submission`; prefill is resolved in `prefilling`.
"""

from __future__ import annotations

from typing import Any

from portal.models import User
from procedures.models import Component, ProcedureVersion

from .base import PrefillContext, StepSpec, Submission, SummaryRow
from .conditions import fields_of, holds
from .reading import address_text, display, result_rows, summarise, to_plain
from .rules import rule_paths, rules_by_step
from .steps import DocumentsForm, component_field_name, step_specs
from .submission import build_submission, routing_commune

__all__ = [
    "DataForm",
    "DocumentsForm",
    "address_text",
    "component_field_name",
    "display",
    "to_plain",
]


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
        self.rules = rules_by_step(definition)
        for step in definition["steps"]:
            if step.get("condition"):
                for wizard_step in self._wizard_names(step):
                    self.conditions[wizard_step] = step["condition"]
            for spec in step_specs(step, self.rules.get(step["name"])):
                self._add(step, spec)
                if step.get("kind") == "address":
                    self.address_steps[spec.name] = step
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
        if kind == "fields" and self.rules.get(step):
            # the earlier pages whose answers this page's rules read
            read = {
                path.split(".")[0]
                for rule in self.rules[step]
                for path in [*rule_paths(rule).values(), *fields_of(rule.get("when"))]
            }
            return [name for name in earlier if name in read]
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
        from .prefilling import resolve_prefill  # prefilling reads this class: no import circle

        return resolve_prefill(self, user=user, version=version)

    # --- what the answers become (reading, submission) ------------------------------------
    def summary(self, answers: dict[str, Any]) -> list[tuple[str, list[SummaryRow]]]:
        """Every answer, by section, with the step to change it."""
        return summarise(self, answers)

    def routing_commune(self, answers: dict[str, Any]) -> Any:
        return routing_commune(self, answers)

    def submission(self, answers: dict[str, Any]) -> Submission:
        return build_submission(self, answers)

    def result_fields(self, data: dict[str, Any]) -> list[tuple[str, str]]:
        """The (label, text) rows a result prints from the dossier's answers."""
        return result_rows(self, data)

    def field_specs(self) -> dict[str, dict[str, Any]]:
        """ "step.field" -> field spec, for every field of every question page."""
        out = {}
        for step in self.raw["steps"]:
            for spec in step.get("fields", []):
                out[f"{step['name']}.{spec['name']}"] = spec
        return out

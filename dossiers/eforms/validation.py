"""Checks of an e-form definition: the JSON Schema, then what a schema cannot say (names that
must exist, conditions that may only look back, exactly one routing address...)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_PATH = Path(__file__).resolve().parent / "schema.json"
RESERVED_SUBJECTS = {"user"}


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _where(error: jsonschema.ValidationError) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "(top)"


def definition_problems(definition: Any) -> list[str]:
    """Every problem found, in plain words; empty when the definition can be used."""
    if not isinstance(definition, dict):
        return ["The definition must be a JSON object."]
    errors = sorted(_validator().iter_errors(definition), key=lambda e: list(e.absolute_path))
    if errors:
        return [f"{_where(e)}: {e.message}" for e in errors[:20]]
    return _semantic_problems(definition)


def _semantic_problems(definition: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    subjects: dict[str, Any] = definition.get("subjects", {})
    for name in subjects:
        if name in RESERVED_SUBJECTS:
            problems.append(
                f"subjects/{name}: 'user' is the signed-in account, choose another name"
            )
    known_subjects = set(subjects) | RESERVED_SUBJECTS
    for name, spec in subjects.items():
        if "id" in spec:
            root = spec["id"].split(".")[0]
            if root not in known_subjects or root == name:
                problems.append(f"subjects/{name}/id: unknown subject '{root}'")
        for candidate in spec.get("pick", []):
            if candidate["subject"] not in known_subjects:
                problems.append(f"subjects/{name}/pick: unknown subject '{candidate['subject']}'")

    seen_steps: dict[str, dict[str, Any]] = {}  # wizard step -> {field names}
    fields_of_step: dict[str, set[str]] = {}
    routing = 0
    kinds: list[str] = []

    def check_condition(where: str, condition: dict[str, Any], *, same_step: str | None) -> None:
        from .conditions import fields_of

        for path in fields_of(condition):
            parts = path.split(".")
            if len(parts) == 1:
                if same_step is None or parts[0] not in fields_of_step.get(same_step, set()):
                    problems.append(f"{where}: '{path}' is not a field of this step")
                continue
            step, field = parts[0], parts[1]
            if step not in fields_of_step:
                problems.append(f"{where}: '{path}' does not refer to an earlier step")
            elif field not in fields_of_step[step]:
                problems.append(f"{where}: step '{step}' has no field '{field}'")

    def check_prefill(where: str, prefill: dict[str, Any] | None) -> None:
        if prefill and prefill["subject"] not in known_subjects:
            problems.append(f"{where}/prefill: unknown subject '{prefill['subject']}'")

    for index, step in enumerate(definition["steps"]):
        where = f"steps/{index} ({step['name']})"
        kind = step.get("kind", "fields")
        kinds.append(kind)
        if step.get("condition"):
            check_condition(f"{where}/condition", step["condition"], same_step=None)
        names = (
            [step["province_step"], step["commune_step"]] if kind == "address" else [step["name"]]
        )
        for name in names:
            if name in seen_steps:
                problems.append(f"{where}: the step name '{name}' is used twice")
            seen_steps[name] = step
        if kind in ("fields", "repeat"):
            field_names = [f["name"] for f in step["fields"]]
            duplicates = {n for n in field_names if field_names.count(n) > 1}
            for name in sorted(duplicates):
                problems.append(f"{where}: the field '{name}' is used twice")
            for spec in step["fields"]:
                fwhere = f"{where}/{spec['name']}"
                if spec.get("condition"):
                    check_condition(f"{fwhere}/condition", spec["condition"], same_step=None)
                check_prefill(fwhere, spec.get("prefill"))
                values = [c["value"] for c in spec.get("choices", [])]
                if len(values) != len(set(values)):
                    problems.append(f"{fwhere}: choice values must be unique")
                unless = spec.get("required_unless")
                if unless and unless not in field_names:
                    problems.append(f"{fwhere}/required_unless: no field '{unless}' in this step")
                if spec["type"] == "file" and kind == "repeat":
                    problems.append(f"{fwhere}: uploads cannot repeat; use a documents step")
                if "initial" in spec and values and str(spec["initial"]) not in values:
                    problems.append(f"{fwhere}/initial: not one of the choices")
            fields_of_step[step["name"]] = set(field_names)
            for exit_index, exit_page in enumerate(step.get("exits", [])):
                check_condition(
                    f"{where}/exits/{exit_index}", exit_page["when"], same_step=step["name"]
                )
        elif kind == "address":
            routing += bool(step.get("routing"))
            check_prefill(where, step.get("prefill"))
            fields_of_step[step["province_step"]] = {"province"}
            commune_fields = {"commune"}
            if step.get("detail"):
                commune_fields.add(step["detail"]["name"])
            fields_of_step[step["commune_step"]] = commune_fields
        else:
            fields_of_step[step["name"]] = set()
    if routing > 1:
        problems.append("steps: only one address step can decide the competent agency (routing)")
    if kinds[-1] != "review":
        problems.append("steps: the last step must be the review (check your answers)")
    if kinds.count("review") != 1:
        problems.append("steps: there must be exactly one review step")
    if kinds.count("documents") > 1:
        problems.append("steps: at most one documents step")
    for key in ("subject_name",):
        step = definition[key].split(".")[0]
        if step not in fields_of_step:
            problems.append(f"{key}: '{definition[key]}' does not refer to a step")
    for key, path in definition.get("contact", {}).items():
        step, field = path.split(".")[:2]
        if field not in fields_of_step.get(step, set()):
            problems.append(f"contact/{key}: '{path}' is not a field")
    for rule_index, rule in enumerate(definition.get("case", {}).get("rules", [])):
        check_condition(f"case/rules/{rule_index}", rule["when"], same_step=None)
    if not problems:
        from .rules import rule_problems

        field_types = {
            f"{step['name']}.{spec['name']}": spec["type"]
            for step in definition["steps"]
            if step.get("kind", "fields") == "fields"
            for spec in step["fields"]
        }
        problems += rule_problems(definition, field_types)
    return problems

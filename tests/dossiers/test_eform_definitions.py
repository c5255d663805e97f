"""The reviewed e-form definitions (dossiers/eforms/definitions/*.json): each one is valid against
the schema, only looks back at answers that exist, prefills from attributes the national records
really have, and matches its procedure in the catalogue (procedures/data)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from national_mocks import registries, synthetic

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS = ROOT / "dossiers" / "eforms" / "definitions"
SCHEMA = ROOT / "dossiers" / "eforms" / "schema.json"
PROCEDURES = ROOT / "procedures" / "data"

EXPECTED_KEYS = {
    "birth_registration",
    "birth_bundle",
    "death_registration",
    "death_bundle",
    "marriage_registration",
    "marital_status_confirmation",
    "permanent_residence",
    "temporary_residence",
    "temporary_absence",
    "criminal_record",
    "household_business",
    "driving_licence_renewal",
}
# People of the mocked population database: married, single, widowed, a business owner, and
# synthetic person 0, who drives a car (a licence that expires).
DEMO_PEOPLE = (
    "001190012345",
    "001088004321",
    "079085001122",
    "048192005566",
    "037175008899",
    "079083271828",
)
IDENTITY_ATTRIBUTES = {"full_name", "identification_number", "date_of_birth", "gender"}
TEXT_TYPES = {"text", "textarea", "date", "number", "email", "phone", "personal_id", "tax_code"}


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


ALL = sorted(DEFINITIONS.glob("*.json"))
NEW = [p for p in ALL if p.stem != "birth_registration"]


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = _load(SCHEMA)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


# --- the step and field names a definition offers, in order ----------------------------------


def _wizard_steps(definition: dict[str, Any]) -> list[tuple[str, set[str], dict[str, Any]]]:
    """(wizard step name, its field names, the definition step) in the order people see them."""
    out = []
    for step in definition["steps"]:
        kind = step.get("kind", "fields")
        if kind == "address":
            out.append((step["province_step"], {"province"}, step))
            commune = {"commune"} | ({step["detail"]["name"]} if step.get("detail") else set())
            out.append((step["commune_step"], commune, step))
        elif kind in ("fields", "repeat"):
            out.append((step["name"], {f["name"] for f in step["fields"]}, step))
        else:
            out.append((step["name"], set(), step))
    return out


def _condition_paths(condition: dict[str, Any]) -> list[str]:
    if "all" in condition or "any" in condition:
        return [
            p for c in condition.get("all", condition.get("any", [])) for p in _condition_paths(c)
        ]
    return [condition["field"]]


def _field_specs(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{step['name']}.{spec['name']}": spec
        for step in definition["steps"]
        for spec in step.get("fields", [])
    }


# --- the definitions themselves ------------------------------------------------------------


def test_every_procedure_with_an_e_form_has_its_definition():
    assert {p.stem for p in ALL} == EXPECTED_KEYS


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_definition_is_valid_against_the_schema(path):
    definition = _load(path)
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _validator().iter_errors(definition)
    ]
    assert errors == []
    assert definition["key"] == path.stem


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_the_engine_accepts_the_definition(path):
    from dossiers.eforms.engine import DataForm
    from dossiers.eforms.validation import definition_problems

    definition = _load(path)
    assert definition_problems(definition) == []
    compiled = DataForm(definition)
    assert compiled.wizard_step_names[-1] == "review"


@pytest.mark.django_db
def test_load_eforms_stores_every_definition():
    from django.core.management import call_command

    from dossiers.models import EForm

    call_command("load_eforms")
    assert set(EForm.objects.values_list("key", flat=True)) == EXPECTED_KEYS


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_conditions_only_look_back_at_fields_that_exist(path):
    definition = _load(path)
    seen: dict[str, set[str]] = {}
    problems = []

    def check(where: str, condition: dict[str, Any], *, same_step: str | None = None) -> None:
        for field_path in _condition_paths(condition):
            parts = field_path.split(".")
            if len(parts) == 1:
                if same_step is None or parts[0] not in seen.get(same_step, set()):
                    problems.append(f"{where}: '{field_path}' is not a field of this step")
                continue
            if parts[0] not in seen:
                problems.append(f"{where}: '{field_path}' is not an earlier step")
            elif parts[1] not in seen[parts[0]]:
                problems.append(f"{where}: '{field_path}' is not a field")

    for name, fields, step in _wizard_steps(definition):
        if step.get("condition"):
            check(f"{name}/condition", step["condition"])
        for spec in step.get("fields", []):
            if spec.get("condition"):
                check(f"{name}.{spec['name']}/condition", spec["condition"])
        seen[name] = fields
        for exit_page in step.get("exits", []):
            check(f"{name}/exits", exit_page["when"], same_step=name)
    for rule in definition.get("case", {}).get("rules", []):
        check("case/rules", rule["when"])
    paths = [definition["subject_name"], *definition.get("contact", {}).values()]
    paths += [row["path"] for row in definition.get("result_fields", [])]
    for answer_path in paths:
        step, field = answer_path.split(".")[:2]
        if field not in seen.get(step, set()):
            problems.append(f"'{answer_path}' is not an answer of the form")
    assert problems == []


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_choices_are_unique_and_initial_values_are_choices(path):
    for key, spec in _field_specs(_load(path)).items():
        values = [c["value"] for c in spec.get("choices", [])]
        assert len(values) == len(set(values)), key
        for language in ("vi", "en"):
            labels = [c["label"][language] for c in spec.get("choices", [])]
            assert len(labels) == len(set(labels)), (key, language)
        if values and "initial" in spec:
            assert str(spec["initial"]) in values, key


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_the_journey_has_one_page_per_group_contact_details_and_a_review(path):
    definition = _load(path)
    steps = definition["steps"]
    kinds = [s.get("kind", "fields") for s in steps]
    assert kinds[-1] == "review"
    assert steps[-1]["declaration"]["vi"].startswith("Tôi cam đoan")
    assert kinds.count("review") == 1
    assert kinds.count("documents") <= 1
    assert sum(1 for s in steps if s.get("routing")) == 1, "exactly one address step routes"
    # the contact details: a step of their own, or beside the applicant's other answers
    # (birth registration asks them with the relationship, "About you")
    assert set(definition["contact"]) == {"email", "phone"}
    for kind, answer_path in definition["contact"].items():
        step_name, field_name = answer_path.split(".")
        step = next(s for s in steps if s["name"] == step_name)
        spec = next(f for f in step["fields"] if f["name"] == field_name)
        assert spec["type"] == kind, answer_path
        assert spec.get("required") is False, answer_path
    names = [name for name, _, _ in _wizard_steps(definition)]
    assert len(names) == len(set(names))
    for step in steps:
        fields = [f["name"] for f in step.get("fields", [])]
        assert len(fields) == len(set(fields)), step["name"]
        for spec in step.get("fields", []):
            if spec.get("required_unless"):
                assert spec["required_unless"] in fields
    assert definition["result_fields"], "the electronic result shows the answers"


# --- prefill ---------------------------------------------------------------------------------


def _source_of(definition: dict[str, Any], subject: str) -> set[str]:
    if subject == "user":
        return {"user"}
    spec = definition["subjects"][subject]
    if "source" in spec:
        return {spec["source"]}
    return {s for p in spec["pick"] for s in _source_of(definition, p["subject"])}


@cache
def _records(source: str) -> tuple[dict[str, Any], ...]:
    """What each source answers for the demo people (the mocks' real record shapes)."""
    people = [registries.find_person(pid) for pid in DEMO_PEOPLE]
    if source == "population":
        return tuple(people)
    if source == "insurance":
        return tuple(synthetic.insurance(p) for p in people)
    if source == "licences":
        return tuple({"driving_licences": synthetic.driving_licences(p)} for p in people)
    if source == "user":
        return ({"email": "", "phone": "", "full_name": "", "personal_id": ""},)
    raise AssertionError(f"no demo records for {source}")


def _at(record: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(record, dict):
            record = record.get(part)
        elif isinstance(record, list) and part.isdigit():
            record = record[int(part)] if int(part) < len(record) else None
        else:
            return None
    return record


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_prefill_reads_attributes_the_national_records_have(path):
    definition = _load(path)
    prefills = [
        (f"{step['name']}.{spec['name']}", spec["prefill"])
        for step in definition["steps"]
        for spec in step.get("fields", [])
        if spec.get("prefill")
    ] + [(s["name"], s["prefill"]) for s in definition["steps"] if s.get("prefill")]
    for subject, spec in definition.get("subjects", {}).items():
        if "id" in spec and not spec["id"].startswith("user."):
            root, attribute = spec["id"].split(".", 1)
            prefills.append((f"subjects/{subject}", {"subject": root, "attribute": attribute}))
    assert prefills
    for where, prefill in prefills:
        for source in _source_of(definition, prefill["subject"]):
            values = [_at(r, prefill["attribute"]) for r in _records(source)]
            assert any(v is not None for v in values) or source == "user", (where, prefill)
            if prefill.get("format") == "address":
                assert all(isinstance(v, dict) and "commune_code" in v for v in values), where


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_identity_values_from_the_population_database_are_locked(path):
    definition = _load(path)
    for key, spec in _field_specs(definition).items():
        prefill = spec.get("prefill")
        if not prefill or prefill["subject"] == "user":
            continue
        if (
            _source_of(definition, prefill["subject"]) == {"population"}
            and prefill["attribute"] in IDENTITY_ATTRIBUTES
            and not prefill.get("map")  # an answer derived from the record, not the record
        ):
            assert prefill.get("lock") is True, key


def test_only_the_driving_licence_cannot_go_on_without_its_source():
    crucial = {p.stem: _load(p).get("crucial_sources", []) for p in ALL}
    assert crucial.pop("driving_licence_renewal") == ["licences"]
    assert all(value == [] for value in crucial.values())


@pytest.mark.parametrize("path", NEW, ids=_ids(NEW))
def test_every_text_field_says_what_to_type(path):
    """Help for every typed field that neither a national record nor a default fills."""
    for key, spec in _field_specs(_load(path)).items():
        if spec["type"] in TEXT_TYPES - {"email", "phone"} and not (
            spec.get("prefill") or "initial" in spec
        ):
            assert spec.get("help"), key


# --- the catalogue -----------------------------------------------------------------------------


@cache
def _procedure_versions() -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """form_key -> [(procedure code, version)] from procedures/data."""
    out: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for path in _procedure_files():
        procedure = _load(path)
        for version in procedure.get("versions", []):
            if version.get("form_key"):
                out.setdefault(version["form_key"], []).append((procedure["code"], version))
    return out


def _procedure_files() -> list[Path]:
    return [p for p in sorted(PROCEDURES.glob("*.json")) if p.name != "schema.json"]


def _procedure_codes() -> set[str]:
    return {_load(p)["code"] for p in _procedure_files()}


def _versions_of(definition: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    versions = _procedure_versions().get(definition["key"])
    assert versions, f"no procedure in procedures/data has form_key {definition['key']}"
    return versions


def _cases_used(definition: dict[str, Any]) -> set[str]:
    case = definition["case"]
    return {case["default"]} | {rule["case"] for rule in case.get("rules", [])}


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_case_codes_and_uploads_match_the_procedure(path):
    definition = _load(path)
    for code, version in _versions_of(definition):
        cases = {case["code"]: case for case in version["cases"]}
        assert _cases_used(definition) <= set(cases), code
        assert _form_codes(definition) & {
            c["code"] for c in cases[definition["case"]["default"]]["components"]
        }, code
        for spec in _field_specs(definition).values():
            if spec["type"] == "file":
                assert any(
                    spec["component"] in {c["code"] for c in case["components"]}
                    for case in cases.values()
                ), (code, spec["component"])
    for step in definition["steps"]:
        for exit_page in step.get("exits", []):
            if exit_page.get("procedure"):
                assert exit_page["procedure"] in _procedure_codes()


def _form_codes(definition) -> set[str]:
    """The catalogue may name the e-form by another code in another case (CT01 / CT01-DY):
    form_component is then a list, and no case asks to upload the e-form itself."""
    declared = definition["form_component"]
    return {declared} if isinstance(declared, str) else set(declared)


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_every_case_the_form_chooses_lists_the_e_form_itself(path):
    definition = _load(path)
    for code, version in _versions_of(definition):
        cases = {case["code"]: case for case in version["cases"]}
        for case_code in _cases_used(definition):
            components = {c["code"] for c in cases[case_code]["components"]}
            assert _form_codes(definition) & components, (code, case_code)

"""The reviewed procedure catalogue data (procedures/data/*.json): schema, counts, consistency, loading."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from jsonschema import Draft202012Validator, FormatChecker

from procedures.models import Procedure, ProcedureVersion
from procedures.services import DATA_DIR

SCHEMA = json.loads((DATA_DIR / "schema.json").read_text(encoding="utf-8"))
MINISTRIES = json.loads(
    (Path(__file__).resolve().parents[2] / "agencies" / "data" / "ministries.json").read_text(
        encoding="utf-8"
    )
)
FORM_KEYS = {
    "birth_registration": "1.001193",
    "birth_bundle": "2.000986",
    "death_registration": "1.000656",
    "death_bundle": "2.002622",
    "marriage_registration": "1.000894",
    "marital_status_confirmation": "1.004873",
    "permanent_residence": "1.004222",
    "temporary_residence": "1.004194",
    "temporary_absence": "1.003677",
    "criminal_record": "2.000505",
    "household_business": "1.001612",
    "driving_licence_renewal": "3.000347",
}
HOURS_PER_DAY = Decimal(8)


def _load() -> dict[Path, dict[str, Any]]:
    return {
        path: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(DATA_DIR.glob("*.json"))
        if path.name != "schema.json"
    }


FILES = _load()
PROCEDURES = list(FILES.values())
BY_CODE = {p["code"]: p for p in PROCEDURES}


def _current(procedure: dict[str, Any]) -> dict[str, Any]:
    """The version in force today (the latest effective_from not in the future)."""
    today = dt.date.today().isoformat()
    in_force = [v for v in procedure["versions"] if v["effective_from"] <= today]
    return max(in_force or procedure["versions"], key=lambda v: v["effective_from"])


def _hours(channel: dict[str, Any]) -> Decimal:
    limit = Decimal(channel["time_limit"])
    return limit if channel["time_unit"] == "hours" else limit * HOURS_PER_DAY


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", list(FILES), ids=lambda p: p.name)
def test_every_data_file_matches_the_schema(path: Path) -> None:
    validator = Draft202012Validator(SCHEMA, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(FILES[path]), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_schema_rejects_what_it_should() -> None:
    validator = Draft202012Validator(SCHEMA, format_checker=FormatChecker())
    good = json.loads(json.dumps(BY_CODE["1.001193"]))
    assert validator.is_valid(good)
    bad_code = {**good, "code": "1.1193"}
    bad_event = {**good, "life_events": ["buying_a_boat"]}
    bad_role = json.loads(json.dumps(good))
    bad_role["versions"][0]["steps"][0]["role"] = "janitor"
    bad_fee = json.loads(json.dumps(good))
    bad_fee["versions"][0]["channels"][0]["fees"][0]["amount"] = "-5"
    bad_unit = json.loads(json.dumps(good))
    bad_unit["versions"][0]["channels"][0]["time_unit"] = "weeks"
    for bad in (bad_code, bad_event, bad_role, bad_fee, bad_unit):
        assert not validator.is_valid(bad)


def test_file_names_carry_the_procedure_code_and_codes_are_unique() -> None:
    for path, procedure in FILES.items():
        assert path.name.startswith(procedure["code"] + "-"), path.name
    assert len(BY_CODE) == len(PROCEDURES)


def test_at_least_60_procedures_across_the_three_levels() -> None:
    assert len(PROCEDURES) >= 60
    per_level: Counter[int] = Counter()
    for procedure in PROCEDURES:
        for level in {item["level"] for item in _current(procedure)["levels"]}:
            per_level[level] += 1
    assert per_level[0] >= 8, per_level
    assert per_level[1] >= 20, per_level
    assert per_level[3] >= 20, per_level


def test_essential_services_and_both_linked_bundles() -> None:
    essential = [p["code"] for p in PROCEDURES if p["essential_service"]]
    assert len(essential) >= 20, essential
    for key in ("birth_bundle", "death_bundle"):
        bundle = BY_CODE[FORM_KEYS[key]]
        assert bundle["essential_service"]
        parts = _current(bundle)["bundle_parts"]
        assert {part["agency_kind"] for part in parts} == {
            "commune_committee",
            "commune_police",
            "social_insurance",
        }
        for part in parts:
            assert part["code"] in BY_CODE, f"bundle part {part['code']} has no data file"
        kinds = {level["competent_agency_kind"] for level in _current(bundle)["levels"]}
        assert kinds >= {part["agency_kind"] for part in parts}


def test_at_least_eight_business_procedures() -> None:
    business = [p["code"] for p in PROCEDURES if "business" in p["applicant_types"]]
    assert len(business) >= 8, business


def test_exactly_the_twelve_form_keys_on_the_right_procedures() -> None:
    found: dict[str, set[str]] = {}
    for procedure in PROCEDURES:
        for version in procedure["versions"]:
            if version["form_key"]:
                found.setdefault(version["form_key"], set()).add(procedure["code"])
    assert found == {key: {code} for key, code in FORM_KEYS.items()}
    for key, code in FORM_KEYS.items():
        assert _current(BY_CODE[code])["form_key"] == key


def test_ministries_and_competent_agencies_exist() -> None:
    ministry_codes = {agency["code"] for agency in MINISTRIES["agencies"]}
    province_numbers = {item["number"] for item in MINISTRIES["province_agencies"]["items"]}
    for procedure in PROCEDURES:
        assert procedure["ministry"] in ministry_codes, procedure["code"]
        for version in procedure["versions"]:
            for level in version["levels"]:
                if "competent_agency_code" in level:
                    assert level["competent_agency_code"] in ministry_codes, procedure["code"]
                if "competent_agency_number" in level:
                    assert level["competent_agency_number"] in province_numbers, procedure["code"]


def test_versions_are_numbered_from_one_with_increasing_effective_dates() -> None:
    versioned = 0
    for procedure in PROCEDURES:
        versions = sorted(procedure["versions"], key=lambda v: v["number"])
        assert [v["number"] for v in versions] == list(range(1, len(versions) + 1))
        dates = [v["effective_from"] for v in versions]
        assert dates == sorted(dates), procedure["code"]
        assert len(set(dates)) == len(dates), procedure["code"]
        versioned += len(versions) > 1
    assert versioned >= 3


def test_internal_consistency_of_each_version() -> None:
    result_codes = {
        result["code"]
        for procedure in PROCEDURES
        for version in procedure["versions"]
        for result in version["results"]
    }
    for procedure in PROCEDURES:
        code = procedure["code"]
        for version in procedure["versions"]:
            where = f"{code} v{version['number']}"
            cases = [case["code"] for case in version["cases"]]
            assert len(cases) == len(set(cases)), where
            for case in version["cases"]:
                components = [component["code"] for component in case["components"]]
                assert len(components) == len(set(components)), f"{where} {case['code']}"
                for component in case["components"]:
                    replaced_by = component.get("replaceable_by_result_code")
                    if replaced_by:
                        assert replaced_by in result_codes, f"{where}: {replaced_by}"
            kinds = [channel["kind"] for channel in version["channels"]]
            assert len(kinds) == len(set(kinds)), where
            for channel in version["channels"]:
                assert Decimal(channel["time_limit"]) > 0, where
                for fee in channel["fees"]:
                    assert Decimal(fee["amount"]) >= 0, where
            orders = [step["order"] for step in version["steps"]]
            assert orders == list(range(1, len(orders) + 1)), where
            total = sum(Decimal(step["duration_hours"]) for step in version["steps"])
            shortest = min(_hours(channel) for channel in version["channels"])
            assert 0 < total <= shortest, f"{where}: steps {total} h > time limit {shortest} h"
            for related in version["related_codes"]:
                assert related in BY_CODE, f"{where}: related {related}"
            for basis in version["legal_bases"]:
                if basis.get("effective_date"):
                    assert basis["effective_date"] >= basis["issue_date"], where


#: the catalogue texts shown on the procedure page, each with its English beside it
ENGLISH_PAIRS = {
    "levels": ("competent_agency", "coordinating_agencies", "receiving_address"),
    "channels": ("time_note",),
    "legal_bases": ("title", "issuer"),
}


def test_every_catalogue_text_has_its_english() -> None:
    missing = []
    for procedure in PROCEDURES:
        for version in procedure["versions"]:
            where = f"{procedure['code']} v{version['number']}"
            for part, keys in ENGLISH_PAIRS.items():
                for index, item in enumerate(version[part]):
                    for key in keys:
                        text, english = item.get(key, ""), item.get(f"{key}_en", "")
                        if text.strip() and not english.strip():
                            missing.append(f"{where} {part}[{index}].{key}_en")
                        if english.strip() and not text.strip():
                            missing.append(f"{where} {part}[{index}].{key} (English only)")
    assert not missing, "\n".join(missing)


def test_the_schema_requires_the_english_of_notes_legal_bases_and_levels() -> None:
    validator = Draft202012Validator(SCHEMA, format_checker=FormatChecker())
    good = BY_CODE["1.001193"]
    paths = [
        ("levels", "competent_agency_en"),
        ("levels", "receiving_address_en"),
        ("channels", "time_note_en"),
        ("legal_bases", "title_en"),
        ("legal_bases", "issuer_en"),
    ]
    for part, key in paths:
        bad = json.loads(json.dumps(good))
        del bad["versions"][0][part][0][key]
        assert not validator.is_valid(bad), key
    blank_title = json.loads(json.dumps(good))
    blank_title["versions"][0]["legal_bases"][0]["title_en"] = ""
    assert not validator.is_valid(blank_title)


@pytest.mark.django_db
def test_load_procedures_loads_every_file() -> None:
    out = StringIO()
    call_command("load_procedures", stdout=out)
    assert f"Loaded {len(PROCEDURES)} procedure(s)" in out.getvalue()
    assert Procedure.objects.count() == len(PROCEDURES)
    assert ProcedureVersion.objects.count() == sum(len(p["versions"]) for p in PROCEDURES)
    birth = Procedure.objects.get(code="1.001193").version_in_force()
    assert birth is not None
    assert birth.form_key == "birth_registration"
    basis = birth.legal_bases.get(number="60/2014/QH13")
    assert (basis.title_en, basis.issuer_en) == ("Law on Civil Status", "National Assembly")
    assert all(channel.time_note_en for channel in birth.channels.all())
    level = birth.levels.get()
    assert level.competent_agency_en.startswith("People's Committee of the commune")
    assert level.receiving_address_en
    bundle = Procedure.objects.get(code="2.000986").version_in_force()
    assert bundle is not None
    assert [part["agency_kind"] for part in bundle.bundle_parts] == [
        "commune_committee",
        "commune_police",
        "social_insurance",
    ]
    licence = Procedure.objects.get(code="3.000347")
    assert licence.versions.count() == 2
    assert licence.version_in_force(dt.date(2024, 6, 1)).number == 1  # type: ignore[union-attr]
    assert licence.version_in_force(dt.date(2025, 6, 1)).number == 2  # type: ignore[union-attr]
    call_command("load_procedures", stdout=StringIO())  # idempotent
    assert Procedure.objects.count() == len(PROCEDURES)

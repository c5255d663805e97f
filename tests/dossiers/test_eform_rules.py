"""Rules across the fields of an e-form (dossiers/eforms/rules.py, docs/eforms.md "Rules"):
each check on its edges, every rule of every definition kept and broken, a hypothesis test
over couples for the marriage form, and the checks made when a definition is loaded.

Dates are relative to the day the test runs (the registration day is "today"), so the tests
say the same thing on any day."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django.utils.translation import override
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossiers.eforms.rules import add_years, age_on, broken_rules, rule_paths, rules_by_step
from dossiers.eforms.steps import step_specs
from dossiers.eforms.validation import definition_problems
from portal.validators import ID_PROVINCE_CODES, parse_personal_id

DEFINITIONS = Path(__file__).resolve().parents[2] / "dossiers" / "eforms" / "definitions"
FORMS = {
    p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(DEFINITIONS.glob("*.json"))
}


def personal_id(born: dt.date, sex: str, province: int = 1, serial: int = 1234) -> str:
    digit = (born.year // 100 - 19) * 2 + (1 if sex == "female" else 0)
    return f"{province:03d}{digit}{born.year % 100:02d}{serial:06d}"


def today() -> dt.date:
    return timezone.localdate()


def answers_at(pairs: dict[str, Any]) -> dict[str, Any]:
    """{"husband.date_of_birth": d} -> {"husband": {"date_of_birth": d}}"""
    out: dict[str, dict[str, Any]] = {}
    for path, value in pairs.items():
        step, field = path.split(".", 1)
        out.setdefault(step, {})[field] = value
    return out


# --- each check on its edges -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [
        (dt.date(2006, 12, 3), dt.date(2026, 12, 3), 20),  # the 20th birthday
        (dt.date(2006, 12, 4), dt.date(2026, 12, 3), 19),  # the day before it
        (dt.date(2008, 2, 29), dt.date(2026, 2, 28), 17),  # born on 29 February
        (dt.date(2008, 2, 29), dt.date(2026, 3, 1), 18),
        (dt.date(2008, 2, 29), dt.date(2028, 2, 29), 20),
    ],
)
def test_age_counts_whole_years_on_the_day(born, day, age):
    assert age_on(born, day) == age


def test_a_year_later_of_29_february_is_28_february():
    assert add_years(dt.date(2024, 2, 29), 2) == dt.date(2026, 2, 28)
    assert add_years(dt.date(2024, 3, 1), 2) == dt.date(2026, 3, 1)


MIN_AGE = {
    "name": "groom",
    "check": "min_age",
    "field": "husband.date_of_birth",
    "years": 20,
    "message": {"vi": "v", "en": "e"},
    "basis": {"vi": "v", "en": "e"},
}


@pytest.mark.parametrize(
    ("years_ago", "days_later", "is_broken"),
    [(20, 0, False), (20, 1, True), (17, 0, True), (45, 0, False), (0, 0, True)],
)
def test_min_age_on_the_day_of_registration(years_ago, days_later, is_broken):
    born = add_years(today(), -years_ago) + dt.timedelta(days=days_later)
    answers = answers_at({"husband.date_of_birth": born})
    assert bool(broken_rules([MIN_AGE], answers)) is is_broken


def order(**extra: Any) -> dict[str, Any]:
    return {
        **MIN_AGE,
        "check": "date_order",
        "earlier": "stay.date_from",
        "later": "stay.date_to",
        **extra,
    }


@pytest.mark.parametrize(
    ("rule", "start", "end", "is_broken"),
    [
        (order(), dt.date(2026, 1, 10), dt.date(2026, 1, 10), False),
        (order(strict=True), dt.date(2026, 1, 10), dt.date(2026, 1, 10), True),
        (order(), dt.date(2026, 1, 10), dt.date(2026, 1, 9), True),
        (order(max_years=2), dt.date(2026, 1, 10), dt.date(2028, 1, 10), False),
        (order(max_years=2), dt.date(2026, 1, 10), dt.date(2028, 1, 11), True),
        (order(max_years=2), dt.date(2024, 2, 29), dt.date(2026, 2, 28), False),
        (order(max_years=2), dt.date(2024, 2, 29), dt.date(2026, 3, 1), True),
        (order(min_years=18), dt.date(2000, 5, 1), dt.date(2018, 5, 1), False),
        (order(min_years=18), dt.date(2000, 5, 1), dt.date(2018, 4, 30), True),
    ],
)
def test_dates_in_order_with_a_least_and_a_most(rule, start, end, is_broken):
    answers = answers_at({"stay.date_from": start, "stay.date_to": end})
    assert bool(broken_rules([rule], answers)) is is_broken


ID_RULE = {
    **MIN_AGE,
    "check": "personal_id_matches",
    "id": "person.identification_number",
    "date_of_birth": "person.date_of_birth",
    "sex": "person.sex",
}


@pytest.mark.parametrize(
    ("number", "born", "sex", "is_broken"),
    [
        ("001090012345", dt.date(1990, 3, 12), "male", False),  # 0: a man of the 20th century
        ("001190012345", dt.date(1990, 3, 12), "female", False),  # 1: a woman of the 20th
        ("001226000123", dt.date(2026, 1, 5), "male", False),  # 2: a man of the 21st
        ("001326000123", dt.date(2026, 1, 5), "female", False),  # 3: a woman of the 21st
        ("001090012345", dt.date(1990, 3, 12), "female", True),  # the sex differs
        ("001090012345", dt.date(1991, 3, 12), "male", True),  # the year differs
        ("001290012345", dt.date(1990, 3, 12), "male", True),  # the century differs (2090)
        ("001090012345", dt.date(1990, 3, 12), "", False),  # no sex given: the year only
        ("999999999999", dt.date(1990, 3, 12), "male", False),  # the field's own error
    ],
)
def test_the_number_says_the_year_of_birth_and_the_sex(number, born, sex, is_broken):
    answers = answers_at(
        {"person.identification_number": number, "person.date_of_birth": born, "person.sex": sex}
    )
    assert bool(broken_rules([ID_RULE], answers)) is is_broken


def test_a_rule_whose_answers_are_not_all_given_does_not_apply():
    assert (
        broken_rules([ID_RULE], answers_at({"person.identification_number": "001090012345"})) == []
    )
    assert broken_rules([ID_RULE], answers_at({"person.date_of_birth": dt.date(1990, 1, 1)})) == []
    assert broken_rules([MIN_AGE], {}) == []


def test_the_structure_of_a_personal_identification_number():
    parsed = parse_personal_id("037148002468")
    assert parsed is not None
    assert (parsed.province_code, parsed.sex, parsed.year_of_birth) == (37, "female", 1948)
    assert parse_personal_id("999999999999") is None  # 999 is no province
    assert parse_personal_id("000190012345") is None
    assert parse_personal_id("00119001234") is None
    assert len(ID_PROVINCE_CODES) == 63


# --- every rule of every form, kept and broken -------------------------------------------------


def test_each_of_the_twelve_forms_has_rules_with_their_legal_basis():
    assert len(FORMS) == 12
    for key, definition in FORMS.items():
        rules = definition.get("rules", [])
        assert rules, key
        for rule in rules:
            assert rule["basis"]["vi"], (key, rule["name"])
            assert rule["basis"]["en"], (key, rule["name"])
        assert any(rule["check"] == "personal_id_matches" for rule in rules), key
    marriage = {r["name"]: r for r in FORMS["marriage_registration"]["rules"]}
    assert (marriage["husband_age"]["years"], marriage["wife_age"]["years"]) == (20, 18)


def _when_answers(condition: dict[str, Any] | None) -> dict[str, Any]:
    """Answers that make a rule's `when` hold (the definitions use `all` of `equals`)."""
    if not condition:
        return {}
    if "all" in condition:
        return {k: v for c in condition["all"] for k, v in _when_answers(c).items()}
    return {condition["field"]: condition["equals"]}


def kept_and_broken(rule: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Answers that keep the rule, and the same answers changed to break it."""
    base = _when_answers(rule.get("when"))
    paths = rule_paths(rule)
    if rule["check"] == "min_age":
        born = add_years(today(), -rule["years"])
        kept = {**base, paths["field"]: born}
        return kept, {**kept, paths["field"]: born + dt.timedelta(days=1)}
    if rule["check"] == "date_order":
        start = dt.date(1990, 6, 15)
        end = add_years(start, rule.get("min_years", rule.get("max_years", 1)))
        kept = {**base, paths["earlier"]: start, paths["later"]: end}
        if "max_years" in rule:
            bad_end = add_years(start, rule["max_years"]) + dt.timedelta(days=1)
        else:
            bad_end = start - dt.timedelta(days=1)
        return kept, {**kept, paths["later"]: bad_end}
    assert rule["check"] == "personal_id_matches"
    born = dt.date(1988, 7, 1)
    sex = rule.get("sex", "male")
    kept = {**base, paths["date_of_birth"]: born, paths["id"]: personal_id(born, "male")}
    if "sex" in paths:
        kept[paths["sex"]] = "male"
    elif sex == "female":
        kept[paths["id"]] = personal_id(born, "female")
    return kept, {**kept, paths["date_of_birth"]: dt.date(1989, 7, 1)}


RULES = [(key, rule) for key, d in FORMS.items() for rule in d["rules"]]


@pytest.mark.parametrize(
    ("key", "rule"), RULES, ids=[f"{key}-{rule['name']}" for key, rule in RULES]
)
def test_every_rule_of_every_form_is_kept_and_broken_with_its_message(key, rule):
    rules = FORMS[key]["rules"]
    kept, broken = kept_and_broken(rule)
    assert broken_rules(rules, answers_at(kept)) == []
    assert broken_rules(rules, answers_at(broken)) == [rule]


@pytest.mark.parametrize("key", sorted(FORMS))
def test_the_page_of_each_rule_shows_its_message_in_both_languages(key):
    """Through the step form the wizard builds: the rule's message and basis, on its field."""
    definition = FORMS[key]
    by_step = rules_by_step(definition)
    steps = {step["name"]: step for step in definition["steps"]}
    for step_name, rules in by_step.items():
        (spec,) = step_specs(steps[step_name], rules)
        for rule in rules:
            _kept, broken = kept_and_broken(rule)
            answers = answers_at(broken)
            for language in ("vi", "en"):
                with override(language):
                    form = spec.form_class(answers={k: v for k, v in answers.items()})
                    form.cleaned_data = dict(answers.get(step_name, {}))
                    form._errors = {}
                    form._check_rules(form.cleaned_data)
                    message = f"{rule['message'][language]} ({rule['basis'][language]})."
                    assert message in [str(m) for ms in form.errors.values() for m in ms]


# --- the marriage form over many couples (hypothesis) -------------------------------------------

MARRIAGE = FORMS["marriage_registration"]["rules"]


@st.composite
def couples(draw) -> dict[str, Any]:
    day = today()
    husband = add_years(day, -draw(st.integers(20, 90))) - dt.timedelta(
        days=draw(st.integers(0, 364))
    )
    wife = add_years(day, -draw(st.integers(18, 90))) - dt.timedelta(days=draw(st.integers(0, 364)))
    provinces = sorted(ID_PROVINCE_CODES)
    return {
        "husband.date_of_birth": husband,
        "husband.identification_number": personal_id(
            husband, "male", draw(st.sampled_from(provinces)), draw(st.integers(0, 999_999))
        ),
        "wife.date_of_birth": wife,
        "wife.identification_number": personal_id(
            wife, "female", draw(st.sampled_from(provinces)), draw(st.integers(0, 999_999))
        ),
    }


def _break(couple: dict[str, Any], name: str, shift: int) -> dict[str, Any]:
    changed = copy.copy(couple)
    if name in ("husband_age", "wife_age"):
        who, years = ("husband", 20) if name == "husband_age" else ("wife", 18)
        born = add_years(today(), -years) + dt.timedelta(days=1 + shift)
        changed[f"{who}.date_of_birth"] = born
        changed[f"{who}.identification_number"] = personal_id(
            born, "male" if who == "husband" else "female"
        )
    else:
        who = name.removesuffix("_id")
        number = changed[f"{who}.identification_number"]
        digit = int(number[3])
        if shift % 2:  # the other sex
            changed[f"{who}.identification_number"] = f"{number[:3]}{digit ^ 1}{number[4:]}"
        else:  # another year
            year = (int(number[4:6]) + 1 + shift % 50) % 100
            changed[f"{who}.identification_number"] = f"{number[:4]}{year:02d}{number[6:]}"
    return changed


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    couple=couples(),
    which=st.sampled_from([r["name"] for r in MARRIAGE]),
    shift=st.integers(0, 3000),
)
def test_any_couple_of_age_passes_and_any_broken_rule_is_named(couple, which, shift):
    assert broken_rules(MARRIAGE, answers_at(couple)) == []
    named = [r["name"] for r in broken_rules(MARRIAGE, answers_at(_break(couple, which, shift)))]
    assert named == [which]


# --- the checks made when a definition is loaded ------------------------------------------------


def _with_rule(**rule: Any) -> dict[str, Any]:
    definition = copy.deepcopy(FORMS["marriage_registration"])
    definition["rules"] = [
        {"name": "r", "message": MIN_AGE["message"], "basis": MIN_AGE["basis"], **rule}
    ]
    return definition


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        (
            {"check": "min_age", "field": "husband.birthday", "years": 20},
            "'husband.birthday' is not a field of a question page",
        ),
        (
            {"check": "min_age", "field": "husband.full_name", "years": 20},
            "is a text field, not a date",
        ),
        ({"check": "min_age", "field": "husband.date_of_birth"}, "'years' is a required property"),
        ({"check": "older_than", "field": "husband.date_of_birth"}, "is not one of"),
        (
            {
                "check": "date_order",
                "earlier": "husband.date_of_birth",
                "later": "wife.date_of_birth",
                "show_on": "husband.date_of_birth",
            },
            "is not on the page of the rule's last answer ('wife.date_of_birth')",
        ),
        (
            {
                "check": "min_age",
                "field": "husband.date_of_birth",
                "years": 20,
                "when": {"field": "husband.sex", "equals": "male"},
            },
            "'husband.sex' is not a field of a question page",
        ),
    ],
)
def test_a_rule_that_cannot_be_checked_is_refused_when_the_definition_is_loaded(rule, problem):
    problems = definition_problems(_with_rule(**rule))
    assert any(problem in p for p in problems), problems


def test_the_twelve_definitions_load_with_their_rules():
    for key, definition in FORMS.items():
        assert definition_problems(definition) == [], key

"""Rules across the fields of an e-form (docs/eforms.md, "Rules"): what the law requires of the
answers together, kept as data in the definition and checked by the engine on the server.

A rule names a `check` of the registry below, the answers it reads ("step.field" paths), an
optional `when` condition, its message and its legal basis (both in Vietnamese and English).
It is checked on the page of its last field, as the person leaves that page (and again when
the whole form is revalidated at submission), so the message shows next to the answer it is
about and a form that breaks a rule can never be submitted. A rule whose answers are not all
given does not apply (whether an answer is required is the field's business).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from portal.registry import Registry
from portal.validators import parse_personal_id

from .conditions import answer_at, fields_of, holds

TODAY = "today"  # the day of registration: the day the form is filled and submitted


@dataclass(frozen=True)
class Check:
    """One kind of rule: which parameters are answers (paths), which answer its message is
    shown next to by default, and the test itself (True when the answers keep the rule)."""

    paths: tuple[str, ...]  # parameters that name answers ("step.field", or "today")
    shown_on: str  # the parameter whose answer carries the message by default
    kept: Callable[[dict[str, Any], dict[str, Any]], bool]  # (rule, values) -> kept


#: The kinds of rule a definition may use, by the name of its `check`.
CHECKS: Registry[Check] = Registry("e-form rule check")


def age_on(born: dt.date, day: dt.date) -> int:
    """Whole years of age on `day` (a person born on 29 February has a birthday on 1 March in
    other years: not yet on 28 February)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (29 February becomes 28 February in other years)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _min_age(rule: dict[str, Any], values: dict[str, Any]) -> bool:
    on = values.get("on") or timezone.localdate()
    return age_on(values["field"], on) >= rule["years"]


def _date_order(rule: dict[str, Any], values: dict[str, Any]) -> bool:
    earlier, later = values["earlier"], values["later"]
    if earlier > later or (rule.get("strict") and earlier == later):
        return False
    if "min_years" in rule and age_on(earlier, later) < rule["min_years"]:
        return False
    return "max_years" not in rule or later <= add_years(earlier, rule["max_years"])


def _personal_id_matches(rule: dict[str, Any], values: dict[str, Any]) -> bool:
    parsed = parse_personal_id(str(values["id"]))
    if parsed is None:
        return True  # a malformed number is the field's own error
    if parsed.year_of_birth != values["date_of_birth"].year:
        return False
    sex = values.get("sex")
    return sex not in ("male", "female") or parsed.sex == sex


CHECKS.add("min_age", Check(paths=("field", "on"), shown_on="field", kept=_min_age))
CHECKS.add("date_order", Check(paths=("earlier", "later"), shown_on="later", kept=_date_order))
CHECKS.add(
    "personal_id_matches",
    Check(paths=("id", "date_of_birth", "sex"), shown_on="id", kept=_personal_id_matches),
)

#: A constant a rule may give in place of an answer (the sex of a husband is "male")
CONSTANTS = {"sex": {"male", "female"}}


def rule_paths(rule: dict[str, Any]) -> dict[str, str]:
    """Parameter -> "step.field" for each answer the rule reads (not 'today', not constants)."""
    check = CHECKS.get(rule["check"])
    out = {}
    for name in check.paths:
        value = rule.get(name)
        if value is None or value == TODAY or value in CONSTANTS.get(name, ()):
            continue
        out[name] = value
    return out


def shown_on(rule: dict[str, Any]) -> str:
    """The "step.field" whose answer the rule's message is shown next to."""
    if rule.get("show_on"):
        return rule["show_on"]
    check = CHECKS.get(rule["check"])
    paths = rule_paths(rule)
    if check.shown_on in paths:
        return paths[check.shown_on]
    return next(iter(paths.values()))


def _value(rule: dict[str, Any], name: str, answers: dict[str, Any]) -> Any:
    raw = rule.get(name)
    if raw is None:
        return None
    if raw == TODAY:
        return timezone.localdate()
    if raw in CONSTANTS.get(name, ()):
        return raw
    value = answer_at(answers, raw)
    return getattr(value, "code", value)  # a choice stored as a model: its code


def broken(rule: dict[str, Any], answers: dict[str, Any]) -> bool:
    """Whether `answers` break the rule (False when it does not apply to them)."""
    if not holds(rule.get("when"), answers):
        return False
    check = CHECKS.get(rule["check"])
    values = {name: _value(rule, name, answers) for name in check.paths}
    required = [name for name in check.paths if name in rule and name != "sex"]
    if any(values[name] in (None, "") for name in required):
        return False  # not all answered: the rule does not apply
    return not check.kept(rule, values)


def broken_rules(rules: list[dict[str, Any]], answers: dict[str, Any]) -> list[dict[str, Any]]:
    return [rule for rule in rules if broken(rule, answers)]


def rule_problems(definition: dict[str, Any], field_types: dict[str, str]) -> list[str]:
    """What is wrong with the definition's rules (checked when a definition is loaded):
    unknown checks, paths that name no field or a field of the wrong type, a message shown on
    a page before the rule's last answer."""
    problems: list[str] = []
    order = {name: index for index, name in enumerate(_question_steps(definition))}
    wanted_types = {
        "field": {"date"},
        "on": {"date"},
        "earlier": {"date"},
        "later": {"date"},
        "date_of_birth": {"date"},
        "id": {"personal_id"},
        "sex": {"choice"},
    }
    names = [rule.get("name") for rule in definition.get("rules", [])]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"rules: the rule name '{name}' is used twice")
    for index, rule in enumerate(definition.get("rules", [])):
        where = f"rules/{index} ({rule['name']})"
        if rule["check"] not in CHECKS:
            problems.append(f"{where}: unknown check '{rule['check']}'")
            continue
        paths = rule_paths(rule)
        if not paths:
            problems.append(f"{where}: the rule reads no answer")
            continue
        for param, path in paths.items():
            kind = field_types.get(path)
            if kind is None:
                problems.append(f"{where}/{param}: '{path}' is not a field of a question page")
            elif kind not in wanted_types.get(param, {kind}):
                problems.append(f"{where}/{param}: '{path}' is a {kind} field, not a date")
        for path in fields_of(rule.get("when")):
            if path not in field_types:
                problems.append(f"{where}/when: '{path}' is not a field of a question page")
        if any(p not in field_types for p in [*paths.values(), *fields_of(rule.get("when"))]):
            continue
        read = [*paths.values(), *fields_of(rule.get("when"))]
        last = max(read, key=lambda p: order.get(p.split(".")[0], -1))
        target = shown_on(rule)
        if target not in field_types:
            problems.append(f"{where}/show_on: '{target}' is not a field of a question page")
        elif target.split(".")[0] != last.split(".")[0]:
            problems.append(
                f"{where}/show_on: '{target}' is not on the page of the rule's last answer "
                f"('{last}'), where the rule is checked"
            )
    return problems


def _question_steps(definition: dict[str, Any]) -> list[str]:
    return [step["name"] for step in definition["steps"] if step.get("kind", "fields") == "fields"]


def rules_by_step(definition: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Step name -> the rules checked on that page (the page of the answer shown, which is
    the page of the rule's last answer: `rule_problems` sees to it)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for rule in definition.get("rules", []):
        out.setdefault(shown_on(rule).split(".")[0], []).append(rule)
    return out

"""Conditions of e-form definitions: when a step, a field, an exit or a case applies."""

from __future__ import annotations

from typing import Any

from portal.numbers import parse_int


def answer_at(answers: dict[str, Any], path: str, *, step: str | None = None) -> Any:
    """The answer at "step.field[.key...]"; a bare "field" is read in `step`."""
    parts = path.split(".")
    if len(parts) == 1 and step is not None:
        parts = [step, *parts]
    value: Any = answers
    for part in parts:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list | tuple) and (index := parse_int(part)) is not None:
            value = value[index] if index < len(value) else None
        else:
            value = getattr(value, part, None)
        if value is None:
            return None
    return value


def _comparable(value: Any) -> Any:
    """Model instances compare by code (province, commune), dates by ISO text."""
    if hasattr(value, "code"):
        return value.code
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def holds(condition: dict[str, Any] | None, answers: dict[str, Any], *, step: str | None = None):
    """Whether `condition` holds for `answers` (an absent condition always holds)."""
    if not condition:
        return True
    if "all" in condition:
        return all(holds(c, answers, step=step) for c in condition["all"])
    if "any" in condition:
        return any(holds(c, answers, step=step) for c in condition["any"])
    value = _comparable(answer_at(answers, condition["field"], step=step))
    if "equals" in condition:
        return value == condition["equals"]
    if "not_equals" in condition:
        return value != condition["not_equals"]
    if "in" in condition:
        return value in condition["in"]
    if "answered" in condition:
        answered = value not in (None, "", [], False)
        return answered == condition["answered"]
    if "contains" in condition:
        return isinstance(value, list | tuple) and condition["contains"] in value
    raise ValueError(f"unknown condition {condition!r}")


def fields_of(condition: dict[str, Any] | None) -> list[str]:
    """Every answer path a condition reads."""
    if not condition:
        return []
    if "all" in condition or "any" in condition:
        return [
            path for c in condition.get("all", condition.get("any", [])) for path in fields_of(c)
        ]
    return [condition["field"]]

"""Where definitions come from: the administrators' copies (EForm rows) and the reviewed files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import DatabaseError

from .validation import definition_problems

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"

_compiled: dict[tuple[str, str], Any] = {}


def definition_file(key: str) -> dict[str, Any] | None:
    path = DEFINITIONS_DIR / f"{key}.json"
    if not key.replace("_", "").isalnum() or not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def definition_files() -> dict[str, dict[str, Any]]:
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(DEFINITIONS_DIR.glob("*.json"))
    }


def _compile(data: dict[str, Any], stamp: str) -> Any:
    from .engine import DataForm

    cache_key = (data["key"], stamp)
    compiled = _compiled.get(cache_key)
    if compiled is None:
        problems = definition_problems(data)
        if problems:
            raise ValueError(f"e-form {data.get('key')!r} is not valid: {problems[:3]}")
        compiled = DataForm(data)
        _compiled[cache_key] = compiled
    return compiled


def definition_for_key(key: str) -> Any:
    from ..models import EForm

    try:
        row = EForm.objects.filter(key=key, is_active=True).only("definition", "updated_at").first()
    except DatabaseError:  # pragma: no cover - before migrations
        row = None
    if row is not None:
        return _compile(row.definition, row.updated_at.isoformat())
    data = definition_file(key)
    if data is None:
        return None
    return _compile(data, f"file:{hash(json.dumps(data, sort_keys=True))}")

"""Where definitions come from: the administrators' copies (EForm rows) and the reviewed files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import DatabaseError

from .validation import definition_problems

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"

#: key -> (the version of its source, the compiled e-form): one entry a key, the newest
_compiled: dict[str, tuple[str, Any]] = {}


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


def _compile(data: dict[str, Any], cache_key: tuple[str, str]) -> Any:
    from .engine import DataForm

    key, stamp = cache_key
    cached = _compiled.get(key)
    compiled = cached[1] if cached and cached[0] == stamp else None
    if compiled is None:
        problems = definition_problems(data)
        if problems:
            raise ValueError(f"e-form {data.get('key')!r} is not valid: {problems[:3]}")
        compiled = DataForm(data)
        _compiled[key] = (stamp, compiled)
    return compiled


def _file_stamp(key: str) -> str | None:
    """A reviewed file's identity without reading it: its modification time and size."""
    if not key.replace("_", "").isalnum():
        return None
    try:
        stat = (DEFINITIONS_DIR / f"{key}.json").stat()
    except OSError:
        return None
    return f"file:{stat.st_mtime_ns}:{stat.st_size}"


def definition_for_key(key: str) -> Any:
    """The compiled e-form; compiled once per version of its source (the administrators' row by
    its update time, the file by its modification time), so a page or a result that asks again
    reads no file and builds no form class."""
    from ..models import EForm

    try:
        row = EForm.objects.filter(key=key, is_active=True).only("definition", "updated_at").first()
    except DatabaseError:  # pragma: no cover - before migrations
        row = None
    if row is not None:
        return _compile(row.definition, (key, row.updated_at.isoformat()))
    stamp = _file_stamp(key)
    if stamp is None:
        return None
    cached = _compiled.get(key)
    if cached and cached[0] == stamp:
        return cached[1]
    data = definition_file(key)
    if data is None:
        return None
    return _compile(data, (key, stamp))

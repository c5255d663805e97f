"""No session state that PgBouncer's transaction pooling breaks (docs/operations.md,
"Connection pooling (PgBouncer)"): the code that runs behind the pooler takes no
session-level advisory lock, sends no SET but SET LOCAL, no LISTEN/NOTIFY, no PREPARE and
makes no temporary table. Migrations are left out: they run with a direct connection.

The check reads every SQL-looking string literal of the source, so it also fails on a path no
test exercises. Through a real PgBouncer: tests/integration/test_pooler.py.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "portal",
    "agencies",
    "procedures",
    "dossiers",
    "prefill",
    "feedback",
    "interop",
    "payments",
    "dashboards",
    "notifications",
    "web",
    "request_signing",
    "bench",
]
FORBIDDEN = {
    "a session-level advisory lock (use pg_advisory_xact_lock)": re.compile(
        r"\bpg_(try_)?advisory_(lock|unlock)(_shared|_all)?\s*\(", re.IGNORECASE
    ),
    "a session-level SET (use SET LOCAL inside transaction.atomic())": re.compile(
        r"^\s*SET\s+(?!LOCAL\b)(SESSION\s+)?(TIME\s+ZONE\b|[a-z_][a-z_.]*\s*(=|TO\b))"
    ),
    "LISTEN/NOTIFY": re.compile(r"^\s*(UN)?LISTEN\s|^\s*NOTIFY\s|\bpg_notify\s*\(", re.IGNORECASE),
    "a prepared statement": re.compile(r"^\s*(PREPARE|DEALLOCATE)\s", re.IGNORECASE),
    "a temporary table": re.compile(
        r"\bCREATE\s+(GLOBAL\s+|LOCAL\s+)?TEMP(ORARY)?\s", re.IGNORECASE
    ),
    "a cursor kept across transactions": re.compile(r"\bWITH\s+HOLD\b", re.IGNORECASE),
}


def _sources() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    )


def _strings(path: Path) -> list[tuple[int, str]]:
    """The string literals of `path` but docstrings, with their line; an f-string as one
    text, `{}` where its values go (so "UPDATE {table} SET ..." is seen whole)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skip: set[int] = set()
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skip.add(id(node.value))  # a docstring or a bare string: prose, not SQL
        elif isinstance(node, ast.JoinedStr):
            parts = [part.value if isinstance(part, ast.Constant) else "{}" for part in node.values]
            skip.update(id(part) for part in node.values)
            found.append((node.lineno, "".join(str(part) for part in parts)))
    found.extend(
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
    )
    return found


def _violations() -> list[str]:
    found = []
    for path in _sources():
        for line, text in _strings(path):
            for what, pattern in FORBIDDEN.items():
                if pattern.search(text):
                    found.append(f"{path.relative_to(ROOT)}:{line}: {what}: {text[:80]!r}")
    return found


def test_no_session_state_that_transaction_pooling_breaks():
    assert _violations() == []


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT pg_advisory_lock(%s)",
        "SELECT pg_try_advisory_lock_shared(1)",
        "SET maintenance_work_mem = '512MB'",
        "SET statement_timeout TO 5000",
        "SET TIME ZONE 'UTC'",
        "LISTEN dossiers",
        "CREATE TEMP TABLE t (x int)",
        "DECLARE c CURSOR WITH HOLD FOR SELECT 1",
    ],
)
def test_the_check_finds_each_kind(sql):
    assert any(pattern.search(sql) for pattern in FORBIDDEN.values())


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT pg_advisory_xact_lock(%s)",
        "SET LOCAL maintenance_work_mem = '512MB'",
        "UPDATE dossiers_dossier SET status = %s",
        "ON CONFLICT (agency_code, day) DO UPDATE SET last_number = 1",
        "Set DATABASE_URL to the database of generate_history.",
    ],
)
def test_the_check_lets_the_safe_forms_pass(sql):
    assert not any(pattern.search(sql) for pattern in FORBIDDEN.values())

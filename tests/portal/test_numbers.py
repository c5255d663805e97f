"""Numbers read from input: ASCII digits only, within bounds, never an exception; and a
guard that keeps `str.isdigit()` parsing and `\\d` out of the code (issue 15, findings 2-3)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from portal.numbers import MAX_ID, ascii_digits, parse_id, parse_int
from portal.validators import validate_personal_id, validate_phone, validate_tax_code

REPO_DIR = Path(__file__).resolve().parents[2]
APPS = (
    "agencies",
    "dashboards",
    "dossiers",
    "feedback",
    "interop",
    "national_mocks",
    "notifications",
    "payments",
    "portal",
    "prefill",
    "procedures",
    "request_signing",
    "web",
)
# any script's digits (superscript, Arabic-Indic, full-width), a sign, a decimal point, a huge number, spaces only
NOT_NUMBERS = [
    "",
    " ",
    "²",
    "٣",
    "\uff13",
    "1²",
    "-1",
    "+1",
    "1.0",
    "1e3",
    "0x1f",
    "9" * 5000,
    "1 2",
]


@pytest.mark.parametrize("value", [*NOT_NUMBERS, None, 1.5, True, b"12", ["1"]])
def test_parse_int_refuses_what_is_not_a_plain_ascii_number(value):
    assert parse_int(value) is None


def test_parse_int_reads_ascii_digits_within_bounds():
    assert parse_int("42") == 42
    assert parse_int(" 7 ") == 7
    assert parse_int(42) == 42
    assert parse_int("0") == 0
    assert parse_id("0") is None
    assert parse_id(str(MAX_ID)) == MAX_ID
    assert parse_id(str(MAX_ID + 1)) is None
    assert parse_int("11", maximum=10) is None
    assert parse_int("3", minimum=5) is None


def test_ascii_digits():
    assert ascii_digits("0123")
    assert ascii_digits("0123", length=4)
    assert not ascii_digits("0123", length=3)
    assert not ascii_digits("٠١٢٣", length=4)
    assert not ascii_digits("²²²²", length=4)
    assert not ascii_digits(1234)


@pytest.mark.parametrize(
    ("validator", "value"),
    [
        (validate_personal_id, "٠٠١١٩٠٠١٢٣٤٥"),  # Arabic-Indic digits
        (
            validate_personal_id,
            "\uff10\uff10\uff11\uff11\uff19\uff10\uff10\uff11\uff12\uff13\uff14\uff15",
        ),  # full-width
        (validate_phone, "\uff10\uff19\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18"),
        (validate_tax_code, "٠١٠١٢٣٤٥٦٧"),
    ],
)
def test_identifiers_in_other_scripts_are_refused_not_stored(validator, value):
    with pytest.raises(ValidationError):
        validator(value)


def _source_files():
    for app in APPS:
        for path in (REPO_DIR / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_no_code_parses_input_with_isdigit_or_matches_digits_with_backslash_d():
    """`isdigit()` before `int()` let "²" through to a 500; `\\d` matches every script's
    digits. Use portal.numbers or `[0-9]`; a test of a character class that is not parsed
    says so on its line ("not parsed")."""
    offenders = []
    for path in _source_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            parsing = (
                re.search(r"\.is(digit|decimal|numeric)\(\)", code) and "not parsed" not in line
            )
            backslash_d = re.search(r'r["\'][^"\']*\\d', code)
            if parsing or backslash_d:
                offenders.append(f"{path.relative_to(REPO_DIR)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)

"""Numbers read from what people and systems send: ASCII digits only, within bounds.

`str.isdigit` is true for "²" and "٣", which `int()` then refuses (a 500) or reads as 3,
and `\\d` in a regular expression matches the digits of every script. Input is read with
these helpers or with `[0-9]`; a guard test (tests/portal/test_numbers.py) keeps the
other patterns out of the code.
"""

from __future__ import annotations

import re

DIGITS = re.compile(r"[0-9]+")
#: the largest primary key (BigAutoField, PostgreSQL bigint)
MAX_ID = 2**63 - 1


def ascii_digits(value: object, *, length: int | None = None) -> bool:
    """Whether `value` is text made of ASCII digits only (and of `length` of them)."""
    return (
        isinstance(value, str)
        and DIGITS.fullmatch(value) is not None
        and (length is None or len(value) == length)
    )


def parse_int(value: object, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """The whole number written in `value` (ASCII digits, surrounding spaces allowed) when
    it lies in [minimum, maximum]; None for anything else, never an exception."""
    if isinstance(value, str):
        text = value.strip()
        if not 0 < len(text) <= len(str(maximum)) or DIGITS.fullmatch(text) is None:
            return None
        number = int(text)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        return None
    return number if minimum <= number <= maximum else None


def parse_id(value: object) -> int | None:
    """A primary key read from input: 1 to MAX_ID, else None."""
    return parse_int(value, minimum=1)

"""Vietnamese mobile numbers in E.164: ``+84`` followed by the nine digits after the trunk 0.

Accepted variants (harmless ones, as typed by people): spaces, dots, dashes and brackets;
``0912345678``, ``912345678``, ``84912345678``, ``+84912345678``, ``0084912345678`` and the
frequent ``+84 0912...``. Mobile numbers start, after the trunk 0, with 3, 5, 7, 8 or 9
(Viettel 03x, Vietnamobile 05x, MobiFone 07x, VinaPhone 08x, and 09x); landlines (02x) cannot
receive a text message and are refused.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s.\-()/]")
_MOBILE = re.compile(r"[35789][0-9]{8}")


def normalise_vn_phone(value: str) -> str:
    """``0912 345 678`` -> ``+84912345678``; raises ValidationError when it is not a
    Vietnamese mobile number."""
    raw = _SEPARATORS.sub("", value or "")
    if raw.startswith("+"):
        digits = raw[1:]
        if not digits.startswith("84"):
            raise _invalid()
        national = digits[2:]
    elif raw.startswith("0084"):
        national = raw[4:]
    elif raw.startswith("84") and len(raw) == 11:
        national = raw[2:]
    else:
        national = raw
    if national.startswith("0"):
        national = national[1:]
    if not _MOBILE.fullmatch(national):
        raise _invalid()
    return f"+84{national}"


def validate_vn_phone(value: str) -> None:
    """A Django validator (for model and form fields)."""
    normalise_vn_phone(value)


def _invalid() -> ValidationError:
    return ValidationError(
        _("Enter a Vietnamese mobile phone number, such as 0912 345 678."), code="invalid_phone"
    )

"""Validators shared by forms and the API."""

from __future__ import annotations

import re

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

ALLOWED_UPLOAD_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
}

_SEPARATORS = re.compile(r"[\s.\-]")


def normalise_personal_id(value: str) -> str:
    """Accept harmless variants: spaces, dots and dashes inside the number."""
    return _SEPARATORS.sub("", value or "")


def validate_personal_id(value: str) -> str:
    number = normalise_personal_id(value)
    if not re.fullmatch(r"[0-9]{12}", number):
        raise ValidationError(
            _("Enter the 12-digit personal identification number, for example 001190012345."),
            code="invalid_personal_id",
        )
    return number


def detect_upload_type(uploaded) -> str | None:
    """The MIME type read from the file's content (never from its name), if allowed."""
    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_UPLOAD_TYPES:
        return None
    return kind.mime


def validate_upload(uploaded) -> str:
    """Check an uploaded document by size and content; returns the detected MIME type."""
    limit = settings.PORTAL_UPLOAD_MAX_BYTES
    if uploaded.size > limit:
        raise ValidationError(
            _("The file must be smaller than %(limit)s. This file is %(size)s.")
            % {"limit": filesizeformat(limit), "size": filesizeformat(uploaded.size)},
            code="file_too_large",
        )
    if uploaded.size == 0:
        raise ValidationError(_("The selected file is empty."), code="file_empty")
    mime = detect_upload_type(uploaded)
    if mime is None:
        raise ValidationError(
            _("The file must be a PDF, JPEG or PNG. This file is another type."),
            code="file_type",
        )
    return mime


_TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def tax_check_digit(first_nine: str) -> int:
    """The check digit of a Vietnamese tax code (weights 31..3, mod 11); 10 is never issued."""
    return 10 - sum(int(d) * w for d, w in zip(first_nine, _TAX_WEIGHTS, strict=True)) % 11


def validate_tax_code(value: str) -> str:
    """A tax code (= enterprise code): 10 digits with the check digit, or 10-3 for a branch."""
    number = re.sub(r"\s", "", value or "")
    match = re.fullmatch(r"([0-9]{10})(?:-?([0-9]{3}))?", number)
    if match is None:
        raise ValidationError(
            _("Enter the tax code: 10 digits, or 13 for a branch (for example 0101234567-001)."),
            code="invalid_tax_code",
        )
    main, branch = match.groups()
    if tax_check_digit(main[:9]) != int(main[9]):
        raise ValidationError(
            _("This tax code is not valid: check the digits again."), code="tax_code_check"
        )
    return f"{main}-{branch}" if branch else main


def validate_phone(value: str) -> str:
    """A Vietnamese phone number: 0 and 9 or 10 digits, or +84 and 9 digits."""
    raw = value or ""
    if re.search(r"[^0-9\s.+()\-]", raw):
        raise ValidationError(_("Enter a phone number such as 0912 345 678."), code="invalid_phone")
    phone = "".join(ch for ch in raw if ch in "0123456789+")
    if phone.startswith("+84"):
        phone = "0" + phone[3:]
    if not re.fullmatch(r"0[0-9]{9,10}", phone):
        raise ValidationError(_("Enter a phone number such as 0912 345 678."), code="invalid_phone")
    return phone


def validate_person_name(value: str) -> str:
    """A person's name: letters (any script, with diacritics), spaces, hyphens, apostrophes."""
    name = " ".join((value or "").split())
    if any(ch.isdigit() for ch in name):  # any script's digit, superscripts too: not parsed
        raise ValidationError(_("A name cannot contain digits."), code="name_digits")
    if any(not (ch.isalpha() or ch in " -'.") for ch in name):
        raise ValidationError(
            _("A name can only contain letters, spaces and hyphens."), code="name_characters"
        )
    return name

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
    if not re.fullmatch(r"\d{12}", number):
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

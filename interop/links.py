"""Signed, time-limited download links of a dossier's attachments, for an agency's system.

The token binds the attachment and the agency; the download view checks the signature, the
age (`INTEROP_ATTACHMENT_URL_MAX_AGE`, 24 h by default) and that the dossier is still handled
by that agency. A link is a capability: whoever holds it may download until it expires.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from dossiers.models import Attachment

from . import conf

SALT = "interop.attachment"


@dataclass(frozen=True)
class DownloadLink:
    url: str
    expires_at: dt.datetime


def attachment_link(*, attachment: Attachment, agency_id: int) -> DownloadLink:
    token = signing.TimestampSigner(salt=SALT).sign_object({"a": attachment.pk, "g": agency_id})
    path = reverse("interop:attachment", kwargs={"token": token})
    return DownloadLink(
        url=settings.PORTAL_BASE_URL.rstrip("/") + path,
        expires_at=timezone.now() + dt.timedelta(seconds=conf.attachment_url_max_age()),
    )


def attachment_token_read(token: str) -> tuple[int, int] | None:
    """(attachment id, agency id) of a valid, unexpired token; None otherwise."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign_object(
            token, max_age=conf.attachment_url_max_age()
        )
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    try:
        return int(value["a"]), int(value["g"])
    except (KeyError, TypeError, ValueError):
        return None

"""Signed PDFs made once and kept in the storage (Django's storage API: S3 in production).

A dossier's receipt and slips are made from its data when they are asked for: the e-mail at
submission, the applicant's and the officer's downloads. Rendering and signing one (PAdES
B-LT: a TSA round trip, the signer's chain checked against the CRLs) is the dearest thing a
dossier's notice does, so `signed_once` keeps the signed file under a name derived from what
it says and who signs it, and hands the stored bytes back the next time:

    <folder>/<sha256 of: LAYOUT, the document's inputs, signer, certificate, level>.pdf

- What the document says is its inputs (a dataclass, e.g. `portal.documents.ReceiptSlip`)
  seen in the document's language: a new appointment date, a received attachment or a
  corrected name is another name, hence a new signed file; the same data is the same file.
- Who signs it: the issuer's code and the SHA-256 of the certificate it signs with now, so a
  renewed (or replaced, after a revocation) certificate signs the next request again.
- LAYOUT changes when the renderers change what they print (a new deploy re-signs).
- A document signed below the configured level (the TSA or the CRLs did not answer) is handed
  out but not kept: the next request signs it again.
- The storage never decides whether a document is handed out: a store that does not answer
  (or refuses) is logged and the document is made and signed as before.

Stored names are content-addressed, so two processes making the same document at once store
two equal-worth copies (the storage gives the second another name) and a transaction rolled
back after the save leaves a file that the retry reuses.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import translation

from .issuers import Issuer

logger = logging.getLogger(__name__)

#: bump when a renderer of portal.documents changes what a stored document looks like
LAYOUT = "2026-12-03"


def document_key(inputs: Any, *, language: str, issuer: Issuer, reason: str, location: str) -> str:
    """The SHA-256 naming the signed document made of `inputs` by `issuer` now."""
    from . import pdfsign  # on first use: pyHanko is not loaded by a worker that signs nothing

    with translation.override(language):
        described = json.dumps(
            dataclasses.asdict(inputs), default=str, sort_keys=True, ensure_ascii=False
        )
    parts = [
        LAYOUT,
        described,
        issuer.code,
        pdfsign.signer_fingerprint(issuer),
        pdfsign.intended_level(),
        reason,
        location,
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def signed_once(
    inputs: Any,
    *,
    folder: str,
    language: str,
    issuer: Issuer,
    reason: str,
    location: str = "",
    render: Callable[[], bytes],
) -> bytes:
    """The signed PDF of `inputs`: the stored one when it was made before, else
    `render()` signed by `issuer` and stored."""
    from . import pdfsign

    key = document_key(inputs, language=language, issuer=issuer, reason=reason, location=location)
    name = f"{folder}/{key}.pdf"
    try:
        with default_storage.open(name, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        pass
    except Exception:
        logger.exception("signed documents: %s cannot be read from the storage, signing it", name)
    signed, reached = pdfsign.sign_pdf_reaching(
        render(), issuer=issuer, reason=reason, location=location
    )
    if reached != pdfsign.intended_level():
        return signed
    try:
        default_storage.save(name, ContentFile(signed))
    except Exception:
        logger.exception("signed documents: %s cannot be stored, handed out unstored", name)
    return signed

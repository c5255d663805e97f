"""Public verification of the documents the portal issues: the result a QR code points to,
or any PDF a person uploads. The signature is checked on the server (portal.pdfsign); the page
shows what the signature vouches for and, for a document of a known dossier, the holder's
name masked and year of birth, nothing more."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from dataclasses import dataclass

from django.core.cache import cache

from portal import pdfsign
from portal.validators import parse_personal_id

from .documents import COPY_REASON_LABEL as COPY_LABEL
from .documents import KIND_LABELS
from .models import CertifiedCopy, Dossier

#: how long the verdict on a stored result is kept (the stored file never changes)
VERDICT_CACHE_SECONDS = 3600
_REASON = re.compile(r"^(?P<label>.+?)(?: số (?P<number>\S+))?, hồ sơ (?P<code>\S{1,40})$")
_KIND_BY_LABEL = {label: kind for kind, label in KIND_LABELS.items()}
_COPY_REASON = re.compile(rf"^{re.escape(COPY_LABEL)} số (?P<number>\S{{1,40}})$")
#: the kind of a certified copy (not a dossier's document)
COPY = "BS"


@dataclass(frozen=True)
class Check:
    """What the verification page shows."""

    verdict: pdfsign.Verdict
    dossier: Dossier | None = None
    kind: str = ""  # "01".."05" or "KQ" (from the signed reason)
    number: str = ""
    holder: str = ""
    birth_year: int | None = None
    same_as_issued: bool = False  # the very file the portal stored for the dossier
    title: str = ""  # a result's own title, e.g. "Trích lục khai sinh"
    copy: CertifiedCopy | None = None  # a certified copy the portal issued

    @property
    def status(self) -> str:
        return self.verdict.status

    @property
    def result_revoked(self) -> bool:
        """The document is a result its agency has since revoked (or replaced): genuine,
        no longer valid."""
        return (
            self.kind == "KQ"
            and self.dossier is not None
            and self.dossier.result_revoked_at is not None
        )

    @property
    def document_label(self) -> str:
        if self.kind == COPY:
            return f"{COPY_LABEL}: {self.title}" if self.title else COPY_LABEL
        return self.title or KIND_LABELS.get(self.kind, "")


def _result_title(dossier: Dossier) -> str:
    result = dossier.procedure_version.results.order_by("id").first()
    return (result.template or result.name) if result else ""


def mask_name(full_name: str) -> str:
    """ "Trần Thị Ngọc" -> "Trần T. N.": the family name and the initials of the others."""
    words = full_name.split()
    if not words:
        return ""
    if len(words) == 1:
        return f"{words[0][0]}."
    return " ".join([words[0], *(f"{word[0]}." for word in words[1:])])


def parse_token(token: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(token)[:64])
    except ValueError:
        return None


def birth_year_of(personal_id: str) -> int | None:
    """The year of birth a 12-digit personal identification number carries (Circular
    59/2021/TT-BCA: digit 4 the century and sex, digits 5-6 the year), None for another value."""
    parsed = parse_personal_id(personal_id)
    return parsed.year_of_birth if parsed else None


def _holder(dossier: Dossier) -> tuple[str, int | None]:
    """The applicant's name masked and year of birth: from the national identity account, else
    from the identification number given at the counter."""
    applicant = dossier.applicant
    born: dt.date | None = getattr(applicant, "date_of_birth", None) if applicant else None
    year = born.year if born else birth_year_of(dossier.applicant_personal_id or "")
    return mask_name(dossier.applicant_name), year


def _verdict_of_stored(dossier: Dossier) -> pdfsign.Verdict:
    return _verdict_of_file(dossier.result_file, dossier.result_sha256)


def _verdict_of_file(file, sha256: str) -> pdfsign.Verdict:
    key = f"verify:v1:{sha256}"
    verdict = cache.get(key)
    if verdict is None:
        with file.open("rb") as handle:
            verdict = pdfsign.validate_pdf(handle.read())
        cache.set(key, verdict, VERDICT_CACHE_SECONDS)
    return verdict


def check_certified_copy(copy: CertifiedCopy) -> Check:
    """A stored certified copy (the QR code of its certification page)."""
    return _copy_check(_verdict_of_file(copy.file, copy.sha256), copy, same=True)


def _copy_check(verdict: pdfsign.Verdict, copy: CertifiedCopy, *, same: bool) -> Check:
    return Check(
        verdict=verdict,
        kind=COPY,
        number=copy.number,
        holder=mask_name(copy.holder_name),
        birth_year=copy.holder_birth_year or birth_year_of(copy.holder_personal_id),
        same_as_issued=same,
        title=copy.document_title,
        copy=copy,
    )


def _check_uploaded_copy(verdict: pdfsign.Verdict, number: str, content: bytes) -> Check:
    copy = None
    if verdict.valid:
        copy = (
            CertifiedCopy.objects.select_related("agency")
            .filter(number=number, agency__code=verdict.agency_code)
            .first()
        )
    if copy is None:
        return Check(verdict=verdict, kind=COPY, number=number)
    return _copy_check(verdict, copy, same=copy.sha256 == hashlib.sha256(content).hexdigest())


def check_result(dossier: Dossier) -> Check:
    """The stored result of a dossier (the QR code's page)."""
    verdict = _verdict_of_stored(dossier)
    holder, born = _holder(dossier)
    return Check(
        verdict=verdict,
        dossier=dossier,
        kind="KQ",
        number=dossier.result_number,
        holder=holder,
        birth_year=born,
        same_as_issued=True,
        title=_result_title(dossier),
    )


def check_upload(content: bytes) -> Check:
    """A PDF someone uploaded: its signature, and when it is genuine, the dossier it names."""
    verdict = pdfsign.validate_pdf(content)
    copy_match = _COPY_REASON.match(verdict.reason)
    if copy_match:
        return _check_uploaded_copy(verdict, copy_match["number"], content)
    match = _REASON.match(verdict.reason)
    kind = number = code = ""
    if match:
        kind = _KIND_BY_LABEL.get(match["label"], "")
        number = match["number"] or match["code"]
        code = match["code"]
    if not verdict.valid or not code:
        return Check(verdict=verdict, kind=kind, number=number)
    dossier = (
        Dossier.objects.select_related(
            "applicant", "competent_agency", "procedure_version__procedure", "result_replaced_by"
        )
        .filter(code=code)
        .first()
    )
    if dossier is None:
        return Check(verdict=verdict, kind=kind, number=number)
    holder, born = _holder(dossier)
    same = kind == "KQ" and dossier.result_sha256 == hashlib.sha256(content).hexdigest()
    return Check(
        verdict=verdict,
        dossier=dossier,
        kind=kind,
        number=number,
        holder=holder,
        birth_year=born,
        same_as_issued=same,
        title=_result_title(dossier) if kind == "KQ" else "",
    )

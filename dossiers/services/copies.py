"""Electronic certified copies from originals ("chứng thực bản sao điện tử từ bản chính",
Decree 23/2015/ND-CP, Decree 45/2020/ND-CP): at the counter of a certifying agency an officer
scans the citizen's paper original, compares the scan with it, and issues a copy signed by the
agency (PAdES, like the results), numbered in the agency's yearly register of certifications.
The copy joins the holder's e-document store (through the outbox), where a later dossier's
e-form offers it for the component it can replace (the reuse path of dossiers.eforms.steps).

Who may certify: the agencies of the kind the catalogue names competent for procedure 2.000815
("Chứng thực bản sao từ bản chính", the commune People's Committee since 1 July 2025), through
their officers with a role in ACTION_ROLES["certify_copy"].
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, AgencyKind
from portal.audit import audit_record
from portal.models import User
from portal.outbox import outbox_enqueue, outbox_handler

from ..codes import next_number
from ..documents import COPY_REASON_LABEL, issuer_of
from ..models import CertifiedCopy
from ..permissions import ActionNotPermitted, officer_may

#: the catalogue's procedure "certified copy from the original"; its competent agency kind
#: decides which agencies may certify
CERTIFICATION_PROCEDURE = "2.000815"
DEFAULT_CERTIFYING_KINDS = frozenset({AgencyKind.COMMUNE_COMMITTEE.value})
#: the register of certified copies ("sổ chứng thực bản sao": SCT/BS) of Decree 23/2015
REGISTER = "SCT/BS"
#: the signature's reason, read back by the verification page
REASON_LABEL = COPY_REASON_LABEL


class CopyNotAllowed(ActionNotPermitted):
    """The agency does not certify copies, or the officer has no role for it there."""

    def __init__(self) -> None:
        super().__init__("certify_copy")


@dataclass(frozen=True)
class Holder:
    """The citizen who presented the original, as the population database knows them."""

    personal_id: str
    full_name: str
    birth_year: int | None = None


def certifying_kinds() -> frozenset[str]:
    """The agency kinds competent for certified copies, from the catalogue (procedure
    2.000815); the commune People's Committee when the catalogue is not loaded."""
    from procedures.models import ImplementationLevel

    kinds = frozenset(
        ImplementationLevel.objects.filter(
            version__procedure__code=CERTIFICATION_PROCEDURE
        ).values_list("competent_agency_kind", flat=True)
    )
    return kinds or DEFAULT_CERTIFYING_KINDS


def agency_certifies(agency: Agency, *, kinds: frozenset[str] | None = None) -> bool:
    today = timezone.localdate()
    in_force = agency.valid_to is None or agency.valid_to >= today
    return in_force and agency.kind in (kinds if kinds is not None else certifying_kinds())


def certifying_agencies(officer: User) -> list[Agency]:
    """The officer's agencies where they may issue certified copies."""
    kinds = certifying_kinds()
    agencies = Agency.objects.filter(memberships__user=officer).distinct().order_by("name")
    return [
        agency
        for agency in agencies
        if agency_certifies(agency, kinds=kinds) and officer_may(officer, agency, "certify_copy")
    ]


def certification_number(*, agency: Agency, year: int) -> str:
    """The next number of the agency's register for the year, e.g. 0042/2026/SCT/BS: the
    race-free counter of dossier codes, one row per agency and year."""
    number = next_number(agency_code=f"CT:{agency.code}"[:24], day=dt.date(year, 1, 1))
    return f"{number:04d}/{year}/{REGISTER}"


def signature_reason(number: str) -> str:
    return f"{REASON_LABEL} số {number}"


def verification_url(token: uuid.UUID) -> str:
    path = reverse("dossiers:verify", kwargs={"token": token})
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def _place(agency: Agency) -> str:
    if agency.province is None:
        return ""
    return agency.province.name.removeprefix("Thành phố ").removeprefix("Tỉnh ")


def certified_copy_issue(
    *,
    officer: User,
    agency: Agency,
    holder: Holder,
    document_title: str,
    result_code: str = "",
    scan: bytes,
    content_type: str,
    compared: bool,
) -> CertifiedCopy:
    """Issue a signed certified copy of `scan` for `holder`. Raises CopyNotAllowed, ValueError
    when the officer did not confirm the comparison with the original, and
    portal.copies.ScanError when the scan cannot be used (nothing is kept then)."""
    # ReportLab and pyHanko on first use: a web worker that never certifies does not load them
    from portal.copies import CertifiedCopyDocument, render_certified_copy
    from portal.pdfsign import sign_pdf

    if not (agency_certifies(agency) and officer_may(officer, agency, "certify_copy")):
        raise CopyNotAllowed
    if not compared:
        raise ValueError("the copy was not compared with the original")
    token = uuid.uuid4()
    with transaction.atomic(durable=True):
        now = timezone.now()
        number = certification_number(agency=agency, year=timezone.localdate(now).year)
        document = CertifiedCopyDocument(
            language="vi",
            agency_name=agency.name,
            parent_agency_name=agency.parent.name if agency.parent else "",
            place=_place(agency),
            number=number,
            issued_at=now,
            signer_name=officer.display_name,
            signer_title="NGƯỜI THỰC HIỆN CHỨNG THỰC",
            document_title=document_title,
            holder_name=holder.full_name,
            verify_url=verification_url(token),
        )
        rendered = render_certified_copy(document, scan=scan, content_type=content_type)
        content = sign_pdf(
            rendered,
            issuer=issuer_of(agency),
            reason=signature_reason(number),
            location=_place(agency),
        )
        copy = CertifiedCopy(
            number=number,
            agency=agency,
            officer=officer,
            holder_personal_id=holder.personal_id,
            holder_name=holder.full_name,
            holder_birth_year=holder.birth_year,
            result_code=result_code,
            document_title=document_title[:255],
            pages=_pages(rendered),
            sha256=hashlib.sha256(content).hexdigest(),
            verification_token=token,
            issued_at=now,
        )
        copy.file.save(f"{token.hex}.pdf", ContentFile(content), save=False)
        saved_name = copy.file.name or ""
        try:
            copy.save()
            audit_record(
                actor=officer,
                action="certified_copy.issue",
                obj=copy,
                agency_code=agency.code,
                details={
                    "number": number,
                    "holder": holder.personal_id,
                    "result_code": result_code,
                    "pages": copy.pages,
                    "sha256": copy.sha256,
                },
            )
            outbox_enqueue(topic="edocuments.store_certified_copy", payload={"copy_id": copy.pk})
        except Exception:
            copy.file.storage.delete(saved_name)
            raise
    return copy


def _pages(rendered: bytes) -> int:
    """The pages of the copy (the scan's and the certification page)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(io.BytesIO(rendered), strict=False).root["/Pages"]["/Count"])


def store_title(copy: CertifiedCopy) -> str:
    """How the copy is named in the e-document store (and in the e-form's reuse choice)."""
    return f"{copy.document_title} (bản sao điện tử chứng thực số {copy.number})"


@outbox_handler("edocuments.store_certified_copy")
def _store_handler(payload: dict[str, Any]) -> None:
    """Put a certified copy into its holder's e-document store (idempotent by copy)."""
    from prefill.national_client import NationalDataClient

    copy = CertifiedCopy.objects.select_related("agency").get(pk=payload["copy_id"])
    with copy.file.open("rb") as handle:
        content = handle.read()
    document_id = NationalDataClient().store_document(
        copy.holder_personal_id,
        content=content,
        title=store_title(copy),
        idempotency_key=f"certified-copy:{copy.verification_token.hex}",
        result_code=copy.result_code,
        issuing_agency=copy.agency.name,
        issued_date=timezone.localdate(copy.issued_at).isoformat(),
        verified=True,
    )
    with transaction.atomic():
        CertifiedCopy.objects.filter(pk=copy.pk).update(store_document_id=document_id)
        audit_record(
            actor=None,
            action="edocuments.store_certified_copy",
            obj=copy,
            agency_code=copy.agency.code,
            details={"document_id": document_id},
        )

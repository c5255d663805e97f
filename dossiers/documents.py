"""The PDFs of a dossier, built from the dossier: slip 01 and the electronic result.

Every PDF leaves here signed (PAdES) by the agency that issues it (portal.pdfsign): the
signature's reason names the document kind and its number, and the verification page reads
them back. The receipt and the slips are signed once per version of what they say and kept
in the storage (portal.signed_documents): the e-mail at submission makes and stores the
receipt, the downloads after it hand out the stored file; the result is signed once at issue
and stored on the dossier (dossier_issue_result).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from portal.issuers import PORTAL_ISSUER_CODE, PORTAL_ISSUER_NAME, Issuer
from portal.models import User
from portal.pki import safe_code
from portal.signed_documents import signed_once

from .models import Dossier
from .states.delivery import DeliveryMethod

if TYPE_CHECKING:
    from portal.documents import Letterhead, Notice, ReceiptSlip, ResultDocument

# portal.documents (ReportLab, about 10 MB a process) is imported by the functions that render:
# a web worker loads it when it first makes a PDF, not when it starts.


def _language(dossier: Dossier) -> str:
    return "en" if (dossier.language or "vi").startswith("en") else "vi"


PORTAL_NAME = {"vi": "Cổng Dịch vụ công quốc gia", "en": "National Public Service Portal"}


def _named(dossier: Dossier, name: str, name_en: str) -> str:
    """A name from the catalogue or the agencies in the slip's language: the English one on
    an English slip when there is one, else the official (Vietnamese) name."""
    return name_en if name_en and _language(dossier) == "en" else name


def _agency_names(dossier: Dossier, agency: Agency | None) -> tuple[str, str]:
    """(agency, parent agency) as a slip's letterhead prints them."""
    if agency is None:
        return PORTAL_NAME[_language(dossier)], ""
    parent = agency.parent
    return (
        _named(dossier, agency.name, agency.name_en),
        _named(dossier, parent.name, parent.name_en) if parent else "",
    )


#: the signature's reason per document kind: "<kind label> <number>"
KIND_LABELS = {
    "01": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "02": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "03": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "04": "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
    "05": "Thông báo dừng xử lý hồ sơ",
    "KQ": "Kết quả giải quyết thủ tục hành chính",
}


#: the signature's reason of a certified copy: "<label> số <certification number>"
COPY_REASON_LABEL = "Bản sao điện tử chứng thực từ bản chính"


def issuer_of(agency: Agency | None) -> Issuer:
    if agency is None:
        return Issuer(code=PORTAL_ISSUER_CODE, name=PORTAL_ISSUER_NAME)
    return Issuer(code=agency.code, name=agency.name)


def signature_reason(kind: str, *, dossier_code: str, number: str = "") -> str:
    """What the signature says it signs: "<kind label>[ số <number>], hồ sơ <dossier code>"
    (read back by dossiers.verification)."""
    numbered = f" số {number}" if number and number != dossier_code else ""
    return f"{KIND_LABELS[kind]}{numbered}, hồ sơ {dossier_code}"


def signed(
    content: bytes, *, agency: Agency | None, kind: str, dossier_code: str, number: str = ""
) -> bytes:
    """The PDF signed by the issuing agency (portal.pdfsign, imported on first use)."""
    from portal.pdfsign import sign_pdf

    return sign_pdf(
        content,
        issuer=issuer_of(agency),
        reason=signature_reason(kind, dossier_code=dossier_code, number=number),
        location=_agency_place(agency),
    )


def _signed_once(
    inputs: ReceiptSlip | Notice,
    render: Callable[[], bytes],
    *,
    agency: Agency | None,
    kind: str,
    dossier: Dossier,
) -> bytes:
    """The slip signed by the issuing agency, made once per version of `inputs` and kept
    under documents/<dossier code>/ (portal.signed_documents)."""
    return signed_once(
        inputs,
        folder=f"documents/{safe_code(dossier.code)}/{kind}",
        language=inputs.language,
        issuer=issuer_of(agency),
        reason=signature_reason(kind, dossier_code=dossier.code),
        location=_agency_place(agency),
        render=render,
    )


def _agency_place(agency: Agency | None) -> str:
    if agency is None or agency.province is None:
        return ""
    return agency.province.name.removeprefix("Thành phố ").removeprefix("Tỉnh ")


def receipt_pdf(dossier: Dossier) -> bytes:
    """Slip 01: receipt and appointment. Before reception it says when the date is set."""
    from portal.documents import ReceiptSlip, ReceivedDocument, render_receipt_slip

    agency = dossier.receiving_agency or dossier.target_agency
    procedure = dossier.procedure_version.procedure
    documents = []
    for attachment in dossier.attachments.select_related("component"):
        component = attachment.component
        documents.append(
            ReceivedDocument(
                name=_named(dossier, component.name, component.name_en)
                if component
                else attachment.original_name,
                originals=component.originals if component else 1,
                copies=component.copies if component else 0,
            )
        )
    tracking = settings.PORTAL_BASE_URL.rstrip("/") + reverse("dossiers:track")
    agency_name, parent_agency_name = _agency_names(dossier, agency)
    slip = ReceiptSlip(
        language=_language(dossier),
        agency_name=agency_name,
        parent_agency_name=parent_agency_name,
        place=_agency_place(agency),
        dossier_code=dossier.code,
        number=dossier.code,
        issued_at=dossier.received_at or dossier.submitted_at,
        applicant_name=dossier.applicant_name,
        applicant_phone=dossier.applicant_phone,
        applicant_email=dossier.applicant_email,
        procedure_name=_named(dossier, procedure.name, procedure.name_en),
        procedure_code=procedure.code,
        submitted_at=dossier.submitted_at,
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        documents=documents,
        # the label in the slip's language (render_receipt_slip prints a lazy label in it), not
        # in the language of whoever asks: the e-mail's and the downloads' receipts are one
        delivery_method=_delivery_label(dossier.delivery_method),
        tracking_url=tracking,
    )
    return _signed_once(
        slip, lambda: render_receipt_slip(slip), agency=agency, kind="01", dossier=dossier
    )


def _delivery_label(value: str) -> str:
    if value not in DeliveryMethod.values:
        return value
    # a lazy label: printed (and keyed) in the slip's language
    return cast(str, DeliveryMethod(value).label)


def _result_register(dossier: Dossier, *, agency: Agency) -> tuple[str, dt.date, str]:
    """The agency's register of results for the year: (counter key, counter day, number's
    format with ``{number}`` left to fill)."""
    year = timezone.localdate().year
    result = dossier.procedure_version.results.order_by("id").first()
    suffix = (result.code.removeprefix("KQ-") if result else "KQ") or "KQ"
    return f"KQ:{agency.code}"[:24], dt.date(year, 1, 1), f"{{number:04d}}/{year}/{suffix}"


def result_number_for(dossier: Dossier, *, agency: Agency) -> str:
    """The next number of the agency's register of results for the year, e.g. 0042/2026/GKS:
    a yearly counter per agency (the same race-free counter as dossier codes)."""
    from .codes import next_number

    key, day, pattern = _result_register(dossier, agency=agency)
    return pattern.format(number=next_number(agency_code=key, day=day))


def result_number_expected(dossier: Dossier, *, agency: Agency) -> str:
    """The number :func:`result_number_for` would give now, without taking it (the approval's
    preview: a result issued meanwhile by the agency takes it, and this one the next)."""
    from .models import DossierCounter

    key, day, pattern = _result_register(dossier, agency=agency)
    last = (
        DossierCounter.objects.filter(agency_code=key, day=day)
        .values_list("last_number", flat=True)
        .first()
    )
    return pattern.format(number=(last or 0) + 1)


def _signer_title(agency: Agency) -> str:
    if agency.kind in ("commune_committee", "province_committee"):
        return "TM. ỦY BAN NHÂN DÂN"
    return "THỦ TRƯỞNG CƠ QUAN"


def _result_fields(dossier: Dossier) -> list[tuple[str, str]]:
    from .eforms import get_definition

    definition = get_definition(dossier.procedure_version.form_key)
    if definition is None or not hasattr(definition, "result_fields"):
        return [
            ("Thủ tục", dossier.procedure_version.procedure.name),
            ("Người nộp", dossier.applicant_name),
        ]
    return definition.result_fields(dossier.data or {})


def result_document(
    dossier: Dossier,
    *,
    signer: User,
    agency: Agency,
    issued_at: dt.datetime,
    number: str | None = None,
) -> ResultDocument:
    """What the electronic result prints (the PDF of :func:`result_pdf`, the approval's
    preview); ``number``: the dossier's result number unless given."""
    from portal.documents import ResultDocument, ResultField

    result = dossier.procedure_version.results.first()
    return ResultDocument(
        language="vi",
        agency_name=agency.name,
        parent_agency_name=agency.parent.name if agency.parent else "",
        place=_agency_place(agency),
        dossier_code=dossier.code,
        number=dossier.result_number if number is None else number,
        issued_at=issued_at,
        signer_name=signer.display_name,
        signer_title=_signer_title(agency),
        title=(
            result.template
            if result and result.template
            else "Kết quả giải quyết thủ tục hành chính"
        ).upper(),
        subtitle=dossier.procedure_version.procedure.name,
        fields=[ResultField(label, value) for label, value in _result_fields(dossier)],
        verify_url=result_verification_url(dossier),
    )


def result_pdf(dossier: Dossier, *, signer: User, agency: Agency, issued_at: dt.datetime) -> bytes:
    from portal.documents import render_result_document

    document = result_document(dossier, signer=signer, agency=agency, issued_at=issued_at)
    return signed(
        render_result_document(document),
        agency=agency,
        kind="KQ",
        dossier_code=dossier.code,
        number=dossier.result_number,
    )


SLIP_KINDS = ("02", "03", "04", "05")


def _letterhead(dossier: Dossier, *, at: dt.datetime, signer: User | None = None) -> Letterhead:
    from portal.documents import Letterhead

    agency = dossier.competent_agency or dossier.receiving_agency or dossier.target_agency
    agency_name, parent_agency_name = _agency_names(dossier, agency)
    return Letterhead(
        language=_language(dossier),
        agency_name=agency_name,
        parent_agency_name=parent_agency_name,
        place=_agency_place(agency),
        dossier_code=dossier.code,
        issued_at=at,
        signer_name=signer.display_name if signer else "",
    )


def _last_event(dossier: Dossier, action: str):
    return dossier.events.filter(action=action).select_related("actor").order_by("-at").first()


def slip_pdf(dossier: Dossier, kind: str) -> bytes | None:
    """Slips 02 (supplement), 03 (refusal), 04 (apology and new date), 05 (stop), or None
    when the dossier has no such slip."""
    from portal.documents import (
        apology_notice,
        refusal_notice,
        render_notice,
        stop_processing_notice,
        supplement_request,
    )

    named = dossier.procedure_version.procedure
    procedure = _named(dossier, named.name, named.name_en)
    received = dossier.received_at or dossier.submitted_at
    if kind == "02":
        supplement = (
            dossier.supplements.order_by("-requested_at").select_related("requested_by").first()
        )
        if supplement is None:
            return None
        notice = supplement_request(
            _letterhead(dossier, at=supplement.requested_at, signer=supplement.requested_by),
            applicant_name=dossier.applicant_name,
            procedure_name=procedure,
            received_at=received,
            items=[(item["name"], item["reason"]) for item in supplement.items],
        )
    elif kind in ("03", "05"):
        event = _last_event(dossier, "refused" if kind == "03" else "stopped")
        if event is None:
            return None
        build = refusal_notice if kind == "03" else stop_processing_notice
        notice = build(
            _letterhead(dossier, at=event.at, signer=event.actor),
            applicant_name=dossier.applicant_name,
            procedure_name=procedure,
            reason=event.note,
        )
    elif kind == "04":
        extension = dossier.extensions.order_by("-at").select_related("by").first()
        if extension is None:
            return None
        notice = apology_notice(
            _letterhead(dossier, at=extension.at, signer=extension.by),
            applicant_name=dossier.applicant_name,
            procedure_name=procedure,
            received_at=received,
            old_due_at=extension.old_due_at,
            new_due_at=extension.new_due_at,
            reason=extension.reason,
        )
    else:
        return None
    agency = dossier.competent_agency or dossier.receiving_agency or dossier.target_agency
    return _signed_once(
        notice, lambda: render_notice(notice), agency=agency, kind=kind, dossier=dossier
    )


def result_verification_url(dossier: Dossier) -> str:
    path = reverse("dossiers:verify", kwargs={"token": dossier.verification_token})
    return settings.PORTAL_BASE_URL.rstrip("/") + path

"""Printable documents of a dossier rendered as PDF (slips 01-07 and the electronic result).

Pure rendering: no database access. The caller copies what it needs from the models into
the frozen dataclasses below and stores the returned bytes (and, for a result, hashes them).

Every document shares the fields of :class:`Letterhead` (language, issuing agency, place,
dossier code, document number, issue time, signer). Fixed labels go through Django's
translation machinery (msgids in English) under ``translation.override(language)``; the
national heading stays in Vietnamese in both languages, as on real documents. Values given
by the caller are printed as they are (lazy translation proxies, e.g.
``DeliveryMethod.POST.label``, are evaluated in the document language).

How each slip kind is filled:

* 01 receipt and appointment slip: :class:`ReceiptSlip` + :func:`render_receipt_slip`.
* 02 supplement request: :func:`supplement_request` (lists ALL missing items with reasons).
* 03 refusal: :func:`refusal_notice`.
* 04 apology with a new return date: :func:`apology_notice`.
* 05 stop-processing notice: :func:`stop_processing_notice`.
* 06 process-control slip: :func:`process_control_slip` (one row per hand-over).
* 07 tracking register: ``Notice(kind=SlipKind.TRACKING_REGISTER, landscape=True,
  table=NoticeTable(headers=..., rows=...))`` with one row per dossier, ``dossier_code=""``.

All the builders return a :class:`Notice`, rendered by :func:`render_notice`.
Electronic result: :class:`ResultDocument` + :func:`render_result_document`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCode
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from .pdf import (
    GRID_COLOUR,
    FeeLine,
    Letterhead,
    build_pdf,
    format_amount,
    format_date,
    format_datetime,
    frame_width,
    grid_table,
    key_value_table,
    letterhead_kwargs,
    letterhead_table,
    markup,
    pdf_subject,
    plain_text,
    register_fonts,
    require_tuple,
    signature_block,
    styles,
    title_flowables,
)

__all__ = [
    "FeeLine",
    "Letterhead",
    "Notice",
    "NoticeTable",
    "ProcessStep",
    "ReceiptSlip",
    "ReceivedDocument",
    "ResultDocument",
    "ResultField",
    "SlipKind",
    "apology_notice",
    "format_date",
    "format_datetime",
    "process_control_slip",
    "refusal_notice",
    "render_notice",
    "render_receipt_slip",
    "render_result_document",
    "stop_processing_notice",
    "supplement_request",
]

# --- Slip kinds --------------------------------------------------------------------------


class SlipKind(Enum):
    """The printable slips of a dossier, with their official titles."""

    vi_title: str
    en_title: str

    def __new__(cls, number: str, vi_title: str, en_title: str) -> SlipKind:
        obj = object.__new__(cls)
        obj._value_ = number
        obj.vi_title = vi_title
        obj.en_title = en_title
        return obj

    RECEIPT = (
        "01",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "RECEIPT AND APPOINTMENT SLIP",
    )
    SUPPLEMENT_REQUEST = (
        "02",
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "REQUEST TO SUPPLEMENT AND COMPLETE THE DOSSIER",
    )
    REFUSAL = (
        "03",
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        "REFUSAL TO RECEIVE AND PROCESS THE DOSSIER",
    )
    APOLOGY = (
        "04",
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "APOLOGY AND NEW DATE FOR RETURNING THE RESULT",
    )
    STOP_PROCESSING = (
        "05",
        "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
        "NOTICE OF STOPPING THE PROCESSING OF THE DOSSIER",
    )
    PROCESS_CONTROL = (
        "06",
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        "PROCESS-CONTROL SLIP",
    )
    TRACKING_REGISTER = (
        "07",
        "SỔ THEO DÕI HỒ SƠ",
        "DOSSIER TRACKING REGISTER",
    )

    def title_in(self, language: str) -> str:
        return self.vi_title if language == "vi" else self.en_title


# --- Inputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedDocument:
    """One component of the dossier as received: its name and the number of each form."""

    name: str
    originals: int = 0
    copies: int = 0


@dataclass(frozen=True, kw_only=True)
class ReceiptSlip(Letterhead):
    """Slip 01. ``due_at`` is None while the dossier is submitted but not received yet.

    ``delivery_method`` is the human label of the result delivery method (a lazy label
    such as ``DeliveryMethod.POST.label`` is printed in the document language).
    """

    applicant_name: str
    applicant_address: str = ""
    applicant_phone: str = ""
    applicant_email: str = ""
    procedure_name: str
    procedure_code: str = ""
    submitted_at: datetime
    received_at: datetime | None = None
    due_at: datetime | None = None
    documents: Sequence[ReceivedDocument] = ()
    delivery_method: str = ""
    tracking_url: str = ""
    fees: Sequence[FeeLine] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        require_tuple(self, "documents")
        require_tuple(self, "fees")


@dataclass(frozen=True)
class ResultField:
    label: str
    value: str


@dataclass(frozen=True, kw_only=True)
class ResultDocument(Letterhead):
    """The electronic result (e.g. "TRÍCH LỤC KHAI SINH"); ``number`` is the result number.

    ``verify_url`` is encoded in a QR code printed beside its text. The content hash is
    computed by the caller over the returned bytes, it is not embedded.
    """

    title: str
    subtitle: str = ""
    fields: Sequence[ResultField] = ()
    verify_url: str

    def __post_init__(self) -> None:
        super().__post_init__()
        require_tuple(self, "fields")


@dataclass(frozen=True)
class NoticeTable:
    """A table printed in a notice; a "No." column is added in front of ``headers``.

    ``widths`` are optional relative widths of the given columns (any positive numbers).
    """

    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[float] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", tuple(self.headers))
        object.__setattr__(self, "rows", tuple(tuple(row) for row in self.rows))
        object.__setattr__(self, "widths", tuple(self.widths))
        for row in self.rows:
            if len(row) != len(self.headers):
                raise ValueError("every row must have as many cells as there are headers")
        if self.widths and len(self.widths) != len(self.headers):
            raise ValueError("widths must have one entry per header")


@dataclass(frozen=True, kw_only=True)
class Notice(Letterhead):
    """Slips 02-07: title (the kind's official title unless ``title`` is given), the
    addressee, paragraphs, an optional table, closing paragraphs, place/date and signature.
    """

    kind: SlipKind
    title: str = ""
    recipient_name: str = ""
    paragraphs: Sequence[str] = ()
    table: NoticeTable | None = None
    closing_paragraphs: Sequence[str] = ()
    landscape: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        require_tuple(self, "paragraphs")
        require_tuple(self, "closing_paragraphs")


@dataclass(frozen=True)
class ProcessStep:
    """One hand-over in a process-control slip (06)."""

    handed_over_by: str
    received_by: str
    handed_over_at: datetime
    due_at: datetime | None = None
    note: str = ""


# --- 01 receipt and appointment slip -----------------------------------------------------


def render_receipt_slip(slip: ReceiptSlip) -> bytes:
    """Slip 01: receipt of the dossier and appointment for the result."""
    register_fonts()
    with translation.override(slip.language):
        st = styles()
        width = frame_width()
        title = SlipKind.RECEIPT.title_in(slip.language)
        story: list[Flowable] = [letterhead_table(slip, width)]
        story += title_flowables(title, _("Dossier code: %(code)s") % {"code": slip.dossier_code})

        rows: list[tuple[str, str | Flowable]] = [
            (_("Received from"), Paragraph(f"<b>{markup(slip.applicant_name)}</b>", st.value))
        ]
        if slip.applicant_address:
            rows.append((_("Address"), slip.applicant_address))
        if slip.applicant_phone:
            rows.append((_("Phone"), slip.applicant_phone))
        if slip.applicant_email:
            rows.append((_("E-mail"), slip.applicant_email))
        rows.append((_("Procedure"), slip.procedure_name))
        if slip.procedure_code:
            rows.append((_("Procedure code"), slip.procedure_code))
        rows.append((_("Submitted at"), format_datetime(slip.submitted_at)))
        rows.append(
            (
                _("Received at"),
                format_datetime(slip.received_at) if slip.received_at else _("Not yet received"),
            )
        )
        if slip.due_at is not None:
            due: str | Flowable = Paragraph(
                f"<b>{escape(format_datetime(slip.due_at))}</b>", st.value
            )
        else:
            due = _("The appointment date is set when the agency receives the dossier.")
        rows.append((_("Appointment for the result"), due))
        if slip.delivery_method:
            rows.append((_("Result delivery"), plain_text(slip.delivery_method)))
        story.append(key_value_table(rows, width))

        story.append(Paragraph(markup(_("Documents received")), st.section))
        if slip.documents:
            story.append(
                grid_table(
                    [_("No."), _("Document"), _("Originals"), _("Copies")],
                    [
                        [str(i), d.name, str(d.originals), str(d.copies)]
                        for i, d in enumerate(slip.documents, start=1)
                    ],
                    [width * 0.08, width * 0.64, width * 0.14, width * 0.14],
                    aligns=("center", "left", "center", "center"),
                )
            )
        else:
            story.append(Paragraph(markup(_("No document.")), st.body))

        if slip.fees:
            story.append(Paragraph(markup(_("Fees and charges")), st.section))
            total = sum(f.amount for f in slip.fees)
            story.append(
                grid_table(
                    [_("No."), _("Item"), _("Amount")],
                    [
                        [str(i), f.label, format_amount(f.amount, slip.language)]
                        for i, f in enumerate(slip.fees, start=1)
                    ],
                    [width * 0.08, width * 0.62, width * 0.30],
                    aligns=("center", "left", "right"),
                    total=[
                        Paragraph(f"<b>{markup(_('Total'))}</b>", st.cell_right),
                        "",
                        Paragraph(
                            f"<b>{markup(format_amount(total, slip.language))}</b>",
                            st.cell_right,
                        ),
                    ],
                )
            )

        if slip.tracking_url:
            story.append(Paragraph(markup(_("Tracking")), st.section))
            story.append(
                Paragraph(
                    markup(
                        _("Track the dossier at %(url)s with the code %(code)s.")
                        % {"url": slip.tracking_url, "code": slip.dossier_code}
                    ),
                    st.body,
                )
            )

        story.append(signature_block(slip, width, default_title=_("Receiving officer")))
        return build_pdf(slip, story, title=title, subject=pdf_subject(title, slip.dossier_code))


# --- Electronic result -------------------------------------------------------------------


class _QrForm(QrCode):
    """The QR code drawn once into a PDF form XObject, then placed (easy to find/test)."""

    qrLevel = "M"
    qrBorder = 2

    def draw(self) -> None:
        canv = self.canv
        name = "VerifyQr"
        canv.beginForm(name, lowerx=0, lowery=0, upperx=self.width, uppery=self.height)
        super().draw()
        canv.endForm()
        canv.doForm(name)


def verification_qr(url: str, size: float) -> _QrForm:
    """The QR code of a document's verification page."""
    return _QrForm(url, width=size, height=size)


_qr = verification_qr


def verification_block(url: str, width: float, style: ParagraphStyle) -> KeepTogether:
    """The boxed QR code and the sentence that sends the reader to the verification page."""
    qr_size = 30 * mm
    verify = Table(
        [
            [
                verification_qr(url, qr_size),
                Paragraph(
                    markup(_("Scan to verify this document at %(url)s") % {"url": url}), style
                ),
            ]
        ],
        colWidths=[qr_size + 4 * mm, width - qr_size - 4 * mm],
    )
    verify.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
                ("BOX", (0, 0), (-1, -1), 0.5, GRID_COLOUR),
            ]
        )
    )
    return KeepTogether([Spacer(1, 8), verify])


def render_result_document(doc: ResultDocument) -> bytes:
    """The electronic result with its labelled fields, signer and verification QR code."""
    register_fonts()
    with translation.override(doc.language):
        st = styles()
        width = frame_width()
        story: list[Flowable] = [letterhead_table(doc, width)]
        story += title_flowables(doc.title, doc.subtitle)
        rows: list[tuple[str, str | Flowable]] = [(f.label, f.value) for f in doc.fields]
        if doc.dossier_code:
            rows.append((_("Dossier code"), doc.dossier_code))
        rows.append((_("Issued at"), format_datetime(doc.issued_at)))
        story.append(key_value_table(rows, width))
        story.append(signature_block(doc, width))

        story.append(verification_block(doc.verify_url, width, st.small))
        return build_pdf(
            doc, story, title=doc.title, subject=pdf_subject(doc.title, doc.dossier_code)
        )


# --- 02-07 notices -----------------------------------------------------------------------


def render_notice(notice: Notice) -> bytes:
    """Slips 02-07: title, addressee, paragraphs, optional table, closing, signature."""
    register_fonts()
    with translation.override(notice.language):
        st = styles()
        pagesize = landscape(A4) if notice.landscape else A4
        width = frame_width(pagesize)
        title = notice.title or notice.kind.title_in(notice.language)
        subtitle = (
            _("Dossier code: %(code)s") % {"code": notice.dossier_code}
            if notice.dossier_code
            else ""
        )
        story: list[Flowable] = [letterhead_table(notice, width)]
        story += title_flowables(title, subtitle)
        if notice.recipient_name:
            story.append(
                Paragraph(
                    markup(_("To: %(name)s") % {"name": plain_text(notice.recipient_name)}),
                    ParagraphStyle("to", parent=st.body, alignment=TA_CENTER, spaceAfter=8),
                )
            )
        story += [Paragraph(markup(p), st.justified) for p in notice.paragraphs]
        if notice.table is not None:
            table = notice.table
            given = table.widths or (1.0,) * len(table.headers)
            number_width = 12 * mm
            scale = (width - number_width) / sum(given)
            story.append(Spacer(1, 4))
            story.append(
                grid_table(
                    [_("No."), *table.headers],
                    [[str(i), *row] for i, row in enumerate(table.rows, start=1)],
                    [number_width, *(w * scale for w in given)],
                    aligns=("center",),
                )
            )
            story.append(Spacer(1, 6))
        story += [Paragraph(markup(p), st.justified) for p in notice.closing_paragraphs]
        story.append(signature_block(notice, width))
        return build_pdf(
            notice,
            story,
            title=title,
            subject=pdf_subject(title, notice.dossier_code),
            pagesize=pagesize,
        )


def supplement_request(
    letterhead: Letterhead,
    *,
    applicant_name: str,
    procedure_name: str,
    received_at: datetime,
    items: Sequence[tuple[str, str]],
    deadline: datetime | None = None,
) -> Notice:
    """Slip 02: ALL the missing or incomplete items at once, each with its reason."""
    if not items:
        raise ValueError("a supplement request lists at least one item")
    with translation.override(letterhead.language):
        closing = []
        if deadline is not None:
            closing.append(
                _("Please supplement and complete the dossier by %(deadline)s.")
                % {"deadline": format_datetime(deadline)}
            )
        closing.append(_("The processing time is paused until the complete dossier is received."))
        closing.append(_("We apologise for the inconvenience."))
        return Notice(
            **letterhead_kwargs(letterhead),
            kind=SlipKind.SUPPLEMENT_REQUEST,
            recipient_name=applicant_name,
            paragraphs=(
                _(
                    "On %(received)s the agency received the dossier %(code)s for the "
                    "procedure %(procedure)s. After review, the dossier must be supplemented "
                    "and completed with the following items:"
                )
                % {
                    "received": format_datetime(received_at),
                    "code": letterhead.dossier_code,
                    "procedure": plain_text(procedure_name),
                },
            ),
            table=NoticeTable(
                headers=(_("Item to supplement or complete"), _("Reason")),
                rows=[(name, reason) for name, reason in items],
                widths=(1.1, 1.0),
            ),
            closing_paragraphs=tuple(closing),
        )


def refusal_notice(
    letterhead: Letterhead,
    *,
    applicant_name: str,
    procedure_name: str,
    reason: str,
) -> Notice:
    """Slip 03: refusal to receive and process the dossier, with the reason."""
    with translation.override(letterhead.language):
        return Notice(
            **letterhead_kwargs(letterhead),
            kind=SlipKind.REFUSAL,
            recipient_name=applicant_name,
            paragraphs=(
                _(
                    "The agency has received the dossier %(code)s for the procedure "
                    "%(procedure)s. The dossier is refused for the following reason:"
                )
                % {"code": letterhead.dossier_code, "procedure": plain_text(procedure_name)},
                plain_text(reason),
            ),
            closing_paragraphs=(_("We apologise for the inconvenience."),),
        )


def apology_notice(
    letterhead: Letterhead,
    *,
    applicant_name: str,
    procedure_name: str,
    received_at: datetime,
    old_due_at: datetime,
    new_due_at: datetime,
    reason: str,
) -> Notice:
    """Slip 04: apology for a late dossier with the new date for returning the result."""
    with translation.override(letterhead.language):
        return Notice(
            **letterhead_kwargs(letterhead),
            kind=SlipKind.APOLOGY,
            recipient_name=applicant_name,
            paragraphs=(
                _(
                    "The dossier %(code)s for the procedure %(procedure)s, received on "
                    "%(received)s, was due to be returned on %(old_due)s."
                )
                % {
                    "code": letterhead.dossier_code,
                    "procedure": plain_text(procedure_name),
                    "received": format_datetime(received_at),
                    "old_due": format_datetime(old_due_at),
                },
                _("Reason for the delay: %(reason)s") % {"reason": plain_text(reason)},
                _(
                    "The agency sincerely apologises for this delay and sets a new date for "
                    "returning the result: %(new_due)s."
                )
                % {"new_due": format_datetime(new_due_at)},
            ),
        )


def stop_processing_notice(
    letterhead: Letterhead,
    *,
    applicant_name: str,
    procedure_name: str,
    reason: str,
) -> Notice:
    """Slip 05: the processing of the dossier is stopped, with the reason."""
    with translation.override(letterhead.language):
        return Notice(
            **letterhead_kwargs(letterhead),
            kind=SlipKind.STOP_PROCESSING,
            recipient_name=applicant_name,
            paragraphs=(
                _(
                    "The processing of the dossier %(code)s for the procedure %(procedure)s "
                    "is stopped for the following reason:"
                )
                % {"code": letterhead.dossier_code, "procedure": plain_text(procedure_name)},
                plain_text(reason),
            ),
        )


def process_control_slip(
    letterhead: Letterhead,
    *,
    procedure_name: str,
    steps: Sequence[ProcessStep],
) -> Notice:
    """Slip 06: one row per hand-over of the dossier between officers/agencies."""
    with translation.override(letterhead.language):
        return Notice(
            **letterhead_kwargs(letterhead),
            kind=SlipKind.PROCESS_CONTROL,
            paragraphs=(_("Procedure: %(procedure)s") % {"procedure": plain_text(procedure_name)},),
            table=NoticeTable(
                headers=(
                    _("Handed over by"),
                    _("Received by"),
                    _("Handed over at"),
                    _("Step deadline"),
                    _("Note"),
                ),
                rows=[
                    (
                        s.handed_over_by,
                        s.received_by,
                        format_datetime(s.handed_over_at),
                        format_datetime(s.due_at) if s.due_at else "",
                        s.note,
                    )
                    for s in steps
                ],
                widths=(1.3, 1.3, 1.0, 1.0, 1.2),
            ),
        )

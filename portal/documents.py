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

import io
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCode
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
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

LANGUAGES = ("vi", "en")

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"
CREATOR = "National public-service portal"

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"

_font_lock = threading.Lock()
_fonts_registered = False


def register_fonts() -> None:
    """Register the vendored DejaVu Sans (full Vietnamese coverage) once per process."""
    global _fonts_registered
    if _fonts_registered:
        return
    with _font_lock:
        if _fonts_registered:
            return
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
        )
        _fonts_registered = True


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


def _tuple(obj: object, name: str) -> None:
    value = getattr(obj, name)
    if not isinstance(value, tuple):
        object.__setattr__(obj, name, tuple(value))


@dataclass(frozen=True, kw_only=True)
class Letterhead:
    """Fields shared by every document: who issues it, where, when, in which language.

    ``number`` is the document number printed under the agency ("Số: ..."); for a result
    document it is the result number. ``issued_at`` (aware) gives the place/date line.
    """

    language: str = "vi"
    agency_name: str
    parent_agency_name: str = ""
    place: str = ""
    dossier_code: str = ""
    number: str = ""
    issued_at: datetime
    signer_name: str = ""
    signer_title: str = ""

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, not {self.language!r}")


def _letterhead_kwargs(letterhead: Letterhead) -> dict[str, Any]:
    return {f.name: getattr(letterhead, f.name) for f in fields(Letterhead)}


@dataclass(frozen=True)
class ReceivedDocument:
    """One component of the dossier as received: its name and the number of each form."""

    name: str
    originals: int = 0
    copies: int = 0


@dataclass(frozen=True)
class FeeLine:
    """A fee or charge, in Vietnamese dong."""

    label: str
    amount: int


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
        _tuple(self, "documents")
        _tuple(self, "fees")


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
        _tuple(self, "fields")


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
        _tuple(self, "paragraphs")
        _tuple(self, "closing_paragraphs")


@dataclass(frozen=True)
class ProcessStep:
    """One hand-over in a process-control slip (06)."""

    handed_over_by: str
    received_by: str
    handed_over_at: datetime
    due_at: datetime | None = None
    note: str = ""


# --- Formatting --------------------------------------------------------------------------


def format_datetime(value: datetime) -> str:
    """dd/mm/yyyy HH:MM in the local time zone (``value`` must be aware)."""
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


def format_date(value: datetime) -> str:
    """dd/mm/yyyy in the local time zone (``value`` must be aware)."""
    return timezone.localtime(value).strftime("%d/%m/%Y")


def _format_amount(amount: int, language: str) -> str:
    digits = f"{amount:,}"
    if language == "vi":
        digits = digits.replace(",", ".")
    return _("%(amount)s VND") % {"amount": digits}


def _place_date(letterhead: Letterhead) -> str:
    local = timezone.localtime(letterhead.issued_at)
    parts = {"day": f"{local.day:02d}", "month": f"{local.month:02d}", "year": str(local.year)}
    if letterhead.place:
        return _("%(place)s, %(day)s/%(month)s/%(year)s") % {
            **parts,
            "place": _text(letterhead.place),
        }
    return _("%(day)s/%(month)s/%(year)s") % parts


def _text(value: object) -> str:
    return unicodedata.normalize("NFC", str(value))


def _markup(value: object) -> str:
    """Caller text made safe for a Paragraph (escaped, newlines kept)."""
    return escape(_text(value)).replace("\n", "<br/>")


# --- Layout ------------------------------------------------------------------------------

_LEFT_MARGIN = 25 * mm
_RIGHT_MARGIN = 15 * mm
_TOP_MARGIN = 15 * mm
_BOTTOM_MARGIN = 20 * mm
_GRID = colors.HexColor("#777777")
_HEADER_FILL = colors.HexColor("#EEEEEE")


class _Styles:
    def __init__(self) -> None:
        register_fonts()
        base = ParagraphStyle("base", fontName=FONT, fontSize=10.5, leading=14)
        self.body = ParagraphStyle("body", parent=base, spaceAfter=4)
        self.justified = ParagraphStyle("justified", parent=self.body, alignment=TA_JUSTIFY)
        self.cell = ParagraphStyle("cell", parent=base, fontSize=9.5, leading=12)
        self.cell_center = ParagraphStyle("cell_center", parent=self.cell, alignment=TA_CENTER)
        self.cell_right = ParagraphStyle("cell_right", parent=self.cell, alignment=TA_RIGHT)
        self.cell_head = ParagraphStyle(
            "cell_head", parent=self.cell, fontName=FONT_BOLD, alignment=TA_CENTER
        )
        self.label = ParagraphStyle("label", parent=base, textColor=colors.HexColor("#333333"))
        self.value = ParagraphStyle("value", parent=base)
        self.head_left = ParagraphStyle(
            "head_left", parent=base, fontSize=9.5, leading=12, alignment=TA_CENTER
        )
        self.head_left_bold = ParagraphStyle(
            "head_left_bold", parent=self.head_left, fontName=FONT_BOLD
        )
        self.head_right = ParagraphStyle(
            "head_right", parent=self.head_left_bold, fontSize=9.5, leading=12
        )
        self.motto = ParagraphStyle("motto", parent=self.head_right, fontSize=10, leading=13)
        self.title = ParagraphStyle(
            "title",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=13.5,
            leading=17,
            alignment=TA_CENTER,
            spaceBefore=10,
            spaceAfter=2,
        )
        self.subtitle = ParagraphStyle("subtitle", parent=base, alignment=TA_CENTER, spaceAfter=10)
        self.section = ParagraphStyle(
            "section", parent=base, fontName=FONT_BOLD, spaceBefore=8, spaceAfter=4
        )
        self.sign = ParagraphStyle("sign", parent=base, alignment=TA_CENTER)
        self.sign_bold = ParagraphStyle("sign_bold", parent=self.sign, fontName=FONT_BOLD)
        self.small = ParagraphStyle("small", parent=base, fontSize=9, leading=11.5)


_styles_cache: _Styles | None = None


def _styles() -> _Styles:
    global _styles_cache
    if _styles_cache is None:
        _styles_cache = _Styles()
    return _styles_cache


def _rule(text: str, style: ParagraphStyle) -> HRFlowable:
    """A centred line as wide as ``text`` (under the motto and the agency name)."""
    width = pdfmetrics.stringWidth(text, style.fontName, style.fontSize)
    return HRFlowable(
        width=max(width * 0.6, 20 * mm),
        thickness=0.6,
        color=colors.black,
        hAlign="CENTER",
        spaceBefore=2,
        spaceAfter=4,
    )


def _heading(letterhead: Letterhead, width: float) -> Table:
    st = _styles()
    left: list[Flowable] = []
    if letterhead.parent_agency_name:
        left.append(Paragraph(_markup(letterhead.parent_agency_name), st.head_left))
    left.append(Paragraph(_markup(letterhead.agency_name), st.head_left_bold))
    left.append(_rule(_text(letterhead.agency_name)[:30], st.head_left_bold))
    if letterhead.number:
        left.append(
            Paragraph(_markup(_("No.: %(number)s") % {"number": letterhead.number}), st.head_left)
        )
    right: list[Flowable] = [
        Paragraph(NATIONAL_NAME, st.head_right),
        Paragraph(NATIONAL_MOTTO, st.motto),
    ]
    motto_width = pdfmetrics.stringWidth(NATIONAL_MOTTO, st.motto.fontName, st.motto.fontSize)
    right.append(
        HRFlowable(
            width=motto_width, thickness=0.6, color=colors.black, hAlign="CENTER", spaceBefore=2
        )
    )
    table = Table([[left, right]], colWidths=[width * 0.42, width * 0.58])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _title(title: str, subtitle: str = "") -> list[Flowable]:
    st = _styles()
    out: list[Flowable] = [Paragraph(_markup(title), st.title)]
    if subtitle:
        out.append(Paragraph(_markup(subtitle), st.subtitle))
    else:
        out.append(Spacer(1, 8))
    return out


def _key_values(rows: Sequence[tuple[str, str | Flowable]], width: float) -> Table:
    st = _styles()
    data = []
    for label, value in rows:
        cell = value if isinstance(value, Flowable) else Paragraph(_markup(value), st.value)
        data.append([Paragraph(_markup(label) + ":", st.label), cell])
    table = Table(data, colWidths=[width * 0.34, width * 0.66])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


def _grid_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str | Flowable]],
    widths: Sequence[float],
    aligns: Sequence[str] = (),
    total: Sequence[str | Flowable] | None = None,
) -> Table:
    """A bordered table with a header row repeated on every page."""
    st = _styles()
    cell_styles = {"left": st.cell, "center": st.cell_center, "right": st.cell_right}
    data: list[list[Any]] = [[Paragraph(_markup(h), st.cell_head) for h in headers]]
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            style = cell_styles[aligns[i] if i < len(aligns) else "left"]
            cells.append(value if isinstance(value, Flowable) else Paragraph(_markup(value), style))
        data.append(cells)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
        ("BACKGROUND", (0, 0), (-1, 0), _HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if total is not None:
        data.append(list(total))
        commands.append(("SPAN", (0, -1), (-2, -1)))
    table = Table(data, colWidths=list(widths), repeatRows=1)
    table.setStyle(TableStyle(commands))
    return table


def _signature(letterhead: Letterhead, width: float, default_title: str = "") -> Flowable:
    st = _styles()
    block: list[Flowable] = [Paragraph(_markup(_place_date(letterhead)), st.sign)]
    title = letterhead.signer_title or default_title
    if title:
        block.append(Paragraph(_markup(title), st.sign_bold))
    block.append(Spacer(1, 20 * mm))
    if letterhead.signer_name:
        block.append(Paragraph(_markup(letterhead.signer_name), st.sign_bold))
    table = Table([["", block]], colWidths=[width * 0.45, width * 0.55])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return KeepTogether([Spacer(1, 10), table])


class _FooterCanvas(Canvas):
    """Draws the footer (dossier code, "page n of N") once the page count is known."""

    def __init__(self, *args: Any, dossier_code: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._dossier_code = dossier_code
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._draw_footer(total)
            super().showPage()
        super().save()

    def _draw_footer(self, total: int) -> None:
        page_width, _height = self._pagesize
        y = 12 * mm
        self.saveState()
        self.setStrokeColor(_GRID)
        self.setLineWidth(0.4)
        self.line(_LEFT_MARGIN, y + 9, page_width - _RIGHT_MARGIN, y + 9)
        self.setFont(FONT, 8)
        self.setFillColor(colors.HexColor("#333333"))
        if self._dossier_code:
            self.drawString(
                _LEFT_MARGIN, y, _("Dossier code: %(code)s") % {"code": self._dossier_code}
            )
        self.drawRightString(
            page_width - _RIGHT_MARGIN,
            y,
            _("Page %(page)d of %(total)d") % {"page": self._pageNumber, "total": total},
        )
        self.restoreState()


def _build(
    letterhead: Letterhead,
    story: list[Flowable],
    *,
    title: str,
    subject: str,
    pagesize: tuple[float, float] = A4,
) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=_LEFT_MARGIN,
        rightMargin=_RIGHT_MARGIN,
        topMargin=_TOP_MARGIN,
        bottomMargin=_BOTTOM_MARGIN,
        title=_text(title),
        author=_text(letterhead.agency_name),
        subject=_text(subject),
        creator=CREATOR,
        keywords=letterhead.dossier_code,
        lang=letterhead.language,
        initialFontName=FONT,
        initialFontSize=10.5,
        invariant=1,
    )
    doc.build(
        story,
        canvasmaker=partial(_FooterCanvas, dossier_code=_text(letterhead.dossier_code)),
    )
    return buffer.getvalue()


def _frame_width(pagesize: tuple[float, float] = A4) -> float:
    return pagesize[0] - _LEFT_MARGIN - _RIGHT_MARGIN


def _subject(kind_title: str, dossier_code: str) -> str:
    return f"{kind_title} - {dossier_code}" if dossier_code else kind_title


# --- 01 receipt and appointment slip -----------------------------------------------------


def render_receipt_slip(slip: ReceiptSlip) -> bytes:
    """Slip 01: receipt of the dossier and appointment for the result."""
    register_fonts()
    with translation.override(slip.language):
        st = _styles()
        width = _frame_width()
        title = SlipKind.RECEIPT.title_in(slip.language)
        story: list[Flowable] = [_heading(slip, width)]
        story += _title(title, _("Dossier code: %(code)s") % {"code": slip.dossier_code})

        rows: list[tuple[str, str | Flowable]] = [
            (_("Received from"), Paragraph(f"<b>{_markup(slip.applicant_name)}</b>", st.value))
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
            rows.append((_("Result delivery"), _text(slip.delivery_method)))
        story.append(_key_values(rows, width))

        story.append(Paragraph(_markup(_("Documents received")), st.section))
        if slip.documents:
            story.append(
                _grid_table(
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
            story.append(Paragraph(_markup(_("No document.")), st.body))

        if slip.fees:
            story.append(Paragraph(_markup(_("Fees and charges")), st.section))
            total = sum(f.amount for f in slip.fees)
            story.append(
                _grid_table(
                    [_("No."), _("Item"), _("Amount")],
                    [
                        [str(i), f.label, _format_amount(f.amount, slip.language)]
                        for i, f in enumerate(slip.fees, start=1)
                    ],
                    [width * 0.08, width * 0.62, width * 0.30],
                    aligns=("center", "left", "right"),
                    total=[
                        Paragraph(f"<b>{_markup(_('Total'))}</b>", st.cell_right),
                        "",
                        Paragraph(
                            f"<b>{_markup(_format_amount(total, slip.language))}</b>",
                            st.cell_right,
                        ),
                    ],
                )
            )

        if slip.tracking_url:
            story.append(Paragraph(_markup(_("Tracking")), st.section))
            story.append(
                Paragraph(
                    _markup(
                        _("Track the dossier at %(url)s with the code %(code)s.")
                        % {"url": slip.tracking_url, "code": slip.dossier_code}
                    ),
                    st.body,
                )
            )

        story.append(_signature(slip, width, default_title=_("Receiving officer")))
        return _build(slip, story, title=title, subject=_subject(title, slip.dossier_code))


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


def _qr(url: str, size: float) -> _QrForm:
    return _QrForm(url, width=size, height=size)


def render_result_document(doc: ResultDocument) -> bytes:
    """The electronic result with its labelled fields, signer and verification QR code."""
    register_fonts()
    with translation.override(doc.language):
        st = _styles()
        width = _frame_width()
        story: list[Flowable] = [_heading(doc, width)]
        story += _title(doc.title, doc.subtitle)
        rows: list[tuple[str, str | Flowable]] = [(f.label, f.value) for f in doc.fields]
        if doc.dossier_code:
            rows.append((_("Dossier code"), doc.dossier_code))
        rows.append((_("Issued at"), format_datetime(doc.issued_at)))
        story.append(_key_values(rows, width))
        story.append(_signature(doc, width))

        qr_size = 30 * mm
        verify = Table(
            [
                [
                    _qr(doc.verify_url, qr_size),
                    Paragraph(
                        _markup(
                            _("Scan to verify this document at %(url)s") % {"url": doc.verify_url}
                        ),
                        st.small,
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
                    ("BOX", (0, 0), (-1, -1), 0.5, _GRID),
                ]
            )
        )
        story.append(KeepTogether([Spacer(1, 8), verify]))
        return _build(doc, story, title=doc.title, subject=_subject(doc.title, doc.dossier_code))


# --- 02-07 notices -----------------------------------------------------------------------


def render_notice(notice: Notice) -> bytes:
    """Slips 02-07: title, addressee, paragraphs, optional table, closing, signature."""
    register_fonts()
    with translation.override(notice.language):
        st = _styles()
        pagesize = landscape(A4) if notice.landscape else A4
        width = _frame_width(pagesize)
        title = notice.title or notice.kind.title_in(notice.language)
        subtitle = (
            _("Dossier code: %(code)s") % {"code": notice.dossier_code}
            if notice.dossier_code
            else ""
        )
        story: list[Flowable] = [_heading(notice, width)]
        story += _title(title, subtitle)
        if notice.recipient_name:
            story.append(
                Paragraph(
                    _markup(_("To: %(name)s") % {"name": _text(notice.recipient_name)}),
                    ParagraphStyle("to", parent=st.body, alignment=TA_CENTER, spaceAfter=8),
                )
            )
        story += [Paragraph(_markup(p), st.justified) for p in notice.paragraphs]
        if notice.table is not None:
            table = notice.table
            given = table.widths or (1.0,) * len(table.headers)
            number_width = 12 * mm
            scale = (width - number_width) / sum(given)
            story.append(Spacer(1, 4))
            story.append(
                _grid_table(
                    [_("No."), *table.headers],
                    [[str(i), *row] for i, row in enumerate(table.rows, start=1)],
                    [number_width, *(w * scale for w in given)],
                    aligns=("center",),
                )
            )
            story.append(Spacer(1, 6))
        story += [Paragraph(_markup(p), st.justified) for p in notice.closing_paragraphs]
        story.append(_signature(notice, width))
        return _build(
            notice,
            story,
            title=title,
            subject=_subject(title, notice.dossier_code),
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
            **_letterhead_kwargs(letterhead),
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
                    "procedure": _text(procedure_name),
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
            **_letterhead_kwargs(letterhead),
            kind=SlipKind.REFUSAL,
            recipient_name=applicant_name,
            paragraphs=(
                _(
                    "The agency has received the dossier %(code)s for the procedure "
                    "%(procedure)s. The dossier is refused for the following reason:"
                )
                % {"code": letterhead.dossier_code, "procedure": _text(procedure_name)},
                _text(reason),
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
            **_letterhead_kwargs(letterhead),
            kind=SlipKind.APOLOGY,
            recipient_name=applicant_name,
            paragraphs=(
                _(
                    "The dossier %(code)s for the procedure %(procedure)s, received on "
                    "%(received)s, was due to be returned on %(old_due)s."
                )
                % {
                    "code": letterhead.dossier_code,
                    "procedure": _text(procedure_name),
                    "received": format_datetime(received_at),
                    "old_due": format_datetime(old_due_at),
                },
                _("Reason for the delay: %(reason)s") % {"reason": _text(reason)},
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
            **_letterhead_kwargs(letterhead),
            kind=SlipKind.STOP_PROCESSING,
            recipient_name=applicant_name,
            paragraphs=(
                _(
                    "The processing of the dossier %(code)s for the procedure %(procedure)s "
                    "is stopped for the following reason:"
                )
                % {"code": letterhead.dossier_code, "procedure": _text(procedure_name)},
                _text(reason),
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
            **_letterhead_kwargs(letterhead),
            kind=SlipKind.PROCESS_CONTROL,
            paragraphs=(_("Procedure: %(procedure)s") % {"procedure": _text(procedure_name)},),
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

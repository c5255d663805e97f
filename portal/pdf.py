"""The PDF toolkit of the portal: fonts, the letterhead every document shares, formatting,
layout blocks (heading, titles, key-value and grid tables, signature) and the builder with
its page footer. No database access and no knowledge of dossiers: the documents themselves
(slips, results, receipts) are built from these blocks by `portal.documents` and
`payments.documents`."""

from __future__ import annotations

import io
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4
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


def require_tuple(obj: object, name: str) -> None:
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


def letterhead_kwargs(letterhead: Letterhead) -> dict[str, Any]:
    return {f.name: getattr(letterhead, f.name) for f in fields(Letterhead)}


@dataclass(frozen=True)
class FeeLine:
    """A fee or charge, in Vietnamese dong."""

    label: str
    amount: int


# --- Formatting --------------------------------------------------------------------------


def format_datetime(value: datetime) -> str:
    """dd/mm/yyyy HH:MM in the local time zone (``value`` must be aware)."""
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


def format_date(value: datetime) -> str:
    """dd/mm/yyyy in the local time zone (``value`` must be aware)."""
    return timezone.localtime(value).strftime("%d/%m/%Y")


def format_amount(amount: int, language: str) -> str:
    digits = f"{amount:,}"
    if language == "vi":
        digits = digits.replace(",", ".")
    return _("%(amount)s VND") % {"amount": digits}


def place_and_date(letterhead: Letterhead) -> str:
    local = timezone.localtime(letterhead.issued_at)
    parts = {"day": f"{local.day:02d}", "month": f"{local.month:02d}", "year": str(local.year)}
    if letterhead.place:
        return _("%(place)s, %(day)s/%(month)s/%(year)s") % {
            **parts,
            "place": plain_text(letterhead.place),
        }
    return _("%(day)s/%(month)s/%(year)s") % parts


def plain_text(value: object) -> str:
    return unicodedata.normalize("NFC", str(value))


def markup(value: object) -> str:
    """Caller text made safe for a Paragraph (escaped, newlines kept)."""
    return escape(plain_text(value)).replace("\n", "<br/>")


# --- Layout ------------------------------------------------------------------------------

_LEFT_MARGIN = 25 * mm
_RIGHT_MARGIN = 15 * mm
_TOP_MARGIN = 15 * mm
_BOTTOM_MARGIN = 20 * mm
GRID_COLOUR = colors.HexColor("#777777")
_HEADER_FILL = colors.HexColor("#EEEEEE")


class Styles:
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


_styles_cache: Styles | None = None


def styles() -> Styles:
    global _styles_cache
    if _styles_cache is None:
        _styles_cache = Styles()
    return _styles_cache


def rule_line(text: str, style: ParagraphStyle) -> HRFlowable:
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


def letterhead_table(letterhead: Letterhead, width: float) -> Table:
    st = styles()
    left: list[Flowable] = []
    if letterhead.parent_agency_name:
        left.append(Paragraph(markup(letterhead.parent_agency_name), st.head_left))
    left.append(Paragraph(markup(letterhead.agency_name), st.head_left_bold))
    left.append(rule_line(plain_text(letterhead.agency_name)[:30], st.head_left_bold))
    if letterhead.number:
        left.append(
            Paragraph(markup(_("No.: %(number)s") % {"number": letterhead.number}), st.head_left)
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


def title_flowables(title: str, subtitle: str = "") -> list[Flowable]:
    st = styles()
    out: list[Flowable] = [Paragraph(markup(title), st.title)]
    if subtitle:
        out.append(Paragraph(markup(subtitle), st.subtitle))
    else:
        out.append(Spacer(1, 8))
    return out


def key_value_table(rows: Sequence[tuple[str, str | Flowable]], width: float) -> Table:
    st = styles()
    data = []
    for label, value in rows:
        cell = value if isinstance(value, Flowable) else Paragraph(markup(value), st.value)
        data.append([Paragraph(markup(label) + ":", st.label), cell])
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


def grid_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str | Flowable]],
    widths: Sequence[float],
    aligns: Sequence[str] = (),
    total: Sequence[str | Flowable] | None = None,
) -> Table:
    """A bordered table with a header row repeated on every page."""
    st = styles()
    cell_styles = {"left": st.cell, "center": st.cell_center, "right": st.cell_right}
    data: list[list[Any]] = [[Paragraph(markup(h), st.cell_head) for h in headers]]
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            style = cell_styles[aligns[i] if i < len(aligns) else "left"]
            cells.append(value if isinstance(value, Flowable) else Paragraph(markup(value), style))
        data.append(cells)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID_COLOUR),
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


def signature_block(letterhead: Letterhead, width: float, default_title: str = "") -> Flowable:
    st = styles()
    block: list[Flowable] = [Paragraph(markup(place_and_date(letterhead)), st.sign)]
    title = letterhead.signer_title or default_title
    if title:
        block.append(Paragraph(markup(title), st.sign_bold))
    block.append(Spacer(1, 20 * mm))
    if letterhead.signer_name:
        block.append(Paragraph(markup(letterhead.signer_name), st.sign_bold))
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


class FooterCanvas(Canvas):
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
        self.setStrokeColor(GRID_COLOUR)
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


def build_pdf(
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
        title=plain_text(title),
        author=plain_text(letterhead.agency_name),
        subject=plain_text(subject),
        creator=CREATOR,
        keywords=letterhead.dossier_code,
        lang=letterhead.language,
        initialFontName=FONT,
        initialFontSize=10.5,
        invariant=1,
    )
    doc.build(
        story,
        canvasmaker=partial(FooterCanvas, dossier_code=plain_text(letterhead.dossier_code)),
    )
    return buffer.getvalue()


def frame_width(pagesize: tuple[float, float] = A4) -> float:
    return pagesize[0] - _LEFT_MARGIN - _RIGHT_MARGIN


def pdf_subject(kind_title: str, dossier_code: str) -> str:
    return f"{kind_title} - {dossier_code}" if dossier_code else kind_title

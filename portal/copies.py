"""The PDF of an electronic certified copy ("bản sao điện tử chứng thực từ bản chính"): every
page of the scanned original, each marked with the certification number and its page number,
then a certification page (agency, number, the sentence of certification, the officer, the
date and a QR code to the public verification page). The caller signs it (portal.pdfsign).

Pure rendering: no database access. A scanned PDF's pages are imported as they are (form
XObjects, pyHanko's writer): nothing of the original is re-rendered or re-compressed. A JPEG or
PNG scan is placed on an A4 page. A scan that cannot be read raises :class:`ScanError` with a
message for the officer.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.rw_common import PdfHandler
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, Spacer

from .documents import verification_block
from .pdf import (
    FONT,
    Letterhead,
    build_pdf,
    frame_width,
    key_value_table,
    letterhead_table,
    markup,
    register_fonts,
    signature_block,
    styles,
    title_flowables,
)

#: a certified copy holds at most this many pages of the original
MAX_SCAN_PAGES = 50
TITLE = "CHỨNG THỰC BẢN SAO ĐIỆN TỬ TỪ BẢN CHÍNH"
#: the sentence of certification (Decree 23/2015/ND-CP, article 20; Decree 45/2020/ND-CP)
STATEMENT = "Chứng thực bản sao điện tử này gồm {pages} trang, đúng với bản chính."
SIGNER_TITLE = "NGƯỜI THỰC HIỆN CHỨNG THỰC"


class ScanError(ValueError):
    """The scan cannot be made into a certified copy; `message` says why, for the officer."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


UNREADABLE = gettext_lazy(
    "The scan cannot be read. Scan the original again and save it as a PDF, JPEG or PNG file."
)
PROTECTED = gettext_lazy(
    "This PDF is protected by a password. Scan the original again without protection."
)
TOO_MANY_PAGES = gettext_lazy("The scan has more than %(max)d pages; certify it in several copies.")
NO_PAGES = gettext_lazy("The scan has no page.")


@dataclass(frozen=True, kw_only=True)
class CertifiedCopyDocument(Letterhead):
    """``number`` is the certification number; ``document_title`` names the original."""

    document_title: str
    holder_name: str
    verify_url: str


def _pdf_reader(content: bytes) -> PdfFileReader:
    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        encrypted = reader.encrypt_dict is not None
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise ScanError(UNREADABLE) from exc
    if encrypted:
        raise ScanError(PROTECTED)
    return reader


def _page_count(reader: PdfFileReader) -> int:
    try:
        count = int(reader.root["/Pages"]["/Count"])
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise ScanError(UNREADABLE) from exc
    if count < 1:
        raise ScanError(NO_PAGES)
    if count > MAX_SCAN_PAGES:
        raise ScanError(TOO_MANY_PAGES % {"max": MAX_SCAN_PAGES})
    return count


def _image_pdf(content: bytes) -> bytes:
    """A JPEG or PNG scan on one A4 page, as large as the margins allow."""
    try:
        image = ImageReader(io.BytesIO(content))
        width, height = image.getSize()
    except Exception as exc:  # Pillow raises many kinds (truncated, bomb, unknown format)
        raise ScanError(UNREADABLE) from exc
    if width < 1 or height < 1:
        raise ScanError(UNREADABLE)
    page_width, page_height = A4
    margin = 10 * mm
    scale = min((page_width - 2 * margin) / width, (page_height - 2 * margin) / height)
    shown_width, shown_height = width * scale, height * scale
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    try:
        canvas.drawImage(
            image,
            (page_width - shown_width) / 2,
            (page_height - shown_height) / 2,
            shown_width,
            shown_height,
        )
        canvas.showPage()
        canvas.save()
    except Exception as exc:  # a damaged image fails only when its data is read
        raise ScanError(UNREADABLE) from exc
    return buffer.getvalue()


def scan_as_pdf(content: bytes, content_type: str) -> tuple[bytes, int]:
    """The scan as a PDF and its number of pages (ScanError when it cannot be used)."""
    pdf = content if content_type == "application/pdf" else _image_pdf(content)
    return pdf, _page_count(_pdf_reader(pdf))


def _stamps(doc: CertifiedCopyDocument, boxes: list[tuple[float, float]], total: int) -> bytes:
    """One page per scanned page, of its size, with the mark at the bottom."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    with translation.override(doc.language):
        mark = _("Electronic certified copy no. %(number)s, page %(page)d of %(total)d")
    for index, (width, height) in enumerate(boxes, start=1):
        canvas.setPageSize((width, height))
        canvas.setFont(FONT, 7)
        canvas.setFillGray(0.25)
        canvas.drawCentredString(
            width / 2,
            4 * mm,
            mark % {"number": doc.number, "page": index, "total": total},
        )
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _box(reader: PdfHandler, index: int) -> tuple[list[float], Any]:
    page_ref, _resources = reader.find_page_for_modification(index)
    page = page_ref.get_object()
    node: Any = page
    box = rotate = None
    while node is not None and (box is None or rotate is None):
        node = node.get_object()
        box = box if box is not None else node.get("/MediaBox")
        rotate = rotate if rotate is not None else node.get("/Rotate")
        node = node.get("/Parent")
    if box is None:
        raise ScanError(UNREADABLE)
    return [float(value) for value in box], rotate


def _certification_page(doc: CertifiedCopyDocument, pages: int) -> bytes:
    register_fonts()
    with translation.override(doc.language):
        st = styles()
        width = frame_width()
        story: list[Flowable] = [letterhead_table(doc, width)]
        story += title_flowables(TITLE, doc.document_title)
        rows: list[tuple[str, str | Flowable]] = [
            (_("Document certified"), doc.document_title),
            (_("Requested by"), doc.holder_name),
            (_("Certification number"), doc.number),
            (_("Pages of the copy"), str(pages)),
        ]
        story.append(key_value_table(rows, width))
        story.append(Spacer(1, 6 * mm))
        story.append(Paragraph(markup(STATEMENT.format(pages=pages)), st.section))
        story.append(signature_block(doc, width))
        story.append(verification_block(doc.verify_url, width, st.small))
        return build_pdf(doc, story, title=TITLE, subject=f"{TITLE} {doc.number}")


def _place(writer: PdfFileWriter, sources: list[tuple[PdfHandler, int]], box, rotate) -> None:
    """A new page of `box` showing page `index` of each source, one over the other."""
    xobjects = generic.DictionaryObject()
    commands = []
    for position, (source, index) in enumerate(sources):
        name = f"/P{position}"
        xobjects[pdf_name(name)] = writer.import_page_as_xobject(source, index)
        # the stamp pages start at (0, 0); the scanned page's box may not
        shift = (0.0, 0.0) if position == 0 else (box[0], box[1])
        commands.append(f"q 1 0 0 1 {shift[0]:g} {shift[1]:g} cm {name} Do Q")
    stream = generic.StreamObject(stream_data=" ".join(commands).encode("ascii"))
    page = PageObject(
        contents=writer.add_object(stream),
        media_box=box,
        resources=generic.DictionaryObject({pdf_name("/XObject"): xobjects}),
    )
    if rotate is not None:
        page[pdf_name("/Rotate")] = generic.NumberObject(int(rotate))
    writer.insert_page(page)


def render_certified_copy(doc: CertifiedCopyDocument, *, scan: bytes, content_type: str) -> bytes:
    """The certified copy: the scanned pages, marked, then the certification page."""
    pdf, pages = scan_as_pdf(scan, content_type)
    reader = _pdf_reader(pdf)
    try:
        boxes = [_box(reader, index) for index in range(pages)]
        stamps = PdfFileReader(
            io.BytesIO(_stamps(doc, [(b[2] - b[0], b[3] - b[1]) for b, _r in boxes], pages)),
            strict=False,
        )
        certification = PdfFileReader(io.BytesIO(_certification_page(doc, pages)), strict=False)
        writer = PdfFileWriter()
        for index, (box, rotate) in enumerate(boxes):
            _place(writer, [(reader, index), (stamps, index)], box, rotate)
        for index in range(int(certification.root["/Pages"]["/Count"])):
            box, rotate = _box(certification, index)
            _place(writer, [(certification, index)], box, rotate)
        out = io.BytesIO()
        writer.write(out)
    except (PdfError, ValueError, KeyError, TypeError, AssertionError) as exc:
        if isinstance(exc, ScanError):
            raise
        raise ScanError(UNREADABLE) from exc
    return out.getvalue()


__all__ = [
    "MAX_SCAN_PAGES",
    "CertifiedCopyDocument",
    "ScanError",
    "render_certified_copy",
    "scan_as_pdf",
]

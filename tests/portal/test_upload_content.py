"""What validate_upload refuses by content: PDFs with active content (scripts, automatic
actions, embedded files, interactive forms), hex-escaped or hidden in a compressed object
stream, and images carrying web page markup (polyglots)."""

from __future__ import annotations

import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from pypdf.actions import JavaScript

from portal.validators import validate_upload
from tests.conftest import PDF_BYTES, PNG_BYTES

JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def _pdf(catalog: bytes, *extra_objects: bytes) -> bytes:
    body = b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R" + catalog + b">>endobj\n"
    body += b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    for obj in extra_objects:
        body += obj + b"\n"
    return body + b"trailer<</Root 1 0 R>>\n%%EOF\n"


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


ACTIVE = {
    "open-action-javascript": _pdf(b"/OpenAction<</S/JavaScript/JS(app.alert(1))>>"),
    "js-stream": _pdf(b"/OpenAction 3 0 R", b"3 0 obj<</S/JavaScript/JS 4 0 R>>endobj"),
    "additional-actions": _pdf(b"/AA<</O<</S/URI/URI(http://x.example)>>>>"),
    "launch": _pdf(b"/OpenAction<</S/Launch/F(cmd.exe)>>"),
    "embedded-file": _pdf(b"/Names<</EmbeddedFiles 3 0 R>>", b"3 0 obj<</Type/EmbeddedFile>>"),
    "rich-media": _pdf(b"", b"3 0 obj<</Subtype/RichMedia>>endobj"),
    "xfa": _pdf(b"/AcroForm<</XFA 3 0 R>>"),
    "hex-escaped": _pdf(b"/OpenAction<</S/J#61vaScript/J#53 (app.alert(1))>>"),
    "hex-escaped-lowercase": _pdf(b"/OpenAction<</S/#4a#61#76#61#53#63#72#69#70#74>>"),
}


@pytest.mark.parametrize("content", ACTIVE.values(), ids=ACTIVE.keys())
def test_a_pdf_with_active_content_is_refused(content):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_upload(_upload("giay-to.pdf", content))
    assert caught.value.code == "pdf_active_content"
    assert "active content" in caught.value.messages[0]


def test_active_content_hidden_in_a_compressed_object_stream_is_found():
    hidden = b"<</S/JavaScript/JS(app.alert(1))>>"
    stream = zlib.compress(b"3 0 " + hidden)
    object_stream = (
        b"5 0 obj<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length %d>>stream\n" % len(stream)
        + stream
        + b"\nendstream endobj"
    )
    content = _pdf(b"/OpenAction 3 0 R", object_stream)
    assert b"JavaScript" not in content
    with pytest.raises(ValidationError):
        validate_upload(_upload("scan.pdf", content))


def test_a_compressed_object_stream_that_cannot_be_read_is_refused():
    broken = b"5 0 obj<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length 9>>stream\nnot zlib!\nendstream endobj"
    with pytest.raises(ValidationError):
        validate_upload(_upload("scan.pdf", _pdf(b"", broken)))


def test_plain_pdfs_and_an_open_action_that_only_opens_a_page_are_accepted():
    assert validate_upload(_upload("a.pdf", PDF_BYTES)) == "application/pdf"
    view = _pdf(b"/OpenAction[2 0 R/Fit]/PageMode/UseOutlines")
    assert validate_upload(_upload("b.pdf", view)) == "application/pdf"
    stream = zlib.compress(b"3 0 <</Type/Font/Subtype/Type1/BaseFont/Helvetica>>")
    clean_object_stream = (
        b"5 0 obj<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length %d>>stream\n" % len(stream)
        + stream
        + b"\nendstream endobj"
    )
    assert validate_upload(_upload("c.pdf", _pdf(b"", clean_object_stream))) == "application/pdf"


def test_names_that_only_start_like_an_active_one_are_not_refused():
    content = _pdf(b"/JSON 1/AAA 2/Launcher 3/XFAx 4")
    assert validate_upload(_upload("d.pdf", content)) == "application/pdf"


POLYGLOTS = {
    "jpeg-script": JPEG_HEAD + b"<script>alert(document.cookie)</script>",
    "jpeg-html": JPEG_HEAD + b"<HTML><body onload=alert(1)>",
    "png-doctype": PNG_BYTES + b"<!DOCTYPE html><p>",
    "png-svg": PNG_BYTES + b"<svg onload=alert(1)>",
    "jpeg-iframe": JPEG_HEAD + b"<iframe src=//x.example>",
}


@pytest.mark.parametrize("content", POLYGLOTS.values(), ids=POLYGLOTS.keys())
def test_an_image_carrying_web_page_markup_is_refused(content):
    with pytest.raises(ValidationError) as caught:
        validate_upload(_upload("poly.html", content))
    assert caught.value.code == "image_markup"


def test_real_images_are_accepted():
    assert validate_upload(_upload("photo.png", PNG_BYTES)) == "image/png"
    xmp = b"<?xpacket begin=''?><x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF/></x:xmpmeta>"
    assert validate_upload(_upload("photo.jpg", JPEG_HEAD + xmp + b"\xff\xd9")) == "image/jpeg"


def test_the_refusals_are_in_vietnamese_for_a_vietnamese_reader():
    with translation.override("vi"), pytest.raises(ValidationError) as pdf:
        validate_upload(_upload("a.pdf", ACTIVE["open-action-javascript"]))
    assert "nội dung chủ động" in pdf.value.messages[0]
    with translation.override("vi"), pytest.raises(ValidationError) as image:
        validate_upload(_upload("a.jpg", JPEG_HEAD + b"<script>"))
    assert "mã trang web" in image.value.messages[0]


def _written_by_pypdf(change) -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "change",
    [
        lambda writer: writer.add_open_action(JavaScript("app.alert('x');")),
        lambda writer: writer.add_attachment("note.txt", b"hello"),
    ],
    ids=["document-javascript", "attached-file"],
)
def test_pdfs_made_by_a_pdf_library_with_a_script_or_an_attachment_are_refused(change):
    assert validate_upload(_upload("ok.pdf", _written_by_pypdf(lambda w: None)))
    with pytest.raises(ValidationError):
        validate_upload(_upload("x.pdf", _written_by_pypdf(change)))

"""Names of uploaded files: stored under a name the server makes (a random one with the
extension of the type read from the content), shown under the person's name made safe."""

from __future__ import annotations

import re

import pytest

from portal.uploads import (
    DISPLAY_NAME_MAX_BYTES,
    DISPLAY_NAME_MAX_CHARS,
    display_name,
    download_name,
    storage_name,
)

#: 364 bytes in UTF-8, as in the probe that broke the draft upload.
LONG_364 = "Giấy khai sinh bản sao có chứng thực của ủy ban nhân dân phường " * 4
while len(LONG_364.encode()) > 360:
    LONG_364 = LONG_364[:-1]
LONG_364 += "_" * (360 - len(LONG_364.encode())) + ".pdf"


def _fits(name: str) -> bool:
    return len(name) <= DISPLAY_NAME_MAX_CHARS and len(name.encode()) <= DISPLAY_NAME_MAX_BYTES


def test_the_long_name_of_the_probe_is_364_bytes():
    assert len(LONG_364.encode()) == 364


@pytest.mark.parametrize(
    "name",
    [LONG_364, "ệ" * 1000 + ".png", "a" * 1000, "Ảnh chụp " + "😀" * 400 + ".jpg"],
    ids=["364-bytes", "1000-vietnamese-chars", "1000-ascii", "emoji"],
)
def test_a_long_name_is_truncated_in_characters_and_bytes_keeping_its_extension(name):
    shown = display_name(name)
    assert _fits(shown)
    assert shown.encode().decode() == shown  # no character cut in half
    assert "…" in shown
    extension = re.search(r"\.\w+$", name)
    if extension:
        assert shown.endswith(extension.group())
    assert shown.startswith(name[:10])


def test_a_short_name_is_kept_as_it_is():
    assert display_name("Giấy chứng sinh.pdf") == "Giấy chứng sinh.pdf"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\lan\\giay-to.pdf", "giay-to.pdf"),
        ("bad\x00name\r\n.pdf", "badname .pdf"),  # line breaks are spaces
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # no right-to-left override
        ("  tab\tand   spaces .pdf ", "tab and spaces .pdf"),
        ("", "document"),
        (None, "document"),
        ("/\x07/", "document"),
        ("...", "document"),
    ],
)
def test_path_separators_control_and_format_characters_are_removed(name, shown):
    assert display_name(name) == shown


def test_the_display_name_is_in_composed_form():
    assert display_name("Giấy.pdf".replace("ấ", "a\u0302\u0301")) == "Giấy.pdf"


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("poly.html", "image/jpeg", "poly.jpg"),
        ("Giấy chứng sinh.PDF", "application/pdf", "Giấy chứng sinh.pdf"),
        ("scan", "image/png", "scan.png"),
        ("photo.jpeg", "image/jpeg", "photo.jpg"),
        ("archive.tar.gz", "application/pdf", "archive.tar.pdf"),
        ("", "application/pdf", "document.pdf"),
        ("weird", "application/x-unknown", "weird.bin"),
    ],
)
def test_the_download_name_ends_with_the_extension_of_the_detected_type(
    name, content_type, expected
):
    assert download_name(name, content_type) == expected


def test_the_download_name_of_a_long_name_is_short():
    name = download_name("ệ" * 1000 + ".html", "application/pdf")
    assert name.endswith("….pdf")
    assert _fits(name)


@pytest.mark.parametrize(
    ("content_type", "extension"),
    [("application/pdf", "pdf"), ("image/jpeg", "jpg"), ("image/png", "png"), ("", "bin")],
)
def test_storage_names_are_random_with_the_extension_of_the_detected_type(content_type, extension):
    first = storage_name("drafts", content_type)
    assert re.fullmatch(rf"drafts/[0-9a-f]{{32}}\.{extension}", first)
    assert storage_name("drafts", content_type) != first

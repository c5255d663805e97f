"""Validators shared by forms and the API."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

ALLOWED_UPLOAD_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
}

_SEPARATORS = re.compile(r"[\s.\-]")


def normalise_personal_id(value: str) -> str:
    """Accept harmless variants: spaces, dots and dashes inside the number."""
    return _SEPARATORS.sub("", value or "")


#: The first three digits of a personal identification number: the code of the province where
#: the birth was registered (Circular 59/2021/TT-BCA, article 7, and its annex; the codes of the
#: 63 provinces before the 2025 merger, which the numbers already issued keep).
ID_PROVINCE_CODES = frozenset(
    (1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36,
     37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70,
     72, 74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96)
)  # fmt: skip


@dataclass(frozen=True)
class PersonalId:
    """What a personal identification number says of its holder (Circular 59/2021/TT-BCA,
    article 7): the province of birth registration (digits 1-3), the century of birth and the
    sex (digit 4: 0/1 the 20th century, 2/3 the 21st, ... even for a man, odd for a woman) and
    the year of birth in that century (digits 5-6)."""

    province_code: int
    sex: str  # "male" | "female"
    year_of_birth: int


def parse_personal_id(number: str) -> PersonalId | None:
    """The structure of a well-formed 12-digit number; None if it has none."""
    if re.fullmatch(r"[0-9]{12}", number) is None:
        return None
    province = int(number[:3])
    if province not in ID_PROVINCE_CODES:
        return None
    digit = int(number[3])
    return PersonalId(
        province_code=province,
        sex="female" if digit % 2 else "male",
        year_of_birth=1900 + (digit // 2) * 100 + int(number[4:6]),
    )


def validate_personal_id(value: str) -> str:
    number = normalise_personal_id(value)
    if not re.fullmatch(r"[0-9]{12}", number):
        raise ValidationError(
            _("Enter the 12-digit personal identification number, for example 001190012345."),
            code="invalid_personal_id",
        )
    if parse_personal_id(number) is None:
        raise ValidationError(
            _(
                "This is not a personal identification number: its first three digits, "
                "%(code)s, are not the code of a province. Check the number on your chip-based "
                "ID card."
            )
            % {"code": number[:3]},
            code="invalid_personal_id_province",
        )
    return number


def detect_upload_type(uploaded) -> str | None:
    """The MIME type read from the file's content (never from its name), if allowed."""
    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_UPLOAD_TYPES:
        return None
    return kind.mime


def validate_upload(uploaded) -> str:
    """Check an uploaded document by size and content; returns the detected MIME type."""
    limit = settings.PORTAL_UPLOAD_MAX_BYTES
    if uploaded.size > limit:
        raise ValidationError(
            _("The file must be smaller than %(limit)s. This file is %(size)s.")
            % {"limit": filesizeformat(limit), "size": filesizeformat(uploaded.size)},
            code="file_too_large",
        )
    if uploaded.size == 0:
        raise ValidationError(_("The selected file is empty."), code="file_empty")
    mime = detect_upload_type(uploaded)
    if mime is None:
        raise ValidationError(
            _("The file must be a PDF, JPEG or PNG. This file is another type."),
            code="file_type",
        )
    uploaded.seek(0)
    content = uploaded.read()
    uploaded.seek(0)
    if mime == "application/pdf":
        _check_pdf(content)
    elif IMAGE_MARKUP.search(content):
        raise ValidationError(
            _(
                "This image also contains web page code, which the portal does not accept. "
                "Save or scan the image again, then upload the new file."
            ),
            code="image_markup",
        )
    return mime


# --- Active content in PDFs ------------------------------------------------------------------
#
# The bytes are scanned for the names of the dictionary entries that make a PDF do something
# by itself (no PDF library: a parser that builds the document as a viewer does can be led
# elsewhere than the viewer by a malformed file; the bytes are what the viewer gets).
# Names may be written with #xx escapes (/J#61vaScript): they are decoded before comparing.
# Objects may hide in compressed object streams: every Flate stream is inflated and scanned.
#
# Long names (JavaScript, Launch, ...) are looked for everywhere, inside stream data too: a
# chance match in 5 MB of image data is practically impossible. The two-letter /JS and /AA
# would match random image or font data now and then, so they are looked for only in the
# PDF's structure (outside stream data) and in object streams. A JavaScript action also
# names its type, /S /JavaScript, which is looked for everywhere.
#
# /OpenAction alone is not refused: scanners use it to open the first page at a zoom level;
# an open action that runs a script is a /JavaScript (or /Launch) action and is refused.

PDF_ACTIVE_NAMES = frozenset(
    {"JavaScript", "Launch", "EmbeddedFile", "EmbeddedFiles", "RichMedia", "XFA"}
)
PDF_ACTIVE_SHORT_NAMES = frozenset({"JS", "AA"})
#: How much inflated stream data one PDF may produce while it is checked (a zip bomb is
#: refused as a file that cannot be checked).
PDF_INFLATE_LIMIT = 128 * 1024 * 1024

_DELIMITERS = rb"\x00\t\n\x0c\r ()<>\[\]{}/%"
_NAME = re.compile(rb"/([^" + _DELIMITERS + rb"]+)")
_ESCAPED_NAME = re.compile(rb"/([^" + _DELIMITERS + rb"]*#[0-9A-Fa-f]{2}[^" + _DELIMITERS + rb"]*)")
_STREAM = re.compile(rb">>[\x00\t\n\x0c\r ]*stream(?:\r\n|\r|\n)")
IMAGE_MARKUP = re.compile(
    rb"<\s*(?:script|html|!doctype|body|iframe|svg|object|embed)[\s/>]", re.IGNORECASE
)


def _exact(names: frozenset[str]) -> re.Pattern[bytes]:
    alternatives = b"|".join(re.escape(name.encode()) for name in sorted(names))
    return re.compile(rb"/(" + alternatives + rb")(?=[" + _DELIMITERS + rb"]|\Z)")


_LONG = (_exact(PDF_ACTIVE_NAMES), PDF_ACTIVE_NAMES)
_SHORT = (_exact(PDF_ACTIVE_SHORT_NAMES), PDF_ACTIVE_SHORT_NAMES)
#: Filters an object stream may not use: what they encode would not be scanned.
_UNCHECKED_FILTERS = frozenset(
    {"ASCIIHexDecode", "ASCII85Decode", "LZWDecode", "RunLengthDecode", "Crypt"}
)


class PdfUnreadable(Exception):
    """A part of the PDF that may hold objects cannot be decoded, so it cannot be checked."""


def _decode_name(raw: bytes) -> str:
    decoded = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)
    return decoded.decode("latin-1")


def _find(data: bytes, names: tuple[re.Pattern[bytes], frozenset[str]]) -> str | None:
    """The first of the names written in `data`, plainly or with #xx escapes."""
    exact, wanted = names
    match = exact.search(data)
    if match:
        return match.group(1).decode()
    for escaped in _ESCAPED_NAME.finditer(data):
        name = _decode_name(escaped.group(1))
        if name in wanted:
            return name
    return None


def pdf_active_content(data: bytes) -> str | None:
    """The name of the first active-content entry found in a PDF (JavaScript, Launch,
    EmbeddedFile(s), RichMedia, XFA, JS, AA), or None. Raises PdfUnreadable when an object
    stream cannot be decoded, or inflating the streams goes past PDF_INFLATE_LIMIT."""
    found = _find(data, _LONG)
    if found:
        return found
    structure: list[bytes] = []  # the PDF without its streams' data
    budget = PDF_INFLATE_LIMIT
    position = 0
    for start in _STREAM.finditer(data):
        if start.start() < position:  # in the data of the stream before
            continue
        structure.append(data[position : start.end()])
        end = data.find(b"endstream", start.end())
        position = len(data) if end == -1 else end
        body = data[start.end() : position]
        # The stream's dictionary: from its object's "obj" keyword to "stream".
        opening = data.rfind(b"obj", max(0, start.start() - 4096), start.start())
        declared = {_decode_name(raw) for raw in _NAME.findall(data[max(opening, 0) : start.end()])}
        object_stream = "ObjStm" in declared
        filtered = "Filter" in declared
        if object_stream and declared & _UNCHECKED_FILTERS:
            raise PdfUnreadable("an object stream is encoded in a way not checked")
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(body, budget + 1)
        except zlib.error:  # not Flate data (an image, another filter) or damaged
            if object_stream and filtered:
                raise PdfUnreadable("an object stream cannot be inflated") from None
            inflated = b""
        else:
            if len(inflated) > budget or inflater.unconsumed_tail:
                raise PdfUnreadable("the streams inflate to more than the limit")
        budget -= len(inflated)
        found = _find(inflated, _LONG)
        if not found and object_stream:
            found = _find(inflated if filtered else body, _SHORT)
        if found:
            return found
    structure.append(data[position:])
    return _find(b"".join(structure), _SHORT)


def _check_pdf(content: bytes) -> None:
    try:
        found = pdf_active_content(content)
    except PdfUnreadable:
        raise ValidationError(
            _(
                "This PDF is encoded in a way the portal cannot check. Print it to a new PDF "
                "or scan the paper document, then upload that file."
            ),
            code="pdf_unreadable",
        ) from None
    if found:
        raise ValidationError(
            _(
                "This PDF contains active content (scripts, automatic actions, embedded files "
                "or interactive forms), which the portal does not accept. Print it to a new "
                "PDF or scan the paper document, then upload that file."
            ),
            code="pdf_active_content",
        )


_TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def tax_check_digit(first_nine: str) -> int:
    """The check digit of a Vietnamese tax code (weights 31..3, mod 11); 10 is never issued."""
    return 10 - sum(int(d) * w for d, w in zip(first_nine, _TAX_WEIGHTS, strict=True)) % 11


def validate_tax_code(value: str) -> str:
    """A tax code (= enterprise code): 10 digits with the check digit, or 10-3 for a branch."""
    number = re.sub(r"\s", "", value or "")
    match = re.fullmatch(r"([0-9]{10})(?:-?([0-9]{3}))?", number)
    if match is None:
        raise ValidationError(
            _("Enter the tax code: 10 digits, or 13 for a branch (for example 0101234567-001)."),
            code="invalid_tax_code",
        )
    main, branch = match.groups()
    if tax_check_digit(main[:9]) != int(main[9]):
        raise ValidationError(
            _("This tax code is not valid: check the digits again."), code="tax_code_check"
        )
    return f"{main}-{branch}" if branch else main


def validate_phone(value: str) -> str:
    """A Vietnamese phone number: 0 and 9 or 10 digits, or +84 and 9 digits."""
    raw = value or ""
    if re.search(r"[^0-9\s.+()\-]", raw):
        raise ValidationError(_("Enter a phone number such as 0912 345 678."), code="invalid_phone")
    phone = "".join(ch for ch in raw if ch in "0123456789+")
    if phone.startswith("+84"):
        phone = "0" + phone[3:]
    if not re.fullmatch(r"0[0-9]{9,10}", phone):
        raise ValidationError(_("Enter a phone number such as 0912 345 678."), code="invalid_phone")
    return phone


def validate_person_name(value: str) -> str:
    """A person's name: letters (any script, with diacritics), spaces, hyphens, apostrophes."""
    name = " ".join((value or "").split())
    if any(ch.isdigit() for ch in name):  # any script's digit, superscripts too: not parsed
        raise ValidationError(_("A name cannot contain digits."), code="name_digits")
    if any(not (ch.isalpha() or ch in " -'.") for ch in name):
        raise ValidationError(
            _("A name can only contain letters, spaces and hyphens."), code="name_characters"
        )
    return name

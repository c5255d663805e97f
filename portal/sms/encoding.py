"""How many SMS segments a text takes: GSM 03.38 (7-bit) or UCS-2, and diacritics stripping."""

from __future__ import annotations

import math
import unicodedata

# GSM 03.38 basic character set (without the escape character) and its extension table,
# whose characters take two septets each.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7 = "GSM-7"
UCS2 = "UCS-2"
# characters per segment: (single message, each part of a concatenated message)
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}

_REPLACEMENTS = str.maketrans(
    {
        "đ": "d",
        "Đ": "D",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
    }
)


def sms_encoding(text: str) -> str:
    return GSM7 if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text) else UCS2


def _units(text: str, encoding: str) -> int:
    if encoding == GSM7:
        return sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
    return len(text.encode("utf-16-le")) // 2  # UTF-16 code units: an emoji takes two


def sms_segments(text: str) -> int:
    encoding = sms_encoding(text)
    units = _units(text, encoding)
    single, part = LIMITS[encoding]
    if units <= single:
        return 1
    return math.ceil(units / part)


def strip_diacritics(text: str) -> str:
    """ "Hồ sơ đã được tiếp nhận" -> "Ho so da duoc tiep nhan"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_REPLACEMENTS))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


def sms_fit(text: str, *, max_segments: int) -> str:
    """The text, shortened with "..." at a word boundary when it needs more segments."""
    if sms_segments(text) <= max_segments:
        return text
    words = text.split(" ")
    while len(words) > 1:
        words.pop()
        candidate = " ".join(words).rstrip(" ,;:.") + "..."
        if sms_segments(candidate) <= max_segments:
            return candidate
    # a single very long word: cut characters
    while text and sms_segments(text + "...") > max_segments:
        text = text[:-1]
    return text + "..."

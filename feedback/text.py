"""Folding Vietnamese text for search: no diacritics, lower case ("Đăng ký" -> "dang ky")."""

from __future__ import annotations

import unicodedata

_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def terms(query: str, *, limit: int = 8) -> list[str]:
    """The folded words of a search query (at most ``limit``)."""
    return [word for word in fold(query).split(" ") if word][:limit]

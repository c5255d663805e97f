"""Names of uploaded files.

A file is stored under a name the server makes: a random one, with the extension of the type
read from its content (never the person's name, which could be too long for the file system,
hold path separators, or end in .html). The person's name is kept only to be shown, made
safe by :func:`display_name`, and a download is offered as :func:`download_name`.
"""

from __future__ import annotations

import re
import unicodedata
import uuid

#: The extension of each type an upload may have (validators.ALLOWED_UPLOAD_TYPES).
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
UNKNOWN_EXTENSION = ".bin"
#: A shown name is at most this long, in characters and in UTF-8 bytes (the database column
#: holds 255 characters; most file systems 255 bytes).
DISPLAY_NAME_MAX_CHARS = 120
DISPLAY_NAME_MAX_BYTES = 240
DEFAULT_NAME = "document"
ELLIPSIS = "…"

_EXTENSION = re.compile(r"\.[^\W_]{1,10}$")
#: Control, format (including the right-to-left override), surrogate, private-use and
#: unassigned characters.
_REMOVED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}


def storage_name(folder: str, content_type: str | None) -> str:
    """`folder/<32 random hex digits><extension of content_type>`."""
    extension = EXTENSIONS.get(content_type or "", UNKNOWN_EXTENSION)
    return f"{folder.rstrip('/')}/{uuid.uuid4().hex}{extension}"


def display_name(name: str | None) -> str:
    """The person's file name made safe to keep and show: its last path component, without
    control or format characters, spaces folded, in composed form, and at most
    DISPLAY_NAME_MAX_CHARS characters and DISPLAY_NAME_MAX_BYTES bytes (a longer name keeps
    its beginning and its extension, with an ellipsis between)."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(
        " " if char.isspace() else char
        for char in text
        if char.isspace() or unicodedata.category(char) not in _REMOVED_CATEGORIES
    )
    text = " ".join(text.split()).strip(". ")
    if not text:
        return DEFAULT_NAME
    if _fits(text):
        return text
    match = _EXTENSION.search(text)
    extension = match.group() if match else ""
    stem = text[: len(text) - len(extension)]
    room_chars = DISPLAY_NAME_MAX_CHARS - len(ELLIPSIS) - len(extension)
    room_bytes = DISPLAY_NAME_MAX_BYTES - len((ELLIPSIS + extension).encode())
    stem = stem[:room_chars].encode()[:room_bytes].decode("utf-8", errors="ignore")
    return stem.rstrip() + ELLIPSIS + extension


def download_name(name: str | None, content_type: str) -> str:
    """The name a download is offered under: the shown name with the extension of the type
    read from the content instead of its own (poly.html holding a JPEG is poly.jpg)."""
    shown = display_name(name)
    match = _EXTENSION.search(shown)
    stem = shown[: match.start()] if match and match.start() > 0 else shown
    return stem + EXTENSIONS.get(content_type, UNKNOWN_EXTENSION)


def _fits(text: str) -> bool:
    return len(text) <= DISPLAY_NAME_MAX_CHARS and len(text.encode()) <= DISPLAY_NAME_MAX_BYTES

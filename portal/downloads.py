"""Documents handed out by the portal (attachments, receipts, slips, results): one response
for all of them.

Each is a download (`Content-Disposition: attachment`, never shown inline under the site's
origin), under the name given with the extension of the type read from the content, with
that type as Content-Type (never the stored one nor the name's), not kept by any cache
(`private, no-store`: they hold personal data), not sniffed, and sandboxed by its own
Content-Security-Policy (the site's policy is not added: django-csp's middleware leaves a
response that has the header alone). A file that is also a web page (a polyglot) thus never
runs as one, even opened from the browser's downloads.
"""

from __future__ import annotations

import io
from typing import IO

from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

from .uploads import download_name
from .validators import detect_upload_type

SANDBOX_POLICY = (
    "sandbox; default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
UNKNOWN_TYPE = "application/octet-stream"


def document_download(source: bytes | IO[bytes], *, name: str) -> HttpResponseBase:
    """A document as a download: `source` is its content, or a file opened for reading
    (streamed, closed by Django); `name` the name it is offered under (the person's file name
    for an attachment), whose extension is replaced by the one of the detected type."""
    if isinstance(source, bytes):
        content_type = detect_upload_type(io.BytesIO(source)) or UNKNOWN_TYPE
        filename = download_name(name, content_type)
        response: HttpResponseBase = HttpResponse(source, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, filename)
    else:
        content_type = detect_upload_type(source) or UNKNOWN_TYPE
        response = FileResponse(
            source,
            as_attachment=True,
            filename=download_name(name, content_type),
            content_type=content_type,
        )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_POLICY
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response

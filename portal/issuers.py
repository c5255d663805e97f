"""Who signs a document the portal issues: an agency's electronic code and name.

Apart from `portal.pdfsign` so that the modules that name an issuer (slips, results, copies)
can be imported without pyHanko: a web worker loads the signing library (about 20 MB) only
when it first signs or validates a PDF, not when it starts."""

from __future__ import annotations

from dataclasses import dataclass

PORTAL_ISSUER_CODE = "portal"
PORTAL_ISSUER_NAME = "Cổng Dịch vụ công quốc gia"


@dataclass(frozen=True)
class Issuer:
    """Who signs: an agency's electronic code and name."""

    code: str
    name: str

"""Public tracking by dossier code and the last four digits of the applicant's number.

Two limits stop guessing the four digits: one per address (PUBLIC_TRACKING_RATE, on the
views) and one per code (PUBLIC_TRACKING_CODE_RATE, here): after that many wrong answers for
one code, from any number of addresses, the code answers nothing until the window ends, so
10,000 suffixes take months, not minutes. Wrong answers are counted for every code typed,
existing or not, so the limit tells nothing about which codes exist. The applicant still
sees the dossier after signing in.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from . import selectors
from .models import Dossier

GROUP = "public-tracking-code"


@dataclass(frozen=True)
class Lookup:
    dossier: Dossier | None
    #: too many wrong answers for this code: nothing was looked up
    locked: bool = False
    retry_after: int = 0


def _usage(request: HttpRequest, code: str, *, increment: bool) -> dict | None:
    key = "".join(code.split()).upper()[:64]
    return get_usage(
        request,
        group=GROUP,
        key=lambda group, request: key,
        rate=settings.PUBLIC_TRACKING_CODE_RATE,
        increment=increment,
    )


def public_lookup(request: HttpRequest, *, code: str, id_last4: str) -> Lookup:
    usage = _usage(request, code, increment=False)
    if usage is not None and usage["count"] >= usage["limit"]:
        return Lookup(None, locked=True, retry_after=max(1, usage["time_left"]))
    dossier = selectors.dossier_public_lookup(code=code, id_last4=id_last4)
    if dossier is None:
        _usage(request, code, increment=True)
    return Lookup(dossier)

"""Text messages (SMS), built like Django's e-mail: `send_sms(to, body)` hands an `SmsMessage`
to the backend named by ``settings.SMS_BACKEND`` (a dotted path).

Backends (``portal.sms.backends``):

* ``console.SmsBackend`` prints each message (development);
* ``filebased.SmsBackend`` writes one file per message in ``settings.SMS_FILE_PATH``
  (``var/sms/``, the demo default, like ``var/mail/`` for e-mails);
* ``locmem.SmsBackend`` appends to ``portal.sms.outbox`` (the test settings use it).

A real gateway (a carrier's or an aggregator's brandname SMS API) is one more subclass of
``backends.base.BaseSmsBackend`` named in ``SMS_BACKEND``.

Numbers are normalised to Vietnamese E.164 (``+84`` and nine digits of a mobile number, see
`phone.normalise_vn_phone`); a number that is not a Vietnamese mobile is refused.

**Vietnamese without diacritics.** Vietnamese with its diacritics (ơ, ư, đ, ạ, ế...) is outside
the GSM 03.38 alphabet, so a message is sent as UCS-2: 70 characters in one segment, 67 per
segment when split, against 160/153 for GSM-7. A status message such as "Hồ sơ ... đã được
tiếp nhận. Hạn trả: 23/11/2026 16:30" (about 85 characters) costs two segments with diacritics
and one without, and carriers charge per segment. Brandname SMS from Vietnamese public services
and banks is commonly sent without diacritics for that reason, and it also reads the same on
old handsets. So `prepare_body` strips the diacritics unless ``settings.SMS_UNICODE`` is true;
the translations keep their diacritics (one catalogue for every channel) and are only
transliterated here. Every message must fit in ``settings.SMS_MAX_SEGMENTS`` segments (2):
`prepare_body` shortens an over-long text with "..." and `SmsMessage` refuses one that is still
too long.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.module_loading import import_string

from .encoding import sms_encoding, sms_fit, sms_segments, strip_diacritics
from .phone import normalise_vn_phone, validate_vn_phone

if TYPE_CHECKING:
    from .backends.base import BaseSmsBackend

__all__ = [
    "SmsMessage",
    "get_connection",
    "normalise_vn_phone",
    "outbox",
    "prepare_body",
    "send_sms",
    "sms_encoding",
    "sms_segments",
    "strip_diacritics",
    "validate_vn_phone",
]

#: Messages "sent" by the locmem backend (tests clear it).
outbox: list[SmsMessage] = []


def _max_segments() -> int:
    return int(getattr(settings, "SMS_MAX_SEGMENTS", 2))


@dataclass
class SmsMessage:
    """One text message to one Vietnamese mobile number (normalised to +84...)."""

    to: str
    body: str
    sender: str = field(default_factory=lambda: getattr(settings, "SMS_SENDER", "DICHVUCONG"))

    def __post_init__(self) -> None:
        self.to = normalise_vn_phone(self.to)
        if not self.body:
            raise ValueError("an SMS needs a body")
        if self.segments > _max_segments():
            raise ValueError(
                f"SMS of {self.segments} segments, more than SMS_MAX_SEGMENTS={_max_segments()}"
            )

    @property
    def encoding(self) -> str:
        return sms_encoding(self.body)

    @property
    def segments(self) -> int:
        return sms_segments(self.body)


def prepare_body(text: str) -> str:
    """The text as it is sent: one line, without diacritics unless SMS_UNICODE, within the
    segment limit."""
    text = " ".join(text.split())
    if not getattr(settings, "SMS_UNICODE", False):
        text = strip_diacritics(text)
    return sms_fit(text, max_segments=_max_segments())


def get_connection(
    backend: str | None = None, *, fail_silently: bool = False, **kwargs: Any
) -> BaseSmsBackend:
    klass = import_string(backend or settings.SMS_BACKEND)
    return klass(fail_silently=fail_silently, **kwargs)


def send_sms(
    to: str,
    body: str,
    *,
    fail_silently: bool = False,
    connection: BaseSmsBackend | None = None,
) -> int:
    """Send one message; returns the number sent (0 or 1). Raises ValidationError for a number
    that is not a Vietnamese mobile, ValueError for a body over the segment limit."""
    message = SmsMessage(to=to, body=body)
    connection = connection or get_connection(fail_silently=fail_silently)
    return connection.send_messages([message])

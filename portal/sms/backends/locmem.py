"""Keep messages in ``portal.sms.outbox`` (for tests), like Django's locmem e-mail backend."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .base import BaseSmsBackend

if TYPE_CHECKING:
    from portal.sms import SmsMessage


class SmsBackend(BaseSmsBackend):
    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        from portal import sms

        for message in messages:
            sms.outbox.append(copy.copy(message))
        return len(messages)

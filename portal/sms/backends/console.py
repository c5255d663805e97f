"""Print each message to standard output (or the given stream)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

from .base import BaseSmsBackend, format_message

if TYPE_CHECKING:
    from portal.sms import SmsMessage


class SmsBackend(BaseSmsBackend):
    def __init__(self, *, stream: IO[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        sent = 0
        with self._lock:
            for message in messages:
                try:
                    self.stream.write(format_message(message))
                    self.stream.write("-" * 79 + "\n")
                    self.stream.flush()
                except Exception:
                    if not self.fail_silently:
                        raise
                    continue
                sent += 1
        return sent

"""One file per message in ``settings.SMS_FILE_PATH`` (the demo's ``var/sms/``)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import BaseSmsBackend, format_message

if TYPE_CHECKING:
    from portal.sms import SmsMessage


class SmsBackend(BaseSmsBackend):
    def __init__(self, *, file_path: str | Path | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        path = file_path or getattr(settings, "SMS_FILE_PATH", None)
        if not path:
            raise ImproperlyConfigured("SMS_FILE_PATH is not set")
        self.file_path = Path(path)
        if self.file_path.exists() and not self.file_path.is_dir():
            raise ImproperlyConfigured(f"SMS_FILE_PATH {self.file_path} is not a directory")

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        sent = 0
        for message in messages:
            try:
                self.file_path.mkdir(parents=True, exist_ok=True)
                stamp = dt.datetime.now(tz=dt.UTC).strftime("%Y%m%d-%H%M%S-%f")
                name = f"{stamp}-{uuid.uuid4().hex[:8]}.txt"
                (self.file_path / name).write_text(format_message(message), encoding="utf-8")
            except OSError:
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        return sent

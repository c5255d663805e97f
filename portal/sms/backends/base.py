"""The interface every SMS backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from portal.sms import SmsMessage


class BaseSmsBackend:
    """Subclasses implement `send_messages`; `open` and `close` manage a connection to a
    gateway when there is one. Like Django's e-mail backends, a backend may be used as a
    context manager to send several messages over one connection."""

    def __init__(self, *, fail_silently: bool = False, **kwargs: Any) -> None:
        self.fail_silently = fail_silently

    def open(self) -> bool | None:
        return None

    def close(self) -> None:
        return None

    def __enter__(self) -> BaseSmsBackend:
        try:
            self.open()
        except Exception:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        """Send the messages; return how many were sent."""
        raise NotImplementedError("subclasses of BaseSmsBackend must override send_messages()")


def format_message(message: SmsMessage) -> str:
    return (
        f"From: {message.sender}\n"
        f"To: {message.to}\n"
        f"Encoding: {message.encoding}\n"
        f"Segments: {message.segments}\n"
        f"\n{message.body}\n"
    )

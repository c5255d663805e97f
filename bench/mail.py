"""An e-mail backend for the benches: builds each message (MIME, attachments) like a real
backend would, then appends one line `pid<TAB>to<TAB>subject` to $BENCH_MAIL_LOG instead of
storing the message, so the bench can count e-mails per dossier without gigabytes of files."""

from __future__ import annotations

import os

from django.core.mail.backends.base import BaseEmailBackend


class CountingBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        lines = []
        for message in email_messages:
            message.message().as_bytes()  # the encoding work a real backend does
            subject = " ".join(str(message.subject).split())
            lines.append(f"{os.getpid()}\t{','.join(message.to)}\t{subject}\n")
        # One write per call on an O_APPEND file: lines from several processes never mix.
        fd = os.open(os.environ["BENCH_MAIL_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, "".join(lines).encode())
        finally:
            os.close(fd)
        return len(email_messages)

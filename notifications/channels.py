"""Notification channels, registered in a small registry that tests can build on their own.

Each channel says whom it can reach for a dossier (`recipient`, None when it cannot) and how
it delivers a rendered `DossierNotice`; `services.notify_dossier_event` records every delivery
so that nothing is sent twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage

from portal import sms
from portal.registry import Registry

from .models import Notification, NotificationChannel

if TYPE_CHECKING:
    from dossiers.models import DossierEvent

    from .wording import DossierNotice

logger = logging.getLogger(__name__)


class Channel:
    """A way to reach the applicant. Subclasses set `name` and implement both methods."""

    name: ClassVar[str]
    #: delivered inside the transaction that records the delivery (a database write)
    transactional: ClassVar[bool] = False

    def recipient(self, event: DossierEvent) -> str | None:
        """Whom to send to for this dossier, or None when this channel cannot reach them."""
        raise NotImplementedError

    def deliver(self, *, event: DossierEvent, notice: DossierNotice, recipient: str) -> None:
        raise NotImplementedError


class ChannelRegistry(Registry[Channel]):
    """Channel name -> an instance of the channel (portal.registry's rules), in the order
    they were registered."""

    def __init__(self) -> None:
        super().__init__("notification channel")

    def register(self, cls: type[Channel]) -> type[Channel]:  # type: ignore[override]
        self.add(cls.name, cls())
        return cls

    def names(self) -> list[str]:
        return [channel.name for channel in self]


registry = ChannelRegistry()
register: Callable[[type[Channel]], type[Channel]] = registry.register


@register
class PortalChannel(Channel):
    """The inbox in the portal, for dossiers submitted with an account."""

    name = NotificationChannel.PORTAL.value
    transactional = True

    def recipient(self, event: DossierEvent) -> str | None:
        user_id = event.dossier.applicant_id
        return str(user_id) if user_id else None

    def deliver(self, *, event: DossierEvent, notice: DossierNotice, recipient: str) -> None:
        # once: the delivery row claimed in the same transaction is unique per (event, channel)
        from .wording import compose

        # the inbox shows it in the reader's language: the other languages are kept too
        translations = {notice.language: {"title": notice.title, "body": notice.portal_body}}
        for language, _name in settings.LANGUAGES:
            if language not in translations:
                other = compose(event, language)
                if other is not None:
                    translations[language] = {"title": other.title, "body": other.portal_body}
        Notification.objects.create(
            event=event,
            user_id=int(recipient),
            dossier=event.dossier,
            title=notice.title[:200],
            body=notice.portal_body,
            translations=translations,
        )


@register
class EmailChannel(Channel):
    name = NotificationChannel.EMAIL.value

    def recipient(self, event: DossierEvent) -> str | None:
        return event.dossier.applicant_email or None

    def deliver(self, *, event: DossierEvent, notice: DossierNotice, recipient: str) -> None:
        message = EmailMessage(subject=notice.email_subject, body=notice.email_body, to=[recipient])
        if notice.attach_receipt:
            from dossiers.documents import receipt_pdf

            dossier = event.dossier
            message.attach(f"{dossier.code}-receipt.pdf", receipt_pdf(dossier), "application/pdf")
        if notice.kind == "fee_paid":
            from payments.documents import latest_receipt

            attachment = latest_receipt(event.dossier)
            if attachment is not None:
                message.attach(*attachment, "application/pdf")
        message.send()


@register
class SmsChannel(Channel):
    name = NotificationChannel.SMS.value

    def recipient(self, event: DossierEvent) -> str | None:
        phone = event.dossier.applicant_phone
        if not phone:
            return None
        try:
            return sms.normalise_vn_phone(phone)
        except ValidationError:
            logger.warning("dossier %s: the phone number cannot receive SMS", event.dossier_id)
            return None

    def deliver(self, *, event: DossierEvent, notice: DossierNotice, recipient: str) -> None:
        sms.send_sms(recipient, notice.sms_body)

"""Tell the applicant about each change of their dossier (e-mail for now; SMS joins later)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def notify_dossier_event(*, event_id: int) -> bool:
    from dossiers.models import DossierEvent

    event = (
        DossierEvent.objects.select_related("dossier__procedure_version__procedure", "agency")
        .filter(pk=event_id)
        .first()
    )
    if event is None or not event.dossier.applicant_email:
        return False
    dossier = event.dossier
    with translation.override(dossier.language or settings.LANGUAGE_CODE):
        context = {
            "dossier": dossier,
            "event": event,
            "procedure": dossier.procedure_version.procedure,
            "status": dossier.get_status_display()
            if event.to_status is None
            else event.get_to_status_display(),
            "url": settings.PORTAL_BASE_URL.rstrip("/")
            + reverse("dossiers:mine_detail", kwargs={"code": dossier.code}),
        }
        subject = _("Dossier %(code)s: %(status)s") % {
            "code": dossier.code,
            "status": context["status"],
        }
        body = render_to_string("emails/dossier_event.txt", context)
    message = EmailMessage(subject=subject, body=body, to=[dossier.applicant_email])
    if event.action in ("submitted", "received"):
        from dossiers.documents import receipt_pdf

        message.attach(f"{dossier.code}-receipt.pdf", receipt_pdf(dossier), "application/pdf")
    message.send()
    logger.info("notified applicant of event %s (%s)", event.pk, event.action)
    return True

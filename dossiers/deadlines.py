"""Due-soon and overdue alerts, run by Celery beat.

Each alert is marked on the dossier and written to the outbox in one transaction, so an alert
goes out once even if beat fires twice or a worker dies mid-way.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.calendar import get_calendar
from portal.audit import audit_record
from portal.models import User
from portal.outbox import outbox_enqueue, outbox_handler

from .models import Dossier
from .states.business import OPEN, Status

logger = logging.getLogger(__name__)
BATCH = 500


def deadline_alerts_mark(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Mark open dossiers that became due soon (within one working day) or overdue."""
    now = now or timezone.now()
    soon = get_calendar().add_working_time(now, 1, "working_days")
    counts = {"due_soon": 0, "overdue": 0}
    base = Dossier.objects.filter(
        status__in=OPEN, competent_agency__isnull=False, due_at__isnull=False
    ).exclude(status=Status.SUPPLEMENT_REQUESTED)
    for kind, filters, flag in (
        ("overdue", {"due_at__lt": now, "overdue_alerted_at__isnull": True}, "overdue_alerted_at"),
        (
            "due_soon",
            {"due_at__gte": now, "due_at__lte": soon, "due_soon_alerted_at__isnull": True},
            "due_soon_alerted_at",
        ),
    ):
        ids = list(base.filter(**filters).values_list("pk", flat=True)[:BATCH])
        for pk in ids:
            with transaction.atomic():
                marked = Dossier.objects.filter(pk=pk, **{f"{flag}__isnull": True}).update(
                    **{flag: now}
                )
                if marked:
                    outbox_enqueue(
                        topic="dossier.deadline_alert", payload={"dossier_id": pk, "kind": kind}
                    )
                    counts[kind] += 1
    return counts


def _recipients(dossier: Dossier) -> list[User]:
    if dossier.assigned_to is not None:
        return [dossier.assigned_to]
    return list(
        User.objects.filter(memberships__agency=dossier.competent_agency, is_active=True).distinct()
    )


@outbox_handler("dossier.deadline_alert")
def _deadline_alert(payload: dict[str, Any]) -> None:
    dossier = Dossier.objects.select_related(
        "competent_agency", "assigned_to", "procedure_version__procedure"
    ).get(pk=payload["dossier_id"])
    kind = payload["kind"]
    url = settings.PORTAL_BASE_URL.rstrip("/") + reverse(
        "backoffice:detail", kwargs={"code": dossier.code}
    )
    due = timezone.localtime(dossier.due_at).strftime("%d/%m/%Y %H:%M") if dossier.due_at else ""
    sent = 0
    for officer in _recipients(dossier):
        if not officer.email:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            if kind == "overdue":
                subject = _("Late dossier %(code)s (due %(due)s)") % {
                    "code": dossier.code,
                    "due": due,
                }
            else:
                subject = _("Dossier %(code)s is due soon (%(due)s)") % {
                    "code": dossier.code,
                    "due": due,
                }
            body = "\n".join([subject, dossier.procedure_version.procedure.name, url])
        send_mail(subject, body, None, [officer.email])
        sent += 1
    audit_record(
        actor=None,
        action=f"dossier.alert_{kind}",
        obj=dossier,
        agency_code=dossier.competent_agency.code if dossier.competent_agency else "",
        details={"recipients": sent},
    )

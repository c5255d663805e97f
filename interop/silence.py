"""Agencies' systems that went silent (issue 13 part 3): a dossier handled in an agency's own
system (synchronised from it, or delivered to it by webhook) that is still open past its due
date with nothing reported since is no longer synchronised: its national sync state becomes
`failed`, and the agency and the province are told once, in one e-mail each per sweep.

Run by beat (`interop.tasks.sync_silent_sweep`, every 15 minutes). A dossier flagged stays
flagged until its system reports a step (which synchronises it again).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.models import Agency, AgencyKind
from dossiers import transitions
from dossiers.models import Dossier, DossierEvent
from dossiers.states.business import OPEN
from dossiers.states.sync import SyncStatus
from portal.models import User
from portal.outbox import QUEUE_NOTIFY, outbox_enqueue, outbox_handler

logger = logging.getLogger(__name__)
BATCH = 500
TOPIC = "interop.sync_silent"


def silent_dossiers(*, now: dt.datetime):
    """Open dossiers of agencies' own systems, past due, with no step since the due date."""
    reported_since_due = DossierEvent.objects.filter(
        dossier_id=OuterRef("pk"), at__gte=OuterRef("due_at")
    )
    return (
        Dossier.objects.filter(status__in=OPEN, due_at__lt=now)
        .filter(~Q(source_system="") | Q(competent_agency__is_external=True))
        .exclude(sync_status=SyncStatus.FAILED)
        .exclude(Exists(reported_since_due))
    )


def sync_silent_sweep(*, now: dt.datetime | None = None) -> int:
    """Flag the silent dossiers (at most BATCH a run); returns how many were flagged."""
    now = now or timezone.now()
    ids = list(silent_dossiers(now=now).order_by("due_at").values_list("pk", flat=True)[:BATCH])
    by_agency: dict[int, list[int]] = defaultdict(list)
    for pk in ids:
        with transaction.atomic():
            dossier = transitions.lock(pk)
            if dossier.sync_status == SyncStatus.FAILED or dossier.competent_agency_id is None:
                continue
            transitions.change(
                dossier,
                action=None,
                sync_status=SyncStatus.FAILED,
                audit="interop.sync.silent",
                audit_details={"due_at": dossier.due_at.isoformat() if dossier.due_at else None},
            )
            by_agency[dossier.competent_agency_id].append(pk)
    if by_agency:
        with transaction.atomic():
            for agency_id, dossier_ids in by_agency.items():
                outbox_enqueue(
                    topic=TOPIC, payload={"agency_id": agency_id, "dossier_ids": dossier_ids}
                )
    return sum(len(v) for v in by_agency.values())


def _addresses(agencies: list[Agency]) -> list[str]:
    found = {a.email for a in agencies if a.email}
    found |= set(
        User.objects.filter(memberships__agency__in=agencies, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    return sorted(found)


@outbox_handler(TOPIC, queue=QUEUE_NOTIFY)
def _silent_notice(payload: dict[str, Any]) -> None:
    """One e-mail to the agency, one to its province (the provincial People's Committee and
    the public administration service centre), listing the dossiers."""
    agency = Agency.objects.filter(pk=payload["agency_id"]).first()
    if agency is None:
        return
    dossiers = list(Dossier.objects.filter(pk__in=payload["dossier_ids"]).order_by("due_at"))
    province = (
        list(
            Agency.objects.filter(
                province_id=agency.province_id,
                kind__in=[AgencyKind.PROVINCE_COMMITTEE, AgencyKind.SERVICE_CENTRE],
            )
        )
        if agency.province_id
        else []
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _(
            "%(n)s dossier(s) of %(agency)s past their due date: its system reports nothing"
        ) % {"n": len(dossiers), "agency": agency.name}
        lines = [
            subject,
            "",
            _(
                "These dossiers are handled in the agency's own system; none has reported a "
                "step since its due date. Synchronise them, or say why they are late."
            ),
            "",
        ]
        for dossier in dossiers:
            due = timezone.localtime(dossier.due_at).strftime("%d/%m/%Y %H:%M")
            lines.append(f"- {dossier.code} ({_('due')} {due}; {dossier.get_status_display()})")
    body = "\n".join(lines)
    for recipients in (_addresses([agency]), _addresses(province)):
        if recipients:
            send_mail(subject, body, None, recipients)
    logger.info("interop: %s silent dossier(s) of %s flagged", len(dossiers), agency.code)

"""Outbox handlers of the interop app (imported in `InteropConfig.ready`)."""

from __future__ import annotations

import logging
from typing import Any

from dossiers.models import Dossier
from portal.outbox import outbox_handler

from . import services

logger = logging.getLogger(__name__)


@outbox_handler("interop.deliver")
def _deliver_handler(payload: dict[str, Any]) -> None:
    """A dossier was routed to an external agency: create its webhook delivery (idempotent)."""
    dossier = (
        Dossier.objects.select_related("competent_agency").filter(pk=payload["dossier_id"]).first()
    )
    if dossier is None:
        logger.warning("interop: dossier %s no longer exists", payload["dossier_id"])
        return
    agency = dossier.competent_agency
    if agency is None or not agency.is_external:
        return
    services.delivery_create(dossier=dossier, agency=agency)


@outbox_handler("interop.dead_letter")
def _dead_letter_handler(payload: dict[str, Any]) -> None:
    services.dead_letter_notify(delivery_id=payload["delivery_id"])

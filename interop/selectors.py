"""Reads of the interop app. Dossiers seen through an API key are those of the key's agency
only: another agency's dossier is absent (404), never forbidden."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.db.models import QuerySet
from django.utils import timezone

from dossiers.models import Attachment, Dossier
from dossiers.states.business import Status

from . import conf
from .models import ApiKey, Delivery
from .states import DeliveryState

KEY_PREFIX_LENGTH = 8


def deliveries_due(*, now: dt.datetime | None = None, limit: int | None = None) -> list[str]:
    """Ids of the pending deliveries whose next attempt is due, oldest first."""
    now = now or timezone.now()
    rows = (
        Delivery.objects.filter(status=DeliveryState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("id", flat=True)
    )
    return [str(pk) for pk in rows[: limit or conf.due_batch_size()]]


def key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def api_key_lookup(*, raw_key: str) -> ApiKey | None:
    """The key (revoked or not) whose prefix and hash match `raw_key`, else None."""
    prefix, dot, _secret = raw_key.partition(".")
    if not dot or len(prefix) != KEY_PREFIX_LENGTH:
        return None
    key = ApiKey.objects.select_related("agency").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.key_hash, key_hash(raw_key)):
        return None
    return key


def dossiers_for_api_key(*, api_key: ApiKey) -> QuerySet[Dossier]:
    return (
        Dossier.objects.select_related(
            "procedure_version__procedure", "case", "competent_agency", "commune__province"
        )
        .prefetch_related("attachments__component")
        .filter(competent_agency_id=api_key.agency_id)
        .exclude(status=Status.DRAFT)
        .order_by("-submitted_at")
    )


def dossier_for_api_key(*, api_key: ApiKey, code: str) -> Dossier | None:
    return dossiers_for_api_key(api_key=api_key).filter(code=code).first()


def attachment_for_agency(*, attachment_id: int, agency_id: int) -> Attachment | None:
    """The attachment if its dossier is (still) handled by the agency."""
    return (
        Attachment.objects.select_related("dossier")
        .filter(pk=attachment_id, dossier__competent_agency_id=agency_id)
        .first()
    )

"""Every write of the interop app: webhook deliveries, API keys, and the dossier changes that
an external system pushes back (through the dossier services, with a system user).

Scheduling never uses Celery ETAs: a delivery stores `next_attempt_at`, the beat task
`interop.tasks.deliveries_due` enqueues the due ones every 30 s and a worker claims one with
a conditional UPDATE (pending -> delivering), so two workers never send the same attempt.
Every function that depends on the clock takes `now=` (tests pass it instead of sleeping).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import secrets
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, Membership, OfficerRole
from dossiers import services as dossier_services
from dossiers.models import Dossier
from dossiers.states import TransitionNotAllowed
from dossiers.states.business import Status
from portal.audit import audit_record
from portal.models import User
from portal.outbox import outbox_enqueue
from portal.validators import validate_upload

from . import conf, signing
from .models import ApiKey, ApiScope, Delivery
from .selectors import KEY_PREFIX_LENGTH, key_hash
from .states import DeliveryState, check_transition

logger = logging.getLogger(__name__)
_rng = random.SystemRandom()

SYSTEM_USERNAME_PREFIX = "system:"
SYSTEM_ROLES = (OfficerRole.RECEPTION, OfficerRole.SPECIALIST, OfficerRole.LEADER)


# --- Webhook deliveries ----------------------------------------------------------------------


def _send_soon(delivery_id: str) -> None:
    """Enqueue an attempt now; if the broker is down, the beat task finds it when due."""
    from .tasks import delivery_send

    try:
        delivery_send.delay(delivery_id)
    except Exception:
        logger.warning("interop: could not enqueue delivery %s; beat will pick it up", delivery_id)


def delivery_create(
    *, dossier: Dossier, agency: Agency, now: dt.datetime | None = None
) -> Delivery:
    """The delivery of `dossier` to `agency`'s system, created once (idempotent); the first
    attempt is enqueued when the transaction commits."""
    now = now or timezone.now()
    with transaction.atomic():
        item, created = Delivery.objects.get_or_create(
            dossier=dossier, agency=agency, defaults={"next_attempt_at": now}
        )
        if created:
            audit_record(
                actor=None,
                action="interop.delivery.create",
                obj=item,
                agency_code=agency.code,
                details={"dossier": dossier.code},
            )
            delivery_id = str(item.pk)
            transaction.on_commit(lambda: _send_soon(delivery_id))
    return item


def delivery_claim(*, delivery_id: str, now: dt.datetime | None = None) -> Delivery | None:
    """Claim a due pending delivery for one attempt; None when it is not due or another worker
    has it. The conditional UPDATE is the lock: only one caller sees one row updated."""
    now = now or timezone.now()
    check_transition(DeliveryState.PENDING, DeliveryState.DELIVERING)
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=DeliveryState.PENDING, next_attempt_at__lte=now
    ).update(
        status=DeliveryState.DELIVERING,
        claimed_at=now,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    if not claimed:
        return None
    return Delivery.objects.select_related("dossier", "agency").get(pk=delivery_id)


def retry_delay(attempt: int) -> dt.timedelta:
    """The wait after failed attempt number `attempt` (1-based), with jitter."""
    schedule = conf.retry_schedule()
    base = schedule[min(attempt, len(schedule)) - 1]
    spread = conf.jitter()
    factor = _rng.uniform(1 - spread, 1 + spread) if spread > 0 else 1.0
    return dt.timedelta(seconds=base * factor)


def webhook_body(*, item: Delivery, now: dt.datetime | None = None) -> bytes:
    """The exact bytes POSTed to the agency's system (UTF-8 JSON)."""
    from .serializers import InteropDossierSerializer

    now = now or timezone.now()
    dossier = (
        Dossier.objects.select_related(
            "procedure_version__procedure", "case", "competent_agency", "commune__province"
        )
        .prefetch_related("attachments__component")
        .get(pk=item.dossier_id)
    )
    document = {
        "event": "dossier.delivered",
        "delivery_id": str(item.pk),
        "attempt": item.attempts,
        "sent_at": now.isoformat(),
        "dossier": InteropDossierSerializer(dossier, context={"agency": item.agency}).data,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _post(
    item: Delivery, *, now: dt.datetime, session: requests.Session | None
) -> tuple[int | None, str]:
    """One HTTP attempt: (status code or None, error text). Never raises."""
    agency = item.agency
    if not agency.is_external or not agency.webhook_url or not agency.webhook_secret:
        return None, "the agency has no webhook URL or secret configured"
    try:
        body = webhook_body(item=item, now=now)
    except Exception as exc:
        logger.exception("interop: could not build the body of delivery %s", item.pk)
        return None, f"internal error building the body ({type(exc).__name__})"
    # The signed timestamp is the wall clock: the receiver compares it with its own clock.
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "national-portal-interop/1",
        **signing.sign_headers(secret=agency.webhook_secret, body=body, delivery_id=str(item.pk)),
    }
    timeout = conf.timeout_seconds()
    http = session or requests.Session()
    try:
        response = http.post(
            agency.webhook_url, data=body, headers=headers, timeout=timeout, allow_redirects=False
        )
    except requests.Timeout:
        return None, f"timeout after {timeout:g} s"
    except requests.ConnectionError:
        return None, "connection failed"
    except requests.RequestException as exc:
        return None, f"request failed ({type(exc).__name__})"
    finally:
        if session is None:
            http.close()
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, f"HTTP {response.status_code}"


def delivery_attempt(
    *,
    delivery_id: str,
    now: dt.datetime | None = None,
    session: requests.Session | None = None,
) -> Delivery | None:
    """Claim the delivery and make one attempt. Returns the delivery after the attempt, or
    None when it was not claimed (not due, already being sent, delivered or dead).

    2xx: delivered. Anything else, a timeout or no connection: pending again with
    `next_attempt_at` from the retry schedule, or dead after the last attempt.
    """
    now = now or timezone.now()
    item = delivery_claim(delivery_id=delivery_id, now=now)
    if item is None:
        return None
    attempt = item.attempts
    status_code, error = _post(item, now=now, session=session)
    succeeded = not error and status_code is not None
    changes: dict[str, Any] = {}
    if succeeded:
        target = DeliveryState.DELIVERED
        changes = {"delivered_at": now, "next_attempt_at": None}
    elif attempt >= conf.max_attempts():
        target = DeliveryState.DEAD
        changes = {"next_attempt_at": None}
    else:
        target = DeliveryState.PENDING
        changes = {"next_attempt_at": now + retry_delay(attempt)}
    check_transition(DeliveryState.DELIVERING, target)
    with transaction.atomic():
        updated = Delivery.objects.filter(
            pk=item.pk, status=DeliveryState.DELIVERING, attempts=attempt
        ).update(
            status=target,
            claimed_at=None,
            last_attempt_at=now,
            last_status_code=status_code,
            last_error=error[:500],
            updated_at=now,
            **changes,
        )
        if not updated:  # the lease expired and another worker took the delivery over
            logger.warning("interop: delivery %s attempt %s lost its lease", item.pk, attempt)
            return Delivery.objects.get(pk=item.pk)
        next_at = changes.get("next_attempt_at")
        audit_record(
            actor=None,
            action="interop.delivery.attempt",
            obj=item,
            agency_code=item.agency.code,
            details={
                "dossier": item.dossier.code,
                "attempt": attempt,
                "status_code": status_code,
                "error": error,
                "outcome": str(target),
                "next_attempt_at": next_at.isoformat() if next_at else None,
            },
        )
        if target == DeliveryState.DEAD:
            logger.error(
                "interop: delivery %s of dossier %s to %s is dead after %s attempts (%s)",
                item.pk,
                item.dossier.code,
                item.agency.code,
                attempt,
                error,
            )
            audit_record(
                actor=None,
                action="interop.delivery.dead",
                obj=item,
                agency_code=item.agency.code,
                details={"dossier": item.dossier.code, "attempts": attempt, "error": error},
            )
            outbox_enqueue(topic="interop.dead_letter", payload={"delivery_id": str(item.pk)})
    item.refresh_from_db()
    return item


def delivery_requeue(
    *, item: Delivery, actor: User | None, now: dt.datetime | None = None
) -> Delivery:
    """Give a dead delivery a new cycle of attempts, starting now."""
    now = now or timezone.now()
    with transaction.atomic():
        item = (
            Delivery.objects.select_for_update().select_related("dossier", "agency").get(pk=item.pk)
        )
        check_transition(item.status, DeliveryState.PENDING)
        previous_attempts = item.attempts
        item.status = DeliveryState.PENDING
        item.attempts = 0
        item.next_attempt_at = now
        item.claimed_at = None
        item.save(
            update_fields=["status", "attempts", "next_attempt_at", "claimed_at", "updated_at"]
        )
        audit_record(
            actor=actor,
            action="interop.delivery.requeue",
            obj=item,
            agency_code=item.agency.code,
            details={"dossier": item.dossier.code, "previous_attempts": previous_attempts},
        )
        delivery_id = str(item.pk)
        transaction.on_commit(lambda: _send_soon(delivery_id))
    return item


def deliveries_reclaim(*, now: dt.datetime | None = None) -> int:
    """Deliveries left "delivering" past the lease (their worker died) are pending again."""
    now = now or timezone.now()
    check_transition(DeliveryState.DELIVERING, DeliveryState.PENDING)
    lease_before = now - dt.timedelta(seconds=conf.lease_seconds())
    count = Delivery.objects.filter(
        status=DeliveryState.DELIVERING, claimed_at__lt=lease_before
    ).update(
        status=DeliveryState.PENDING,
        claimed_at=None,
        next_attempt_at=now,
        last_error="lease expired: the worker did not finish the attempt",
        updated_at=now,
    )
    if count:
        logger.warning("interop: reclaimed %s deliveries whose lease expired", count)
    return count


def deliveries_enqueue_due(*, now: dt.datetime | None = None) -> int:
    """The beat task's work: reclaim expired leases, then enqueue every due delivery."""
    from .selectors import deliveries_due

    now = now or timezone.now()
    deliveries_reclaim(now=now)
    ids = deliveries_due(now=now)
    for delivery_id in ids:
        _send_soon(delivery_id)
    return len(ids)


def dead_letter_notify(*, delivery_id: str) -> bool:
    """Tell the agency (its e-mail and its administrators) that a delivery is dead."""
    item = Delivery.objects.select_related("dossier", "agency").filter(pk=delivery_id).first()
    if item is None or item.status != DeliveryState.DEAD:
        return False
    agency = item.agency
    recipients = {agency.email} if agency.email else set()
    recipients |= set(
        Membership.objects.filter(agency=agency, role=OfficerRole.ADMIN)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not recipients:
        logger.warning("interop: nobody to tell about dead delivery %s", item.pk)
        return False
    admin_url = settings.PORTAL_BASE_URL.rstrip("/") + reverse(
        "admin:interop_delivery_change", args=[item.pk]
    )
    body = render_to_string(
        "interop/emails/dead_letter.txt", {"delivery": item, "agency": agency, "url": admin_url}
    )
    subject = f"[Interop] Không chuyển được hồ sơ {item.dossier.code} / Dossier not delivered"
    EmailMessage(subject=subject, body=body, to=sorted(recipients)).send()
    logger.info("interop: told %s about dead delivery %s", len(recipients), item.pk)
    return True


# --- API keys and the system user of an agency ------------------------------------------------


def api_key_create(
    *, agency: Agency, name: str, scopes: list[str], created_by: User | None = None
) -> tuple[ApiKey, str]:
    """A new key; the returned raw key ("<prefix>.<secret>") is never stored nor shown again."""
    unknown = set(scopes) - set(ApiScope.values)
    if unknown:
        raise ValueError(f"unknown scopes: {', '.join(sorted(unknown))}")
    for _attempt in range(5):
        prefix = secrets.token_hex(KEY_PREFIX_LENGTH // 2)
        raw_key = f"{prefix}.{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(
                    agency=agency,
                    name=name,
                    prefix=prefix,
                    key_hash=key_hash(raw_key),
                    scopes=sorted(set(scopes)),
                    created_by=created_by,
                )
                audit_record(
                    actor=created_by,
                    action="interop.api_key.create",
                    obj=key,
                    agency_code=agency.code,
                    details={"name": name, "prefix": prefix, "scopes": key.scopes},
                )
            return key, raw_key
        except IntegrityError:  # prefix collision: draw again
            continue
    raise RuntimeError("could not draw a unique API key prefix")


def api_key_revoke(
    *, api_key: ApiKey, actor: User | None, now: dt.datetime | None = None
) -> ApiKey:
    now = now or timezone.now()
    with transaction.atomic():
        if ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=now):
            audit_record(
                actor=actor,
                action="interop.api_key.revoke",
                obj=api_key,
                agency_code=api_key.agency.code,
                details={"prefix": api_key.prefix},
            )
    api_key.refresh_from_db()
    return api_key


def api_key_touch(*, api_key: ApiKey, now: dt.datetime | None = None) -> None:
    """Record the use of a key (at most one write a minute per key)."""
    now = now or timezone.now()
    ApiKey.objects.filter(pk=api_key.pk).exclude(
        last_used_at__gt=now - dt.timedelta(minutes=1)
    ).update(last_used_at=now)


def system_user_for(*, agency: Agency) -> User:
    """The user that stands for the agency's own system in timelines and the audit log.

    Username "system:<agency code>" (the colon is refused by the sign-up validators, so no
    person can take it), no usable password, inactive: it can never sign in. It is a member
    of the agency as reception officer, specialist and leader, like the system it stands for.
    """
    username = f"{SYSTEM_USERNAME_PREFIX}{agency.code}"
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            user = User(
                username=username, full_name=f"Hệ thống {agency.name}"[:200], is_active=False
            )
            user.set_unusable_password()
            user.save()
            for role in SYSTEM_ROLES:
                Membership.objects.create(user=user, agency=agency, role=role)
            audit_record(
                actor=None, action="interop.system_user.create", obj=user, agency_code=agency.code
            )
    except IntegrityError:
        user = User.objects.get(username=username)
    return user


# --- Changes pushed by the external system ------------------------------------------------------

#: the statuses an external system may push, and the dossier service each one calls
EXTERNAL_STATUSES: dict[str, Status] = {
    "received": Status.RECEIVED,
    "processing": Status.IN_PROCESSING,
    "refused": Status.REFUSED,
    "returned": Status.RETURNED,
}


def dossier_status_from_external(
    *, dossier: Dossier, api_key: ApiKey, status: str, reason: str = ""
) -> tuple[Dossier, bool]:
    """Move the dossier to `status` through the dossier services, as the agency's system user.

    Returns (dossier, changed). Pushing the status the dossier already has changes nothing
    (the external system may retry a push); a change the state machine refuses raises
    TransitionNotAllowed; "refused" needs a reason (ValueError otherwise).
    """
    target = EXTERNAL_STATUSES[status]
    if dossier.status == target:
        return dossier, False
    agency = api_key.agency
    officer = system_user_for(agency=agency)
    try:
        if target == Status.RECEIVED:
            dossier = dossier_services.dossier_receive(
                dossier=dossier, officer=officer, agency=agency
            )
        elif target == Status.IN_PROCESSING:
            dossier = dossier_services.dossier_start_processing(
                dossier=dossier, officer=officer, agency=agency
            )
        elif target == Status.REFUSED:
            if not reason.strip():
                raise ValueError("a refusal needs a reason")
            dossier = dossier_services.dossier_refuse(
                dossier=dossier, officer=officer, agency=agency, reason=reason.strip()
            )
        else:
            dossier = dossier_services.dossier_return_result(
                dossier=dossier, officer=officer, agency=agency
            )
    except TransitionNotAllowed:
        dossier.refresh_from_db()
        if dossier.status == target:  # a concurrent push of the same status won
            return dossier, False
        raise
    return dossier, True


def dossier_result_from_external(
    *,
    dossier: Dossier,
    api_key: ApiKey,
    file: UploadedFile,
    result_number: str = "",
    note: str = "",
) -> Dossier:
    """Store a result produced by the agency's own system and set status 9 (result ready).

    The same use case as an officer's approval (`dossiers.services.dossier_issue_result`), with
    the agency's PDF instead of one rendered here: the same checks, timeline entry, audit row,
    e-document store copy and clean-up of the file when the transaction fails. The file must
    be a PDF by its content (ValidationError otherwise).
    """
    mime = validate_upload(file)
    if mime != "application/pdf":
        raise ValidationError(_("The result must be a PDF file."), code="file_type")
    file.seek(0)
    content = file.read()
    agency = api_key.agency
    return dossier_services.dossier_issue_result(
        dossier=dossier,
        officer=system_user_for(agency=agency),
        agency=agency,
        content=content,
        result_number=result_number,
        note=note,
        audit_details={"source": "external", "api_key": api_key.prefix},
    )

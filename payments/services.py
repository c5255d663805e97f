"""Every change to an online payment is one function here (docs/payments.md).

- `payment_start`: a Payment for the fees of the dossier's online channel, then INIT on the
  platform (outside any transaction: no row is locked while the network is slow);
- `payment_callback`: the platform's signed server-to-server callback; verified (partner,
  signature, time window, replay, reference, amount), idempotent, logged whether accepted
  or refused (CallbackLog, and an AuditEvent for each refusal);
- `payment_query`: reconcile a pending payment by QUERY (the return page, the beat task
  `payments_reconcile` for payments pending too long: a lost callback);
- each state change checks `payments.states`, locks the row, appends a PaymentEvent, keeps
  `Dossier.payment_status` in step (`dossiers.states.payment`) and, when paid, appends a
  timeline entry to the dossier (the applicant is told, with the receipt).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import transitions
from dossiers.models import Dossier
from dossiers.notes import Note
from dossiers.states import business
from dossiers.states.payment import PaymentStatus
from portal.audit import audit_record
from portal.models import User
from procedures.models import ChannelKind, Fee

from . import signing, states
from .client import PaymentPlatformClient, PlatformRefused, PlatformUnavailable, QueryResult
from .models import CallbackLog, Obligation, Payment, PaymentEvent
from .states import PaymentState

logger = logging.getLogger(__name__)

#: dossier payment statuses in which the applicant may (still) pay
PAYABLE = frozenset({PaymentStatus.UNPAID, PaymentStatus.FAILED, PaymentStatus.PENDING})
#: the platform's result codes
RESULT_STATES = {"00": PaymentState.PAID, "24": PaymentState.CANCELLED, "15": PaymentState.EXPIRED}
STATUS_STATES = {
    "paid": PaymentState.PAID,
    "failed": PaymentState.FAILED,
    "cancelled": PaymentState.CANCELLED,
    "expired": PaymentState.EXPIRED,
}
#: what the dossier's payment status becomes with each state of its latest payment
DOSSIER_STATUS = {
    PaymentState.PENDING: PaymentStatus.PENDING,
    PaymentState.PAID: PaymentStatus.PAID,
    PaymentState.FAILED: PaymentStatus.FAILED,
    PaymentState.CANCELLED: PaymentStatus.UNPAID,
    PaymentState.EXPIRED: PaymentStatus.UNPAID,
}


class NothingToPay(Exception):
    """The dossier owes nothing online (no fee, or already paid)."""


class PaymentInProgress(Exception):
    """Another request is starting a payment of this dossier right now."""


@dataclass(frozen=True)
class FeeLineData:
    code: str
    label: str
    label_en: str
    amount: int


def fee_lines(dossier: Dossier) -> list[FeeLineData]:
    """The fees of the online channel of the dossier's procedure version."""
    fees = Fee.objects.filter(
        channel__version=dossier.procedure_version_id, channel__kind=ChannelKind.ONLINE
    ).order_by("id")
    return [
        FeeLineData(
            code=fee.code,
            label=fee.description,
            label_en=fee.description_en,
            amount=int(fee.amount),
        )
        for fee in fees
        if fee.amount > 0
    ]


@dataclass(frozen=True)
class Payable:
    """What the applicant can pay online now: the fees, or an obligation (fees first)."""

    lines: list[FeeLineData]
    obligation: Obligation | None = None

    @property
    def amount(self) -> int:
        return sum(line.amount for line in self.lines)


def payable(dossier: Dossier) -> Payable | None:
    if dossier.payment_status not in PAYABLE or dossier.status in business.FINAL:
        return None  # nothing owed, or refused / withdrawn / stopped / returned
    return _still_owed(dossier)


def _still_owed(dossier: Dossier) -> Payable | None:
    """The fees if none was paid yet, else the first open obligation, else nothing."""
    fees_paid = dossier.payments.filter(obligation__isnull=True, state=PaymentState.PAID).exists()
    if not fees_paid:
        lines = fee_lines(dossier)
        if lines:
            return Payable(lines=lines)
    obligation = dossier.obligations.filter(paid_at__isnull=True).first()
    if obligation is not None:
        line = FeeLineData(
            code="NVTC", label=obligation.description, label_en="", amount=obligation.amount
        )
        return Payable(lines=[line], obligation=obligation)
    return None


def amount_due(dossier: Dossier) -> int:
    """What the applicant can pay online now (0: nothing)."""
    due = payable(dossier)
    return due.amount if due else 0


def obligation_add(*, dossier: Dossier, officer: User, amount: int, description: str) -> Obligation:
    """Record the financial obligations an officer asks for, in the caller's transaction
    (dossiers.services.dossier_request_payment, dossier row locked, its payment status already
    back to unpaid): payable online."""
    if amount <= 0:
        raise ValueError("an obligation has a positive amount")
    obligation = Obligation.objects.create(
        dossier=dossier,
        amount=amount,
        description=signing.clean_text(description)[:255],
        requested_at=timezone.now(),
        requested_by=officer,
    )
    return obligation


# --- State changes -------------------------------------------------------------------------


def _transition(
    payment: Payment,
    *,
    target: PaymentState,
    source: str,
    note: str = "",
    extra_fields: tuple[str, ...] = (),
) -> None:
    """Inside the caller's transaction, with the payment row locked."""
    states.check_transition(payment.state, target)
    previous = payment.state
    payment.state = target
    payment.save(update_fields=["state", "updated_at", *extra_fields])
    PaymentEvent.objects.create(
        payment=payment,
        at=timezone.now(),
        from_state=previous,
        to_state=target,
        source=source,
        note=note[:255],
    )
    # an attempt the platform never accepted (created -> failed) leaves the dossier as it was
    if target in DOSSIER_STATUS and not (
        previous == PaymentState.CREATED and target == PaymentState.FAILED
    ):
        _sync_dossier(payment, DOSSIER_STATUS[target])
    audit_record(
        actor=None,
        action=f"payment.{target}",
        obj=payment,
        details={"dossier": payment.dossier.code, "from": previous, "source": source},
    )


def _sync_dossier(payment: Payment, target: str) -> None:
    """The dossier's payment status follows the payment (through dossiers.transitions); a paid
    payment is on the timeline ("fee_paid") and the applicant is told. The attempts in between
    are in the payment's own log (PaymentEvent), not on the dossier's timeline."""
    dossier = transitions.lock(payment.dossier_id)
    paid = target == PaymentStatus.PAID
    if paid:
        if payment.obligation_id is not None:
            Obligation.objects.filter(pk=payment.obligation_id).update(paid_at=payment.paid_at)
        # the fees are paid but an obligation is still open
        if dossier.status not in business.FINAL and _still_owed(dossier) is not None:
            target = PaymentStatus.UNPAID
    moves = dossier.payment_status != target
    if not paid and not moves:
        return
    transitions.change(
        dossier,
        action="fee_paid" if paid else None,
        payment_status=PaymentStatus(target) if moves else None,
        actor=payment.payer if paid else None,
        role="applicant" if paid else "",
        agency=dossier.competent_agency if paid else None,
        note=Note(
            "paid_online",
            {
                "amount": _amount_text(payment.amount),
                "transaction": payment.platform_transaction_id,
            },
        )
        if paid
        else "",
        at=(payment.paid_at or timezone.now()) if paid else None,
        audit=None,
    )


def _amount_text(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " VND"


# --- Start -----------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def _open_payment(dossier: Dossier) -> Payment | None:
    return dossier.payments.filter(state__in=list(states.OPEN)).first()


def payment_start(
    *,
    dossier: Dossier,
    payer: User,
    client_ip: str,
    language: str = "vi",
    client: PaymentPlatformClient | None = None,
) -> Payment:
    """Start paying the dossier's online fees; returns a pending payment with its URL.

    A payment already pending on the platform is reconciled first, then reused (its page
    is still open), so a second click never charges twice. Raises NothingToPay,
    PaymentInProgress (another click is starting one),
    PermissionError (not the applicant), PlatformUnavailable or PlatformRefused (the
    payment is then failed and the applicant may try again)."""
    if dossier.applicant_id != payer.pk:
        raise PermissionError("only the applicant pays the dossier's fees")
    client = client or PaymentPlatformClient()
    existing = _open_payment(dossier)
    if existing is not None and existing.state == PaymentState.PENDING:
        existing = payment_query(payment=existing, client=client)
        if existing.state == PaymentState.PENDING and existing.payment_url:
            return existing
    with transaction.atomic(durable=True):
        dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
        stuck = _open_payment(dossier)
        if stuck is not None and stuck.created_at > timezone.now() - dt.timedelta(
            seconds=3 * settings.PAYMENT_TIMEOUT_SECONDS + 5
        ):
            raise PaymentInProgress(dossier.code)  # another click is talking to the platform
        if stuck is not None:  # an INIT that never finished (crash between the two steps)
            stuck = Payment.objects.select_for_update().get(pk=stuck.pk)
            stuck.failure_reason = "interrupted"
            _transition(
                stuck,
                target=PaymentState.FAILED,
                source=PaymentEvent.Source.INIT,
                note="interrupted",
                extra_fields=("failure_reason",),
            )
            dossier.refresh_from_db()
        due = payable(dossier)
        if due is None or due.amount <= 0:
            raise NothingToPay(dossier.code)
        if due.obligation is None:
            description = _("Fees of dossier %(code)s") % {"code": dossier.code}
        else:
            description = _("Financial obligations of dossier %(code)s") % {"code": dossier.code}
        attempt = dossier.payments.count() + 1
        payment = Payment.objects.create(
            dossier=dossier,
            obligation=due.obligation,
            # unique on the platform even if the portal's database were restored from a backup
            reference=f"{dossier.code}-{attempt:02d}-{secrets.token_hex(3).upper()}",
            attempt=attempt,
            amount=due.amount,
            lines=[line.__dict__ for line in due.lines],
            description=signing.clean_text(description)[:255],
            create_time=signing.format_time(timezone.now()),
            payer=payer,
            payer_name=payer.display_name,
            client_ip=client_ip[:45],
        )
        audit_record(
            actor=payer,
            action="payment.start",
            obj=payment,
            ip_address=client_ip or None,
            details={"dossier": dossier.code, "amount": due.amount},
        )
    try:
        result = client.init(
            reference=payment.reference,
            amount=payment.amount,
            language="en" if language.startswith("en") else "vi",
            transaction_info=payment.description,
            create_time=payment.create_time,
            client_ip=client_ip or "127.0.0.1",
            return_url=_absolute(reverse("payments:return")),
            callback_url=settings.PAYMENT_CALLBACK_BASE_URL.rstrip("/")
            + reverse("payments:callback"),
        )
    except (PlatformUnavailable, PlatformRefused) as exc:
        with transaction.atomic(durable=True):
            payment = Payment.objects.select_for_update().get(pk=payment.pk)
            payment.failure_reason = str(exc)[:255]
            _transition(
                payment,
                target=PaymentState.FAILED,
                source=PaymentEvent.Source.INIT,
                note=str(exc),
                extra_fields=("failure_reason",),
            )
        raise
    with transaction.atomic(durable=True):
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.state != PaymentState.CREATED:  # given up meanwhile as interrupted
            raise PaymentInProgress(dossier.code)
        payment.platform_transaction_id = result.transaction_id
        payment.payment_url = result.payment_url
        _transition(
            payment,
            target=PaymentState.PENDING,
            source=PaymentEvent.Source.INIT,
            extra_fields=("platform_transaction_id", "payment_url"),
        )
    return payment


# --- Callback (IPN) ------------------------------------------------------------------------


@dataclass(frozen=True)
class CallbackAnswer:
    """What the portal answers the platform: HTTP status and a JSON body."""

    status: int
    code: str
    message: str
    #: False for a refusal before the signature held: nothing shows the platform sent it
    signed: bool = True

    @property
    def body(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


CONFIRMED = CallbackAnswer(200, "00", "confirmed")
ALREADY = CallbackAnswer(200, "02", "already confirmed")
REFUSALS = {
    "malformed": CallbackAnswer(400, "99", "malformed message", signed=False),
    "unknown_partner": CallbackAnswer(403, "97", "unknown partner", signed=False),
    "bad_signature": CallbackAnswer(403, "97", "invalid signature", signed=False),
    "stale_timestamp": CallbackAnswer(400, "11", "stale send time"),
    "replayed": CallbackAnswer(409, "12", "replayed message"),
    "unknown_reference": CallbackAnswer(404, "01", "payment not found"),
    "transaction_mismatch": CallbackAnswer(409, "01", "transaction does not match"),
    "amount_mismatch": CallbackAnswer(400, "04", "invalid amount"),
    "conflicting_state": CallbackAnswer(409, "03", "payment already settled otherwise"),
}


def _callback_target(message: dict[str, Any]) -> PaymentState:
    code = str(message.get("result_code", ""))
    return RESULT_STATES.get(code, PaymentState.FAILED)


def _log(
    *,
    body: bytes,
    remote_addr: str | None,
    message: dict[str, Any] | None,
    payment: Payment | None,
    verified: bool,
    outcome: str,
    reason: str,
    answer: CallbackAnswer,
) -> None:
    reference = _storable(str((message or {}).get("reference", "")))[:128]
    CallbackLog.objects.create(
        payment=payment,
        received_at=timezone.now(),
        reference=reference,
        remote_addr=remote_addr or None,
        body=_kept_body(body, verified=verified),
        signature=str((message or {}).get("secure_hash", ""))[:128].lower() if verified else "",
        verified=verified,
        outcome=outcome,
        reason=reason,
        http_status=answer.status,
    )
    if outcome == CallbackLog.Outcome.REFUSED:
        audit_record(
            actor=None,
            action="payment.callback_refused",
            obj=payment,
            object_type="payments.payment" if payment is None else "",
            object_id=reference if payment is None else "",
            ip_address=remote_addr or None,
            reason=reason,
            details={"body_sha256": hashlib.sha256(body).hexdigest()},
        )


#: what is kept of a body whose signature did not hold: anyone can post one, so never all of it
UNSIGNED_BODY_KEPT = 256
SIGNED_BODY_KEPT = 4000


def _kept_body(body: bytes, *, verified: bool) -> str:
    """A signed body up to 4,000 characters; of an unsigned one its start, size and hash."""
    text = _storable(body.decode("utf-8", errors="replace"))
    if verified:
        return text[:SIGNED_BODY_KEPT]
    if len(body) <= UNSIGNED_BODY_KEPT:
        return text[:UNSIGNED_BODY_KEPT]
    digest = hashlib.sha256(body).hexdigest()
    return f"{text[:UNSIGNED_BODY_KEPT]}… [unsigned, {len(body)} bytes, sha256 {digest}]"


def _storable(text: str) -> str:
    """Text any database keeps (PostgreSQL refuses NUL characters)."""
    return text.replace("\x00", "\ufffd")


def _parse(body: bytes) -> dict[str, Any] | None:
    try:
        message = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return message if isinstance(message, dict) else None


def payment_callback(*, body: bytes, remote_addr: str | None = None) -> CallbackAnswer:
    """Apply the platform's signed callback once; refuse (and log) anything else."""
    with transaction.atomic(durable=True):
        return _callback(body=body, remote_addr=remote_addr)


def _callback(*, body: bytes, remote_addr: str | None) -> CallbackAnswer:
    message = _parse(body)

    def refuse(reason: str, payment: Payment | None = None, verified: bool = False):
        answer = REFUSALS[reason]
        if payment is None and verified:  # a signed message: show it in its dossier's log
            payment = Payment.objects.filter(reference=str(message.get("reference"))).first()  # type: ignore[union-attr]
        _log(
            body=body,
            remote_addr=remote_addr,
            message=message,
            payment=payment,
            verified=verified,
            outcome=CallbackLog.Outcome.REFUSED,
            reason=reason,
            answer=answer,
        )
        logger.warning("payment callback refused: %s", reason)
        return answer

    if message is None:
        return refuse("malformed")
    if message.get("partner_code") != settings.PAYMENT_PARTNER_CODE:
        return refuse("unknown_partner")
    if not signing.verify(message, signing.CALLBACK_FIELDS, settings.PAYMENT_SECRET):
        return refuse("bad_signature")
    if not signing.within(
        message.get("send_time"), now=timezone.now(), seconds=settings.PAYMENT_MAX_SKEW_SECONDS
    ):
        return refuse("stale_timestamp", verified=True)
    if CallbackLog.objects.filter(
        signature=str(message["secure_hash"]).lower(), verified=True
    ).exists():
        return refuse("replayed", verified=True)
    payment = (
        Payment.objects.select_for_update()
        .select_related("dossier")
        .filter(reference=message.get("reference"))
        .first()
    )
    if payment is None:
        return refuse("unknown_reference", verified=True)
    if payment.platform_transaction_id and (
        message.get("transaction_id") != payment.platform_transaction_id
    ):
        return refuse("transaction_mismatch", payment, verified=True)
    if message.get("amount") != payment.amount or message.get("currency") != payment.currency:
        return refuse("amount_mismatch", payment, verified=True)
    target = _callback_target(message)

    def accept(answer: CallbackAnswer, outcome: str) -> CallbackAnswer:
        _log(
            body=body,
            remote_addr=remote_addr,
            message=message,
            payment=payment,
            verified=True,
            outcome=outcome,
            reason="",
            answer=answer,
        )
        return answer

    if payment.state == target:
        return accept(ALREADY, CallbackLog.Outcome.DUPLICATE)
    if target not in states.TRANSITIONS.get(PaymentState(payment.state), frozenset()):
        return refuse("conflicting_state", payment, verified=True)
    _settle(payment, target=target, source=PaymentEvent.Source.CALLBACK, message=message)
    return accept(CONFIRMED, CallbackLog.Outcome.ACCEPTED)


def _settle(
    payment: Payment, *, target: PaymentState, source: str, message: dict[str, Any]
) -> None:
    payment.result_code = str(message.get("result_code", ""))[:8]
    payment.method = str(message.get("method", ""))[:32]
    if not payment.platform_transaction_id:
        payment.platform_transaction_id = str(message.get("transaction_id", ""))[:64]
    fields = ["result_code", "method", "platform_transaction_id"]
    if target == PaymentState.PAID:
        paid = signing.parse_time(message.get("pay_time"))
        payment.paid_at = paid or timezone.now()
        fields.append("paid_at")
    _transition(
        payment,
        target=target,
        source=source,
        note=f"result {payment.result_code}".strip(),
        extra_fields=tuple(fields),
    )


# --- Query (reconciliation) ----------------------------------------------------------------


def payment_query(
    *,
    payment: Payment,
    client: PaymentPlatformClient | None = None,
    source: str = PaymentEvent.Source.QUERY,
) -> Payment:
    """Ask the platform how a pending payment ended and apply it. A platform that does not
    answer leaves the payment pending (the beat task asks again later)."""
    if payment.state != PaymentState.PENDING:
        return payment
    client = client or PaymentPlatformClient()
    result: QueryResult | None = None
    unknown = False
    try:
        result = client.query(reference=payment.reference, create_time=payment.create_time)
    except PlatformRefused as exc:
        unknown = exc.code == "07"
        logger.warning("payment %s: query refused: %s", payment.reference, exc)
    except PlatformUnavailable as exc:
        logger.warning("payment %s: query failed: %s", payment.reference, exc)
    with transaction.atomic(durable=True):
        payment = Payment.objects.select_for_update().select_related("dossier").get(pk=payment.pk)
        payment.query_count += 1
        payment.last_queried_at = timezone.now()
        payment.save(update_fields=["query_count", "last_queried_at", "updated_at"])
        if payment.state != PaymentState.PENDING:
            return payment  # a callback settled it meanwhile
        if unknown:
            payment.failure_reason = "unknown to the platform"
            _transition(
                payment,
                target=PaymentState.EXPIRED,
                source=source,
                note="unknown to the platform",
                extra_fields=("failure_reason",),
            )
            return payment
        if result is None:
            return payment
        target = STATUS_STATES.get(result.status)
        if target is None:  # still pending on the platform
            return payment
        if result.amount != payment.amount or result.currency != payment.currency:
            payment.failure_reason = "amount mismatch in the query answer"
            payment.save(update_fields=["failure_reason", "updated_at"])
            audit_record(
                actor=None,
                action="payment.query_mismatch",
                obj=payment,
                details={"amount": result.amount, "currency": result.currency},
            )
            return payment
        _settle(
            payment,
            target=target,
            source=source,
            message={
                "result_code": result.result_code,
                "method": result.method,
                "transaction_id": result.transaction_id,
                "pay_time": result.pay_time,
            },
        )
    return payment


def payments_reconcile(*, client: PaymentPlatformClient | None = None) -> int:
    """Query every payment pending longer than PAYMENT_RECONCILE_AFTER_MINUTES; returns how
    many were settled."""
    before = timezone.now() - dt.timedelta(minutes=settings.PAYMENT_RECONCILE_AFTER_MINUTES)
    pending = Payment.objects.filter(state=PaymentState.PENDING, created_at__lt=before)
    settled = 0
    client = client or PaymentPlatformClient()
    for payment in pending.order_by("created_at")[:200]:
        if payment_query(payment=payment, client=client).state != PaymentState.PENDING:
            settled += 1
    return settled

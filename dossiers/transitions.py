"""The one way a dossier changes: its four state machines, its timeline and what follows.

Every change of a dossier's business status, payment status, delivery status or national
sync status, for standalone dossiers, bundle parts and bundles, from every caller (back-office,
counter, applicant, payment callback, agencies' API, worker), goes through `change()`:

1. the row was locked by `lock()` (or inserted by `create()`) in the caller's transaction;
2. each machine's table is checked (`states/`) before any field is set;
3. the fields are set and saved in one UPDATE;
4. one timeline entry is appended (who, role, agency, when, what, step deadline);
5. one audit row is written;
6. the side effects are queued in the outbox, in the same transaction: the applicant's
   notification, the copy of a result to the e-document store, the delivery to an external
   agency's system, and the bundle's roll-up (in the same transaction, rows locked).

`tests/architecture/test_one_transition_path.py` fails when any other module assigns one of
the state fields or writes a timeline entry. Services keep their own rules (who may act,
what a supplement round records, how a due date moves) and call `change()` to apply them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from agencies.models import Agency
from portal.audit import audit_record
from portal.bulk import concrete_field, insert_rows, update_rows
from portal.models import User
from portal.outbox import outbox_enqueue

from . import finished_counts
from .models import Dossier, DossierEvent
from .notes import Note
from .states import TransitionNotAllowed, business, delivery, payment, sync
from .states.business import Status
from .states.delivery import DeliveryStatus
from .states.payment import PaymentStatus
from .states.sync import SyncStatus

#: machine name -> (the dossier's field, the machine's table checker)
MACHINES: Mapping[str, tuple[str, Any]] = {
    "business": ("status", business.check_transition),
    "payment": ("payment_status", payment.check_transition),
    "delivery": ("delivery_status", delivery.check_transition),
    "sync": ("sync_status", sync.check_transition),
}
#: the fields only this module assigns
STATE_FIELDS = frozenset(name for name, _check in MACHINES.values())

_LOCKED = "_transitions_locked"

#: a bundle moves forward along these statuses as its parts progress
BUNDLE_PROGRESS = [
    Status.SUBMITTED,
    Status.RECEIVED,
    Status.IN_PROCESSING,
    Status.RESULT_READY,
    Status.RETURNED,
]
_ENDED = frozenset({Status.REFUSED, Status.WITHDRAWN, Status.STOPPED})


class NotLocked(RuntimeError):
    """`change()` was called on a dossier that `lock()` or `create()` did not give."""


@dataclass(frozen=True)
class Effect:
    """An extra side effect queued in the outbox with the change."""

    topic: str
    payload: dict[str, Any] = field(default_factory=dict)


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a dossier changes inside the caller's transaction.atomic()")


def lock(dossier: Dossier | int, *, related: tuple[str, ...] = ()) -> Dossier:
    """The dossier's row, locked until the caller's transaction ends (a fresh copy), with
    the `related` rows read in the same query (not locked)."""
    _require_transaction()
    pk = dossier if isinstance(dossier, int) else dossier.pk
    rows = Dossier.objects.select_for_update(of=("self",)).select_related(*related)
    locked = rows.get(pk=pk)
    setattr(locked, _LOCKED, True)
    return locked


def lock_parts(bundle: Dossier) -> list[Dossier]:
    """The parts of a bundle, locked in a stable order (the bundle is locked first)."""
    _require_transaction()
    parts = list(bundle.parts.select_for_update().order_by("pk"))
    for part in parts:
        setattr(part, _LOCKED, True)
    return parts


def create(**fields: Any) -> Dossier:
    """Insert a new dossier in its initial states (the inserting transaction holds the row)."""
    _require_transaction()
    fields.setdefault("status", Status.SUBMITTED)
    if Status(fields["status"]) not in (Status.SUBMITTED, Status.DRAFT):
        raise _not_allowed(None, fields["status"])
    agency = fields.get("competent_agency")
    if fields["status"] == Status.SUBMITTED and not (agency is not None and agency.is_external):
        # the portal's own dossier: each step is synchronised when it is committed
        fields.setdefault("sync_status", SyncStatus.SYNCED)
    dossier = Dossier.objects.create(**fields)
    setattr(dossier, _LOCKED, True)
    if dossier.competent_agency_id is not None:
        _deliver_if_external(dossier)
    return dossier


def _not_allowed(source: object, target: object) -> Exception:
    return TransitionNotAllowed("business status", source, target)


def change(
    dossier: Dossier,
    *,
    action: str | None,
    status: Status | None = None,
    payment_status: PaymentStatus | None = None,
    delivery_status: DeliveryStatus | None = None,
    sync_status: SyncStatus | None = None,
    fields: Iterable[str] = (),
    actor: User | None = None,
    role: str = "",
    agency: Agency | None = None,
    note: str | Note = "",
    step_due_at: dt.datetime | None = None,
    at: dt.datetime | None = None,
    notify: bool = True,
    audit: str | None = "",
    audit_agency_code: str | None = None,
    audit_reason: str = "",
    audit_details: dict[str, Any] | None = None,
    effects: Iterable[Effect] = (),
    rollup: bool = True,
) -> DossierEvent | None:
    """Apply one change to a locked dossier; returns its timeline entry.

    `status`, `payment_status`, `delivery_status`, `sync_status`: the targets (None: that
    machine does not move; a target equal to the current state is refused by the tables).
    `fields`: other fields the caller set on the instance, saved in the same UPDATE (a field
    named `competent_agency` sends the dossier to an external agency's system when it is one).
    `audit`: the audit action (default `dossier.<action>`; None writes none, for a change the
    caller audits itself). `notify`: tell the applicant (outbox "dossier.notify").
    `action` None: no timeline entry, only for the payment and sync machines, whose attempts
    have logs of their own (a payment's PaymentEvent rows); the business status always has one.
    `rollup`: False when the caller changes the bundle itself in the same transaction.
    """
    if action is None and status is not None:
        raise ValueError("a change of business status always appends a timeline entry")
    if not getattr(dossier, _LOCKED, False):
        raise NotLocked(f"dossier {dossier.pk} was not locked by dossiers.transitions.lock()")
    _require_transaction()
    now = at or timezone.now()
    if sync_status is None and status is not None and not dossier.source_system:
        sync_status = _own_sync_target(dossier, fields)
    targets = {
        "business": status,
        "payment": payment_status,
        "delivery": delivery_status,
        "sync": sync_status,
    }
    # check every machine before setting anything
    for machine, target in targets.items():
        if target is not None:
            name, check = MACHINES[machine]
            check(getattr(dossier, name), target)
    source = dossier.status
    to_save = [f for f in fields if f not in STATE_FIELDS]
    if status is not None and Status(status) in business.FINAL:
        # finished: no current workflow step, no step deadline left to show or to chase
        if dossier.current_step is not None or dossier.step_due_at is not None:
            dossier.current_step = None
            dossier.step_due_at = None
            to_save += ["current_step", "step_due_at"]
    for machine, target in targets.items():
        if target is not None:
            name, _check = MACHINES[machine]
            setattr(dossier, name, target)
            to_save.append(name)
    if to_save:
        dossier.save(update_fields=list(dict.fromkeys([*to_save, "updated_at"])))
    if (
        status is not None
        and Status(status) in business.FINAL
        and dossier.competent_agency_id is not None
        and not dossier.source_system
    ):
        # the queue's "Finished" tab, kept counted (finished_counts), one more once committed
        transaction.on_commit(
            partial(finished_counts.note_finished, dossier.competent_agency_id, int(status)),
            robust=True,
        )
    if "competent_agency" in to_save:
        _deliver_if_external(dossier)
    if status is not None and Status(status) == Status.RESULT_READY:
        _store_result(dossier)
    for effect in effects:
        outbox_enqueue(topic=effect.topic, payload=effect.payload)
    if rollup and status is not None and dossier.parent_id is not None:
        _rollup_bundle(dossier)
    if action is None:
        if audit:
            audit_record(actor=actor, action=audit, obj=dossier, details=audit_details)
        return None
    composed = note if isinstance(note, Note) else None
    text = composed.in_portal_language() if composed else str(note)
    event = DossierEvent.objects.create(
        dossier=dossier,
        at=now,
        action=action,
        actor=actor,
        actor_role=role,
        agency=agency,
        from_status=source,
        to_status=dossier.status,
        note=text,
        note_key=composed.key if composed else "",
        note_params=composed.params if composed else {},
        step_due_at=step_due_at,
    )
    if notify:
        outbox_enqueue(topic="dossier.notify", payload={"event_id": event.pk})
    if audit is not None:
        details = dict(audit_details or {})
        if status is not None:
            details.setdefault("from", source)
            details.setdefault("to", int(status))
        audit_record(
            actor=actor,
            action=audit or f"dossier.{action}",
            obj=dossier,
            agency_code=audit_agency_code
            if audit_agency_code is not None
            else (agency.code if agency else ""),
            reason=audit_reason,
            details=details or None,
        )
    return event


def _own_sync_target(dossier: Dossier, fields: Iterable[str]) -> SyncStatus | None:
    """The national sync state a change of business status brings to a dossier of the
    portal's own: synchronised when committed, or waiting for the agency's system when the
    change hands the dossier to an external agency (that system's reports synchronise it)."""
    wanted = SyncStatus.SYNCED
    if "competent_agency" in fields:
        agency = dossier.competent_agency
        if agency is not None and agency.is_external:
            wanted = SyncStatus.PENDING
    current = SyncStatus(dossier.sync_status)
    if current == wanted or wanted not in sync.TRANSITIONS[current]:
        return None
    return wanted


def _deliver_if_external(dossier: Dossier) -> None:
    """An external agency (a ministry's own system) gets the dossier by signed webhook."""
    agency = dossier.competent_agency
    if agency is not None and agency.is_external:
        outbox_enqueue(topic="interop.deliver", payload={"dossier_id": dossier.pk})


def _store_result(dossier: Dossier) -> None:
    """An issued result joins the applicant's e-document store, to be reused later."""
    if dossier.applicant_personal_id and dossier.result_file:
        outbox_enqueue(topic="edocuments.store_result", payload={"dossier_id": dossier.pk})


# --- bundles -------------------------------------------------------------------------------


def _bundle_target(parts: list[Dossier]) -> Status | None:
    parts = [p for p in parts if Status(p.status) not in _ENDED] or parts
    statuses = {Status(p.status) for p in parts}
    if statuses <= {Status.RETURNED}:
        return Status.RETURNED
    if statuses <= {Status.RESULT_READY, Status.RETURNED}:
        return Status.RESULT_READY
    if all(p.received_at for p in parts):
        moving = statuses & {
            Status.IN_PROCESSING,
            Status.SUPPLEMENT_REQUESTED,
            Status.PAYMENT_REQUESTED,
            Status.WAITING_COORDINATION,
            Status.RESULT_READY,
            Status.RETURNED,
        }
        return Status.IN_PROCESSING if moving else Status.RECEIVED
    return None


def _rollup_bundle(part: Dossier) -> None:
    """Move the bundle forward along BUNDLE_PROGRESS as its parts progress (same transaction)."""
    assert part.parent_id is not None  # noqa: S101  (called for parts only)
    bundle = lock(part.parent_id)
    parts = list(bundle.parts.all())
    if parts and all(Status(p.status) in _ENDED for p in parts):
        _end_bundle(bundle, parts)
        return
    target = _bundle_target(parts)
    if target is None or Status(bundle.status) not in BUNDLE_PROGRESS:
        return
    current = BUNDLE_PROGRESS.index(Status(bundle.status))
    wanted = BUNDLE_PROGRESS.index(target)
    if wanted <= current:
        return
    now = timezone.now()
    if bundle.received_at is None and wanted >= 1:
        bundle.received_at = max(p.received_at for p in parts if p.received_at)
        bundle.due_at = max((p.due_at for p in parts if p.due_at), default=None)
    for step in BUNDLE_PROGRESS[current + 1 : wanted + 1]:
        extra = ["received_at", "due_at"]
        if step == Status.RESULT_READY:
            bundle.processed_at = now
            extra.append("processed_at")
        if step == Status.RETURNED:
            bundle.returned_at = now
            extra.append("returned_at")
        change(
            bundle,
            action="bundle_progress",
            status=step,
            fields=extra,
            note=Note("bundle_progress"),
            at=now,
            audit=None,
        )


def _end_bundle(bundle: Dossier, parts: list[Dossier]) -> None:
    """Every part was refused, withdrawn or stopped: the bundle ends too (refused if no part
    was ever received, else stopped), so the applicant is not left with an open dossier."""
    if Status(bundle.status) in _ENDED:
        return
    statuses = {Status(p.status) for p in parts}
    if statuses == {Status.WITHDRAWN}:
        final = Status.WITHDRAWN
    elif bundle.status == Status.SUBMITTED:
        final = Status.REFUSED
    else:
        final = Status.STOPPED
    if final not in business.TRANSITIONS.get(Status(bundle.status), frozenset()):
        return
    change(
        bundle,
        action="bundle_progress",
        status=final,
        note=Note("bundle_ended"),
        audit=None,
    )


# --- dossiers synchronised from connected systems (issue 13) ---------------------------------

#: sent in the writing transaction with `dossier_ids` after a synchronised batch is written
#: (bulk writes send no model signal; the dashboards mark those dossiers for their drain)
dossiers_synchronised = Signal()

SYNCED_STEP_ACTION = "synced_step"


def synced_chain_error(statuses: list[int]) -> int | None:
    """The index of the first status of `statuses` (a dossier's initial status followed by
    its steps' statuses in time order) that the business table forbids after the one before
    it; None when the whole chain is allowed. A step that keeps the status (a hand-over
    inside processing) is allowed."""
    for i in range(1, len(statuses)):
        before, after = Status(statuses[i - 1]), Status(statuses[i])
        if before != after and after not in business.TRANSITIONS.get(before, frozenset()):
            return i
    return None


@dataclass
class SyncedStep:
    """One processing step reported by a connected system (`CapNhatTienDoHoSoMC`)."""

    external_id: str
    at: dt.datetime
    status: int
    from_status: int | None
    note: str = ""
    role: str = ""
    agency_id: int | None = None
    step_due_at: dt.datetime | None = None


@dataclass
class SyncedDossier:
    """What a connected system's message does to one dossier: insert it (`dossier` None,
    `fields` are its columns) or update the locked `dossier` (`fields` the columns to set);
    `status` and `sync_status` its states after the message; `steps` its new timeline
    entries; `relink` the existing entries whose status before changed because a late step
    was placed before them (entry id -> status before)."""

    fields: dict[str, Any]
    status: int
    sync_status: str
    dossier: Dossier | None = None
    steps: list[SyncedStep] = field(default_factory=list)
    relink: dict[int, int | None] = field(default_factory=dict)


def lock_codes(codes: Iterable[str]) -> dict[str, Dossier]:
    """The dossiers with these codes, locked until the caller's transaction ends."""
    _require_transaction()
    found = {}
    for dossier in Dossier.objects.select_for_update(of=("self",)).filter(code__in=list(codes)):
        setattr(dossier, _LOCKED, True)
        found[dossier.code] = dossier
    return found


def write_synchronised(items: list[SyncedDossier], *, arrived_at: dt.datetime) -> list[int]:
    """Apply a connected system's batch in bulk, in the caller's transaction: the dossiers
    inserted or updated, their steps appended to the timeline; returns the dossiers' ids in
    the items' order. The caller has checked every chain of statuses with
    `synced_chain_error`; each change is checked again here against the tables, and nothing
    is written if one fails. Applicants are not notified by the portal: the system that
    processes the dossier notifies its applicants itself (it has their consent and channel),
    and the portal shows every step in My dossiers and tracking.
    """
    _require_transaction()
    inserts: list[dict[str, Any]] = []
    updates: list[Dossier] = []
    update_fields: set[str] = set()
    for item in items:
        if item.dossier is None:
            if not 1 <= int(item.status) <= 10:
                raise _not_allowed(None, item.status)
            inserts.append({**item.fields, "status": item.status, "sync_status": item.sync_status})
            continue
        dossier = item.dossier
        if not getattr(dossier, _LOCKED, False):
            raise NotLocked(f"dossier {dossier.pk} was not locked by dossiers.transitions")
        if int(dossier.status) != int(item.status) and not item.steps:
            business.check_transition(dossier.status, item.status)
        if dossier.sync_status != item.sync_status:
            sync.check_transition(dossier.sync_status, item.sync_status)
        for machine in ("payment", "delivery"):
            name, check = MACHINES[machine]
            if name in item.fields and item.fields[name] != getattr(dossier, name):
                check(getattr(dossier, name), item.fields[name])
        for name, value in item.fields.items():
            setattr(dossier, name, value)
        dossier.status = item.status
        dossier.sync_status = item.sync_status
        dossier.updated_at = arrived_at
        update_fields.update(item.fields)
        updates.append(dossier)
    new_ids = insert_rows(Dossier, inserts, now=arrived_at)
    if updates:
        names = sorted({*update_fields, "status", "sync_status", "updated_at"})
        targets = [concrete_field(Dossier, name) for name in names]
        update_rows(
            Dossier,
            [{"id": d.pk, **{f.attname: getattr(d, f.attname) for f in targets}} for d in updates],
            [f.attname for f in targets],
            now=arrived_at,
        )
    ids = list(_written(items, new_ids))
    events: list[dict[str, Any]] = []
    relinked: list[dict[str, Any]] = []
    for item, dossier_id in zip(items, ids, strict=True):
        for step in item.steps:
            events.append(
                {
                    "dossier_id": dossier_id,
                    "at": step.at,
                    "action": SYNCED_STEP_ACTION,
                    "actor_role": step.role[:32],
                    "agency_id": step.agency_id,
                    "from_status": step.from_status,
                    "to_status": step.status,
                    "note": step.note,
                    "step_due_at": step.step_due_at,
                    "external_id": step.external_id,
                    "arrived_at": arrived_at,
                }
            )
        relinked.extend({"id": pk, "from_status": s} for pk, s in item.relink.items())
    insert_rows(DossierEvent, events, now=arrived_at, page_size=1000, returning=False)
    update_rows(DossierEvent, relinked, ["from_status"], now=arrived_at)
    dossiers_synchronised.send(sender=Dossier, dossier_ids=ids)
    return ids


def _written(items: list[SyncedDossier], new_ids: list[int]) -> Iterable[int]:
    """The id of the dossier each item wrote, in the items' order."""
    inserted = iter(new_ids)
    for item in items:
        yield item.dossier.pk if item.dossier is not None else next(inserted)

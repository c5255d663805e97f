"""What the applicant is told about a timeline entry, in their language (`compose`).

`event_kind` decides whether an entry is worth telling and which wording it gets;
`compose` renders the title and the text of every channel from the templates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext_lazy as _

from dossiers.notes import event_note
from dossiers.states.business import Status
from dossiers.states.delivery import DeliveryMethod
from portal import sms

if TYPE_CHECKING:
    import datetime as dt

    from dossiers.models import DossierEvent

#: actions whose wording does not follow from the status they lead to
ACTION_KINDS = {
    "submitted": "submitted",
    "resubmitted": "resubmitted",
    "payment_confirmed": "payment_confirmed",
    "extended": "extended",
    "fee_paid": "fee_paid",
    "result_revoked": "result_revoked",
}
#: entries the applicant is not told about (see the package docstring)
INTERNAL_ACTIONS = frozenset(
    {"routed", "triage", "assigned", "step", "counter_submitted", "due_soon", "overdue"}
)
STATUS_KINDS = {
    Status.RECEIVED: "received",
    Status.REFUSED: "refused",
    Status.IN_PROCESSING: "processing",
    Status.SUPPLEMENT_REQUESTED: "supplement_requested",
    Status.PAYMENT_REQUESTED: "payment_requested",
    Status.RESULT_READY: "result_issued",
    Status.RETURNED: "returned",
    Status.WITHDRAWN: "withdrawn",
    Status.STOPPED: "stopped",
    Status.TRANSFERRED: "transferred",
}
TITLES = {
    "submitted": _("Dossier submitted online"),
    "received": _("Dossier received"),
    "refused": _("Dossier refused at reception"),
    "processing": _("Dossier in processing"),
    "supplement_requested": _("Supplement to your dossier requested"),
    "resubmitted": _("Supplement sent; processing resumes"),
    "payment_requested": _("Payment of financial obligations requested"),
    "payment_confirmed": _("Payment confirmed; processing continues"),
    "extended": _("New date for returning the result"),
    "result_issued": _("Result of your dossier ready"),
    "returned": _("Result returned"),
    "withdrawn": _("Dossier withdrawn"),
    "stopped": _("Processing of your dossier stopped"),
    "transferred": _("Dossier transferred to another agency"),
    "fee_paid": _("Payment for your dossier received"),
    "result_revoked": _("The result of your dossier was revoked"),
}
#: kinds whose e-mail carries the receipt (slip 01)
RECEIPT_KINDS = frozenset({"submitted", "received"})
#: kinds whose wording shows the event's note in its own place (reason, what is missing...)
NOTE_KINDS = frozenset(
    {"refused", "supplement_requested", "payment_requested", "extended", "stopped"}
)
#: kinds whose note, when there is one, follows the text as "Note: ..."; the other kinds'
#: notes are written by the services in the officer's language and restated here instead
OTHER_NOTE_KINDS = frozenset(
    {"received", "processing", "resubmitted", "payment_confirmed", "withdrawn", "transferred"}
)


def event_kind(event: DossierEvent) -> str | None:
    """The wording for this timeline entry, or None when the applicant is not told."""
    if event.action in INTERNAL_ACTIONS:
        return None
    if event.action in ACTION_KINDS:
        return ACTION_KINDS[event.action]
    if event.to_status is None or event.from_status is None:
        return None  # an entry without a transition, written by the system
    if event.to_status == event.from_status:
        return None  # a note, an assignment, a workflow step: no change of status
    if event.from_status == Status.WAITING_COORDINATION and event.to_status == Status.IN_PROCESSING:
        return None  # the applicant was not told processing paused for coordination
    return STATUS_KINDS.get(Status(event.to_status))


@dataclass(frozen=True)
class DossierNotice:
    kind: str
    language: str
    title: str
    email_subject: str
    email_body: str
    portal_body: str
    sms_body: str

    @property
    def attach_receipt(self) -> bool:
        return self.kind in RECEIPT_KINDS


def _when(value: dt.datetime | None) -> str:
    return dateformat.format(timezone.localtime(value), "d/m/Y H:i") if value else ""


_BLANK_LINES = re.compile(r"\n{3,}")


def _clean(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines))


def _context(event: DossierEvent, kind: str) -> dict[str, Any]:
    dossier = event.dossier
    agency = event.agency or dossier.competent_agency or dossier.target_agency
    return {
        "kind": kind,
        "dossier": dossier,
        "event": event,
        "code": dossier.code,
        "procedure": dossier.procedure_version.procedure.label,
        "agency": agency.label if agency else _("the competent agency"),
        "submitted_at": _when(dossier.submitted_at),
        "received_at": _when(dossier.received_at or event.at),
        "due_at": _when(dossier.due_at),
        "note": event_note(event).strip() if kind in NOTE_KINDS else "",
        "other_note": event_note(event).strip() if kind in OTHER_NOTE_KINDS else "",
        "delivery": dossier.delivery_method,
        "delivery_label": dossier.get_delivery_method_display(),
        "DELIVERY_ONLINE": DeliveryMethod.ONLINE,
        "DELIVERY_IN_PERSON": DeliveryMethod.IN_PERSON,
        "DELIVERY_POST": DeliveryMethod.POST,
        "result_number": dossier.result_number,
        "revocation_reason": dossier.result_revocation_reason,
        "replacement_number": _replacement_number(dossier) if kind == "result_revoked" else "",
        "url": settings.PORTAL_BASE_URL.rstrip("/")
        + reverse("dossiers:mine_detail", kwargs={"code": dossier.code}),
        "attach_receipt": kind in RECEIPT_KINDS,
        **(_paid(dossier) if kind == "fee_paid" else {}),
        **(_supplement(event) if kind == "supplement_requested" else {}),
    }


def _replacement_number(dossier: Any) -> str:
    """The number of the result that replaces a revoked one ("" when none does)."""
    replacement = dossier.result_replaced_by
    return replacement.result_number if replacement is not None else ""


def _supplement(event: DossierEvent) -> dict[str, Any]:
    """The rows of the supplement request this entry records (one per item, with its reason)
    and the officer's note, to be listed rather than run together in one line."""
    round_ = (
        event.dossier.supplements.filter(requested_at__lte=event.at)
        .order_by("-requested_at")
        .first()
    )
    if round_ is None:
        return {}
    return {"supplement_items": round_.items, "supplement_note": round_.note.strip()}


def _paid(dossier: Any) -> dict[str, str]:
    """The amount, transaction and receipt of the dossier's latest paid payment (payments/)."""
    payment = dossier.payments.filter(state="paid").order_by("-paid_at", "-id").first()
    if payment is None:
        return {}
    path = reverse(
        "payments:receipt", kwargs={"code": dossier.code, "reference": payment.reference}
    )
    return {
        "paid_amount": f"{payment.amount:,}".replace(",", ".") + " VND",
        "transaction": payment.platform_transaction_id,
        "payment_receipt_url": settings.PORTAL_BASE_URL.rstrip("/") + path,
    }


def compose(event: DossierEvent, language: str | None = None) -> DossierNotice | None:
    """Render what every channel says about this entry in `language`, else the applicant's
    (the language they last chose or signed in with), else the dossier's (the one they
    submitted it in)."""
    kind = event_kind(event)
    if kind is None:
        return None
    applicant = event.dossier.applicant
    language = (
        language
        or (applicant.language if applicant else "")  # the one they last used, if known
        or event.dossier.language
        or settings.LANGUAGE_CODE
    )
    with translation.override(language):
        context = _context(event, kind)
        title = str(TITLES[kind])
        return DossierNotice(
            kind=kind,
            language=language,
            title=title,
            email_subject=f"[{event.dossier.code}] {title}",
            email_body=_clean(render_to_string("emails/dossier_event.txt", context)) + "\n",
            portal_body=_clean(render_to_string("emails/dossier_event_portal.txt", context)),
            sms_body=sms.prepare_body(render_to_string("emails/dossier_event_sms.txt", context)),
        )

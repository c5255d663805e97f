"""`{% payment_panel dossier %}` for the applicant's pages, `{% payment_summary dossier %}`
for the back-office: what is owed, how the latest attempt went, the receipts."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from dossiers.models import Dossier
from dossiers.states.business import FINAL

from .. import services
from ..states import PaymentState

register = template.Library()


def _lines(dossier: Dossier, due: services.Payable | None) -> list[dict[str, Any]]:
    """What can be paid now, else the procedure's fees (shown beside a paid status)."""
    english = (get_language() or "vi").startswith("en")
    return [
        {"label": (line.label_en if english else "") or line.label, "amount": line.amount}
        for line in (due.lines if due else services.fee_lines(dossier))
    ]


@register.inclusion_tag("payments/_panel.html", takes_context=True)
def payment_panel(context: template.Context, dossier: Dossier) -> dict[str, Any]:
    payments = list(dossier.payments.order_by("-created_at", "-id"))
    due = services.payable(dossier)
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "dossier": dossier,
        "due": due.amount if due else 0,
        "obligation": due is not None and due.obligation is not None,
        "lines": _lines(dossier, due),
        "latest": payments[0] if payments else None,
        "paid": [p for p in payments if p.state == PaymentState.PAID],
        "states": PaymentState,
    }


@register.inclusion_tag("payments/_backoffice_summary.html")
def payment_summary(dossier: Dossier) -> dict[str, Any]:
    payments = list(dossier.payments.order_by("-created_at", "-id"))
    return {
        "dossier": dossier,
        "latest": payments[0] if payments else None,
        "count": len(payments),
    }


@register.filter
def vnd(amount: int | None) -> str:
    """50000 -> "50.000 VND"."""
    return f"{int(amount or 0):,}".replace(",", ".") + " VND"


@register.filter
def awaits_payment(dossier: Dossier) -> bool:
    """Unpaid (or failed) and still open: no query, for lists."""
    return dossier.payment_status in {"unpaid", "failed"} and dossier.status not in FINAL

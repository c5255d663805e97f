"""Reads of payments, scoped to who may see them: a payment that is not yours is a 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from dossiers.models import Dossier
from portal.models import User

from .models import CallbackLog, Payment


def payments_of_dossier(*, dossier: Dossier) -> QuerySet[Payment]:
    return dossier.payments.order_by("-created_at", "-id")


def payment_of_applicant(*, user: User, reference: str) -> Payment:
    if not user.is_authenticated:
        raise Http404
    payment = (
        Payment.objects.select_related("dossier__procedure_version__procedure")
        .filter(reference=reference, dossier__applicant=user)
        .first()
    )
    if payment is None:
        raise Http404
    return payment


def callback_log_of_dossier(*, dossier: Dossier) -> QuerySet[CallbackLog]:
    """The callbacks of the dossier's payments (the officer reached the dossier through
    dossiers.selectors.dossier_for_officer, which scopes by agency)."""
    return CallbackLog.objects.filter(payment__dossier=dossier).select_related("payment")

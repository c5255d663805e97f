"""Reads of dossiers. Every selector takes the acting user and filters by what they may see:
a dossier that is not yours is absent (404), never forbidden (403)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from agencies.models import Agency
from portal.models import User

from .models import Dossier, DossierEvent
from .states.business import Status


def _base() -> QuerySet[Dossier]:
    return Dossier.objects.select_related(
        "procedure_version__procedure", "competent_agency", "commune__province"
    )


def dossiers_of_applicant(*, user: User) -> QuerySet[Dossier]:
    if not user.is_authenticated:
        return Dossier.objects.none()
    return _base().filter(applicant=user).order_by("-submitted_at")


def dossier_of_applicant(*, user: User, code: str) -> Dossier:
    dossier = dossiers_of_applicant(user=user).filter(code=code).first()
    if dossier is None:
        raise Http404
    return dossier


def officer_agencies(*, user: User) -> QuerySet[Agency]:
    if not user.is_authenticated:
        return Agency.objects.none()
    return Agency.objects.filter(memberships__user=user).distinct().order_by("name")


def dossiers_for_officer(*, user: User, agency: Agency | None = None) -> QuerySet[Dossier]:
    agencies = officer_agencies(user=user)
    if agency is not None:
        agencies = agencies.filter(pk=agency.pk)
    return (
        _base()
        .filter(competent_agency__in=agencies)
        .exclude(status=Status.DRAFT)
        .order_by("due_at", "submitted_at")
    )


def dossier_for_officer(*, user: User, code: str) -> Dossier:
    dossier = dossiers_for_officer(user=user).filter(code=code).first()
    if dossier is None:
        raise Http404
    return dossier


def dossier_public_lookup(*, code: str, id_last4: str) -> Dossier | None:
    """The dossier with this code whose applicant's identification number ends in id_last4.

    A wrong code and wrong digits give the same answer (None)."""
    code = code.strip().upper()
    id_last4 = id_last4.strip()
    if len(id_last4) != 4 or not id_last4.isdigit():
        return None
    dossier = _base().filter(code=code).first()
    if dossier is None or not dossier.applicant_personal_id.endswith(id_last4):
        return None
    return dossier


def timeline(*, dossier: Dossier) -> QuerySet[DossierEvent]:
    return dossier.events.select_related("agency").order_by("at", "id")

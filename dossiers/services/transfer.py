"""Transfer between agencies (lien thong) and withdrawal by the applicant."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from agencies.models import Agency
from portal.models import User

from .. import transitions
from ..models import (
    Dossier,
)
from ..notes import Note, agency_name
from ..permissions import ActionNotPermitted, require
from ..states import business
from ..states.business import Status
from .common import (
    _lock,
    officer_role,
)


def dossier_transfer(
    *, dossier: Dossier, officer: User | None, agency: Agency | None, to_agency: Agency, reason: str
) -> Dossier:
    """Send a dossier to another agency (lien thong), before or after reception, or out of
    triage. After reception the clock keeps running: the due date does not restart.

    `agency` is the officer's agency; None with a staff user who works the triage queue."""
    with transaction.atomic(durable=True):
        if agency is not None and officer is not None:
            require(officer, agency, "transfer")
        elif officer is None or not officer.has_perm("dossiers.triage_dossier"):
            raise ActionNotPermitted("transfer")
        dossier = _lock(dossier)
        if to_agency == dossier.competent_agency:
            raise ValueError(_("The dossier is already with this agency."))
        business.check_transition(dossier.status, Status.TRANSFERRED)
        previous = dossier.competent_agency
        dossier.competent_agency = to_agency
        dossier.receiving_agency = to_agency
        dossier.assigned_to = None
        transitions.change(
            dossier,
            action="transferred",
            status=Status.TRANSFERRED,
            fields=["competent_agency", "receiving_agency", "assigned_to"],
            actor=officer,
            role=officer_role(officer, agency) if officer and agency else "triage",
            agency=to_agency,
            note=Note(
                "transferred",
                {"old": agency_name(previous), "new": agency_name(to_agency), "reason": reason},
            ),
            audit="dossier.transfer",
            audit_reason=reason[:200],
            audit_details={"from": previous.code if previous else None, "to": to_agency.code},
        )
    return dossier


def dossier_withdraw(*, dossier: Dossier, applicant: User, reason: str = "") -> Dossier:
    """The applicant withdraws a dossier that has no result yet."""
    with transaction.atomic(durable=True):
        dossier = _lock(dossier)
        if dossier.applicant_id != applicant.pk:
            raise PermissionError("only the applicant withdraws")
        business.check_transition(dossier.status, Status.WITHDRAWN)
        for part in transitions.lock_parts(dossier):
            if Status.WITHDRAWN in business.TRANSITIONS.get(Status(part.status), frozenset()):
                # the bundle itself is withdrawn below, in this transaction: no roll-up
                transitions.change(
                    part,
                    action="withdrawn",
                    status=Status.WITHDRAWN,
                    actor=applicant,
                    role="applicant",
                    agency=part.competent_agency,
                    note=reason,
                    audit=None,
                    rollup=False,
                )
        transitions.change(
            dossier,
            action="withdrawn",
            status=Status.WITHDRAWN,
            actor=applicant,
            role="applicant",
            agency=dossier.competent_agency,
            note=reason,
            audit="dossier.withdraw",
            audit_agency_code="",
        )
    return dossier

"""The factories' lifecycle traits describe states the services can reach: the status is
reachable from "submitted" in the business machine's table, and the dates are in order."""

from __future__ import annotations

import pytest

from dossiers.states.business import TRANSITIONS, Status
from tests.factories import DossierFactory, OfficerFactory

pytestmark = pytest.mark.django_db

TRAITS = ("received", "in_processing", "supplement_requested", "result_ready", "returned",
          "refused", "overdue")  # fmt: skip


def reachable(start: Status) -> set[Status]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in TRANSITIONS.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@pytest.mark.parametrize("trait", TRAITS)
def test_each_trait_is_a_state_the_machine_reaches_with_dates_in_order(trait):
    dossier = DossierFactory(**{trait: True})
    dossier.refresh_from_db()
    assert dossier.status in reachable(Status.SUBMITTED)
    moments = [
        dossier.submitted_at,
        dossier.received_at,
        dossier.paused_at,
        dossier.processed_at,
        dossier.returned_at,
    ]
    present = [m for m in moments if m is not None]
    assert present == sorted(present)
    if dossier.received_at:
        assert dossier.due_at is not None


def test_an_officer_belongs_to_the_agency_given(agency_hk):
    officer = OfficerFactory(agency=agency_hk)
    assert set(officer.memberships.values_list("agency__code", "role")) == {
        (agency_hk.code, "reception"),
        (agency_hk.code, "specialist"),
        (agency_hk.code, "leader"),
    }
    assert officer.check_password("pw-officer-123")

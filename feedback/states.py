"""The state machine of a complaint (phan anh, kien nghi); services check every change here."""

from __future__ import annotations

from dossiers.states import TransitionNotAllowed, check

from .models import ComplaintStatus

C = ComplaintStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    # waiting in the national triage queue (no responsible agency known yet)
    C.SUBMITTED: frozenset({C.ROUTED, C.REJECTED}),
    C.ROUTED: frozenset({C.IN_PROGRESS, C.ANSWERED, C.REJECTED}),
    C.IN_PROGRESS: frozenset({C.ANSWERED, C.REJECTED}),
    # the author rates the answer, which closes the complaint
    C.ANSWERED: frozenset({C.CLOSED}),
    C.CLOSED: frozenset(),
    C.REJECTED: frozenset(),
}

__all__ = ["TRANSITIONS", "TransitionNotAllowed", "check_transition"]


def check_transition(source: str, target: str) -> None:
    check("complaint status", TRANSITIONS, C(source), C(target))

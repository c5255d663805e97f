"""Which officer role may take which feedback action (same style as dossiers/permissions.py).

Any officer of the agency reads its ratings and complaints; these roles act on them.
"""

from __future__ import annotations

from agencies.models import Agency, OfficerRole
from dossiers.permissions import ActionNotPermitted, officer_roles
from portal.models import User

R = OfficerRole
ACTION_ROLES: dict[str, frozenset[str]] = {
    "respond_rating": frozenset({R.RECEPTION, R.SPECIALIST, R.LEADER, R.ADMIN}),
    "reopen_review": frozenset({R.LEADER, R.ADMIN}),
    "take_complaint": frozenset({R.RECEPTION, R.SPECIALIST, R.LEADER, R.ADMIN}),
    "answer_complaint": frozenset({R.SPECIALIST, R.LEADER, R.ADMIN}),
    "reject_complaint": frozenset({R.LEADER, R.ADMIN}),
    "publish_complaint": frozenset({R.LEADER, R.ADMIN}),
}

__all__ = ["ACTION_ROLES", "ActionNotPermitted", "officer_may", "require"]


def officer_may(officer: User, agency: Agency | None, action: str) -> bool:
    if agency is None:
        return False
    return bool(officer_roles(officer, agency) & ACTION_ROLES[action])


def require(officer: User, agency: Agency | None, action: str) -> None:
    if not officer_may(officer, agency, action):
        raise ActionNotPermitted(action)

"""Which officer role may take which back-office action (one table, checked by the services)."""

from __future__ import annotations

from agencies.models import Agency, OfficerRole
from portal.models import User

R = OfficerRole
ACTION_ROLES: dict[str, frozenset[str]] = {
    "receive": frozenset({R.RECEPTION}),
    "refuse": frozenset({R.RECEPTION, R.LEADER}),
    "request_supplement": frozenset({R.RECEPTION, R.SPECIALIST}),
    "assign": frozenset({R.RECEPTION, R.LEADER, R.ADMIN}),
    "process": frozenset({R.SPECIALIST}),
    "advance_step": frozenset({R.SPECIALIST}),
    "request_payment": frozenset({R.SPECIALIST}),
    "payment_confirmed": frozenset({R.RECEPTION, R.SPECIALIST}),
    "approve": frozenset({R.LEADER}),
    # whoever may approve a result may withdraw it (issued in error, or replaced)
    "revoke_result": frozenset({R.LEADER}),
    "return_result": frozenset({R.RECEPTION}),
    "extend": frozenset({R.LEADER}),
    "stop": frozenset({R.LEADER}),
    "transfer": frozenset({R.RECEPTION, R.LEADER, R.ADMIN}),
    "counter_intake": frozenset({R.RECEPTION}),
    # at a certifying agency (dossiers.services.copies): whoever serves at the counter
    "certify_copy": frozenset({R.RECEPTION, R.SPECIALIST, R.LEADER}),
}


class ActionNotPermitted(Exception):
    """The officer's roles in this agency do not include the action."""

    def __init__(self, action: str) -> None:
        super().__init__(f"not permitted: {action}")
        self.action = action


def officer_roles(officer: User, agency: Agency) -> set[str]:
    cache = getattr(officer, "_roles_cache", None)
    if cache is None:
        cache = {}
        officer._roles_cache = cache  # type: ignore[attr-defined]
    if agency.pk not in cache:
        cache[agency.pk] = set(
            officer.memberships.filter(agency=agency).values_list("role", flat=True)
        )
    return cache[agency.pk]


def officer_may(officer: User, agency: Agency, action: str) -> bool:
    return bool(officer_roles(officer, agency) & ACTION_ROLES[action])


def require(officer: User, agency: Agency, action: str) -> None:
    if not officer_may(officer, agency, action):
        raise ActionNotPermitted(action)

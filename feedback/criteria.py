"""The nine optional rating criteria of docs/domain.md section 6 (2/1/0 points each, 18 max)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

#: slug -> question shown to the applicant, in the order of docs/domain.md section 6
CRITERIA: Final[dict[str, Any]] = {
    "total_time": _("Total time compared with the legal time limit"),
    "time_per_agency": _("Time taken by each agency"),
    "contacts_needed": _("Number of times you had to contact the agency"),
    "agencies_contacted": _("Number of agencies you had to contact"),
    "one_stop": _("One-stop handling (one place for everything)"),
    "publicity": _("Publicity of the procedure (clear, published information)"),
    "staff_attitude": _("Attitude of the staff"),
    "complaint_handling": _("Handling of feedback and complaints"),
    "online_service": _("Online service"),
}
POINTS: Final = (2, 1, 0)
MAX_POINTS_PER_CRITERION: Final = 2
MAX_SCORE: Final = MAX_POINTS_PER_CRITERION * len(CRITERIA)


def point_labels() -> dict[int, Any]:
    return {2: _("Good"), 1: _("Acceptable"), 0: _("Poor")}


def validate_criteria(value: Any) -> None:
    """A JSON object {criterion_slug: 0|1|2}; every key known, every value an integer 0-2.

    Booleans are refused (``True == 1`` in Python but means nothing here), and so are strings,
    floats and nulls: the form converts its radio values before they reach the model.
    """
    if not isinstance(value, Mapping):
        raise ValidationError(_("The criteria must be a set of answers."), code="invalid")
    for key, points in value.items():
        if key not in CRITERIA:
            raise ValidationError(
                _("Unknown criterion: %(key)s."), code="unknown", params={"key": str(key)[:40]}
            )
        if isinstance(points, bool) or not isinstance(points, int) or points not in POINTS:
            raise ValidationError(_("Each criterion is scored 0, 1 or 2 points."), code="points")


def criteria_score(value: Mapping[str, int]) -> int:
    """Points over the answered criteria (0-18)."""
    return sum(int(v) for k, v in value.items() if k in CRITERIA)

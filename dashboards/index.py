"""The service index for citizens and businesses (Decision 766/QD-TTg, 100 points), as
versioned code: docs/domain.md section 7, one function per group, with the caps exactly as
written there. Pure functions of raw numerators and denominators (`IndexInputs`), so a score
can be recomputed, explained and stored with the numbers and the version that produced it.

A criterion whose denominator is zero, or whose data the portal does not hold yet, scores
None ("no data"), never a fake 0 or full marks; the total is the sum of the measured
criteria, shown with the points that were measurable (`max_measured`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

FORMULA_VERSION = "766/QD-TTg:2026.1"


@dataclass
class IndexInputs:
    """Every raw count the index needs, for one unit and period."""

    # catalogue (procedures in the unit's remit)
    procedures: int = 0
    procedures_published_on_time: int | None = None  # not in the catalogue yet
    procedures_updated_on_time: int | None = None  # not in the catalogue yet
    procedures_complete: int = 0
    procedures_online: int = 0
    procedures_online_with_dossier: int = 0
    procedures_with_fee: int = 0
    procedures_with_fee_paid_online: int = 0
    procedures_with_fee_payable_online: int = 0
    procedures_population_data: int | None = None
    # dossiers
    dossiers: int = 0
    received: int = 0
    synced: int = 0
    finished: int = 0
    finished_early: int = 0
    finished_on_time: int = 0
    finished_late: int = 0
    processing_within: int = 0
    processing_overdue: int = 0
    online: int = 0
    with_fee: int = 0
    paid_online: int = 0
    e_result: int = 0
    rating_unsatisfied: int = 0
    components: int = 0
    components_digital: int = 0
    components_reused: int = 0
    e_certified_copies: int | None = None
    synced_to_store: int | None = None
    dossiers_population_data: int | None = None
    # complaints (a separate input: the feedback app)
    complaints_due: int | None = None
    complaints_answered_on_time: int | None = None
    complaints_answered: int | None = None
    complaints_author_satisfied: int | None = None
    complaints_author_rated: int | None = None
    complaints_about_dossiers: int | None = None


@dataclass
class Criterion:
    key: str
    label: Any
    max_points: Decimal
    points: Decimal | None
    numerator: int | None
    denominator: int | None
    formula: str

    @property
    def measured(self) -> bool:
        return self.points is not None


@dataclass
class Group:
    number: str
    key: str
    label: Any
    max_points: Decimal
    criteria: list[Criterion] = field(default_factory=list)

    @property
    def points(self) -> Decimal | None:
        measured = [c.points for c in self.criteria if c.points is not None]
        return _round(sum(measured, Decimal(0))) if measured else None

    @property
    def max_measured(self) -> Decimal:
        return sum((c.max_points for c in self.criteria if c.measured), Decimal(0))


@dataclass
class IndexResult:
    formula_version: str
    groups: list[Group]
    has_dossiers: bool = True

    @property
    def total(self) -> Decimal | None:
        """None ("no data") for a period without dossiers, even if catalogue criteria can be
        measured: an index of a period with no service is not a score."""
        if not self.has_dossiers:
            return None
        measured = [g.points for g in self.groups if g.points is not None]
        return _round(sum(measured, Decimal(0))) if measured else None

    @property
    def max_measured(self) -> Decimal:
        return sum((g.max_measured for g in self.groups), Decimal(0))

    def as_json(self) -> dict[str, Any]:
        return {
            "formula_version": self.formula_version,
            "total": _str(self.total),
            "max_measured": str(self.max_measured),
            "groups": [
                {
                    "number": g.number,
                    "key": g.key,
                    "points": _str(g.points),
                    "max_points": str(g.max_points),
                    "criteria": [
                        {
                            **asdict(c),
                            "label": str(c.label),
                            "points": _str(c.points),
                            "max_points": str(c.max_points),
                        }
                        for c in g.criteria
                    ],
                }
                for g in self.groups
            ],
        }


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _d(value: float | int | str | Decimal) -> Decimal:
    return Decimal(str(value))


def ratio(numerator: int | None, denominator: int | None) -> Decimal | None:
    """numerator / denominator, None when either is unknown or the denominator is 0."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return Decimal(numerator) / Decimal(denominator)


def _criterion(
    key: str,
    label: Any,
    max_points: float,
    numerator: int | None,
    denominator: int | None,
    score: Any,
    formula: str,
) -> Criterion:
    """score(r) turns the ratio into points; None when the ratio is unknown."""
    r = ratio(numerator, denominator)
    points = None if r is None else _round(score(r))
    return Criterion(key, label, _d(max_points), points, numerator, denominator, formula)


def _linear(points: int):  # type: ignore[no-untyped-def]
    return lambda r: _d(points) * min(r, Decimal(1))


def group_publicity(i: IndexInputs) -> Group:
    """Group 1, 18 points."""
    group = Group("1", "publicity", _("Publicity and transparency"), _d(18))
    group.criteria = [
        _criterion("published_on_time", _("Procedures published on time"), 6,
                   i.procedures_published_on_time, i.procedures, _linear(6), "6 x a / b"),
        _criterion("updated_on_time", _("Procedures updated on time"), 4,
                   i.procedures_updated_on_time, i.procedures, _linear(4), "4 x a / b"),
        _criterion("published_complete", _("Procedures published with all parts"), 2,
                   i.procedures_complete, i.procedures, _linear(2), "2 x a / b"),
        _criterion("synced", _("Dossiers synchronised in real time / dossiers received"), 6,
                   i.synced, i.received, _linear(6), "6 x a / b"),
    ]  # fmt: skip
    return group


def group_progress(i: IndexInputs) -> Group:
    """Group 2, 20 points: 20 x (early or on time + in processing within the deadline) /
    all dossiers received and processed in the period."""
    group = Group("2", "progress", _("Processing progress"), _d(20))
    on_time = i.finished_early + i.finished_on_time + i.processing_within
    handled = i.finished + i.processing_within + i.processing_overdue
    group.criteria = [
        _criterion("on_time", _("Finished early or on time, or in processing within the deadline"),
                   20, on_time, handled, _linear(20), "20 x a / b"),
    ]  # fmt: skip
    return group


def group_online_service(i: IndexInputs) -> Group:
    """Group 3 (online public service, 22 points) in two parts numbered 3.1 and 3.2 so that no
    two rows read "3.": online service, 12 points: min(2, 2A/0.8) + 4B + min(6, 6C/0.5)."""
    group = Group("3.1", "online_service", _("Online service"), _d(12))
    group.criteria = [
        _criterion("a_offered", _("Procedures offered online / procedures in remit"), 2,
                   i.procedures_online, i.procedures,
                   lambda r: min(_d(2), 2 * r / _d("0.8")), "min(2, 2A / 0.8)"),
        _criterion("b_used", _("Online services with at least one dossier / online services"), 4,
                   i.procedures_online_with_dossier, i.procedures_online, lambda r: 4 * r, "4B"),
        _criterion("c_online", _("Online dossiers / all dossiers"), 6, i.online, i.dossiers,
                   lambda r: min(_d(6), 6 * r / _d("0.5")), "min(6, 6C / 0.5)"),
    ]  # fmt: skip
    return group


def group_online_payment(i: IndexInputs) -> Group:
    """Group 3, 10 points: 6A + min(2, 2.5B) + 2.5C."""
    group = Group("3.2", "online_payment", _("Online payment"), _d(10))
    group.criteria = [
        _criterion("a_paid", _("Dossiers paid online / dossiers with a fee"), 6,
                   i.paid_online, i.with_fee, lambda r: 6 * r, "6A"),
        _criterion("b_procedures_paid",
                   _("Fee procedures with at least one online payment / fee procedures"), 2,
                   i.procedures_with_fee_paid_online, i.procedures_with_fee,
                   lambda r: min(_d(2), _d("2.5") * r), "min(2, 2.5B)"),
        # 2.5C as docs/domain.md writes it, without a cap: the group can reach 10.5 of 10.
        _criterion("c_payable", _("Fee procedures payable online / fee procedures"), 2.5,
                   i.procedures_with_fee_payable_online, i.procedures_with_fee,
                   lambda r: _d("2.5") * r, "2.5C"),
    ]  # fmt: skip
    return group


def group_satisfaction(i: IndexInputs) -> Group:
    """Group 4, 18 points: complaints handled on time (6), complaint handling satisfaction
    (6), dossier satisfaction r = (handled - unsatisfied - complained - late) / handled,
    min(6, 6r/0.9)."""
    group = Group("4", "satisfaction", _("Satisfaction"), _d(18))
    complained = i.complaints_about_dossiers
    if complained is None or i.finished == 0:
        satisfied_numerator = None
    else:
        satisfied_numerator = max(
            0, i.finished - i.rating_unsatisfied - complained - i.finished_late
        )
    group.criteria = [
        _criterion("complaints_on_time", _("Complaints handled on time"), 6,
                   i.complaints_answered_on_time, i.complaints_due, _linear(6), "6 x a / b"),
        _criterion("complaints_satisfied", _("Satisfaction with complaint handling"), 6,
                   i.complaints_author_satisfied, i.complaints_author_rated, _linear(6),
                   "6 x a / b"),
        _criterion("dossier_satisfaction",
                   _("Dossiers handled without dissatisfaction, complaint or delay"), 6,
                   satisfied_numerator, i.finished,
                   lambda r: min(_d(6), 6 * r / _d("0.9")), "min(6, 6r / 0.9)"),
    ]  # fmt: skip
    return group


def group_digitisation(i: IndexInputs) -> Group:
    """Group 5, 22 points."""
    group = Group("5", "digitisation", _("Digitisation"), _d(22))
    group.criteria = [
        _criterion("e_result", _("Legally valid electronic results / finished dossiers"), 6,
                   i.e_result, i.finished, _linear(6), "6 x a / b"),
        _criterion("digitised", _("Dossier components digitised"), 4,
                   i.components_digital, i.components, _linear(4), "4 x a / b"),
        _criterion("e_certified", _("Electronically certified copies"), 2,
                   i.e_certified_copies, i.components, _linear(2), "2 x a / b"),
        _criterion("reused", _("Components reused from earlier results"), 2,
                   i.components_reused, i.components,
                   lambda r: min(_d(2), 2 * r / _d("0.8")), "min(2, 2r / 0.8)"),
        _criterion("synced_to_store", _("Results synchronised to the citizen's store"), 4,
                   i.synced_to_store, i.e_result, _linear(4), "4 x a / b"),
        _criterion("population_dossiers", _("Dossiers using population data"), 2,
                   i.dossiers_population_data, i.dossiers, _linear(2), "2 x a / b"),
        _criterion("population_procedures",
                   _("Procedures connected to the population database"), 2,
                   i.procedures_population_data, i.procedures, _linear(2), "2 x a / b"),
    ]  # fmt: skip
    return group


GROUPS = (
    group_publicity,
    group_progress,
    group_online_service,
    group_online_payment,
    group_satisfaction,
    group_digitisation,
)


def index_compute(inputs: IndexInputs) -> IndexResult:
    return IndexResult(
        FORMULA_VERSION, [group(inputs) for group in GROUPS], has_dossiers=inputs.dossiers > 0
    )

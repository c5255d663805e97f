"""Writes of the dashboards app: the stored index scores. (The rollups are written by
`dashboards.rollups`, from signals and the nightly task.)"""

from __future__ import annotations

from django.db import transaction

from .index import IndexInputs, IndexResult, index_compute
from .models import IndexScore
from .selectors import Period, Unit, index_inputs


def index_score_record(*, unit: Unit, period: Period) -> tuple[IndexResult, IndexInputs]:
    """Compute the index of a unit and period from the rollups and store it with its raw
    numerators, denominators and formula version (one row per unit, period and version)."""
    inputs = index_inputs(unit, period)
    result = index_compute(inputs)
    with transaction.atomic():
        IndexScore.objects.update_or_create(
            unit_kind=unit.kind,
            unit_id=unit.pk,
            period=period.key,
            formula_version=result.formula_version,
            defaults={
                "total": result.total,
                "max_measured": result.max_measured,
                "detail": {"inputs": inputs.__dict__, "result": result.as_json()},
            },
        )
    return result, inputs

"""The 100-point index (Decision 766/QD-TTg, docs/domain.md 7): hand-computed expected values for
every group, the caps, and empty periods ("no data", never a fake 0 or full marks)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dashboards.index import (
    FORMULA_VERSION,
    IndexInputs,
    group_digitisation,
    group_online_payment,
    group_online_service,
    group_progress,
    group_publicity,
    group_satisfaction,
    index_compute,
)

D = Decimal


def points(group) -> dict[str, Decimal | None]:
    return {c.key: c.points for c in group.criteria}


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        # 80 early + 60 on time + 20 within / (180 finished + 20 within + 0 overdue) = 0.8
        (dict(finished=180, finished_early=80, finished_on_time=60, finished_late=40,
              processing_within=20), D("16.00")),
        # overdue dossiers count in the denominator: 50 / (50 + 0 + 50) -> 10
        (dict(finished=50, finished_on_time=50, processing_overdue=50), D("10.00")),
        (dict(finished=3, finished_early=1, finished_on_time=1, finished_late=1), D("13.33")),
        (dict(processing_within=7), D("20.00")),
    ],
)  # fmt: skip
def test_progress(inputs, expected):
    assert group_progress(IndexInputs(**inputs)).points == expected


def test_progress_without_dossiers_is_no_data():
    group = group_progress(IndexInputs())
    assert group.points is None
    assert group.criteria[0].denominator == 0


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        # A = 40/100 -> min(2, 2*0.4/0.8) = 1; B = 30/40 -> 3; C = 100/1000 -> min(6, 6*0.1/0.5) = 1.2
        (dict(procedures=100, procedures_online=40, procedures_online_with_dossier=30,
              dossiers=1000, online=100),
         {"a_offered": D("1.00"), "b_used": D("3.00"), "c_online": D("1.20")}),
        # caps: A = 0.9 -> 2 (not 2.25); C = 0.6 -> 6 (not 7.2)
        (dict(procedures=10, procedures_online=9, procedures_online_with_dossier=9,
              dossiers=10, online=6),
         {"a_offered": D("2.00"), "b_used": D("4.00"), "c_online": D("6.00")}),
        # exactly at the knee: A = 0.8 -> 2, C = 0.5 -> 6
        (dict(procedures=5, procedures_online=4, procedures_online_with_dossier=1,
              dossiers=4, online=2),
         {"a_offered": D("2.00"), "b_used": D("1.00"), "c_online": D("6.00")}),
    ],
)  # fmt: skip
def test_online_service(inputs, expected):
    group = group_online_service(IndexInputs(**inputs))
    assert points(group) == expected
    assert group.points == sum(expected.values())
    assert group.max_points == 12


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        # A = 30/60 -> 3; B = 2/10 -> min(2, 0.5) = 0.5; C = 4/10 -> 1
        (dict(with_fee=60, paid_online=30, procedures_with_fee=10,
              procedures_with_fee_paid_online=2, procedures_with_fee_payable_online=4),
         {"a_paid": D("3.00"), "b_procedures_paid": D("0.50"), "c_payable": D("1.00")}),
        # B = 0.9 -> min(2, 2.25) = 2 (the cap); C = 1 -> 2.5
        (dict(with_fee=1, paid_online=1, procedures_with_fee=10,
              procedures_with_fee_paid_online=9, procedures_with_fee_payable_online=10),
         {"a_paid": D("6.00"), "b_procedures_paid": D("2.00"), "c_payable": D("2.50")}),
    ],
)  # fmt: skip
def test_online_payment(inputs, expected):
    assert points(group_online_payment(IndexInputs(**inputs))) == expected


def test_online_payment_without_fees_is_no_data():
    group = group_online_payment(IndexInputs(procedures=3, dossiers=10))
    assert group.points is None
    assert group.max_measured == 0


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        # r = (100 - 5 - 3 - 2) / 100 = 0.9 -> min(6, 6) = 6; complaints 8/10 -> 4.8; 3/4 -> 4.5
        (dict(finished=100, rating_unsatisfied=5, finished_late=2, complaints_about_dossiers=3,
              complaints_due=10, complaints_answered_on_time=8, complaints_answered=5,
              complaints_author_rated=4, complaints_author_satisfied=3),
         {"complaints_on_time": D("4.80"), "complaints_satisfied": D("4.50"),
          "dossier_satisfaction": D("6.00")}),
        # r = 1 -> capped at 6 (not 6.67); r = 0.45 -> 3
        (dict(finished=10, complaints_about_dossiers=0, complaints_due=0),
         {"complaints_on_time": None, "complaints_satisfied": None,
          "dossier_satisfaction": D("6.00")}),
        (dict(finished=20, rating_unsatisfied=6, finished_late=5, complaints_about_dossiers=0),
         {"complaints_on_time": None, "complaints_satisfied": None,
          "dossier_satisfaction": D("3.00")}),
    ],
)  # fmt: skip
def test_satisfaction(inputs, expected):
    assert points(group_satisfaction(IndexInputs(**inputs))) == expected


def test_satisfaction_without_complaint_data_is_no_data_not_full_marks():
    """Until complaints are loaded, r cannot be computed honestly: 'no data'."""
    group = group_satisfaction(IndexInputs(finished=100, rating_unsatisfied=1))
    assert group.points is None


def test_satisfaction_never_negative():
    group = group_satisfaction(
        IndexInputs(finished=10, rating_unsatisfied=8, finished_late=8, complaints_about_dossiers=5)
    )
    assert points(group)["dossier_satisfaction"] == D("0.00")


def test_publicity_measures_what_the_catalogue_holds():
    # all parts 30/40 -> 1.5; synced 90/100 -> 5.4; publication dates: no data
    group = group_publicity(
        IndexInputs(procedures=40, procedures_complete=30, received=100, synced=90)
    )
    assert points(group) == {
        "published_on_time": None,
        "updated_on_time": None,
        "published_complete": D("1.50"),
        "synced": D("5.40"),
    }
    assert group.points == D("6.90")
    assert group.max_measured == 8


def test_digitisation():
    group = group_digitisation(
        IndexInputs(
            finished=50,
            e_result=40,  # 0.8 -> 4.8
            components=200,
            components_digital=150,  # 0.75 -> 3
            components_reused=100,  # 0.5 -> min(2, 1.25) = 1.25
            dossiers=60,
        )
    )
    assert points(group) == {
        "e_result": D("4.80"),
        "digitised": D("3.00"),
        "e_certified": None,
        "reused": D("1.25"),
        "synced_to_store": None,
        "population_dossiers": None,
        "population_procedures": None,
    }
    assert group.max_measured == 12
    capped = group_digitisation(IndexInputs(components=10, components_reused=9))
    assert points(capped)["reused"] == D("2.00")  # 0.9 / 0.8 > 1: capped


def test_whole_index_totals_measured_points_and_carries_the_version():
    inputs = IndexInputs(
        procedures=10, procedures_complete=10, procedures_online=10, procedures_online_with_dossier=10,
        procedures_with_fee=2, procedures_with_fee_paid_online=2, procedures_with_fee_payable_online=2,
        dossiers=100, received=100, synced=100, finished=100, finished_on_time=100, online=100,
        with_fee=10, paid_online=10, e_result=100, components=10, components_digital=10,
        components_reused=10, complaints_due=1, complaints_answered_on_time=1,
        complaints_answered=1, complaints_author_satisfied=1, complaints_author_rated=1,
        complaints_about_dossiers=0,
    )  # fmt: skip
    result = index_compute(inputs)
    assert result.formula_version == FORMULA_VERSION
    # everything measurable is perfect: 100 minus publication dates (10), e-certified copies (2),
    # the store (4) and population data (4) = 80, and online payment as written reaches
    # 6 + 2 + 2.5 = 10.5 of its 10 (no cap in the decree's formula) -> 80.5
    assert result.max_measured == D("80.5")
    assert result.total == D("80.50")
    assert [g.max_points for g in result.groups] == [18, 20, 12, 10, 18, 22]
    detail = result.as_json()
    assert detail["formula_version"] == FORMULA_VERSION
    assert detail["groups"][1]["criteria"][0]["numerator"] == 100


def test_empty_period_is_no_data():
    result = index_compute(IndexInputs())
    assert result.total is None
    assert all(g.points is None for g in result.groups)

"""The nine optional criteria: {slug: 0|1|2}, anything else refused with a clear error."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from feedback.criteria import CRITERIA, MAX_SCORE, criteria_score, validate_criteria
from feedback.forms import RatingForm

SLUGS = [
    "total_time",
    "time_per_agency",
    "contacts_needed",
    "agencies_contacted",
    "one_stop",
    "publicity",
    "staff_attitude",
    "complaint_handling",
    "online_service",
]


def test_the_nine_criteria_of_the_domain_and_18_points_max():
    assert list(CRITERIA) == SLUGS
    assert MAX_SCORE == 18
    assert criteria_score(dict.fromkeys(SLUGS, 2)) == 18
    assert criteria_score({"one_stop": 1, "publicity": 0}) == 1


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ([], "invalid"),
        ("total_time=2", "invalid"),
        (None, "invalid"),
        ({"speed": 2}, "unknown"),
        ({"Total_Time": 2}, "unknown"),
        ({"total_time": 3}, "points"),
        ({"total_time": -1}, "points"),
        ({"total_time": "2"}, "points"),
        ({"total_time": 1.0}, "points"),
        ({"total_time": True}, "points"),
        ({"total_time": None}, "points"),
        ({"total_time": [2]}, "points"),
    ],
)
def test_malformed_criteria_are_refused(value, code):
    with pytest.raises(ValidationError) as info:
        validate_criteria(value)
    assert info.value.code == code


@given(st.dictionaries(st.sampled_from(SLUGS), st.sampled_from([0, 1, 2])))
def test_any_subset_of_criteria_with_valid_points_is_accepted(value):
    validate_criteria(value)
    assert 0 <= criteria_score(value) <= MAX_SCORE


@given(
    st.dictionaries(
        st.text(max_size=20) | st.integers(),
        st.integers() | st.text(max_size=3) | st.booleans() | st.none() | st.floats(),
        min_size=1,
    )
)
def test_random_values_are_either_valid_or_refused_never_crash(value):
    valid = all(
        key in CRITERIA and type(points) is int and points in (0, 1, 2)
        for key, points in value.items()
    )
    if valid:
        validate_criteria(value)
    else:
        with pytest.raises(ValidationError):
            validate_criteria(value)


def test_form_keeps_only_answered_criteria_and_refuses_a_forged_value():
    form = RatingForm(
        {
            "level": "1",
            "criterion_total_time": "2",
            "criterion_one_stop": "0",
            "criterion_publicity": "",
        }
    )
    assert form.is_valid(), form.errors
    assert form.criteria() == {"total_time": 2, "one_stop": 0}
    forged = RatingForm({"level": "1", "criterion_total_time": "7"})
    assert not forged.is_valid()
    assert "criterion_total_time" in forged.errors

"""The payment state machine, as a table."""

from __future__ import annotations

import pytest

from dossiers.states import TransitionNotAllowed
from dossiers.states import payment as dossier_payment
from payments.states import FINAL, OPEN, TRANSITIONS, PaymentState, check_transition

S = PaymentState
ALLOWED = {
    (S.CREATED, S.PENDING),
    (S.CREATED, S.FAILED),
    (S.PENDING, S.PAID),
    (S.PENDING, S.FAILED),
    (S.PENDING, S.CANCELLED),
    (S.PENDING, S.EXPIRED),
}


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("target", list(S))
def test_transition_table(source, target):
    if (source, target) in ALLOWED:
        check_transition(source, target)
    else:
        with pytest.raises(TransitionNotAllowed):
            check_transition(source, target)


def test_every_state_is_in_the_table_and_end_states_are_final():
    assert set(TRANSITIONS) == set(S)
    assert {S.PAID, S.FAILED, S.CANCELLED, S.EXPIRED} == FINAL
    assert {S.CREATED, S.PENDING} == OPEN


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        ("unpaid", "pending", True),
        ("pending", "paid", True),
        ("pending", "failed", True),
        ("pending", "unpaid", True),  # cancelled or expired on the platform
        ("failed", "pending", True),  # pay later
        ("paid", "pending", False),
        ("not_required", "pending", False),
        ("unpaid", "failed", False),
    ],
)
def test_dossier_payment_status_table(source, target, allowed):
    if allowed:
        dossier_payment.check_transition(source, target)
    else:
        with pytest.raises(TransitionNotAllowed):
            dossier_payment.check_transition(source, target)

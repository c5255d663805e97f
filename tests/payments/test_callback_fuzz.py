"""Whatever arrives at the callback URL is answered 4xx, changes nothing and is logged."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from payments import services, signing
from payments.models import CallbackLog, Payment

pytestmark = pytest.mark.django_db

FUZZ = hsettings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
messages = st.fixed_dictionaries(
    {},
    optional={
        **{name: scalars for name in signing.CALLBACK_FIELDS},
        "partner_code": st.sampled_from(["DVCQG", "dvcqg", "", "X"]) | scalars,
        "secure_hash": st.text(alphabet="0123456789abcdef", min_size=64, max_size=64) | scalars,
    },
)
bodies = (
    st.binary(max_size=200)
    | messages.map(lambda m: json.dumps(m).encode())
    | st.lists(scalars, max_size=3).map(lambda v: json.dumps(v).encode())
)


@FUZZ
@given(body=bodies)
@example(body=b"\x00")  # PostgreSQL refuses NUL in text: the log must still be written
@example(body=b'{"partner_code": "DVCQG", "reference": "\\u0000"}')
def test_any_unsigned_body_is_refused_and_logged(body):
    before = CallbackLog.objects.count()
    answer = services.payment_callback(body=body, remote_addr="198.51.100.9")
    assert 400 <= answer.status < 500
    assert answer.code in {"99", "97"}
    log = CallbackLog.objects.order_by("-id").first()
    assert CallbackLog.objects.count() == before + 1
    assert (log.outcome, log.verified) == ("refused", False)
    assert not Payment.objects.exists()

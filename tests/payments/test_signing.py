"""The signature of payment-platform messages: a known answer, the portal and the mock
agree, and the verifier refuses (never crashes on) malformed input."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from national_mocks import payment as mock
from payments import signing

SECRET = "demo-payment-secret"
MESSAGE = {
    "partner_code": "DVCQG",
    "reference": "00070.00.H01-261121-0001-01",
    "amount": 58000,
    "currency": "VND",
    "language": "vi",
    "transaction_info": "Fees of dossier 00070.00.H01-261121-0001",
    "create_time": "20261121093000",
    "client_ip": "203.0.113.7",
    "return_url": "https://dichvucong.example/payments/return/",
    "callback_url": "https://dichvucong.example/payments/callback/",
}


def test_known_answer():
    expected = hashlib.sha256(
        b"DVCQG|00070.00.H01-261121-0001-01|58000|VND|vi|Fees of dossier "
        b"00070.00.H01-261121-0001|20261121093000|203.0.113.7|"
        b"https://dichvucong.example/payments/return/|"
        b"https://dichvucong.example/payments/callback/|demo-payment-secret"
    ).hexdigest()
    assert signing.sign(MESSAGE, signing.INIT_FIELDS, SECRET) == expected
    assert mock.sign(MESSAGE, mock.INIT_FIELDS, SECRET) == expected


def test_field_lists_are_the_same_on_both_sides():
    for name in ("INIT_FIELDS", "INIT_RESPONSE_FIELDS", "CALLBACK_FIELDS", "RETURN_FIELDS"):
        assert getattr(signing, name) == getattr(mock, name)
    assert signing.QUERY_FIELDS == mock.QUERY_FIELDS
    assert signing.QUERY_RESPONSE_FIELDS == mock.QUERY_RESPONSE_FIELDS


def test_verify_accepts_a_good_signature_in_either_case():
    signed = {**MESSAGE, "secure_hash": signing.sign(MESSAGE, signing.INIT_FIELDS, SECRET)}
    assert signing.verify(signed, signing.INIT_FIELDS, SECRET)
    upper = {**signed, "secure_hash": signed["secure_hash"].upper()}
    assert signing.verify(upper, signing.INIT_FIELDS, SECRET)


@pytest.mark.parametrize(
    "change",
    [
        {"amount": 58001},
        {"amount": "58000 "},
        {"reference": "00070.00.H01-261121-0001-02"},
        {"callback_url": "https://attacker.example/"},
        {"secure_hash": "0" * 64},
        {"secure_hash": None},
        {"secure_hash": ""},
        {"amount": True},
        {"transaction_info": "a|b"},
    ],
)
def test_verify_refuses_a_changed_message(change):
    signed = {**MESSAGE, "secure_hash": signing.sign(MESSAGE, signing.INIT_FIELDS, SECRET)}
    assert not signing.verify({**signed, **change}, signing.INIT_FIELDS, SECRET)


def test_verify_refuses_another_secret_and_an_empty_secret():
    signed = {**MESSAGE, "secure_hash": signing.sign(MESSAGE, signing.INIT_FIELDS, "other")}
    assert not signing.verify(signed, signing.INIT_FIELDS, SECRET)
    assert not signing.verify(signed, signing.INIT_FIELDS, "")


def test_a_pipe_cannot_move_a_value_to_the_next_field():
    """ "a|b" + "c" and "a" + "b|c" would hash alike: values with "|" are never signed."""
    with pytest.raises(signing.MalformedValue):
        signing.secure_hash(["a|b", "c"], SECRET)
    assert "|" not in signing.clean_text("Lệ phí | hồ sơ\nmới")
    assert signing.clean_text("Lệ phí | hồ sơ\nmới") == "Lệ phí / hồ sơ mới"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
# a shared machine: slow generation is not a failure of the code under test
FUZZ = hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.dictionaries(st.sampled_from([*signing.CALLBACK_FIELDS, "secure_hash"]), json_values))
def test_verify_never_raises_on_malformed_messages(message):
    assert signing.verify(message, signing.CALLBACK_FIELDS, SECRET) in (True, False)


@FUZZ
@given(json_values)
def test_verify_refuses_what_is_not_a_message(value):
    assert signing.verify(value, signing.CALLBACK_FIELDS, SECRET) is False


@FUZZ
@given(st.text(max_size=64))
def test_verify_refuses_any_guessed_hash(guess):
    message = {"partner_code": "DVCQG", "reference": "R", "secure_hash": guess}
    expected = signing.sign(message, signing.CALLBACK_FIELDS, SECRET)
    assert signing.verify(message, signing.CALLBACK_FIELDS, SECRET) is (guess.lower() == expected)


@FUZZ
@given(st.one_of(st.text(max_size=20), st.integers(), st.none(), st.binary(max_size=20)))
def test_parse_time_never_raises(value):
    parsed = signing.parse_time(value)
    assert parsed is None or parsed.tzinfo is not None


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("20261121093000", True),
        ("20261121093000 ", False),
        ("20261321093000", False),  # month 13
        ("2026112109300", False),
        ("٢٠٢٦١١٢١٠٩٣٠٠٠", False),  # other digits
        ("", False),
    ],
)
def test_parse_time_table(value, ok):
    assert (signing.parse_time(value) is not None) is ok


def test_time_window():
    now = dt.datetime(2026, 11, 21, 2, 30, tzinfo=dt.UTC)  # 09:30 in Vietnam
    assert signing.within("20261121093000", now=now, seconds=600)
    assert signing.within("20261121093959", now=now, seconds=600)
    assert not signing.within("20261121092000", now=now, seconds=599)
    assert not signing.within("garbage", now=now, seconds=600)

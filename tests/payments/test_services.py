"""The payment services against the mock platform over real HTTP: start, callback (signed,
idempotent, refusals logged), reconciliation by QUERY, failure then paying later."""

from __future__ import annotations

import datetime as dt
import json
import secrets

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers.models import DossierEvent
from dossiers.states.payment import PaymentStatus
from payments import services, signing
from payments.client import PlatformUnavailable
from payments.models import CallbackLog, Payment, PaymentEvent
from payments.states import PaymentState
from portal.models import AuditEvent

from .conftest import SECRET, pay_on_platform

pytestmark = pytest.mark.django_db


def start(dossier, citizen):
    return services.payment_start(dossier=dossier, payer=citizen, client_ip="203.0.113.7")


def deliver(client, body: bytes):
    """Hand what the platform sent to the portal's callback URL."""
    return client.post(reverse("payments:callback"), data=body, content_type="application/json")


def resign(body: bytes, **changes) -> bytes:
    """The platform's message with changes, correctly signed again (a fresh attempt)."""
    message = {**json.loads(body), "callback_id": secrets.token_hex(8), **changes}
    message["send_time"] = changes.get("send_time", signing.format_time(timezone.now()))
    message["secure_hash"] = signing.sign(message, signing.CALLBACK_FIELDS, SECRET)
    return json.dumps(message).encode()


def pay_and_capture(payment, sink, method: str = "atm") -> bytes:
    """Pay on the platform; the callback it then sends (the sink keeps the earlier ones)."""
    before = len(sink.received)
    pay_on_platform(payment.payment_url, method=method)
    return sink.wait(before + 1)[before]["body"]


def test_a_dossier_with_fees_is_unpaid_and_one_without_needs_nothing(
    fee_dossier, birth_version, submit, citizen_b
):
    assert fee_dossier.payment_status == PaymentStatus.UNPAID
    assert services.amount_due(fee_dossier) == 58000


def test_free_procedure_needs_no_payment(submit, citizen_a, payment_settings):
    dossier = submit(citizen_a)
    assert dossier.payment_status == PaymentStatus.NOT_REQUIRED
    assert services.amount_due(dossier) == 0
    with pytest.raises(services.NothingToPay):
        start(dossier, citizen_a)


def test_happy_path(client, fee_dossier, citizen_a, payment_settings, sink):
    payment = start(fee_dossier, citizen_a)
    assert payment.state == PaymentState.PENDING
    assert payment.amount == 58000
    assert [line["code"] for line in payment.lines] == ["LP", "BS"]
    assert payment.reference.startswith(f"{fee_dossier.code}-01-")
    assert payment.platform_transaction_id
    fee_dossier.refresh_from_db()
    assert fee_dossier.payment_status == PaymentStatus.PENDING

    body = pay_and_capture(payment, sink)
    response = deliver(client, body)
    assert (response.status_code, response.json()) == (200, {"code": "00", "message": "confirmed"})

    payment.refresh_from_db()
    fee_dossier.refresh_from_db()
    assert payment.state == PaymentState.PAID
    assert payment.paid_at is not None
    assert payment.method == "atm"
    assert fee_dossier.payment_status == PaymentStatus.PAID
    event = DossierEvent.objects.get(dossier=fee_dossier, action="fee_paid")
    assert payment.platform_transaction_id in event.note
    assert list(payment.events.values_list("to_state", flat=True)) == ["pending", "paid"]
    log = CallbackLog.objects.get()
    assert (log.outcome, log.verified, log.payment) == ("accepted", True, payment)
    assert services.amount_due(fee_dossier) == 0
    with pytest.raises(services.NothingToPay):
        start(fee_dossier, citizen_a)


def test_the_same_callback_twice_changes_nothing(
    client, fee_dossier, citizen_a, payment_settings, sink
):
    payment = start(fee_dossier, citizen_a)
    body = pay_and_capture(payment, sink)
    assert deliver(client, body).status_code == 200
    replay = deliver(client, body)  # byte for byte: a replay
    assert (replay.status_code, replay.json()["code"]) == (409, "12")
    retry = deliver(client, resign(body))  # the platform's own retry, signed again
    assert (retry.status_code, retry.json()["code"]) == (200, "02")
    assert DossierEvent.objects.filter(action="fee_paid").count() == 1
    assert PaymentEvent.objects.filter(to_state="paid").count() == 1
    outcomes = list(CallbackLog.objects.order_by("id").values_list("outcome", "reason"))
    assert outcomes == [("accepted", ""), ("refused", "replayed"), ("duplicate", "")]
    assert AuditEvent.objects.filter(action="payment.callback_refused", reason="replayed").exists()


def test_forged_callback_is_refused_and_logged(
    client, fee_dossier, citizen_a, payment_settings, sink
):
    payment = start(fee_dossier, citizen_a)
    body = pay_and_capture(payment, sink, method="declined")  # the real outcome: failed
    forged = json.loads(body)
    forged["result_code"] = "00"  # claims success, keeps the old signature
    response = deliver(client, json.dumps(forged).encode())
    assert (response.status_code, response.json()["code"]) == (403, "97")
    other_secret = {**forged, "callback_id": "x"}
    other_secret["secure_hash"] = signing.sign(other_secret, signing.CALLBACK_FIELDS, "guess")
    assert deliver(client, json.dumps(other_secret).encode()).status_code == 403
    payment.refresh_from_db()
    assert payment.state == PaymentState.PENDING
    logs = CallbackLog.objects.filter(reason="bad_signature")
    assert logs.count() == 2
    assert not logs.filter(verified=True).exists()
    assert (
        AuditEvent.objects.filter(action="payment.callback_refused", reason="bad_signature").count()
        == 2
    )
    # the genuine callback still goes through
    assert deliver(client, body).json()["code"] == "00"
    payment.refresh_from_db()
    assert payment.state == PaymentState.FAILED


@pytest.mark.parametrize(
    ("changes", "status", "reason"),
    [
        ({"send_time": "20200101000000"}, 400, "stale_timestamp"),
        ({"amount": 1000}, 400, "amount_mismatch"),
        ({"currency": "USD"}, 400, "amount_mismatch"),
        ({"reference": "NO-SUCH-REFERENCE"}, 404, "unknown_reference"),
        ({"transaction_id": "OTHER"}, 409, "transaction_mismatch"),
        ({"partner_code": "SOMEONE"}, 403, "unknown_partner"),
    ],
)
def test_signed_but_wrong_callbacks_are_refused(
    client, fee_dossier, citizen_a, payment_settings, sink, changes, status, reason
):
    payment = start(fee_dossier, citizen_a)
    body = pay_and_capture(payment, sink)
    response = deliver(client, resign(body, **changes))
    assert response.status_code == status
    assert CallbackLog.objects.get().reason == reason
    payment.refresh_from_db()
    assert payment.state == PaymentState.PENDING
    assert AuditEvent.objects.filter(action="payment.callback_refused", reason=reason).exists()


def test_a_late_contradicting_callback_is_refused(
    client, fee_dossier, citizen_a, payment_settings, sink
):
    payment = start(fee_dossier, citizen_a)
    body = pay_and_capture(payment, sink)
    deliver(client, body)
    response = deliver(client, resign(body, result_code="51", status="failed"))
    assert (response.status_code, response.json()["code"]) == (409, "03")
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"partner_code": "DVCQG"}'])
def test_malformed_callbacks_are_refused_and_logged(client, payment_settings, body):
    response = deliver(client, body)
    assert 400 <= response.status_code < 500
    assert CallbackLog.objects.get().outcome == "refused"


def test_lost_callback_is_reconciled_by_query(
    platform_factory, settings, fee_dossier, citizen_a, payment_settings, sink
):
    platform = platform_factory(NATIONAL_MOCKS_PAYMENT_CALLBACK_LOST="1")
    settings.PAYMENT_PLATFORM_URL = f"{platform.url}/payment"
    payment = start(fee_dossier, citizen_a)
    pay_on_platform(payment.payment_url)
    assert services.payments_reconcile() == 0  # too recent to ask about
    Payment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now()
        - dt.timedelta(minutes=settings.PAYMENT_RECONCILE_AFTER_MINUTES + 1)
    )
    assert services.payments_reconcile() == 1
    payment.refresh_from_db()
    fee_dossier.refresh_from_db()
    assert payment.state == PaymentState.PAID
    assert payment.query_count == 1
    assert fee_dossier.payment_status == PaymentStatus.PAID
    assert payment.events.last().source == "query"
    assert sink.received == []
    assert DossierEvent.objects.filter(action="fee_paid").count() == 1


def test_query_while_the_platform_is_down_leaves_it_pending(
    platform_factory, settings, fee_dossier, citizen_a, payment_settings
):
    payment = start(fee_dossier, citizen_a)
    down = platform_factory(NATIONAL_MOCKS_DOWN="payment")
    settings.PAYMENT_PLATFORM_URL = f"{down.url}/payment"
    payment = services.payment_query(payment=payment)
    assert payment.state == PaymentState.PENDING
    assert payment.query_count == 1


def test_failure_then_pay_later(client, fee_dossier, citizen_a, payment_settings, sink):
    first = start(fee_dossier, citizen_a)
    deliver(client, pay_and_capture(first, sink, method="declined"))
    first.refresh_from_db()
    fee_dossier.refresh_from_db()
    assert first.state == PaymentState.FAILED
    assert first.result_code == "51"
    assert fee_dossier.payment_status == PaymentStatus.FAILED
    assert services.amount_due(fee_dossier) == 58000

    second = start(fee_dossier, citizen_a)
    assert second.attempt == 2
    assert second.reference.startswith(f"{fee_dossier.code}-02-")
    pay_on_platform(second.payment_url)
    deliver(client, sink.wait(2)[-1]["body"])
    second.refresh_from_db()
    fee_dossier.refresh_from_db()
    assert second.state == PaymentState.PAID
    assert fee_dossier.payment_status == PaymentStatus.PAID


def test_cancel_makes_the_dossier_unpaid_again(
    client, fee_dossier, citizen_a, payment_settings, sink
):
    payment = start(fee_dossier, citizen_a)
    pay_on_platform(payment.payment_url, action="cancel")
    deliver(client, sink.wait(1)[-1]["body"])
    payment.refresh_from_db()
    fee_dossier.refresh_from_db()
    assert payment.state == PaymentState.CANCELLED
    assert fee_dossier.payment_status == PaymentStatus.UNPAID


def test_a_second_click_reuses_the_pending_payment(fee_dossier, citizen_a, payment_settings):
    first = start(fee_dossier, citizen_a)
    again = start(fee_dossier, citizen_a)
    assert again.pk == first.pk
    assert Payment.objects.count() == 1


def test_platform_down_at_start(
    platform_factory, settings, fee_dossier, citizen_a, payment_settings
):
    down = platform_factory(NATIONAL_MOCKS_DOWN="payment")
    settings.PAYMENT_PLATFORM_URL = f"{down.url}/payment"
    with pytest.raises(PlatformUnavailable):
        start(fee_dossier, citizen_a)
    payment = Payment.objects.get()
    fee_dossier.refresh_from_db()
    assert payment.state == PaymentState.FAILED
    assert "503" in payment.failure_reason
    assert fee_dossier.payment_status == PaymentStatus.UNPAID


def test_only_the_applicant_pays(fee_dossier, citizen_b, payment_settings):
    with pytest.raises(PermissionError):
        start(fee_dossier, citizen_b)
    assert not Payment.objects.exists()


def test_a_wrong_secret_on_our_side_is_refused_by_the_platform(
    settings, fee_dossier, citizen_a, payment_settings
):
    from payments.client import PlatformRefused

    settings.PAYMENT_SECRET = "not-the-shared-secret"
    with pytest.raises(PlatformRefused) as refused:
        start(fee_dossier, citizen_a)
    assert refused.value.code == "03"
    assert Payment.objects.get().state == PaymentState.FAILED


def test_obligations_requested_by_the_officer_are_payable_online(
    client, submit, citizen_a, birth_version, agency_hk, officer_hk, payment_settings, sink
):
    """A free procedure; the agency asks for financial obligations (status 6) and the
    applicant pays them online the same way."""
    from dossiers.services import (
        dossier_receive,
        dossier_request_payment,
        dossier_start_processing,
    )
    from dossiers.states.business import Status

    dossier = submit(citizen_a)
    assert dossier.payment_status == PaymentStatus.NOT_REQUIRED
    dossier_receive(dossier=dossier, officer=officer_hk, agency=agency_hk)
    dossier_start_processing(dossier=dossier, officer=officer_hk, agency=agency_hk)
    dossier_request_payment(
        dossier=dossier,
        officer=officer_hk,
        agency=agency_hk,
        amount=120000,
        description="Lệ phí trước bạ | thuế",
    )
    dossier.refresh_from_db()
    assert (dossier.status, dossier.payment_status) == (Status.PAYMENT_REQUESTED, "unpaid")
    assert services.amount_due(dossier) == 120000
    payment = start(dossier, citizen_a)
    assert payment.obligation is not None
    assert payment.lines[0]["label"] == "Lệ phí trước bạ / thuế"
    assert deliver(client, pay_and_capture(payment, sink)).json()["code"] == "00"
    dossier.refresh_from_db()
    payment.obligation.refresh_from_db()
    assert dossier.payment_status == PaymentStatus.PAID
    assert payment.obligation.paid_at is not None
    assert services.amount_due(dossier) == 0


def test_fees_first_then_an_obligation(
    client, fee_dossier, citizen_a, agency_hk, officer_hk, payment_settings, sink
):
    from dossiers.services import (
        dossier_receive,
        dossier_request_payment,
        dossier_start_processing,
    )

    fees = start(fee_dossier, citizen_a)
    deliver(client, pay_and_capture(fees, sink))
    dossier_receive(dossier=fee_dossier, officer=officer_hk, agency=agency_hk)
    dossier_start_processing(dossier=fee_dossier, officer=officer_hk, agency=agency_hk)
    dossier_request_payment(
        dossier=fee_dossier, officer=officer_hk, agency=agency_hk, amount=30000, description="Thuế"
    )
    fee_dossier.refresh_from_db()
    assert fee_dossier.payment_status == PaymentStatus.UNPAID
    assert services.amount_due(fee_dossier) == 30000  # the fees are not asked again
    second = start(fee_dossier, citizen_a)
    assert second.amount == 30000
    body = pay_and_capture(second, sink)
    assert json.loads(body)["reference"] == second.reference
    assert deliver(client, body).json()["code"] == "00"
    fee_dossier.refresh_from_db()
    assert fee_dossier.payment_status == PaymentStatus.PAID


def test_a_withdrawn_dossier_is_not_payable(fee_dossier, citizen_a, payment_settings):
    from dossiers.services import dossier_withdraw

    dossier_withdraw(dossier=fee_dossier, applicant=citizen_a)
    fee_dossier.refresh_from_db()
    assert services.amount_due(fee_dossier) == 0
    with pytest.raises(services.NothingToPay):
        start(fee_dossier, citizen_a)

"""The whole exchange with nothing in between: the portal runs as a live server and the mock
platform calls it back by itself."""

from __future__ import annotations

import time

import pytest

from dossiers.states.payment import PaymentStatus
from payments import services
from payments.models import CallbackLog, Payment
from payments.states import PaymentState

from .conftest import pay_on_platform


@pytest.mark.django_db(transaction=True)
def test_the_platform_calls_the_portal_back(
    live_server, settings, payment_platform, fee_version, submit, citizen_a
):
    settings.PAYMENT_PLATFORM_URL = f"{payment_platform.url}/payment"
    settings.PORTAL_BASE_URL = live_server.url
    settings.PAYMENT_CALLBACK_BASE_URL = live_server.url
    dossier = submit(citizen_a)
    payment = services.payment_start(dossier=dossier, payer=citizen_a, client_ip="203.0.113.7")
    redirect = pay_on_platform(payment.payment_url)
    assert redirect.headers["Location"].startswith(f"{live_server.url}/payments/return/?")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.2)
        payment.refresh_from_db()
        if payment.state != PaymentState.PENDING:
            break
    assert payment.state == PaymentState.PAID
    dossier.refresh_from_db()
    assert dossier.payment_status == PaymentStatus.PAID
    log = CallbackLog.objects.get()
    assert (log.outcome, log.verified, log.http_status) == ("accepted", True, 200)
    assert Payment.objects.count() == 1

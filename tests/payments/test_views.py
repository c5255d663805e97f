"""Where the applicant and the officer meet payments: the Fees panel and Pay now, the return
page (paid / failed / still being confirmed), the receipt, the callback endpoint, the
officer's callback log; only the applicant sees or pays their dossier (others: 404)."""

from __future__ import annotations

import json

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from payments import services
from payments.models import Payment
from payments.states import PaymentState
from tests.conftest import assert_safe_download

from .conftest import pay_on_platform

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(fee_version, submit, citizen_a, agency_hk, agency_bd, officer_hk, officer_bd):
    return submit(citizen_a)


def english(client: Client) -> Client:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def applicant(client, citizen_a) -> Client:
    client.force_login(citizen_a)
    return english(client)


@pytest.fixture
def stranger(citizen_b) -> Client:
    other = Client()
    other.force_login(citizen_b)
    return english(other)


def start_and_pay(applicant: Client, dossier, sink, **pay) -> Payment:
    response = applicant.post(reverse("payments:pay", args=[dossier.code]))
    payment = Payment.objects.get(dossier=dossier, state=PaymentState.PENDING)
    assert response.status_code == 302
    assert response["Location"] == payment.payment_url
    redirect = pay_on_platform(payment.payment_url, **pay)
    payment.return_location = redirect.headers["Location"]  # type: ignore[attr-defined]
    return payment


def return_path(location: str) -> str:
    return location.split(django_settings.PORTAL_BASE_URL, 1)[-1]


def test_detail_submitted_and_list_show_the_fees_and_pay_now(applicant, dossier):
    for name in ("dossiers:mine_detail", "dossiers:submitted"):
        page = applicant.get(reverse(name, args=[dossier.code])).content.decode()
        assert "Birth registration fee" in page
        assert "58.000 VND" in page
        assert "Pay now" in page
        assert reverse("payments:pay", args=[dossier.code]) in page
    assert "Payment due: pay now" in applicant.get(reverse("dossiers:mine")).content.decode()


def test_a_free_dossier_shows_no_fees(applicant, submit, citizen_a, birth_version):
    free = submit(citizen_a)
    page = applicant.get(reverse("dossiers:mine_detail", args=[free.code])).content.decode()
    assert "Pay now" not in page
    assert applicant.post(reverse("payments:pay", args=[free.code])).status_code == 302
    assert not Payment.objects.exists()


def test_pay_now_is_post_only(applicant, dossier):
    assert applicant.get(reverse("payments:pay", args=[dossier.code])).status_code == 405


def test_paid_journey(
    applicant, dossier, payment_settings, sink, django_capture_on_commit_callbacks
):
    payment = start_and_pay(applicant, dossier, sink)
    with django_capture_on_commit_callbacks(execute=True):
        answer = applicant.post(
            reverse("payments:callback"),
            data=sink.wait(1)[0]["body"],
            content_type="application/json",
        )
    assert answer.json()["code"] == "00"
    page = applicant.get(return_path(payment.return_location)).content.decode()
    assert "Payment received" in page
    receipt_url = reverse("payments:receipt", args=[dossier.code, payment.reference])
    assert receipt_url in page
    receipt = applicant.get(receipt_url)
    assert_safe_download(receipt, "application/pdf", f"{payment.reference}-receipt.pdf")
    assert receipt.content.startswith(b"%PDF")
    detail = applicant.get(reverse("dossiers:mine_detail", args=[dossier.code])).content.decode()
    assert "Paid." in detail
    assert "Paid online" in detail  # the timeline
    assert "Pay now" not in detail
    # the applicant is told, with the receipt attached and linked
    from django.utils import translation

    with translation.override(dossier.language):
        subject = str(translation.gettext("Payment for your dossier received"))
    (message,) = [
        m for m in mail.outbox if f"[{dossier.code}]" in m.subject and subject in m.subject
    ]
    assert message.attachments[0][0] == f"{payment.reference}-receipt.pdf"
    assert receipt_url in message.body


def test_declined_then_pay_later_from_my_dossiers(applicant, dossier, payment_settings, sink):
    payment = start_and_pay(applicant, dossier, sink, method="declined")
    applicant.post(
        reverse("payments:callback"), data=sink.wait(1)[0]["body"], content_type="application/json"
    )
    page = applicant.get(return_path(payment.return_location)).content.decode()
    assert "Payment not completed" in page
    assert "The payment was refused." in page
    assert "Nothing was charged." in page
    assert "Payment due: pay now" in applicant.get(reverse("dossiers:mine")).content.decode()
    detail = applicant.get(reverse("dossiers:mine_detail", args=[dossier.code])).content.decode()
    assert "Your last payment did not go through." in detail
    second = start_and_pay(applicant, dossier, sink)
    assert second.attempt == 2


def test_return_before_the_callback_asks_the_platform(
    applicant, dossier, payment_settings, sink, platform_factory, settings
):
    platform = platform_factory(NATIONAL_MOCKS_PAYMENT_CALLBACK_LOST="1")
    settings.PAYMENT_PLATFORM_URL = f"{platform.url}/payment"
    payment = start_and_pay(applicant, dossier, sink)
    page = applicant.get(return_path(payment.return_location)).content.decode()
    assert "Payment received" in page
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID
    assert payment.events.last().source == "return"


def test_return_while_still_pending_says_so_with_a_refresh_link(
    applicant, dossier, payment_settings
):
    applicant.post(reverse("payments:pay", args=[dossier.code]))
    payment = Payment.objects.get()
    url = f"{reverse('payments:return')}?reference={payment.reference}"  # unsigned: no query
    page = applicant.get(url).content.decode()
    assert "Payment being confirmed" in page
    assert "Refresh" in page
    payment.refresh_from_db()
    assert payment.query_count == 0


def test_platform_down_says_so_and_keeps_the_dossier_payable(
    applicant, dossier, payment_settings, platform_factory, settings
):
    down = platform_factory(NATIONAL_MOCKS_DOWN="payment")
    settings.PAYMENT_PLATFORM_URL = f"{down.url}/payment"
    response = applicant.post(reverse("payments:pay", args=[dossier.code]), follow=True)
    page = response.content.decode()
    assert "The payment service cannot be reached right now. Nothing was charged." in page
    assert "Pay now" in page


def test_another_person_gets_404_everywhere(applicant, stranger, dossier, payment_settings, sink):
    payment = start_and_pay(applicant, dossier, sink)
    services.payment_callback(body=sink.wait(1)[0]["body"])
    assert stranger.post(reverse("payments:pay", args=[dossier.code])).status_code == 404
    assert stranger.get(return_path(payment.return_location)).status_code == 404
    receipt = reverse("payments:receipt", args=[dossier.code, payment.reference])
    assert stranger.get(receipt).status_code == 404
    assert Payment.objects.count() == 1
    anonymous = Client()
    assert anonymous.post(reverse("payments:pay", args=[dossier.code])).status_code == 302
    assert anonymous.get(receipt).status_code == 302  # to sign in


def test_the_callback_endpoint_needs_no_csrf_token(payment_settings):
    platform = Client(enforce_csrf_checks=True)
    response = platform.post(
        reverse("payments:callback"), data=json.dumps({"x": 1}), content_type="application/json"
    )
    assert response.status_code == 403  # refused for its signature, not for CSRF
    assert response.json()["code"] == "97"


def test_officer_sees_the_payment_and_the_callback_log(
    client, dossier, officer_hk, officer_bd, officer_login, payment_settings, sink
):
    applicant = Client()
    applicant.force_login(dossier.applicant)
    start_and_pay(applicant, dossier, sink)
    body = sink.wait(1)[0]["body"]
    services.payment_callback(body=body)
    services.payment_callback(body=body)  # a replay, refused and logged
    english(client)
    officer_login(client, officer_hk)
    detail = client.get(reverse("backoffice:detail", args=[dossier.code])).content.decode()
    log_url = reverse("payments:backoffice", args=[dossier.code])
    assert log_url in detail
    page = client.get(log_url).content.decode()
    assert "Payments and callback log" in page
    assert "Accepted" in page
    assert "replayed" in page
    assert "58.000 VND" in page
    other = Client()
    officer_login(other, officer_bd)
    assert other.get(log_url).status_code == 404
    citizen = Client()
    citizen.force_login(dossier.applicant)
    assert citizen.get(log_url).status_code == 404


def test_unsigned_posts_are_throttled_per_address_and_never_stored_in_full(
    applicant, dossier, payment_settings, sink, settings
):
    """Issue 15 finding 6: 50 unsigned posts of 20 KB made 50 log rows of the whole body
    and 50 audit rows. Now an address is answered 429, unread, once 20 were refused, what is
    kept of an unsigned body is its start, size and hash, and the platform is never slowed."""
    from payments.models import CallbackLog
    from portal.models import AuditEvent

    settings.PAYMENT_CALLBACK_UNSIGNED_RATE = "20/m"
    attacker = Client(REMOTE_ADDR="198.51.100.66")
    junk = json.dumps({"partner_code": "DVCQG", "padding": "x" * 20_000}).encode()
    # the clock held still: the 50 posts fall in one window of the rate, however slow the run
    with time_machine.travel(timezone.now(), tick=False):
        statuses = [
            attacker.post(reverse("payments:callback"), data=junk, content_type="application/json")
            for _ in range(50)
        ]
    assert [s.status_code for s in statuses] == [403] * 20 + [429] * 30
    assert statuses[-1].json()["code"] == "98"
    assert int(statuses[-1]["Retry-After"]) >= 1
    assert CallbackLog.objects.count() == 20
    assert AuditEvent.objects.filter(action="payment.callback_refused").count() == 20
    kept = CallbackLog.objects.values_list("body", flat=True)
    assert all(len(body) < 400 and f"{len(junk)} bytes, sha256 " in body for body in kept)
    # the platform, from its own address, is not throttled, and its signed body is kept whole
    payment = start_and_pay(applicant, dossier, sink)
    answer = Client(REMOTE_ADDR="203.0.113.10").post(
        reverse("payments:callback"), data=sink.wait(1)[0]["body"], content_type="application/json"
    )
    assert answer.json()["code"] == "00"
    accepted = CallbackLog.objects.get(outcome="accepted")
    assert accepted.body == sink.wait(1)[0]["body"].decode()
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID

"""A mother pays her dossier's fees on her phone: Pay now on the dossier page, the national
payment platform's page (mock), back to the portal: paid, with the receipt."""

from __future__ import annotations

import copy
import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from dossiers.states.payment import PaymentStatus
from payments.models import Payment
from payments.states import PaymentState
from procedures.models import ChannelKind, Fee

from .journeys import sso_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portal(live_server, national_settings, national_services_factory, settings, agency_hk):
    """The SSO of the session's mocks; a payment platform whose callback is lost, so the
    return page settles the payment by QUERY. (With the callback, its request and the
    browser's would write at once into the test server's in-memory SQLite, which cannot
    wait for a lock; tests/payments/test_end_to_end.py covers the callback path.)"""
    platform = national_services_factory(NATIONAL_MOCKS_PAYMENT_CALLBACK_LOST="1")
    settings.PORTAL_BASE_URL = live_server.url
    settings.PAYMENT_CALLBACK_BASE_URL = live_server.url
    settings.PAYMENT_PLATFORM_URL = f"{platform.url}/payment"
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"].append(settings.PAYMENT_PLATFORM_URL)
    settings.CONTENT_SECURITY_POLICY = policy
    cache.clear()
    return live_server.url


@pytest.fixture
def fee_dossier(birth_version, submit, citizen_a):
    channel = birth_version.channels.get(kind=ChannelKind.ONLINE)
    Fee.objects.create(
        channel=channel, code="LP", amount=58000, description="Lệ phí đăng ký khai sinh"
    )
    return submit(citizen_a)


def test_citizen_pays_the_fees_on_her_phone(portal, fee_dossier, phone, shot):
    dossier = fee_dossier
    page = phone
    page.goto(f"{portal}/login/")
    sso_sign_in(page, "Nguyễn Thị Lan")
    page.goto(f"{portal}/dossiers/{dossier.code}/")
    assert "58.000 VND" in page.content()
    shot(page, "pay-01-dossier")
    page.get_by_role("button", name=re.compile("^(Thanh toán ngay|Pay now)$")).click()

    # the platform's page
    page.get_by_role("heading", name="Thanh toán trực tuyến").wait_for()
    assert "58.000 đồng" in page.content()
    shot(page, "pay-02-platform")
    page.get_by_role("button", name="Thanh toán", exact=True).click()  # no method chosen
    expect(page.get_by_role("alert")).to_have_text("Hãy chọn một phương thức thanh toán.")
    page.get_by_label(re.compile("Thẻ ATM nội địa")).check()
    page.get_by_role("button", name="Thanh toán", exact=True).click()

    # back on the portal
    page.get_by_role("heading", name=re.compile("Đã nhận thanh toán|Payment received")).wait_for()
    shot(page, "pay-03-return")
    payment = Payment.objects.get(dossier=dossier)
    assert payment.state == PaymentState.PAID
    dossier.refresh_from_db()
    assert dossier.payment_status == PaymentStatus.PAID
    link = page.get_by_role("link", name=re.compile("biên lai|receipt", re.I))
    receipt = page.request.get(f"{portal}{link.get_attribute('href')}")  # her session
    assert receipt.headers["content-type"] == "application/pdf"
    assert receipt.body().startswith(b"%PDF")

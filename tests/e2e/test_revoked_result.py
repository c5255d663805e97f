"""A leader revokes a result and names its replacement in a real browser (desktop), then a
person who scans the old result's QR code on a phone is told it was revoked and led to the
replacement. axe (WCAG 2.2 AA) on every page, in Vietnamese; screenshots
result-revoke-*.png / verify-revoked-*.png under PORTAL_SCREENSHOTS."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from dossiers.models import Dossier
from dossiers.services import dossier_issue_result, dossier_receive, dossier_start_processing
from tests.conftest import otp_device
from tests.e2e.a11y import Audit
from tests.e2e.journeys import officer_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
REASON = "Cấp sai ngày sinh của trẻ; đã cải chính theo hồ sơ cải chính hộ tịch"


def _issued(submit, citizen, officer, agency) -> Dossier:
    dossier = dossier_receive(dossier=submit(citizen), officer=officer, agency=agency)
    dossier = dossier_start_processing(dossier=dossier, officer=officer, agency=agency)
    return dossier_issue_result(dossier=dossier, officer=officer, agency=agency)


def test_a_leader_revokes_and_the_qr_code_says_so(
    live_server,
    national_settings,
    settings,
    browser,
    shot,
    submit,
    citizen_a,
    officer_hk,
    agency_hk,
):
    settings.PORTAL_BASE_URL = live_server.url
    cache.clear()
    base = live_server.url
    old = _issued(submit, citizen_a, officer_hk, agency_hk)
    new = _issued(submit, citizen_a, officer_hk, agency_hk)

    desk = browser.new_context(viewport=DESKTOP, locale="vi-VN").new_page()
    audit = Audit(viewport="desktop", shot=shot)
    officer_sign_in(desk, base, "hk.officer", otp_device(officer_hk))
    desk.goto(f"{base}/backoffice/dossiers/{old.code}/")
    desk.get_by_role("link", name="Thu hồi hoặc thay thế kết quả").click()
    audit.check(desk, "result-revoke-form", focus=True)
    desk.get_by_label("Lý do thu hồi kết quả").fill(REASON)
    desk.get_by_label(re.compile("Mã hồ sơ có kết quả thay thế")).fill("KHONG-CO-MA")
    desk.get_by_label("Tôi xác nhận kết quả này không còn giá trị").check()
    desk.get_by_role("button", name="Thu hồi kết quả").click()
    expect(desk.locator(".error-summary")).to_be_visible()
    assert desk.get_by_label("Lý do thu hồi kết quả").input_value() == REASON  # kept
    audit.check(desk, "result-revoke-error")
    shot(desk, "result-revoke-error-desktop")
    desk.get_by_label(re.compile("Mã hồ sơ có kết quả thay thế")).fill(new.code)
    desk.get_by_label("Tôi xác nhận kết quả này không còn giá trị").check()
    desk.get_by_role("button", name="Thu hồi kết quả").click()
    expect(desk.get_by_text("Kết quả này đã bị thu hồi").first).to_be_visible()
    audit.check(desk, "result-revoked-dossier")
    desk.context.close()

    phone = browser.new_context(viewport=PHONE, is_mobile=True, locale="vi-VN").new_page()
    mobile = Audit(viewport="phone", shot=shot)
    phone.goto(f"{base}/verify/{old.verification_token}/")
    heading = phone.get_by_role("heading", level=1)
    assert heading.inner_text() == "Kết quả này đã bị thu hồi: không còn giá trị"
    assert REASON in phone.content()
    mobile.check(phone, "verify-revoked")
    shot(phone, "verify-revoked-phone")
    phone.get_by_role("link", name="Xác thực kết quả thay thế").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Chữ ký số hợp lệ")
    assert new.result_number in phone.content()
    mobile.check(phone, "verify-replacement")
    phone.context.close()
    audit.assert_clean()
    mobile.assert_clean()

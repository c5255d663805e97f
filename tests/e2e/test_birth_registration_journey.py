"""Steps 3 to 8 of the foundation journey, through the browser: a mother signs in with the
national SSO, fills the prefilled e-form on her phone, submits; an officer of the commune of
birth receives, processes and returns the electronic result; an officer of another commune
cannot see it; the mother downloads the result and rates the service; anyone tracks it."""

from __future__ import annotations

import base64
import re

import pytest
from django.core.cache import cache
from django_otp.oath import totp
from playwright.sync_api import expect

from dossiers.models import Dossier
from feedback.models import Rating
from tests.conftest import PDF_BYTES, otp_device
from tests.e2e.journeys import continue_, fill_date, sso_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portal(
    live_server,
    national_settings,
    settings,
    hanoi,
    hoan_kiem,
    ba_dinh,
    agency_hk,
    agency_bd,
    birth_version,
    officer_hk,
    officer_bd,
    tmp_path,
):
    settings.PORTAL_BASE_URL = live_server.url
    cache.clear()
    certificate = tmp_path / "giay-chung-sinh.pdf"
    certificate.write_bytes(PDF_BYTES)
    # hk.officer already has an authenticator app; bd.officer sets hers up in the journey.
    return {"url": live_server.url, "certificate": certificate, "device_hk": otp_device(officer_hk)}


def current_code(key: bytes) -> str:
    """What the officer's authenticator app shows now (TOTP, 30 s, 6 digits)."""
    return f"{totp(key):06d}"


def test_citizen_submits_officer_returns_result_citizen_rates_public_tracks(
    portal, phone, desk, shot
):
    base = portal["url"]
    page = phone

    # 3. Sign in through the national SSO from the procedure page.
    page.goto(f"{base}/procedures/1.001193/")
    shot(page, "01-procedure")
    page.get_by_role("button", name=re.compile("Bắt đầu trực tuyến|Start online")).click()
    sso_sign_in(page, "Nguyễn Thị Lan")

    # 4. The e-form, one question group per page.
    page.get_by_label(re.compile("Họ, chữ đệm và tên của trẻ|Child's full name")).fill(
        "Trần Minh An"
    )
    page.get_by_label(re.compile("^(Nam|Male)$")).check()
    # The date in day / month / year boxes: without the month, the error names what is missing
    # and keeps what was typed.
    group = page.get_by_role("group", name=re.compile("Ngày sinh|Date of birth"))
    group.get_by_label(re.compile("^(Ngày|Day)$")).fill("10")
    group.get_by_label(re.compile("^(Năm|Year)$")).fill("2026")
    continue_(page)
    expect(page.locator(".error-summary").get_by_text("Ngày sinh phải có tháng")).to_be_visible()
    assert group.get_by_label(re.compile("^(Ngày|Day)$")).input_value() == "10"
    shot(page, "02a-date-error")
    fill_date(page, "Ngày sinh|Date of birth", "2026-11-10")
    shot(page, "02-child")
    continue_(page)
    # Each step has its own address: the browser's Back shows the child's page with what was
    # typed, Forward the next one again, and a refresh stays there (nothing posted again).
    expect(page).to_have_url(re.compile("/applicant/$"))
    page.go_back(wait_until="load")
    expect(page).to_have_url(re.compile("/child/$"))
    assert group.get_by_label(re.compile("^(Ngày|Day)$")).input_value() == "10"
    page.go_forward(wait_until="load")
    expect(page).to_have_url(re.compile("/applicant/$"))
    page.reload()
    assert page.url.endswith("/applicant/")
    # the "About you" page, bookmarked or opened again, shows the step with its values
    page.goto(page.url)
    # "About you": her relationship is prefilled from the population database (mother), her
    # contact details from the SSO claims, on the same page.
    expect(page.get_by_label(re.compile("mẹ của trẻ|child's mother"))).to_be_checked()
    expect(page.get_by_label(re.compile("^(Địa chỉ thư điện tử|E-mail address)"))).to_be_visible()
    continue_(page)
    # Mother: prefilled from the national population database, with the source shown.
    assert (
        page.get_by_label(re.compile("^(Họ và tên|Full name)$")).input_value() == "Nguyễn Thị Lan"
    )
    expect(
        page.get_by_text(
            re.compile("Cơ sở dữ liệu quốc gia về dân cư|national population database")
        ).first
    ).to_be_visible()
    shot(page, "03-mother-prefilled")
    continue_(page)
    assert page.get_by_label(re.compile("^(Họ và tên|Full name)$")).input_value() == "Trần Văn Minh"
    continue_(page)
    page.get_by_label(re.compile("tỉnh|province", re.I)).select_option(label="Thành phố Hà Nội")
    continue_(page)
    page.get_by_label(re.compile("xã|commune", re.I)).first.select_option(label="Phường Hoàn Kiếm")
    page.get_by_label(re.compile("^(Nơi sinh|Place of birth)$")).fill("Bệnh viện Phụ sản Hà Nội")
    continue_(page)
    # The upload: a wrong file first, then the certificate.
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "virus.pdf", "mimeType": "application/pdf", "buffer": b"MZ not a pdf"}],
    )
    continue_(page)
    expect(page.locator(".error-summary")).to_be_visible()
    shot(page, "04-upload-error")
    page.set_input_files("input[type=file]", str(portal["certificate"]))
    continue_(page)
    # Check your answers, declaration, submit.
    expect(
        page.get_by_role("heading", name=re.compile("Kiểm tra|Check your answers"))
    ).to_be_visible()
    shot(page, "05-check-answers")
    page.get_by_label(re.compile("cam đoan|I declare")).check()
    page.get_by_role("button", name=re.compile("Đồng ý và nộp|Agree and submit")).click()

    # 5. The confirmation page with the code; the dossier was routed to Hoan Kiem.
    code = page.locator(".dossier-code").inner_text().strip()
    shot(page, "06-submitted")
    dossier = Dossier.objects.get(code=code)
    assert dossier.competent_agency.commune.name == "Phường Hoàn Kiếm"
    receipt = page.request.get(f"{base}/dossiers/{code}/receipt.pdf")
    assert receipt.ok
    assert receipt.body().startswith(b"%PDF")
    # Back after submitting: "already submitted", nothing twice.
    page.wait_for_load_state("load")
    page.go_back(wait_until="load")
    page.reload()
    expect(
        page.get_by_role("heading", name=re.compile("đã được nộp|already been submitted"))
    ).to_be_visible()
    assert code in page.content()
    assert Dossier.objects.count() == 1

    # 6. An officer of Hoan Kiem processes it: password, then the code of her authenticator.
    officer = desk
    officer.goto(f"{base}/backoffice/login/")
    officer.get_by_label(re.compile("Tên đăng nhập|Username")).fill("hk.officer")
    officer.get_by_label(re.compile("Mật khẩu|Password")).fill("pw-officer-123")
    officer.get_by_role("button", name=re.compile("Đăng nhập|Sign in")).click()
    shot(officer, "07a-officer-code-step")
    officer.get_by_label(re.compile("Nhập mã 6 chữ số|Enter the 6-digit code")).fill(
        current_code(portal["device_hk"].bin_key)
    )
    officer.get_by_role("button", name=re.compile("^(Tiếp tục|Continue)$")).click()
    officer.get_by_role("link", name=code).click()
    shot(officer, "07-backoffice-detail")
    for action in ("Tiếp nhận hồ sơ|Receive the dossier", "Bắt đầu xử lý|Start processing"):
        with officer.expect_navigation():  # the dossier's page again, with the notice
            officer.get_by_role("button", name=re.compile(action)).click()
        expect(officer.locator(".notice-success")).to_be_visible()
    # Approval: the result's preview, then the explicit confirmation.
    officer.get_by_role(
        "link", name=re.compile("Kiểm tra kết quả và phê duyệt|Check the result and approve")
    ).click()
    officer.get_by_label(re.compile("Tôi đã kiểm tra kết quả|I have checked this result")).check()
    with officer.expect_navigation():
        officer.get_by_role(
            "button", name=re.compile("Phê duyệt và cấp kết quả|Approve and issue")
        ).click()
    expect(officer.locator(".notice-success")).to_be_visible()
    # Return the result: online, as she asked (the method is chosen when handing it over).
    officer.locator("summary", has_text=re.compile("Trả kết quả|Return the result")).click()
    officer.get_by_label(re.compile("Trực tuyến|Online")).check()
    with officer.expect_navigation():
        officer.locator("details[open]").get_by_role(
            "button", name=re.compile("Xác nhận|Confirm")
        ).click()
    expect(officer.locator(".notice-success")).to_be_visible()
    dossier.refresh_from_db()
    assert dossier.status == 10
    assert dossier.due_at is not None

    # An officer of another commune, at her first sign-in, sets up her authenticator app
    # (QR code or key), then gets a 404 for this dossier, in the page and in the API.
    other = desk.context.browser.new_context(viewport={"width": 1366, "height": 900})
    other_page = other.new_page()
    other_page.goto(f"{base}/backoffice/login/")
    other_page.get_by_label(re.compile("Tên đăng nhập|Username")).fill("bd.officer")
    other_page.get_by_label(re.compile("Mật khẩu|Password")).fill("pw-officer-123")
    other_page.get_by_role("button", name=re.compile("Đăng nhập|Sign in")).click()
    expect(other_page.locator("svg.qr")).to_be_visible()
    shot(other_page, "07b-officer-enrolment")
    secret = other_page.locator(".otp-secret").inner_text().replace(" ", "")
    other_page.get_by_label(re.compile("Nhập mã 6 chữ số|Enter the 6-digit code")).fill(
        current_code(base64.b32decode(secret + "=" * (-len(secret) % 8)))
    )
    other_page.get_by_role("button", name=re.compile("Xác nhận|Confirm")).click()
    expect(other_page.locator(".notice-success")).to_be_visible()
    assert other_page.goto(f"{base}/backoffice/dossiers/{code}/").status == 404
    assert other_page.request.get(f"{base}/api/backoffice/dossiers/{code}/").status == 404
    other.close()

    # 7. The citizen follows every step, downloads the result and rates the service.
    page.goto(f"{base}/dossiers/")
    page.get_by_role("link", name=code).click()
    for step in (
        "Đã tiếp nhận|Received by the agency",
        "Đã cấp kết quả|Result issued",
        "Đã trả kết quả|Result returned",
    ):
        expect(page.locator(".timeline").get_by_text(re.compile(step)).first).to_be_visible()
    result = page.request.get(f"{base}/dossiers/{code}/result.pdf")
    assert result.ok
    assert result.body().startswith(b"%PDF")
    page.get_by_label(re.compile("^(Rất hài lòng|Very satisfied)$")).check()
    page.get_by_label(re.compile("Ý kiến|Comment")).fill("Nhanh, không phải đi lại.")
    shot(page, "08-rate")
    page.get_by_role("button", name=re.compile("Gửi đánh giá|Send rating")).click()
    assert Rating.objects.get(dossier=dossier).level == 2

    # 8. Anyone tracks it with the code and the last four digits, without personal data.
    public = browser_page(desk)
    public.goto(f"{base}/track/")
    public.get_by_label(re.compile("Mã hồ sơ|Dossier code")).fill(code)
    public.get_by_label(re.compile("4 số cuối|Last 4 digits")).fill("2345")
    public.get_by_role("button", name=re.compile("^(Tra cứu|Track)$")).click()
    public.wait_for_load_state("load")
    body = public.content()
    shot(public, "09-public-tracking")
    assert code in body
    for personal in ("Nguyễn Thị Lan", "Trần Minh An", "001190012345"):
        assert personal not in body


def browser_page(page):
    return page.context.browser.new_context().new_page()

"""A birth registration from start to finish in a browser with JavaScript turned off (an old
phone, a locked-down office computer, a failed script download): sign in with the national SSO,
find the procedure in the catalogue, answer every page (the province, then the commune, the
upload with a wrong file first), change an answer from check your answers, submit and see the
confirmation with the dossier code. Everything is links, forms and server responses."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from dossiers.models import Dossier
from procedures.services import procedures_load
from tests.conftest import PDF_BYTES
from tests.e2e.a11y import PHONE, step_name
from tests.e2e.journeys import fill_date

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def no_js(browser):
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN", java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def portal(
    live_server, national_settings, settings, hanoi, hoan_kiem, ba_dinh, agency_hk, tmp_path
):
    settings.PORTAL_BASE_URL = live_server.url
    cache.clear()
    procedures_load()
    certificate = tmp_path / "giay-chung-sinh.pdf"
    certificate.write_bytes(PDF_BYTES)
    return {"url": live_server.url, "certificate": certificate}


def press(page, name: str) -> None:
    """Press a form's button and wait for the page the server answers (each press is a
    request: without JavaScript every answer is a new page), loaded."""
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(name)).click()


def continue_(page) -> None:
    press(page, "^(Tiếp tục|Continue)$")


def test_birth_registration_without_javascript(portal, no_js, shot):
    page, base = no_js, portal["url"]
    # JavaScript really is off in this browser.
    page.set_content("<title>off</title><script>document.title = 'on'</script>")
    assert page.title() == "off"

    # Find the procedure: search from the home page, open it from the results.
    page.goto(f"{base}/")
    page.get_by_role("searchbox").fill("khai sinh")
    page.get_by_role("button", name=re.compile("^(Tìm kiếm|Search)$")).click()
    assert "/procedures/" in page.url
    page.get_by_role("link", name=re.compile("^Đăng ký khai sinh$")).click()
    page.get_by_role("button", name=re.compile("Bắt đầu trực tuyến|Start online")).click()

    # Sign in with the national identity account (the mock SSO), back to the form.
    page.get_by_role(
        "link", name=re.compile("tài khoản định danh|national identity account", re.I)
    ).click()
    page.get_by_role("button", name=re.compile("Nguyễn Thị Lan")).click()
    assert step_name(page) == "child"

    page.get_by_label(re.compile("Họ, chữ đệm và tên của trẻ|Child's full name")).fill(
        "Trần Minh An"
    )
    page.get_by_label(re.compile("^(Nam|Male)$")).check()
    fill_date(page, "Ngày sinh|Date of birth", "2026-11-10")
    continue_(page)
    assert step_name(page) == "applicant"
    expect(page.get_by_label(re.compile("mẹ của trẻ|child's mother"))).to_be_checked()
    # the contact details are asked here, with the relationship ("About you")
    expect(page.get_by_label(re.compile("^(Địa chỉ thư điện tử|E-mail address)"))).to_be_visible()
    continue_(page)
    assert (
        page.get_by_label(re.compile("^(Họ và tên|Full name)$")).input_value() == "Nguyễn Thị Lan"
    )
    continue_(page)
    assert step_name(page) == "father"
    continue_(page)

    # The address: the province on one page, then its communes on the next.
    assert step_name(page) == "province"
    page.get_by_label(re.compile("tỉnh|province", re.I)).select_option(label="Thành phố Hà Nội")
    continue_(page)
    assert step_name(page) == "commune"
    communes = page.get_by_label(re.compile("xã|commune", re.I)).first
    assert "Phường Hoàn Kiếm" in communes.inner_text()
    communes.select_option(label="Phường Hoàn Kiếm")
    page.get_by_label(re.compile("^(Nơi sinh|Place of birth)$")).fill("Bệnh viện Phụ sản Hà Nội")
    continue_(page)

    # The upload: a file that is not a PDF is refused with an error summary, then the real one.
    assert step_name(page) == "documents"
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "giay.pdf", "mimeType": "application/pdf", "buffer": b"MZ not a pdf"}],
    )
    continue_(page)
    expect(page.locator(".error-summary")).to_be_visible()
    assert step_name(page) == "documents"
    page.set_input_files("input[type=file]", str(portal["certificate"]))
    continue_(page)

    # Check your answers: change the child's name, come straight back here.
    assert step_name(page) == "review"
    page.get_by_role(
        "link",
        name=re.compile("(Thay đổi|Change) (thông tin về trẻ|about the child)", re.I),
    ).click()
    assert step_name(page) == "child"
    page.get_by_label(re.compile("Họ, chữ đệm và tên của trẻ|Child's full name")).fill(
        "Trần Minh Anh"
    )
    continue_(page)
    assert step_name(page) == "review"
    expect(page.get_by_text("Trần Minh Anh")).to_be_visible()
    shot(page, "nojs-review")

    # Without agreeing to the declaration: an error, nothing submitted.
    press(page, "Đồng ý và nộp|Agree and submit")
    expect(page.locator(".error-summary")).to_be_visible()
    assert not Dossier.objects.exists()
    page.get_by_label(re.compile("cam đoan|I declare")).check()
    press(page, "Đồng ý và nộp|Agree and submit")

    code = page.locator(".dossier-code").inner_text().strip()
    shot(page, "nojs-confirmation")
    dossier = Dossier.objects.get(code=code)
    assert dossier.subject_name == "Trần Minh Anh"
    assert dossier.data["child"]["full_name"] == "Trần Minh Anh"
    assert dossier.commune.name == "Phường Hoàn Kiếm"
    assert dossier.attachments.count() == 1
    # (axe itself needs JavaScript: the same pages are checked in test_accessibility.py.)

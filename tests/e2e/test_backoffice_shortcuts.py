"""The back-office's keyboard shortcuts in a real browser (issue 16), on an officer's desktop
(1440 x 900): "?" lists them in a dialog announced to screen readers, j/k/x/o work in the queue,
keys do nothing while typing in a field, an action key only takes the officer to its button
(Enter confirms), "s" opens the structured supplement request, whose errors keep what was typed.
The help and the supplement form pass axe (wcag22aa). Screenshots: backoffice-shortcuts-help and
backoffice-supplement-request (PORTAL_SCREENSHOTS, var/screenshots by default)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from dossiers.models import Dossier
from dossiers.states.business import Status
from tests.conftest import otp_device
from tests.e2e.a11y import axe_violations, describe
from tests.e2e.journeys import officer_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture
def site(live_server, national_settings, settings, hanoi, hoan_kiem, agency_hk, officer_hk):
    settings.PORTAL_BASE_URL = live_server.url
    cache.clear()
    return {"url": live_server.url, "device": otp_device(officer_hk)}


def test_shortcuts_in_the_queue_and_on_a_dossier(site, browser, shot, submit, citizen_a):
    base = site["url"]
    dossiers = [submit(citizen_a) for _ in range(3)]
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    page = context.new_page()
    officer_sign_in(page, base, "hk.officer", site["device"])
    page.goto(f"{base}/backoffice/?queue=new")
    status = page.locator("#shortcut-status")

    # "?" opens the list, announced; Escape closes it.
    page.locator("h1").click()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name=re.compile("Phím tắt"))
    expect(dialog).to_be_visible()
    expect(dialog.get_by_text("Hồ sơ sau / hồ sơ trước")).to_be_visible()
    # a selector, not a JavaScript string: the page's CSP forbids eval (wait_for_function)
    page.locator("#shortcut-status", has_text="Phím tắt").wait_for(state="attached")
    assert "Phím tắt" in status.text_content()
    violations = axe_violations(page)
    assert not violations, describe(violations)
    shot(page, "backoffice-shortcuts-help")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # Typing in the search box is typing, not shortcuts.
    search = page.get_by_label(re.compile("Tìm theo mã hồ sơ"))
    search.fill("")
    search.press("j")
    assert search.input_value() == "j"
    assert page.locator("tr.row-current").count() == 0
    search.fill("")

    # j / k move between the dossiers, x ticks the current one, o opens it.
    page.locator("h1").click()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    current = page.locator("tr.row-current")
    assert current.count() == 1
    code = current.locator("a").first.text_content().strip()
    assert page.evaluate("document.activeElement.textContent.trim()") == code
    page.keyboard.press("x")
    expect(current.locator("input[type=checkbox]")).to_be_checked()
    page.keyboard.press("o")
    page.wait_for_url(re.compile(f"/backoffice/dossiers/{re.escape(code)}/$"))
    dossier = Dossier.objects.get(code=code)
    assert dossier in dossiers

    # "a" only goes to the Receive button: nothing changes until Enter.
    page.keyboard.press("a")
    receive = page.get_by_role("button", name=re.compile("Tiếp nhận hồ sơ"))
    assert page.evaluate("document.activeElement.getAttribute('data-shortcut')") == "a"
    # a selector, not a JavaScript string: the page's CSP forbids eval (wait_for_function)
    page.locator("#shortcut-status", has_text="Enter").wait_for(state="attached")
    assert "Enter" in status.text_content()
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    receive.press("Enter")
    page.wait_for_load_state()
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED

    # "s": the structured supplement request; an error keeps every row typed.
    page.keyboard.press("s")
    page.wait_for_url(re.compile("/supplement/$"))
    page.get_by_label(re.compile("Giấy chứng sinh")).first.check()
    page.get_by_label(re.compile("^Mục khác 1$")).fill("Ảnh chân dung")
    page.get_by_label(re.compile("^Lý do của mục khác 1$")).fill("Không có trong hồ sơ")
    page.get_by_role("button", name=re.compile("Gửi yêu cầu bổ sung")).click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    assert "Nêu lý do" in summary.text_content()
    assert page.get_by_label(re.compile("^Mục khác 1$")).input_value() == "Ảnh chân dung"
    expect(page.get_by_label(re.compile("Giấy chứng sinh")).first).to_be_checked()
    page.get_by_label(re.compile("^Lý do: Giấy chứng sinh")).fill(
        "Ảnh chụp bị mờ, không đọc được số"
    )
    violations = axe_violations(page)
    assert not violations, describe(violations)
    shot(page, "backoffice-supplement-request")
    page.get_by_role("button", name=re.compile("Gửi yêu cầu bổ sung")).click()
    page.wait_for_url(re.compile(f"/backoffice/dossiers/{re.escape(code)}/$"))
    dossier.refresh_from_db()
    assert dossier.status == Status.SUPPLEMENT_REQUESTED
    assert [i["name"] for i in dossier.supplements.get().items][-1] == "Ảnh chân dung"
    context.close()

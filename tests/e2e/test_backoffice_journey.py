"""The back-office journey of issue 5, in the browser: an officer receives a dossier from the
queue, asks for a supplement (the clock pauses), the mother sends it from her phone (the due
date moves by the pause, in working time), the dossier is transferred to the competent commune,
whose officer receives, processes, approves and returns the electronic result."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from agencies.calendar import get_calendar
from dossiers.models import Dossier
from dossiers.states.business import Status
from tests.conftest import PDF_BYTES, otp_device
from tests.e2e.journeys import officer_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class Clock:
    """The portal's clock, moved by the test: working days strictly after today, so session
    cookies stay valid in the browser whatever the real time of the run."""

    def __init__(self) -> None:
        calendar = get_calendar()
        first = calendar.next_working_day(timezone.localdate())
        second = calendar.next_working_day(first)
        tz = timezone.get_current_timezone()
        self.reception = dt.datetime.combine(first, dt.time(9, 0), tzinfo=tz)
        self.supplement = dt.datetime.combine(first, dt.time(10, 0), tzinfo=tz)
        self.resubmission = dt.datetime.combine(second, dt.time(10, 0), tzinfo=tz)
        self.now = self.reception

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock)
    return clock


@pytest.fixture
def setup(
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
    citizen_a,
    submit,
    tmp_path,
):
    settings.PORTAL_BASE_URL = live_server.url
    cache.clear()
    dossier = submit(citizen_a)
    proof = tmp_path / "giay-chung-sinh-ro-net.pdf"
    proof.write_bytes(PDF_BYTES)
    return {
        "url": live_server.url,
        "dossier": dossier,
        "proof": proof,
        "hk": otp_device(officer_hk),
        "bd": otp_device(officer_bd),
    }


def open_action(page, name: str) -> None:
    page.locator("summary", has_text=re.compile(name)).click()


def test_reception_supplement_resubmission_transfer_approval_return(setup, clock, browser, shot):
    base, dossier = setup["url"], setup["dossier"]
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN").new_page()
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, locale="vi-VN"
    ).new_page()

    # Reception from the "New" queue, with the bulk action.
    officer_sign_in(desk, base, "hk.officer", setup["hk"])
    desk.get_by_label(re.compile(f"(Chọn|Select) {re.escape(dossier.code)}")).check()
    shot(desk, "20-queue-new")
    desk.get_by_role(
        "button", name=re.compile("Tiếp nhận các hồ sơ đã chọn|Receive the selected dossiers")
    ).click()
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED
    old_due = dossier.due_at

    # A supplement: every missing item at once, the clock pauses.
    clock.now = clock.supplement
    desk.goto(f"{base}/backoffice/dossiers/{dossier.code}/")
    desk.get_by_role("link", name=re.compile("Yêu cầu bổ sung|Request a supplement")).click()
    desk.get_by_label(re.compile("^Giấy chứng sinh|^Birth certificate")).check()
    desk.get_by_label(re.compile("^(Lý do|Reason): (Giấy chứng sinh|Birth certificate)")).fill(
        "ảnh chụp bị mờ, không đọc được số"
    )
    desk.get_by_role("button", name=re.compile("Gửi yêu cầu bổ sung|Send the supplement")).click()
    dossier.refresh_from_db()
    assert dossier.status == Status.SUPPLEMENT_REQUESTED
    shot(desk, "21-supplement-requested")

    # The mother sends it from her phone two working days later.
    clock.now = clock.resubmission
    phone.goto(f"{base}/dossiers/{dossier.code}/")
    phone.get_by_role(
        "link", name=re.compile("tài khoản định danh|national identity account", re.I)
    ).click()
    phone.get_by_role("button", name=re.compile("Nguyễn Thị Lan")).click()
    phone.goto(f"{base}/dossiers/{dossier.code}/")
    phone.get_by_role("link", name=re.compile("Gửi hồ sơ bổ sung|Send the supplement")).click()
    expect(phone.get_by_text("ảnh chụp bị mờ", exact=False)).to_be_visible()
    phone.set_input_files("input[type=file]", str(setup["proof"]))
    phone.get_by_label(re.compile("Nội dung trả lời|answer", re.I)).fill(
        "Đã chụp lại giấy chứng sinh."
    )
    shot(phone, "22-resubmit")
    phone.get_by_role("button", name=re.compile("^(Gửi|Send)$")).click()
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED
    calendar = get_calendar()
    paused = calendar.working_seconds_between(clock.supplement, clock.resubmission)
    assert paused > 8 * 3600 - 1
    assert dossier.due_at == calendar.add_working_seconds(old_due, paused)
    assert dossier.due_at > old_due

    # Transfer to the competent commune, with the reason on the timeline. Two days later the
    # officer signs in again (her session ended; her app shows a new code).
    type(setup["hk"]).objects.filter(pk=setup["hk"].pk).update(last_t=-1)
    officer_sign_in(desk, base, "hk.officer", setup["hk"])
    desk.goto(f"{base}/backoffice/dossiers/{dossier.code}/")
    open_action(desk, "Chuyển hồ sơ|Transfer")
    desk.get_by_label(re.compile("Mã định danh|Electronic id")).fill(
        setup["bd"].user.memberships.first().agency.code
    )
    desk.locator("details[open] textarea").fill("Trẻ sinh tại phường Ba Đình.")
    desk.locator("details[open]").get_by_role("button", name=re.compile("Xác nhận|Confirm")).click()
    dossier.refresh_from_db()
    assert dossier.status == Status.TRANSFERRED
    assert desk.goto(f"{base}/backoffice/dossiers/{dossier.code}/").status == 404

    # Ba Dinh receives (the clock keeps running), processes, approves and returns.
    other = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN").new_page()
    officer_sign_in(other, base, "bd.officer", setup["bd"])
    other.goto(f"{base}/backoffice/dossiers/{dossier.code}/")
    for action in ("Tiếp nhận hồ sơ|Receive the dossier", "Bắt đầu xử lý|Start processing"):
        other.get_by_role("button", name=re.compile(action)).click()
    due_after_transfer = Dossier.objects.get(pk=dossier.pk).due_at
    assert due_after_transfer == dossier.due_at
    while other.get_by_role(
        "button", name=re.compile("Chuyển sang bước xử lý tiếp theo|Send to the next step")
    ).count():
        other.get_by_role(
            "button", name=re.compile("Chuyển sang bước xử lý tiếp theo|Send to the next step")
        ).click()
    # Approval: the result's preview first; without the tick nothing is issued.
    other.get_by_role(
        "link", name=re.compile("Kiểm tra kết quả và phê duyệt|Check the result and approve")
    ).click()
    issue = other.get_by_role(
        "button", name=re.compile("Phê duyệt và cấp kết quả|Approve and issue")
    )
    issue.click()
    expect(other.locator(".error-summary")).to_be_visible()
    assert Dossier.objects.get(pk=dossier.pk).status == Status.IN_PROCESSING
    other.get_by_label(re.compile("Tôi đã kiểm tra kết quả|I have checked this result")).check()
    shot(other, "23-approval-preview")
    issue.click()
    assert Dossier.objects.get(pk=dossier.pk).status == Status.RESULT_READY
    open_action(other, "Trả kết quả|Return the result")
    other.get_by_label(re.compile("Trực tiếp tại cơ quan|In person")).check()
    other.locator("details[open]").get_by_role(
        "button", name=re.compile("Xác nhận|Confirm")
    ).click()
    shot(other, "23b-returned")
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED
    assert dossier.current_step is None  # finished: no step, no step deadline

    # The mother sees every step, the supplement round included.
    phone.goto(f"{base}/dossiers/{dossier.code}/")
    timeline = phone.locator(".timeline").inner_text()
    for label in ("bổ sung|Supplement", "Chuyển|Transferred", "Đã trả kết quả|Result returned"):
        assert re.search(label, timeline), label
    shot(phone, "24-citizen-timeline")

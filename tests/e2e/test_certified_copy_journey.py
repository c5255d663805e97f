"""Issue 14 part 3 in the browser: a commune officer certifies an electronic copy at the
counter (a bad scan first: the error keeps the other answers), then anyone checks it on the
verification page from its QR code's address. axe finds nothing on each state."""

from __future__ import annotations

import io
import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect
from reportlab.pdfgen.canvas import Canvas

from dossiers.models import CertifiedCopy
from tests.conftest import otp_device
from tests.e2e.a11y import axe_violations, describe
from tests.e2e.journeys import officer_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def scan(path):
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 760, "GIAY KHAI SINH")
    canvas.showPage()
    canvas.save()
    path.write_bytes(buffer.getvalue())
    return path


def no_violations(page) -> None:
    violations = axe_violations(page)
    assert not violations, describe(violations)


def test_an_officer_certifies_a_copy_and_anyone_verifies_it(
    live_server, national_settings, settings, agency_hk, officer_hk, desk, shot, tmp_path
):
    from procedures.services import DATA_DIR, procedure_import

    settings.PORTAL_BASE_URL = live_server.url
    cache.clear()
    import json

    for name in (
        "1.001193-birth-registration.json",
        "1.004222-permanent-residence-registration.json",
    ):
        procedure_import(data=json.loads((DATA_DIR / name).read_text(encoding="utf-8")))
    officer_sign_in(desk, live_server.url, officer_hk.username, otp_device(officer_hk))
    desk.goto(f"{live_server.url}/backoffice/counter/")
    desk.get_by_role("link", name=re.compile("Chứng thực bản sao điện tử từ bản chính")).click()
    desk.get_by_label(re.compile("Số định danh cá nhân")).fill("001190012345")
    desk.get_by_label("Giấy tờ xuất trình").select_option("KQ-GKS")
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"plain text, not a scan")
    desk.get_by_label(re.compile("Bản quét bản chính")).set_input_files(str(bad))
    desk.get_by_label(re.compile("Tôi đã đối chiếu")).check()
    with desk.expect_navigation():  # refused: the form again, with what was entered
        desk.get_by_role("button", name="Cấp bản sao chứng thực").click()
    assert desk.title().startswith("Lỗi:")
    assert desk.get_by_label(re.compile("Số định danh cá nhân")).input_value() == "001190012345"
    assert desk.get_by_label("Giấy tờ xuất trình").input_value() == "KQ-GKS"
    no_violations(desk)
    shot(desk, "certified-copy-error")
    desk.get_by_label(re.compile("Bản quét bản chính")).set_input_files(
        str(scan(tmp_path / "giay-khai-sinh.pdf"))
    )
    desk.get_by_label(re.compile("Tôi đã đối chiếu")).check()
    with desk.expect_navigation():  # the copy is made when the answer arrives
        desk.get_by_role("button", name="Cấp bản sao chứng thực").click()
    copy = CertifiedCopy.objects.get()
    expect(desk.locator("body")).to_contain_text(copy.number)
    no_violations(desk)
    shot(desk, "certified-copy-counter")
    desk.goto(f"{live_server.url}/verify/{copy.verification_token}/")
    assert "Chữ ký hợp lệ" in desk.content() or "hợp lệ" in desk.content()
    assert "Nguyễn T. L." in desk.content()
    no_violations(desk)
    shot(desk, "certified-copy-verified")

"""Steps every e2e journey takes: signing in through the national SSO or as an officer (both
factors), and the wizard's Continue button."""

from __future__ import annotations

import re

from django_otp.oath import totp


def sso_sign_in(page, name: str) -> None:
    page.get_by_role(
        "link", name=re.compile("tài khoản định danh|national identity account", re.I)
    ).click()
    page.get_by_role("button", name=re.compile(name)).click()


def fill_date(page, legend: str, iso: str) -> None:
    """A date in its day / month / year boxes, found by the fieldset's legend (a regex)."""
    year, month, day = iso.split("-")
    group = page.get_by_role("group", name=re.compile(legend)).first
    group.get_by_label(re.compile("^(Ngày|Day)$")).fill(str(int(day)))
    group.get_by_label(re.compile("^(Tháng|Month)$")).fill(str(int(month)))
    group.get_by_label(re.compile("^(Năm|Year)$")).fill(year)


def fill_date_boxes(page, name: str, iso: str) -> None:
    """A date in the boxes of field `name` (the day, month and year boxes' names)."""
    year, month, day = iso.split("-")
    page.locator(f"[name='{name}_day']").fill(str(int(day)))
    page.locator(f"[name='{name}_month']").fill(str(int(month)))
    page.locator(f"[name='{name}_year']").fill(year)


def continue_(page) -> None:
    """Press Continue and let the next page finish loading: a Back pressed while the page after
    a POST and its redirect is still loading can catch Chromium between two documents."""
    page.get_by_role("button", name=re.compile("^(Tiếp tục|Continue)$")).click()
    page.wait_for_load_state("load")


def officer_sign_in(page, base: str, username: str, device) -> None:
    page.goto(f"{base}/backoffice/login/")
    page.get_by_label(re.compile("Tên đăng nhập|Username")).fill(username)
    page.get_by_label(re.compile("Mật khẩu|Password")).fill("pw-officer-123")
    page.get_by_role("button", name=re.compile("Đăng nhập|Sign in")).click()
    page.get_by_label(re.compile("Nhập mã 6 chữ số|Enter the 6-digit code")).fill(
        f"{totp(device.bin_key):06d}"
    )
    page.get_by_role("button", name=re.compile("^(Tiếp tục|Continue)$")).click()

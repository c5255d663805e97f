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


def continue_(page) -> None:
    page.get_by_role("button", name=re.compile("^(Tiếp tục|Continue)$")).click()


def officer_sign_in(page, base: str, username: str, device) -> None:
    page.goto(f"{base}/backoffice/login/")
    page.get_by_label(re.compile("Tên đăng nhập|Username")).fill(username)
    page.get_by_label(re.compile("Mật khẩu|Password")).fill("pw-officer-123")
    page.get_by_role("button", name=re.compile("Đăng nhập|Sign in")).click()
    page.get_by_label(re.compile("Nhập mã 6 chữ số|Enter the 6-digit code")).fill(
        f"{totp(device.bin_key):06d}"
    )
    page.get_by_role("button", name=re.compile("^(Tiếp tục|Continue)$")).click()

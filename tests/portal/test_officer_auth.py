"""Officers sign in with a password AND a code from an authenticator app (TOTP); wrong
passwords and wrong codes lock the username + address out; every step leaves an audit row
without the password or the code. Citizens (national SSO) are not affected."""

from __future__ import annotations

import base64
import html
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import AuditEvent, User
from tests.conftest import otp_device

pytestmark = pytest.mark.django_db

PASSWORD = "pw-officer-123"
WRONG_CODE = "000000"


def code_for(device: TOTPDevice, offset_steps: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, drift=offset_steps):0{device.digits}d}"


def wrong_code_for(device: TOTPDevice) -> str:
    """A well-formed code that the device refuses (none of the codes around now)."""
    valid = {code_for(device, offset) for offset in (-1, 0, 1)}
    return next(c for c in (WRONG_CODE, "111111", "222222") if c not in valid)


def password_step(client, username: str = "hk.officer", password: str = PASSWORD, **extra):
    return client.post(
        reverse("portal:officer_login"), {"username": username, "password": password}, **extra
    )


def code_step(client, code: str, **extra):
    return client.post(reverse("portal:officer_otp"), {"otp_token": code}, **extra)


@pytest.fixture(autouse=True)
def _no_otp_throttle(settings):
    """django-otp also slows down repeated wrong codes (1 s, 2 s, 4 s...); the tests type
    faster than a person, so they switch that delay off (the lockout still counts)."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def device(officer_hk) -> TOTPDevice:
    return otp_device(officer_hk)


def audit_actions(**filters) -> list[str]:
    return list(AuditEvent.objects.filter(**filters).values_list("action", flat=True))


def assert_no_secret_in_audit(*secrets: str) -> None:
    for event in AuditEvent.objects.all():
        text = f"{event.reason} {event.object_id} {event.details}"
        for secret in secrets:
            assert secret not in text, (event.action, text)


# --- Password, then code -----------------------------------------------------------------------


def test_password_only_is_not_in_the_backoffice(client, officer_hk, device):
    response = password_step(client)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:officer_otp"))
    # Signed in with the password, but the back-office sends the officer to the code step.
    queue = client.get(reverse("backoffice:queue"))
    assert queue.status_code == 302
    assert queue["Location"] == f"{reverse('portal:officer_otp')}?next=/backoffice/"
    page = client.get(queue["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Nhập mã 6 chữ số từ ứng dụng xác thực" in html  # Vietnamese by default
    assert 'autocomplete="one-time-code"' in html
    assert "officer.login" not in audit_actions()
    # Issue 16: before the second factor the header names no one and has no account menu
    header = html.split("</header>")[0]
    assert officer_hk.display_name not in header
    assert reverse("dossiers:mine") not in header
    assert reverse("portal:logout") not in header
    assert reverse("portal:logout") in html  # "Not your account? Sign out" below the form


IDENTITY_NAME = "Nguyễn Thị Cán Bộ"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_before_the_code_no_page_names_the_officer_their_agency_or_role(
    client, settings, officer_hk, agency_hk, device, language
):
    """Issue 16: between the password and the code, the header of every page and the code
    page name no one: no name, no user name, no agency, no role, no account menu."""
    from agencies.models import OfficerRole

    officer_hk.full_name = IDENTITY_NAME
    officer_hk.save(update_fields=["full_name"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    password_step(client)
    secrets = [IDENTITY_NAME, "hk.officer", agency_hk.name]
    from django.utils import translation

    with translation.override(language):
        secrets += [str(label) for _value, label in OfficerRole.choices]
    code_page = client.get(reverse("portal:officer_otp")).content.decode()
    for secret in secrets:
        assert secret not in code_page, secret
    for name in ("portal:home", "procedures:catalogue", "dossiers:track"):
        page = client.get(reverse(name))
        assert page.status_code == 200
        header = page.content.decode().split("</header>")[0]
        for secret in secrets:
            assert secret not in header, (name, secret)
        assert f'href="{reverse("backoffice:queue")}"' not in header
        assert f'href="{reverse("dossiers:mine")}"' not in header
        assert reverse("portal:officer_otp") in header  # "Finish signing in"
        assert reverse("portal:logout") in header
    # With the code, the header names the officer again.
    code_step(client, code_for(device))
    header = client.get(reverse("portal:home")).content.decode().split("</header>")[0]
    assert IDENTITY_NAME in header
    assert f'href="{reverse("backoffice:queue")}"' in header
    assert reverse("portal:officer_otp") not in header


def test_a_citizen_header_still_names_them(client, citizen_a):
    client.force_login(citizen_a)
    header = client.get(reverse("portal:home")).content.decode().split("</header>")[0]
    assert citizen_a.display_name in header
    assert reverse("portal:officer_otp") not in header


def test_right_code_signs_in_and_is_audited(client, officer_hk, device):
    password_step(client)
    code = code_for(device)
    response = client.post(
        f"{reverse('portal:officer_otp')}?next=%2Fbackoffice%2F%3Ffilter%3Ddone",
        {"otp_token": code},
    )
    assert response.status_code == 302
    assert response["Location"] == "/backoffice/?filter=done"
    assert client.get(reverse("backoffice:queue")).status_code == 200
    event = AuditEvent.objects.get(action="officer.login")
    assert event.actor == officer_hk
    assert event.ip_address == "127.0.0.1"
    assert_no_secret_in_audit(PASSWORD, code)


def test_code_step_refuses_an_unsafe_next(client, officer_hk, device):
    password_step(client)
    response = client.post(
        f"{reverse('portal:officer_otp')}?next=https://evil.example/",
        {"otp_token": code_for(device)},
    )
    assert response["Location"] == reverse("backoffice:queue")


def test_wrong_code_is_refused_and_audited(client, officer_hk, device):
    password_step(client)
    wrong = wrong_code_for(device)
    response = code_step(client, wrong)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mã không đúng" in html
    assert client.get(reverse("backoffice:queue")).status_code == 302
    assert audit_actions(actor=officer_hk) == ["officer.otp_failed"]
    assert_no_secret_in_audit(PASSWORD, wrong)
    # django-axes keeps the attempt, but never the code that was typed.
    attempt = AccessAttempt.objects.get(username="hk.officer")
    assert wrong not in attempt.post_data
    # The right code still works afterwards.
    assert code_step(client, code_for(device)).status_code == 302
    assert client.get(reverse("backoffice:queue")).status_code == 200


def test_malformed_code_is_an_error_not_an_attempt(client, officer_hk, device):
    password_step(client)
    response = code_step(client, "12a45")
    assert "Vui lòng nhập đủ 6 chữ số" in response.content.decode()
    assert not AccessAttempt.objects.exists()
    assert "officer.otp_failed" not in audit_actions()


def test_a_code_works_only_once(client, officer_hk, device):
    password_step(client)
    code = code_for(device)
    assert code_step(client, code).status_code == 302
    client.post(reverse("portal:logout"))
    password_step(client)
    assert code_step(client, code).status_code == 200  # replayed: refused
    assert client.get(reverse("backoffice:queue")).status_code == 302


def test_not_an_officer_cannot_use_the_officer_sign_in(client, db):
    User.objects.create_user(username="someone", password=PASSWORD)
    response = password_step(client, "someone")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert audit_actions() == ["officer.login_failed"]


# --- Lockout -----------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_out_even_the_right_password(client, officer_hk, device):
    for attempt in range(1, 5):
        response = password_step(client, password=f"wrong-{attempt}")
        assert response.status_code == 200, attempt
    response = password_step(client, password="wrong-5")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Quá nhiều lần thử không thành công" in html
    assert "15 phút" in html
    # The right password does not help while locked out.
    response = password_step(client)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    actions = audit_actions()
    assert actions.count("officer.login_failed") == 6
    assert "officer.locked_out" in actions
    assert "officer.login" not in actions
    assert_no_secret_in_audit(PASSWORD, "wrong-1", "wrong-5")
    # Locked by username AND address: the same officer elsewhere, or another officer here,
    # may still sign in.
    assert password_step(client, REMOTE_ADDR="10.1.2.3").status_code == 302


def test_lockout_page_is_in_english_for_an_english_reader(client, officer_hk):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for attempt in range(5):
        response = password_step(client, password=f"wrong-{attempt}")
    assert response.status_code == 429
    assert (
        "Too many failed attempts. Try again in 15 minutes or ask your agency administrator."
        in response.content.decode()
    )


def test_failure_limit_comes_from_the_settings(client, officer_hk, settings):
    settings.AXES_FAILURE_LIMIT = 2
    assert password_step(client, password="wrong").status_code == 200
    assert password_step(client, password="wrong").status_code == 429


def test_five_wrong_codes_lock_out(client, officer_hk, device):
    password_step(client)
    wrong = wrong_code_for(device)
    for attempt in range(1, 5):
        assert code_step(client, wrong).status_code == 200, attempt
    response = code_step(client, wrong)
    assert response.status_code == 429
    assert "Quá nhiều lần thử không thành công" in response.content.decode()
    # Signed out, and the password alone cannot start again for 15 minutes.
    assert "_auth_user_id" not in client.session
    assert password_step(client).status_code == 429
    actions = audit_actions()
    assert actions.count("officer.otp_failed") == 5
    assert "officer.locked_out" in actions
    assert_no_secret_in_audit(wrong, PASSWORD)


def test_a_locked_out_session_cannot_keep_guessing(client, officer_hk, device):
    """A session that passed the password before the lockout is refused the code step too."""
    password_step(client)
    other = type(client)()
    for attempt in range(5):
        password_step(other, password=f"wrong-{attempt}")
    assert code_step(client, code_for(device)).status_code == 429
    assert client.get(reverse("backoffice:queue")).status_code == 302


def test_successful_sign_in_clears_earlier_failures(client, officer_hk, device):
    for attempt in range(4):
        password_step(client, password=f"wrong-{attempt}")
    password_step(client)
    code_step(client, code_for(device))
    assert not AccessAttempt.objects.filter(username="hk.officer").exists()


# --- Enrolment ---------------------------------------------------------------------------------


def test_officer_without_a_device_enrols_with_a_qr_code(client, officer_hk):
    assert password_step(client).status_code == 302
    response = client.get(reverse("portal:officer_otp"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:officer_enrol")
    page = client.get(reverse("portal:officer_enrol"))
    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r"<svg [^>]*class=\"qr\"", html)
    assert "<path" in html
    assert "<script" not in html
    device = TOTPDevice.objects.get(user=officer_hk)
    assert not device.confirmed
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    shown = re.search(r'<code class="otp-secret">([A-Z2-7 ]+)</code>', html)
    assert shown
    assert shown.group(1).replace(" ", "") == secret
    # A reload shows the same secret (the app may already have it).
    assert shown.group(0) in client.get(reverse("portal:officer_enrol")).content.decode()
    # A wrong first code does not confirm the device.
    client.post(reverse("portal:officer_enrol"), {"otp_token": wrong_code_for(device)})
    device.refresh_from_db()
    assert not device.confirmed
    response = client.post(reverse("portal:officer_enrol"), {"otp_token": code_for(device)})
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:queue")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("backoffice:queue")).status_code == 200
    actions = audit_actions(actor=officer_hk)
    assert {"officer.otp_enrolled", "officer.login", "officer.otp_failed"} <= set(actions)
    assert_no_secret_in_audit(secret, PASSWORD)


def test_enrolment_is_closed_once_an_app_is_set_up(client, officer_hk, device):
    """Someone who learnt the password cannot add their own authenticator."""
    password_step(client)
    response = client.get(reverse("portal:officer_enrol"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:officer_otp")
    forged = TOTPDevice(user=officer_hk, confirmed=False)
    response = client.post(reverse("portal:officer_enrol"), {"otp_token": code_for(forged)})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=officer_hk).count() == 1


def test_second_steps_need_the_password_step_first(client, officer_hk, device):
    for name in ("portal:officer_otp", "portal:officer_enrol"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("portal:officer_login"))


# --- API, admin, citizens ------------------------------------------------------------------------


def test_api_needs_the_second_factor(client, officer_hk, officer_login):
    client.force_login(officer_hk)
    assert client.get("/api/backoffice/dossiers/").status_code == 403
    officer_login(client, officer_hk)
    assert client.get("/api/backoffice/dossiers/").status_code == 200


def test_admin_needs_the_second_factor(client, db, officer_login):
    admin = User.objects.create_superuser(username="root", password=PASSWORD)
    client.force_login(admin)
    response = client.get("/admin/")
    assert response.status_code == 302
    login = client.get(response["Location"])
    # The admin's sign-in is the officers' one, so the code step, lockout and audit apply.
    assert login.status_code == 302
    assert login["Location"].startswith(reverse("portal:officer_login"))
    officer_login(client, admin)
    assert client.get("/admin/").status_code == 200


def test_admin_signs_in_through_the_officer_steps(client, db):
    admin = User.objects.create_superuser(username="root", password=PASSWORD)
    device = otp_device(admin)
    response = client.post(
        f"{reverse('portal:officer_login')}?next=/admin/",
        {"username": "root", "password": PASSWORD, "next": "/admin/"},
    )
    assert response["Location"] == f"{reverse('portal:officer_otp')}?next=%2Fadmin%2F"
    response = client.post(response["Location"], {"otp_token": code_for(device)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_citizens_are_not_asked_for_a_code(client, citizen_a):
    client.force_login(citizen_a)
    assert client.get(reverse("dossiers:mine")).status_code == 200
    assert client.get(reverse("portal:home")).status_code == 200


def test_citizen_signs_in_with_the_national_sso_despite_the_lockout_backend(
    client, national_settings, national_services
):
    client.defaults["HTTP_HOST"] = "127.0.0.1:8000"
    start = client.get(reverse("oidc_authentication_init"))
    assert start.status_code == 302
    authorize = requests.get(start["Location"], timeout=5)
    login_request = re.search(r'name="request" value="([^"]+)"', authorize.text)
    assert login_request
    chosen = requests.post(
        f"{national_services.issuer}/authorize",
        data={"request": html.unescape(login_request.group(1)), "identity": _lan_sub()},
        allow_redirects=False,
        timeout=5,
    )
    callback = urlsplit(chosen.headers["Location"])
    assert "code" in parse_qs(callback.query)
    response = client.get(f"{callback.path}?{callback.query}")
    assert response.status_code == 302
    assert "sso=failed" not in response["Location"]
    user = User.objects.get(personal_id="001190012345")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse("dossiers:mine")).status_code == 200
    assert not TOTPDevice.objects.exists()


def _lan_sub() -> str:
    people = json.loads(
        (settings.BASE_DIR / "national_mocks/data/people.json").read_text(encoding="utf-8")
    )["people"]
    return next(p for p in people if p["identification_number"] == "001190012345")["sso"]["sub"]


# --- Demo ----------------------------------------------------------------------------------------


def test_demo_officers_have_the_published_authenticator(agency_hk, agency_bd, capsys, settings):
    from agencies.demo import DEMO_OTP_SECRET, demo_users_create

    demo_users_create()
    demo_users_create()  # idempotent
    device = TOTPDevice.objects.get(user__username="hoankiem.canbo")
    assert device.confirmed
    assert base64.b32encode(device.bin_key).decode() == DEMO_OTP_SECRET
    assert TOTPDevice.objects.filter(user__username="admin", confirmed=True).count() == 1

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_otp", "hoankiem.canbo")
    call_command("demo_otp", "hoankiem.canbo", "--force")
    printed = capsys.readouterr().out.strip()
    assert printed in {code_for(device, offset) for offset in (-1, 0)}
    settings.DEBUG = True
    call_command("demo_otp", "hoankiem.canbo")
    # Only the demo devices: never a real officer's authenticator.
    TOTPDevice.objects.filter(pk=device.pk).update(key="00" * 20)
    with pytest.raises(CommandError, match="no demo authenticator"):
        call_command("demo_otp", "hoankiem.canbo")


@pytest.mark.django_db
def test_sso_never_takes_over_an_officer_account_with_the_same_number(officer_hk):
    from portal.auth import CitizenOIDCBackend

    officer_hk.personal_id = "001190012345"
    officer_hk.save()
    backend = CitizenOIDCBackend()
    claims = {"sub": "new-subject", "personal_id": "001190012345", "account_type": 1, "name": "X"}
    assert not backend.filter_users_by_claims(claims).exists()
    assert backend.create_user(claims) is None
    officer_hk.refresh_from_db()
    assert officer_hk.sso_subject is None


def test_a_user_name_longer_than_any_is_a_form_error_not_an_attempt(client, officer_hk):
    """Django's form never checked the user name's length: a long one reached authenticate(),
    and django-axes stored it in a varchar(255) (a 500 on PostgreSQL)."""
    response = password_step(client, username="x" * 10_000)
    assert response.status_code == 200
    assert response.context["form"].errors["username"]
    assert not AccessAttempt.objects.exists()
    assert password_step(client, username="x" * 151).context["form"].errors["username"]

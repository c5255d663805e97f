"""Officers' second factor (TOTP with django-otp) and lockout (django-axes).

Officers (users with an agency membership, and staff) sign in with a password, then with a
6-digit code from an authenticator app; until then ``request.user.is_verified()`` is false and
the back-office, its API and the Django admin refuse them. Citizens sign in with the national
SSO and never see any of this.

Wrong passwords and wrong codes count together in django-axes, per username and client
address: at ``AXES_FAILURE_LIMIT`` the pair is locked for ``AXES_COOLOFF_MINUTES``.
"""

from __future__ import annotations

import base64
import re
from typing import Any, cast

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address
from django import forms
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.permissions import BasePermission

from .audit import audit_record
from .models import User

OTP_FIELD = "otp_token"  # also listed in AXES_SENSITIVE_PARAMETERS: never stored


def is_officer(user: Any) -> bool:
    """An officer works for an agency (a membership), administers the portal (staff) or
    watches the dashboards (an official with a dashboard scope)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(
        user.is_staff or user.memberships.exists() or user.dashboard_scopes.exists()  # officials
    )


#: set by the password step, removed by the code step: the session belongs to an officer who
#: has not passed the second factor yet, so no page names them (or their agency or role)
PENDING_SESSION_KEY = "officer_second_factor_pending"


def second_factor_pending(request: HttpRequest) -> bool:
    """True between an officer's password and their code: the header shows no identity."""
    session = getattr(request, "session", None)
    if session is None or not session.get(PENDING_SESSION_KEY):
        return False
    return not is_verified(getattr(request, "user", None))


def is_verified(user: Any) -> bool:
    """True once the session passed the second factor (set by django-otp's middleware)."""
    check = getattr(user, "is_verified", None)
    return bool(getattr(user, "is_authenticated", False) and callable(check) and check())


# --- Forms ---------------------------------------------------------------------------------


class OfficerAuthenticationForm(AuthenticationForm):
    """The password step; only officers may use it (anyone else is told the login is wrong).

    Django's form sets the user name's max_length after building the field, so the length is
    never checked and a user name of any length reached authenticate(), whose failure django-axes
    stores in a varchar(255): a 500 on PostgreSQL. The length is checked here."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        username = cast(forms.CharField, self.fields["username"])
        username.validators.append(MaxLengthValidator(username.max_length))

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not is_officer(user):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class OTPTokenForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Enter the 6-digit code from your authenticator app"),
        help_text=_("The app shows a new code every 30 seconds. Each code works only once."),
        max_length=16,
        error_messages={"required": _("Enter the 6-digit code from your authenticator app.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
            }
        ),
    )

    def clean_otp_token(self) -> str:
        token = re.sub(r"[\s-]", "", self.cleaned_data["otp_token"])
        if not re.fullmatch(r"[0-9]{6}", token):
            raise ValidationError(_("Enter the 6 digits shown in your authenticator app."))
        return token


# --- Devices ---------------------------------------------------------------------------------


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user: User) -> TOTPDevice:
    """The device being enrolled: kept until confirmed, so a reload shows the same secret."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def secret_base32(device: TOTPDevice) -> str:
    """The secret as authenticator apps want it typed: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(re.findall(".{1,4}", secret))


def qr_svg(data: str, *, title: str) -> SafeString:
    """An inline SVG QR code drawn on the server (no JavaScript, no external image)."""
    qr = segno.make(data, error="m")
    svg = qr.svg_inline(scale=5, border=4, dark="#000", light="#fff", title=title, svgclass="qr")
    svg = svg.replace("<svg ", '<svg role="img" ', 1)
    return mark_safe(svg)  # noqa: S308  (segno escapes the title; the rest is geometry)


def enrolment_confirm(*, request: HttpRequest, device: TOTPDevice) -> None:
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    audit_record(
        actor=device.user,
        action="officer.otp_enrolled",
        obj=device,
        ip_address=client_ip(request),
    )


# --- Attempts, lockout and audit ---------------------------------------------------------------


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as the deployment says to read it (AXES_IPWARE_*: behind a
    proxy, its header and how many proxies to skip); REMOTE_ADDR by default."""
    return get_client_ip_address(request) or None


def ratelimit_ip(request: HttpRequest) -> str:
    """The same address for django-ratelimit's "ip" keys (RATELIMIT_IP_META_KEY), so every
    per-address limit counts clients, not the proxy in front of them."""
    return client_ip(request) or request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104


def is_locked_out(request: HttpRequest, username: str) -> bool:
    return not AxesProxyHandler.is_allowed(request, {"username": username})


def otp_failure(request: HttpRequest, user: User) -> bool:
    """Record a wrong code (audit row and an axes failure); True when it locks the officer out."""
    audit_record(
        actor=user,
        action="officer.otp_failed",
        obj=user,
        ip_address=client_ip(request),
    )
    # The same counter as wrong passwords: five wrong answers, whichever factor, lock out.
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username()}, request=request
    )
    return bool(getattr(request, "axes_locked_out", False))


def login_success(request: HttpRequest, user: User) -> None:
    audit_record(
        actor=user,
        action="officer.login",
        obj=user,
        ip_address=client_ip(request),
        details={"second_factor": "totp"},
    )
    AxesProxyHandler.reset_attempts(username=user.get_username(), ip_address=client_ip(request))


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page of a locked-out officer (AXES_LOCKOUT_CALLABLE), in the person's language."""
    if getattr(original_response, "portal_lockout", False):
        return original_response  # type: ignore[return-value]
    user = getattr(request, "user", None)
    username = (credentials or {}).get("username") or ""
    if not username and user is not None and user.is_authenticated:
        username = user.get_username()
    account = User.objects.filter(username=username).first() if username else None
    audit_record(
        actor=None,
        action="officer.locked_out",
        obj=account,
        ip_address=client_ip(request),
        details={"username": username[:150]},
    )
    if user is not None and user.is_authenticated and not is_verified(user):
        logout(request)
    response = render(
        request,
        "portal/officer_locked_out.html",
        {"minutes": settings.AXES_COOLOFF_MINUTES},
        status=429,
    )
    response.portal_lockout = True  # type: ignore[attr-defined]
    return response


# --- Guards ----------------------------------------------------------------------------------


def otp_step_redirect(request: HttpRequest) -> HttpResponse:
    """Send an officer who only gave a password to the code step, then back here."""
    return redirect_to_login(request.get_full_path(), login_url=reverse("portal:officer_otp"))


class IsVerifiedOfficer(BasePermission):
    """The back-office API: officers who passed the second factor; anyone else gets a 403.

    Which dossiers a verified officer sees is the selectors' business (another agency's
    dossier stays a 404)."""

    message = "Sign in to the back-office with your password and authenticator code."

    def has_permission(self, request, view) -> bool:
        return is_officer(request.user) and is_verified(request.user)


class PortalAdminSite(OTPAdminSite):
    """The Django admin only for verified staff; its sign-in is the officers' sign-in, so the
    lockout, the code step and the audit are the same."""

    def login(self, request, extra_context=None):
        if is_verified(request.user):
            return super().login(request, extra_context)
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
        return redirect_to_login(next_url, login_url=reverse("portal:officer_login"))

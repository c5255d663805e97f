from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import verify_token as otp_verify_token

from . import otp
from .audit import audit_record
from .models import User


def login_choice(request):
    """Citizens sign in with the national SSO; officers use the back-office form."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.GET.get("sso") == "failed":
        messages.error(
            request,
            _("Signing in with the national identity account did not work. Please try again."),
        )
    return render(request, "portal/login.html", {"next": next_url})


# --- Officers: password, then the code from an authenticator app (see portal/otp.py) -------


def _officer_next(request) -> str:
    """Where a signed-in officer goes: a safe ?next=, else their queue (or the admin)."""
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    if request.user.memberships.exists():
        return reverse("backoffice:queue")
    if request.user.is_staff:
        return reverse("admin:index")
    if request.user.dashboard_scopes.exists():
        return reverse("dashboards:home")
    return reverse("portal:home")


def _with_next(name: str, next_url: str) -> str:
    return reverse(name) + (f"?{urlencode({'next': next_url})}" if next_url else "")


class OfficerLoginView(LoginView):
    """Step 1: username and password. The session is signed in but not verified yet."""

    template_name = "portal/officer_login.html"
    authentication_form = otp.OfficerAuthenticationForm

    def dispatch(self, request, *args, **kwargs):
        if otp.is_officer(request.user):
            if otp.is_verified(request.user):
                return redirect(_officer_next(request))
            return redirect(_with_next("portal:officer_otp", self.get_redirect_url()))
        return super().dispatch(request, *args, **kwargs)

    def get_success_url(self) -> str:
        return _with_next("portal:officer_otp", self.get_redirect_url())

    def form_valid(self, form):
        response = super().form_valid(form)
        # until the code step, every page's header names no one (otp.second_factor_pending)
        self.request.session[otp.PENDING_SESSION_KEY] = True
        return response

    def form_invalid(self, form):
        username = (self.request.POST.get("username") or "").strip()[:150]
        if username:
            audit_record(
                actor=None,
                action="officer.login_failed",
                obj=User.objects.filter(username=username).first(),
                ip_address=otp.client_ip(self.request),
                details={
                    "username": username,
                    "locked_out": bool(getattr(self.request, "axes_locked_out", False)),
                },
            )
        return super().form_invalid(form)


def _officer_second_step(request):
    """The checks shared by the code and enrolment pages; a response when the step is over."""
    if not request.user.is_authenticated:
        return redirect(_with_next("portal:officer_login", request.GET.get("next", "")))
    if not otp.is_officer(request.user):
        raise Http404
    if otp.is_verified(request.user):
        return redirect(_officer_next(request))
    return None


def _signed_in(request, device):
    otp_login(request, device)
    request.session.pop(otp.PENDING_SESSION_KEY, None)
    request.session.cycle_key()  # a new session id for the now fully signed-in officer
    otp.login_success(request, request.user)
    return redirect(_officer_next(request))


def _wrong_code(request, form) -> HttpResponse | None:
    if otp.otp_failure(request, request.user):
        return otp.lockout_response(request)
    form.add_error(
        otp.OTP_FIELD,
        _("This code is not right. Enter the newest code your app shows; each code works once."),
    )
    return None


def _throttled(device, form) -> bool:
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        form.add_error(
            otp.OTP_FIELD, _("Please wait a few seconds, then enter the newest code from the app.")
        )
    return not allowed


@never_cache
@sensitive_post_parameters(otp.OTP_FIELD)
def officer_otp(request):
    """Step 2: the 6-digit code from the officer's authenticator app."""
    if (response := _officer_second_step(request)) is not None:
        return response
    user = request.user
    next_url = request.GET.get("next", "")
    device = otp.confirmed_device(user)
    if device is None:
        return redirect(_with_next("portal:officer_enrol", next_url))
    form = otp.OTPTokenForm(request.POST or None)
    if request.method == "POST":
        if otp.is_locked_out(request, user.get_username()):
            return otp.lockout_response(request)
        if form.is_valid() and not _throttled(device, form):
            verified = otp_verify_token(user, device.persistent_id, form.cleaned_data["otp_token"])
            if verified is not None:
                return _signed_in(request, verified)
            if (response := _wrong_code(request, form)) is not None:
                return response
    return render(request, "portal/officer_otp.html", {"form": form, "next": next_url})


@never_cache
@sensitive_post_parameters(otp.OTP_FIELD)
def officer_enrol(request):
    """First sign-in: add an authenticator app (QR code or key), confirmed by a first code."""
    if (response := _officer_second_step(request)) is not None:
        return response
    user = request.user
    next_url = request.GET.get("next", "")
    if otp.confirmed_device(user) is not None:
        return redirect(_with_next("portal:officer_otp", next_url))
    device = otp.pending_device(user)
    form = otp.OTPTokenForm(request.POST or None)
    if request.method == "POST":
        if otp.is_locked_out(request, user.get_username()):
            return otp.lockout_response(request)
        if form.is_valid() and not _throttled(device, form):
            if device.verify_token(form.cleaned_data["otp_token"]):
                otp.enrolment_confirm(request=request, device=device)
                messages.success(
                    request,
                    _(
                        "Your authenticator app is set up. From now on, sign in with your "
                        "password and a code from the app."
                    ),
                )
                return _signed_in(request, device)
            if (response := _wrong_code(request, form)) is not None:
                return response
    return render(
        request,
        "portal/officer_enrol.html",
        {
            "form": form,
            "next": next_url,
            "qr_svg": otp.qr_svg(
                device.config_url, title=_("QR code to add this account to your app")
            ),
            "secret": otp.secret_base32(device),
            "issuer": settings.OTP_TOTP_ISSUER,
            "account": user.get_username(),
        },
    )


@require_POST
def logout_view(request):
    logout(request)
    messages.success(
        request, _("You have signed out. Your drafts are kept for when you come back.")
    )
    return redirect("portal:home")


def remember_language(request, user) -> None:
    """Keep the language the person uses on their account (one UPDATE, only when it
    changed): e-mails, SMS and the inbox speak to them in it."""
    language = (getattr(request, "LANGUAGE_CODE", "") or "").split("-")[0]
    if not language or not getattr(user, "is_authenticated", False) or user.language == language:
        return
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language


def set_language(request):
    """Django's language switch, which the account also remembers."""
    from django.utils.translation import check_for_language
    from django.views.i18n import set_language as django_set_language

    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.method == "POST" and check_for_language(language):
        request.LANGUAGE_CODE = language
        remember_language(request, request.user)
    return response


def csrf_failure(request, reason=""):
    """A form sent without its token (an expired session, a page kept open overnight): the
    portal's 403 page, which says how to send it again, not Django's English one."""
    return render(request, "403.html", status=403)


def ratelimited(request, exception=None):
    return render(request, "portal/ratelimited.html", status=429)


def health(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")

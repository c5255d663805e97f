from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from procedures.selectors import procedures_featured


def home(request):
    return render(request, "portal/home.html", {"procedures": procedures_featured()})


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


class OfficerLoginView(LoginView):
    template_name = "portal/officer_login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        from django.urls import reverse

        return reverse("backoffice:queue")


@require_POST
def logout_view(request):
    logout(request)
    messages.success(
        request, _("You have signed out. Your drafts are kept for when you come back.")
    )
    return redirect("portal:home")


def ratelimited(request, exception=None):
    return render(request, "portal/ratelimited.html", status=429)


def health(request):
    return HttpResponse("ok", content_type="text/plain")

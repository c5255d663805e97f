"""The inbox page: /notifications/ (newest first, unread marked, "mark all as read")."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.models import User

from .selectors import notifications_of_user
from .services import notification_mark_all_read

PAGE_SIZE = 25


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required
    if request.method == "POST":
        if notification_mark_all_read(user=user):
            messages.success(request, _("All your notifications are marked as read."))
        return redirect("portal:notifications")
    page = Paginator(notifications_of_user(user=user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/notifications.html", {"page": page})

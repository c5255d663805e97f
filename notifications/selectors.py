"""Reads: a user's notifications, scoped to that user."""

from __future__ import annotations

from django.db.models import QuerySet

from portal.models import User

from .models import Notification


def notifications_of_user(*, user: User) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    return (
        Notification.objects.filter(user=user)
        .select_related("dossier")
        .order_by("-created_at", "-id")
    )


def notifications_unread_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()

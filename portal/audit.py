"""Audit as data: one append-only row per mutation, officer read of personal data or lookup."""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEvent, User


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    agency_code: str = "",
    reason: str = "",
    ip_address: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=(actor.username if actor is not None and actor.is_authenticated else "system"),
        action=action,
        object_type=object_type,
        object_id=object_id,
        agency_code=agency_code,
        reason=reason,
        ip_address=ip_address,
        details=details or {},
    )

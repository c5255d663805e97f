"""E-form drafts: how many were started and submitted per month and procedure, and the
login-to-submission time as a histogram (LOGIN_BUCKETS)."""

from __future__ import annotations

import datetime as dt
import zlib

from django.db import transaction
from django.db.models import (
    DateField,
    F,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dossiers.models import FormDraft

from ..models import (
    DraftFact,
)
from .buckets import lock_keys, month_bounds
from .facts import LOGIN_BUCKETS


def _login_bucket(seconds: int) -> int:
    for index, bound in enumerate(LOGIN_BUCKETS):
        if seconds < bound:
            return index
    return len(LOGIN_BUCKETS)


def drafts_month_recompute(month: dt.date, procedure_id: int) -> None:
    start, end = month_bounds(month)
    drafts = FormDraft.objects.filter(
        started_at__gte=start, started_at__lt=end, procedure_version__procedure_id=procedure_id
    )
    histogram = [0] * (len(LOGIN_BUCKETS) + 1)
    opened = started = submitted = samples = 0
    for first, login, sub in drafts.values_list("first_answered_at", "login_at", "submitted_at"):
        opened += 1
        started += first is not None
        submitted += sub is not None
        if login is not None and sub is not None and sub >= login:
            samples += 1
            histogram[_login_bucket(int((sub - login).total_seconds()))] += 1
    DraftFact.objects.filter(month=month, procedure_id=procedure_id).delete()
    if opened:
        DraftFact.objects.create(
            month=month,
            procedure_id=procedure_id,
            opened=opened,
            started=started,
            submitted=submitted,
            login_samples=samples,
            login_histogram=histogram,
        )


def drafts_rebuild() -> None:
    keys = (
        FormDraft.objects.order_by()
        .annotate(
            k_month=TruncMonth("started_at", output_field=DateField()),
            k_procedure=F("procedure_version__procedure_id"),
        )
        .values_list("k_month", "k_procedure")
        .distinct()
    )
    DraftFact.objects.all().delete()
    for month, procedure in list(keys):
        drafts_month_recompute(month, procedure)


def draft_refresh(draft: FormDraft) -> None:
    month = timezone.localtime(draft.started_at).date().replace(day=1)
    with transaction.atomic():
        procedure_id = draft.procedure_version.procedure_id
        lock_keys([zlib.crc32(f"draft|{month}|{procedure_id}".encode()) - 2**31])
        drafts_month_recompute(month, procedure_id)


def histogram_quantile(histogram: list[int], q: float) -> int | None:
    """The upper bound (seconds) of the bucket holding the q-quantile; None without data."""
    total = sum(histogram)
    if not total:
        return None
    target = q * total
    running = 0
    for index, count in enumerate(histogram):
        running += count
        if running >= target and count:
            return LOGIN_BUCKETS[index] if index < len(LOGIN_BUCKETS) else LOGIN_BUCKETS[-1]
    return LOGIN_BUCKETS[-1]

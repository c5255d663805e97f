"""Complaints (feedback.Complaint): a separate input of index group 4."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import (
    Count,
    DateField,
    F,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from ..models import (
    ComplaintFact,
)
from .buckets import lock_keys, month_bounds
from .facts import agency_areas, count_if

COMPLAINT_COUNTERS = (
    "received",
    "due",
    "answered",
    "answered_on_time",
    "author_satisfied",
    "author_rated",
    "about_dossier",
)


def complaint_queryset(as_of: dt.datetime, complaints: QuerySet | None = None) -> QuerySet:
    """Complaints per (month received, agency, procedure); rejected ones do not count.
    Due = answered, or its deadline has passed; on time = answered by the deadline."""
    from feedback.models import Complaint, ComplaintStatus

    qs = complaints if complaints is not None else Complaint.objects.all()
    answered = Q(answered_at__isnull=False)
    return (
        qs.exclude(status=ComplaintStatus.REJECTED)
        .order_by()
        .annotate(
            k_month=TruncMonth("created_at", output_field=DateField()),
            k_agency=F("agency_id"),
            k_procedure=F("procedure_id"),
        )
        .values("k_month", "k_agency", "k_procedure")
        .annotate(
            c_received=Count("id"),
            c_due=count_if(answered | Q(deadline__lt=as_of)),
            c_answered=count_if(answered),
            c_answered_on_time=count_if(
                answered & (Q(deadline__isnull=True) | Q(answered_at__lte=F("deadline")))
            ),
            c_author_satisfied=count_if(Q(author_satisfied=True)),
            c_author_rated=count_if(Q(author_satisfied__isnull=False)),
            c_about_dossier=count_if(Q(dossier__isnull=False)),
        )
    )


def _complaint_facts(rows: Iterable[dict[str, Any]]) -> list[ComplaintFact]:
    rows = list(rows)
    areas = agency_areas(r["k_agency"] for r in rows)
    facts = []
    for row in rows:
        province, ministry = areas.get(row["k_agency"] or 0, (None, None))
        facts.append(
            ComplaintFact(
                month=row["k_month"],
                agency_id=row["k_agency"],
                procedure_id=row["k_procedure"],
                province_id=province,
                ministry_id=ministry,
                **{name: row[f"c_{name}"] for name in COMPLAINT_COUNTERS},
            )
        )
    return facts


def complaints_rebuild(*, as_of: dt.datetime | None = None) -> int:
    as_of = as_of or timezone.now()
    facts = _complaint_facts(complaint_queryset(as_of))
    ComplaintFact.objects.all().delete()
    ComplaintFact.objects.bulk_create(facts, batch_size=1000)
    return len(facts)


def complaint_refresh(complaint: Any, *, as_of: dt.datetime | None = None) -> None:
    """Recompute the complaint's bucket, and the unrouted bucket it may have left."""
    from feedback.models import Complaint

    as_of = as_of or timezone.now()
    month = timezone.localtime(complaint.created_at).date().replace(day=1)
    start, end = month_bounds(month)
    with transaction.atomic():
        keys = {(complaint.agency_id, complaint.procedure_id), (None, complaint.procedure_id)}
        lock_keys(zlib.crc32(f"complaint|{month}|{a}|{p}".encode()) - 2**31 for a, p in keys)
        for agency_id, procedure_id in keys:
            ComplaintFact.objects.filter(
                month=month, agency_id=agency_id, procedure_id=procedure_id
            ).delete()
            qs = Complaint.objects.filter(
                created_at__gte=start,
                created_at__lt=end,
                agency_id=agency_id,
                procedure_id=procedure_id,
            )
            ComplaintFact.objects.bulk_create(_complaint_facts(complaint_queryset(as_of, qs)))

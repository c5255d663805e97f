"""Electronic certified copies (dossiers.CertifiedCopy): criterion 5.3 of the index, counted
per month and agency in CertifiedCopyFact. Issuing a copy recomputes its own bucket (one
agency, one month); the rebuild recomputes them all."""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count, DateField, F, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from ..models import CertifiedCopyFact
from .buckets import lock_keys, month_bounds
from .facts import agency_areas


def certified_copy_queryset(copies: QuerySet | None = None) -> QuerySet:
    """Copies per (month issued, in local time, agency)."""
    from dossiers.models import CertifiedCopy

    qs = copies if copies is not None else CertifiedCopy.objects.all()
    return (
        qs.order_by()
        .annotate(
            k_month=TruncMonth("issued_at", output_field=DateField()), k_agency=F("agency_id")
        )
        .values("k_month", "k_agency")
        .annotate(c_copies=Count("id"))
    )


def _facts(rows: Iterable[dict[str, Any]]) -> list[CertifiedCopyFact]:
    rows = list(rows)
    areas = agency_areas(r["k_agency"] for r in rows)
    facts = []
    for row in rows:
        province, ministry = areas.get(row["k_agency"], (None, None))
        facts.append(
            CertifiedCopyFact(
                month=row["k_month"],
                agency_id=row["k_agency"],
                province_id=province,
                ministry_id=ministry,
                copies=row["c_copies"],
            )
        )
    return facts


def certified_copies_rebuild() -> int:
    facts = _facts(certified_copy_queryset())
    CertifiedCopyFact.objects.all().delete()
    CertifiedCopyFact.objects.bulk_create(facts, batch_size=1000)
    return len(facts)


def certified_copy_refresh(copy: Any) -> None:
    """Recompute the bucket of the copy's agency and month."""
    from dossiers.models import CertifiedCopy

    month = timezone.localtime(copy.issued_at).date().replace(day=1)
    start, end = month_bounds(month)
    with transaction.atomic():
        lock_keys([zlib.crc32(f"copies|{month}|{copy.agency_id}".encode()) - 2**31])
        CertifiedCopyFact.objects.filter(month=month, agency_id=copy.agency_id).delete()
        qs = CertifiedCopy.objects.filter(
            agency_id=copy.agency_id, issued_at__gte=start, issued_at__lt=end
        )
        CertifiedCopyFact.objects.bulk_create(_facts(certified_copy_queryset(qs)))

"""How the rollups are computed: ONE definition of every counter, as ORM expressions over
the raw dossiers, used three ways:

- `dossiers_refresh`: after dossiers change, their old and new buckets are recomputed from
  the raw dossiers of each bucket and replaced, once per bucket for the whole batch. A change
  only marks the dossier (RollupPending, in its own transaction: signals.py); the beat task
  `rollups_drain` refreshes the marked dossiers every DASHBOARDS_DRAIN_SECONDS, so the cost
  of a write does not grow with the size of its bucket, and a bucket touched by a thousand
  submissions is recomputed once. Repeated, duplicated or out-of-order events only recompute
  the same numbers: idempotent by construction.
- `rollups_rebuild`: the nightly reconciliation recomputes every bucket (GROUP BY).
- `rollups_rebuild_sql`: the same GROUP BY as one INSERT ... SELECT on PostgreSQL (bulk
  loads of millions of dossiers).

A dossier counts in the month it was SUBMITTED (local time). Finished dossiers are early,
on time or late by comparing the local date of `processed_at` with the local date of
`due_at` (docs/domain.md 4). Dossiers still in processing are within or past their deadline
compared to `as_of` (now, or the end of the reporting period when rebuilding history).
"""

from __future__ import annotations

from .buckets import (
    Bucket,
    bucket_recompute,
    dossier_bucket,
    dossier_refresh,
    dossiers_refresh,
    rollups_drain,
)
from .complaints import (
    COMPLAINT_COUNTERS,
    complaint_queryset,
    complaint_refresh,
    complaints_rebuild,
)
from .drafts import draft_refresh, drafts_month_recompute, drafts_rebuild, histogram_quantile
from .facts import (
    FINISHED,
    IN_PROCESSING,
    KEYS,
    LOGIN_BUCKETS,
    SecondsBetween,
    agency_areas,
    agency_key,
    attachment_expressions,
    attachment_queryset,
    counter_expressions,
    fact_queryset,
    key_expressions,
)
from .rebuild import rollups_rebuild, rollups_rebuild_sql

__all__ = [
    "COMPLAINT_COUNTERS",
    "FINISHED",
    "IN_PROCESSING",
    "KEYS",
    "LOGIN_BUCKETS",
    "Bucket",
    "SecondsBetween",
    "agency_areas",
    "agency_key",
    "attachment_expressions",
    "attachment_queryset",
    "bucket_recompute",
    "complaint_queryset",
    "complaint_refresh",
    "complaints_rebuild",
    "counter_expressions",
    "dossier_bucket",
    "dossier_refresh",
    "dossiers_refresh",
    "draft_refresh",
    "drafts_month_recompute",
    "drafts_rebuild",
    "fact_queryset",
    "histogram_quantile",
    "key_expressions",
    "rollups_drain",
    "rollups_rebuild",
    "rollups_rebuild_sql",
]

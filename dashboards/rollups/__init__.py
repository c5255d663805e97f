"""How the rollups are computed: ONE definition of every counter, as ORM expressions over
the raw dossiers, used three ways:

- `dossiers_refresh`: after dossiers change, each one's contribution to its bucket is
  computed again from its raw row (`contribution_queryset`, the same expressions grouped by
  dossier) and the difference with the one it made last time (DossierBucket) is added to its
  old and new buckets and their areas, once per bucket for the whole batch. A change only
  marks the dossier (RollupPending, in its own transaction: signals.py); the beat task
  `rollups_drain` refreshes the marked dossiers every DASHBOARDS_DRAIN_SECONDS, so neither a
  write nor the drain costs more in a bigger bucket. Repeated, duplicated or out-of-order
  events add nothing more: the result depends only on the dossiers' state. The counters that
  depend on the clock are moved to "now" by each drain for the buckets it touches and for
  those in which a deadline passed (`clocks_advance`).
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
    clocks_advance,
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
from .copies import certified_copies_rebuild, certified_copy_refresh
from .drafts import draft_refresh, drafts_month_recompute, drafts_rebuild, histogram_quantile
from .facts import (
    FINISHED,
    IN_PROCESSING,
    KEYS,
    LOGIN_BUCKETS,
    SecondsBetween,
    agency_areas,
    agency_key,
    attachment_contribution_queryset,
    attachment_expressions,
    attachment_queryset,
    contribution_expressions,
    contribution_queryset,
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
    "attachment_contribution_queryset",
    "attachment_expressions",
    "attachment_queryset",
    "certified_copies_rebuild",
    "certified_copy_refresh",
    "clocks_advance",
    "complaint_queryset",
    "complaint_refresh",
    "complaints_rebuild",
    "contribution_expressions",
    "contribution_queryset",
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

"""Rollups behind the dashboards: monthly facts per (month, agency, procedure, channel) with raw
numerators and denominators, draft facts for the completion rate and login-to-submission
times, complaint counters (a separate input), stored index scores and who may see what."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Province

#: The counters of one MonthlyFact row; every figure of the dashboards is a ratio of these.
FACT_COUNTERS: tuple[str, ...] = (
    "dossiers",
    "received",
    "finished",
    "finished_early",
    "finished_on_time",
    "finished_late",
    "processing_within",
    "processing_overdue",
    "refused",
    "withdrawn",
    "full_process",
    "with_fee",
    "paid",
    "paid_online",
    "e_result",
    "synced",
    "rating_very",
    "rating_satisfied",
    "rating_unsatisfied",
    "processing_seconds",
    "processing_count",
)
ATTACHMENT_COUNTERS: tuple[str, ...] = (
    "components",
    "components_digitised",
    "components_reused",
)
#: The counters that depend on the clock: a dossier in processing is within or past its
#: deadline "as of" a moment (now, for the drain). They are not kept per dossier: see
#: DossierBucket.processing and DossierBucket.overdue_from.
CLOCK_COUNTERS: tuple[str, ...] = ("processing_within", "processing_overdue")
#: What one dossier adds to its bucket (the columns of DossierBucket that the drain turns into
#: deltas): every counter that does not depend on the clock, and `processing`, the dossiers in
#: processing (processing_within + processing_overdue).
CONTRIBUTION_COUNTERS: tuple[str, ...] = (
    *(name for name in FACT_COUNTERS if name not in CLOCK_COUNTERS),
    "processing",
    *ATTACHMENT_COUNTERS,
)


class Counters(models.Model):
    """The raw numerators and denominators (see FACT_COUNTERS and ATTACHMENT_COUNTERS)."""

    dossiers = models.IntegerField(default=0)
    received = models.IntegerField(default=0)
    finished = models.IntegerField(default=0)
    finished_early = models.IntegerField(default=0)
    finished_on_time = models.IntegerField(default=0)
    finished_late = models.IntegerField(default=0)
    processing_within = models.IntegerField(default=0)
    processing_overdue = models.IntegerField(default=0)
    refused = models.IntegerField(default=0)
    withdrawn = models.IntegerField(default=0)
    full_process = models.IntegerField(default=0)
    with_fee = models.IntegerField(default=0)
    paid = models.IntegerField(default=0)
    paid_online = models.IntegerField(default=0)
    e_result = models.IntegerField(default=0)
    synced = models.IntegerField(default=0)
    rating_very = models.IntegerField(default=0)
    rating_satisfied = models.IntegerField(default=0)
    rating_unsatisfied = models.IntegerField(default=0)
    processing_seconds = models.BigIntegerField(default=0)
    processing_count = models.IntegerField(default=0)
    components = models.IntegerField(default=0)
    components_digitised = models.IntegerField(default=0)
    components_reused = models.IntegerField(default=0)

    class Meta:
        abstract = True


class MonthlyFact(Counters):
    """Raw counts for the dossiers SUBMITTED in `month` (local time; the first day of the
    month) for one competent agency, procedure and channel: the sum of its dossiers'
    contributions (DossierBucket), kept by the drain with deltas and rebuilt every night
    from the raw dossiers; a repeated or late event adds nothing (the delta of a dossier
    already counted as it is is zero)."""

    month = models.DateField()
    agency = models.ForeignKey(
        Agency, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    province = models.ForeignKey(
        Province, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    ministry = models.ForeignKey(
        Agency, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    procedure = models.ForeignKey(
        "procedures.Procedure", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    channel = models.PositiveSmallIntegerField()
    clock_at = models.DateTimeField(
        null=True,
        help_text=_("processing_within and processing_overdue are as of this moment."),
    )

    class Meta:
        indexes = [
            models.Index(fields=["agency", "month", "procedure", "channel"]),
            models.Index(fields=["province", "month"]),
            models.Index(fields=["ministry", "month"]),
            models.Index(fields=["procedure", "month"]),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.agency_id} {self.procedure_id} {self.channel}"


class AreaFact(Counters):
    """MonthlyFact summed over the agencies of a province (or of a ministry): the small
    table the national pages and rankings read."""

    month = models.DateField()
    province = models.ForeignKey(
        Province, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    ministry = models.ForeignKey(
        Agency, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    procedure = models.ForeignKey(
        "procedures.Procedure", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    channel = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["month", "province", "ministry"]),
            models.Index(fields=["procedure", "month"]),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.province_id} {self.ministry_id} {self.procedure_id}"


class AreaMonthFact(Counters):
    """AreaFact summed over procedures: a few thousand rows for the whole country, read by
    the national page, the rankings and the province and ministry totals."""

    month = models.DateField()
    province = models.ForeignKey(
        Province, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    ministry = models.ForeignKey(
        Agency, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    channel = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [models.Index(fields=["month", "province", "ministry"])]

    def __str__(self) -> str:
        return f"{self.month} {self.province_id} {self.ministry_id} {self.channel}"


class ProcedureMonthFact(Counters):
    """AreaFact summed over the whole country per procedure (national procedure tables)."""

    month = models.DateField()
    procedure = models.ForeignKey(
        "procedures.Procedure", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    channel = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [models.Index(fields=["procedure", "month"])]

    def __str__(self) -> str:
        return f"{self.month} {self.procedure_id} {self.channel}"


class DossierBucket(models.Model):
    """Which MonthlyFact bucket a dossier was last counted in, and what it added to it then
    (its contribution: CONTRIBUTION_COUNTERS, computed by the expressions of
    `dashboards.rollups.facts` for this one dossier). The drain applies the difference between
    a changed dossier's new contribution and this one to the bucket, so its cost does not grow
    with the bucket; the nightly rebuild rewrites every row."""

    dossier_id = models.BigIntegerField(primary_key=True)
    month = models.DateField()
    agency_id = models.BigIntegerField(null=True)
    procedure_id = models.BigIntegerField()
    channel = models.PositiveSmallIntegerField()
    dossiers = models.IntegerField(default=0)
    received = models.IntegerField(default=0)
    finished = models.IntegerField(default=0)
    finished_early = models.IntegerField(default=0)
    finished_on_time = models.IntegerField(default=0)
    finished_late = models.IntegerField(default=0)
    refused = models.IntegerField(default=0)
    withdrawn = models.IntegerField(default=0)
    full_process = models.IntegerField(default=0)
    with_fee = models.IntegerField(default=0)
    paid = models.IntegerField(default=0)
    paid_online = models.IntegerField(default=0)
    e_result = models.IntegerField(default=0)
    synced = models.IntegerField(default=0)
    rating_very = models.IntegerField(default=0)
    rating_satisfied = models.IntegerField(default=0)
    rating_unsatisfied = models.IntegerField(default=0)
    processing_seconds = models.BigIntegerField(default=0)
    processing_count = models.IntegerField(default=0)
    processing = models.IntegerField(default=0)
    components = models.IntegerField(default=0)
    components_digitised = models.IntegerField(default=0)
    components_reused = models.IntegerField(default=0)
    overdue_from = models.DateTimeField(
        null=True,
        help_text=_(
            "The deadline of a dossier in processing against it (not waiting for a "
            "supplement): from then on it counts as overdue, before as within."
        ),
    )

    class Meta:
        indexes = [
            # the dossiers of a bucket whose deadline passed between two moments
            models.Index(
                fields=["month", "agency_id", "procedure_id", "channel", "overdue_from"],
                condition=models.Q(overdue_from__isnull=False),
                name="dossierbucket_bucket_due",
            ),
            # the buckets with a deadline that passed since the last drain
            models.Index(
                fields=["overdue_from"],
                condition=models.Q(overdue_from__isnull=False),
                name="dossierbucket_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} -> {self.month} {self.agency_id}"


class RollupClock(models.Model):
    """One row: the moment up to which the drain has moved the clock counters of every bucket
    (a bucket whose dossiers' deadlines passed since is moved by the next drain). `as_of`
    NULL: the rollups predate the per-dossier contributions (migration 0005) and the drain
    waits for a rebuild (`manage.py rebuild_rollups`, or the nightly reconciliation)."""

    as_of = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.as_of}"


class DraftFact(models.Model):
    """E-form drafts opened in `month` for one procedure: started (first answer saved),
    submitted, and the login-to-submission time as a histogram (see LOGIN_BUCKETS)."""

    month = models.DateField()
    procedure = models.ForeignKey(
        "procedures.Procedure", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    opened = models.IntegerField(default=0)
    started = models.IntegerField(default=0)
    submitted = models.IntegerField(default=0)
    login_samples = models.IntegerField(default=0)
    login_histogram = models.JSONField(
        default=list, help_text=_("Counts per bucket of dashboards.rollups.LOGIN_BUCKETS.")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "procedure"], name="draftfact_unique_bucket")
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.procedure_id}"


class ComplaintFact(models.Model):
    """Complaints (phan anh, kien nghi) per month and agency: a separate input of the index
    (group 4), filled from the feedback app's Complaint model when it exists."""

    month = models.DateField()
    agency = models.ForeignKey(
        Agency, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    province = models.ForeignKey(
        Province, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    ministry = models.ForeignKey(
        Agency, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    procedure_id = models.BigIntegerField(null=True)
    received = models.IntegerField(default=0)
    due = models.IntegerField(
        default=0, help_text=_("Complaints answered or whose deadline has passed.")
    )
    answered_on_time = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    author_satisfied = models.IntegerField(default=0)
    author_rated = models.IntegerField(default=0)
    about_dossier = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "agency", "procedure_id"],
                name="complaintfact_unique_bucket",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.agency_id}"


class CertifiedCopyFact(models.Model):
    """Electronic certified copies issued per month and agency (index criterion 5.3), from
    dossiers.CertifiedCopy: refreshed for the copy's agency and month when one is issued."""

    month = models.DateField()
    agency = models.ForeignKey(
        Agency, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    province = models.ForeignKey(
        Province, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    ministry = models.ForeignKey(
        Agency, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    copies = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "agency"], name="certifiedcopyfact_unique_bucket"
            )
        ]
        indexes = [models.Index(fields=["province", "month"])]

    def __str__(self) -> str:
        return f"{self.month} {self.agency_id} {self.copies}"


class ScopeLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCE = "province", _("Province")
    MINISTRY = "ministry", _("Ministry")


class DashboardScope(models.Model):
    """What an official may see on the dashboards: everything, one province (and its
    communes), or one ministry's own agencies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dashboard_scopes"
    )
    level = models.CharField(max_length=16, choices=ScopeLevel.choices)
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.CASCADE)
    ministry = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        limit_choices_to={"level": 0},
        related_name="+",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(level="national", province__isnull=True, ministry__isnull=True)
                    | models.Q(level="province", province__isnull=False, ministry__isnull=True)
                    | models.Q(level="ministry", province__isnull=True, ministry__isnull=False)
                ),
                name="dashboardscope_consistent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.level} {self.province or self.ministry or ''}"


class IndexScore(models.Model):
    """One computed 100-point index, with the raw numerators and denominators and the
    version of the formula that produced it."""

    unit_kind = models.CharField(max_length=16)
    unit_id = models.BigIntegerField(null=True)
    period = models.CharField(max_length=10, help_text=_("2026-03, 2026-Q1 or 2026"))
    formula_version = models.CharField(max_length=32)
    total = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    max_measured = models.DecimalField(max_digits=6, decimal_places=2)
    detail = models.JSONField()
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit_kind", "unit_id", "period", "formula_version"],
                name="indexscore_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_kind} {self.unit_id} {self.period} {self.total}"


class RollupPending(models.Model):
    """A dossier whose contribution to the rollups must be brought up to date: written in the
    transaction that changed it (one cheap INSERT, no lock), drained in batches by
    `dashboards.tasks.rollups_drain` (beat, every DASHBOARDS_DRAIN_SECONDS), which adds each
    changed dossier's delta to its buckets, once per bucket for all the dossiers that changed
    in it. No unique key on purpose: a mark written by a transaction that is still open when
    the drain runs is not visible to it, stays, and is drained next time; several marks of one
    dossier cost one refresh."""

    id = models.BigAutoField(primary_key=True)
    dossier_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.dossier_id} @ {self.created_at:%H:%M:%S}"

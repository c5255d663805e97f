"""``manage.py seed_dashboard_demo``: a small synthetic history (a few thousand dossiers over
two years in a handful of provinces, with ratings, attachments, payments and e-form drafts)
and two demo officials, so that the demo's dashboards are not empty. Idempotent: does
nothing when the demo history is already there. Works on SQLite (no COPY)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from agencies.demo import DEMO_PASSWORD, demo_otp_device_create
from agencies.models import Agency, AgencyKind, Province
from dossiers.models import Attachment, AttachmentKind, Dossier, FormDraft
from feedback.models import Rating
from portal.models import User
from procedures.models import ProcedureVersion
from procedures.services import procedure_usage_update

from ...models import DashboardScope, ScopeLevel
from ...rollups import rollups_rebuild
from ...selectors import procedure_recent_dossiers
from .generate_history import day_weight

PREFIX = "DEMO-"
PROVINCES = ("Thành phố Hà Nội", "Thành phố Hồ Chí Minh", "Thành phố Đà Nẵng", "Nghệ An")
OFFICIALS = (
    ("quocgia.lanhdao", "Phạm Minh Quân", ScopeLevel.NATIONAL, None),
    ("hanoi.lanhdao", "Lê Thị Hồng", ScopeLevel.PROVINCE, "Thành phố Hà Nội"),
)


class Command(BaseCommand):
    help = "Load a small dashboard history and the demo officials (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dossiers", type=int, default=4000)

    def handle(self, *args: Any, **options: Any) -> None:
        self._officials()
        if Dossier.objects.filter(code__startswith=PREFIX).exists():
            self.stdout.write("Dashboard demo history already loaded.")
            return
        with transaction.atomic():
            count = self._history(options["dossiers"])
        rollups_rebuild()
        # the front page's common procedures follow the history's use, as every night
        procedure_usage_update(counts=procedure_recent_dossiers())
        self.stdout.write(f"Dashboard demo history: {count} dossiers")

    def _officials(self) -> None:
        for username, name, level, province in OFFICIALS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"full_name": name}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            demo_otp_device_create(user)
            scope: dict[str, Any] = {"level": level}
            if province:
                scope["province"] = Province.objects.get(name=province)
            DashboardScope.objects.get_or_create(user=user, **scope)

    def _history(self, total: int) -> int:
        rng = random.Random(2026)  # noqa: S311 - synthetic demo data
        versions = list(
            ProcedureVersion.objects.select_related("procedure").filter(is_published=True)
        )
        agencies = list(
            Agency.objects.filter(kind=AgencyKind.COMMUNE_COMMITTEE, province__name__in=PROVINCES)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not versions or not agencies:
            return 0
        agencies = rng.sample(agencies, min(60, len(agencies)))
        applicant, _ = User.objects.get_or_create(
            username="demo-history", defaults={"full_name": "Người nộp mẫu"}
        )
        today = timezone.localdate()
        start = today.replace(day=1) - dt.timedelta(days=600)
        days = [start + dt.timedelta(days=n) for n in range((today - start).days)]
        weights = [day_weight(d) for d in days]
        tz = timezone.get_current_timezone()
        now = timezone.now()
        dossiers = []
        for n, day in enumerate(rng.choices(days, weights=weights, k=total)):
            trend = (day - start).days / len(days)
            channel = 2 if rng.random() < 0.25 + 0.4 * trend else (3 if rng.random() < 0.03 else 1)
            submitted = dt.datetime(
                day.year, day.month, day.day, rng.randint(7, 16), rng.randint(0, 59), tzinfo=tz
            )
            agency = rng.choice(agencies)
            version = rng.choice(versions)
            d = Dossier(
                code=f"{PREFIX}{n:06d}",
                procedure_version=version,
                channel=channel,
                applicant=applicant,
                applicant_name="Người nộp mẫu",
                submitted_at=submitted,
                competent_agency_id=agency,
                receiving_agency_id=agency,
                target_agency_id=agency,
            )
            received = submitted + dt.timedelta(hours=rng.uniform(0.5, 8) if channel == 2 else 0)
            if received < now:
                roll = rng.random()
                if roll < 0.03:
                    d.status = 3
                elif roll < 0.05:
                    d.status = 7
                else:
                    d.received_at = received
                    d.due_at = received + dt.timedelta(days=3)
                    factor = (
                        rng.uniform(1.05, 1.6) if rng.random() < 0.08 else rng.uniform(0.1, 0.95)
                    )
                    factor *= 0.6 if channel == 2 and factor < 1 else 1
                    processed = received + dt.timedelta(days=3) * factor
                    if processed < now:
                        d.status, d.processed_at = 10, processed
                        d.returned_at = processed + dt.timedelta(hours=4)
                        d.delivery_status = "delivered"
                        d.result_sha256 = "d" * 64 if rng.random() < 0.8 else ""
                        d.result_signed = bool(d.result_sha256)
                    else:
                        d.status = 4
                d.sync_status = "synced" if rng.random() < 0.92 else "pending"
            d.payment_status = rng.choice(["not_required", "not_required", "paid", "unpaid"])
            dossiers.append(d)
        Dossier.objects.bulk_create(dossiers, batch_size=500)
        saved = list(
            Dossier.objects.filter(code__startswith=PREFIX).values_list(
                "pk", "status", "channel", "processed_at"
            )
        )
        ratings, attachments = [], []
        for pk, status, channel, _processed in saved:
            if status == 10 and rng.random() < 0.4:
                level = 2 if rng.random() < 0.55 else (1 if rng.random() < 0.85 else 0)
                ratings.append(Rating(dossier_id=pk, level=level))
            for _ in range(rng.randint(1, 3)):
                kind = (
                    AttachmentKind.REUSED
                    if rng.random() < 0.3
                    else AttachmentKind.DIGITISED
                    if channel != 2 and rng.random() < 0.8
                    else AttachmentKind.UPLOADED
                )
                attachments.append(
                    Attachment(dossier_id=pk, file="demo/placeholder.pdf", original_name="giay-to.pdf",
                               content_type="application/pdf", size=1024, sha256="0" * 64, kind=kind)
                )  # fmt: skip
        Rating.objects.bulk_create(ratings, batch_size=500)
        Attachment.objects.bulk_create(attachments, batch_size=500)
        drafts = []
        for _ in range(total // 4):
            day = rng.choice(days)
            opened = dt.datetime(day.year, day.month, day.day, rng.randint(7, 21), tzinfo=tz)
            answered = rng.random() < 0.85
            submitted_ok = answered and rng.random() < 0.7
            minutes = rng.lognormvariate(1.6, 0.5)
            drafts.append(
                FormDraft(
                    user=applicant,
                    procedure_version=rng.choice(versions),
                    first_answered_at=opened + dt.timedelta(minutes=1) if answered else None,
                    login_at=opened,
                    submitted_at=opened + dt.timedelta(minutes=minutes) if submitted_ok else None,
                )
            )
        FormDraft.objects.bulk_create(drafts, batch_size=500)
        # started_at is auto_now_add: spread the drafts over the history afterwards
        for draft in FormDraft.objects.filter(user=applicant, login_at__isnull=False).only(
            "pk", "login_at"
        ):
            FormDraft.objects.filter(pk=draft.pk).update(started_at=draft.login_at)
        return len(dossiers)

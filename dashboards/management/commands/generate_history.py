"""``manage.py generate_history --dossiers 10000000``: realistic synthetic history in
PostgreSQL for the dashboards benchmark (never on a production database).

Seasons (a busy spring and autumn, the Tet dip and the rush before it, quiet weekends), a
channel mix that moves online over the two years, per-procedure time limits with delays
(online dossiers finish faster), refusals and withdrawals, fees and online payments,
national-sync status, e-results and ratings. Loaded with COPY in batches into a dossier
table whose secondary indexes and foreign keys are dropped first and recreated after;
ratings with one INSERT ... SELECT; the rollups with the INSERT ... SELECT ... GROUP BY of
`dashboards.rollups.rollups_rebuild_sql`.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from agencies.models import Agency, AgencyKind, AgencyLevel
from dossiers.models import Dossier
from procedures.models import Procedure, ProcedureVersion
from procedures.services import DATA_DIR, procedure_import

from ...rollups import rollups_rebuild_sql

COLUMNS = (
    "code",
    "procedure_version_id",
    "channel",
    "applicant_name",
    "status",
    "payment_status",
    "sync_status",
    "delivery_status",
    "competent_agency_id",
    "receiving_agency_id",
    "submitted_at",
    "received_at",
    "due_at",
    "processed_at",
    "returned_at",
    "result_sha256",
    "result_signed",
)
TET = {2025: dt.date(2025, 1, 29), 2026: dt.date(2026, 2, 17), 2027: dt.date(2027, 2, 6)}
MONTH_SEASON = {1: 1.1, 2: 0.8, 3: 1.1, 4: 1.05, 5: 1.0, 6: 0.95, 7: 0.9, 8: 1.0, 9: 1.1,
                10: 1.1, 11: 1.05, 12: 1.15}  # fmt: skip
NAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ")
GIVEN = ("Văn An", "Thị Lan", "Minh Đức", "Thị Mai", "Quốc Huy", "Thu Hà", "Văn Nam", "Ngọc Anh")


def day_weight(day: dt.date) -> float:
    weight = MONTH_SEASON[day.month]
    if day.weekday() == 5:
        weight *= 0.12
    elif day.weekday() == 6:
        weight *= 0.03
    tet = TET.get(day.year) or TET.get(day.year + 1)
    for year_tet in (TET.get(day.year), TET.get(day.year + 1)):
        if year_tet is None:
            continue
        delta = (day - year_tet).days
        if -3 <= delta <= 5:
            weight *= 0.05  # the Tet holiday
        elif -21 <= delta < -3:
            weight *= 1.35  # the rush before Tet
        elif 5 < delta <= 12:
            weight *= 0.7  # slow restart
    del tet
    return weight


class Command(BaseCommand):
    help = "Load synthetic dossier history into PostgreSQL with COPY, then build the rollups."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dossiers", type=int, default=1_000_000)
        parser.add_argument("--batch", type=int, default=200_000)
        parser.add_argument("--start", default="2024-12-01")
        parser.add_argument("--end", default="2026-11-20")
        parser.add_argument("--procedures", type=int, default=60)
        parser.add_argument("--seed", type=int, default=766)
        parser.add_argument(
            "--append", action="store_true", help="Keep the existing dossiers (default: replace)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("generate_history needs PostgreSQL (COPY).")
        rng = random.Random(options["seed"])  # noqa: S311 - synthetic data, not secrets
        started = time.monotonic()
        if not Agency.objects.exists():
            call_command("load_reference_data")
        versions = self._procedures(options["procedures"], rng)
        self.stdout.write(f"Procedures: {len(versions)}")
        pools = self._agencies(rng)
        self._prepare_table(append=options["append"])
        dropped = self._drop_indexes()
        try:
            self._copy(options, versions, pools, rng)
        finally:
            self._recreate(dropped)
        self.stdout.write(f"Dossiers loaded in {time.monotonic() - started:.0f} s")
        t = time.monotonic()
        self._ratings()
        self.stdout.write(f"Ratings in {time.monotonic() - t:.0f} s")
        t = time.monotonic()
        rows = rollups_rebuild_sql(as_of=timezone.now())
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(f"Rollups: {rows} monthly facts in {time.monotonic() - t:.0f} s")
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.0f} s"))

    # --- reference data ---------------------------------------------------------------

    def _procedures(self, count: int, rng: random.Random) -> list[dict[str, Any]]:
        base = json.loads(
            (DATA_DIR / "1.001193-birth-registration.json").read_text(encoding="utf-8")
        )
        if not Procedure.objects.filter(code=base["code"]).exists():
            procedure_import(data=base)
        existing = Procedure.objects.count()
        levels = [(3, "commune_committee"), (1, "province_department"), (0, "ministry")]
        for n in range(existing, count):
            data = json.loads(json.dumps(base))
            data["code"] = f"9.{n:06d}"
            data["name"] = f"Thủ tục mẫu số {n}"
            data["name_en"] = f"Sample procedure {n}"
            data["keywords"] = ""
            version = data["versions"][0]
            version["form_key"] = ""
            level, kind = levels[0] if n % 3 else levels[1 + (n % 2)]
            version["levels"][0]["level"] = level
            version["levels"][0]["competent_agency_kind"] = kind
            version["online_level"] = rng.choice(["full", "full", "partial", "information"])
            version["e_signed_result"] = rng.random() < 0.7
            limit = str(rng.choice([1, 3, 5, 7, 10, 15, 20]))
            fee = str(rng.choice([0, 0, 0, 20000, 50000, 100000]))
            for channel in version["channels"]:
                channel["time_limit"] = limit
                for item in channel["fees"]:
                    item["amount"] = fee
            procedure_import(data=data)
        result = []
        for version in ProcedureVersion.objects.select_related("procedure").prefetch_related(
            "levels", "channels__fees"
        ):
            level = version.levels.all()[0].level if version.levels.all() else 3
            channels = list(version.channels.all())
            limit_days = float(channels[0].time_limit) if channels else 5.0
            has_fee = any(f.amount > 0 for c in channels for f in c.fees.all())
            result.append(
                {
                    "id": version.pk,
                    "level": level,
                    "limit_days": max(limit_days, 0.5),
                    "fee": has_fee,
                    "online": version.online_level != "information",
                    "e_signed": version.e_signed_result,
                }
            )
        return result

    def _agencies(self, rng: random.Random) -> dict[int, tuple[list[int], list[float]]]:
        provinces = list(Agency.objects.values_list("province_id", flat=True).distinct())
        province_weight = {p: rng.paretovariate(1.6) for p in provinces}
        pools: dict[int, tuple[list[int], list[float]]] = {}
        by_level = {
            3: Agency.objects.filter(kind=AgencyKind.COMMUNE_COMMITTEE),
            1: Agency.objects.filter(level=AgencyLevel.PROVINCE).exclude(
                kind=AgencyKind.SERVICE_CENTRE
            ),
            0: Agency.objects.filter(level=AgencyLevel.MINISTRY),
        }
        for level, qs in by_level.items():
            ids, weights = [], []
            for pk, province in qs.values_list("pk", "province_id"):
                ids.append(pk)
                weights.append(province_weight.get(province, 1.0) * rng.uniform(0.3, 1.7))
            if not ids:
                raise CommandError(f"No agency of level {level}: run load_reference_data.")
            pools[level] = (ids, list(_cumulative(weights)))
        return pools

    # --- the dossier table ------------------------------------------------------------

    def _prepare_table(self, *, append: bool) -> None:
        table = Dossier._meta.db_table
        with connection.cursor() as cursor:
            if not append:
                cursor.execute(
                    "TRUNCATE dossiers_dossier, dossiers_dossierevent, dossiers_attachment, "
                    "dossiers_supplementround, dossiers_deadlineextension, feedback_rating, "
                    "dashboards_monthlyfact, dashboards_areafact, dashboards_areamonthfact, "
                    "dashboards_proceduremonthfact, dashboards_dossierbucket "
                    "CASCADE"
                )
            # Columns the COPY leaves out get database defaults (this database only).
            cursor.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL",
                [table],
            )
            defaults = {
                "character varying": "''",
                "text": "''",
                "jsonb": "'{}'::jsonb",
                "uuid": "gen_random_uuid()",
                "timestamp with time zone": "now()",
                "boolean": "false",
                "smallint": "0",
                "integer": "0",
                "bigint": "0",
            }
            for column, data_type in cursor.fetchall():
                if column in COLUMNS or column == "id":
                    continue
                cursor.execute(
                    f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {defaults[data_type]}"
                )

    def _drop_indexes(self) -> list[str]:
        """Drop the secondary indexes and constraints; return the statements to recreate."""
        table = Dossier._meta.db_table
        statements: list[str] = []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('u', 'f', 'c')",
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                statements.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                "AND indexname NOT LIKE '%%_pkey'",
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')
                statements.append(definition)
        return statements

    def _recreate(self, statements: list[str]) -> None:
        t = time.monotonic()
        # SET LOCAL, in the transaction that builds the indexes: a plain SET would stay on
        # the session, which behind PgBouncer in transaction mode is a server connection that
        # the next client gets (docs/operations.md, "Connection pooling (PgBouncer)").
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for statement in statements:
                if " FOREIGN KEY " in statement:
                    statement = statement + " NOT VALID"
                cursor.execute(statement)
        self.stdout.write(f"Indexes and constraints recreated in {time.monotonic() - t:.0f} s")

    def _copy(
        self,
        options: dict[str, Any],
        versions: list[dict[str, Any]],
        pools: dict[int, tuple[list[int], list[float]]],
        rng: random.Random,
    ) -> None:
        start = dt.date.fromisoformat(options["start"])
        end = dt.date.fromisoformat(options["end"])
        days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
        day_cum = list(_cumulative([day_weight(d) for d in days]))
        proc_cum = list(_cumulative([1 / (rank + 1) ** 0.9 for rank in range(len(versions))]))
        order = versions[:]
        rng.shuffle(order)
        total = options["dossiers"]
        batch = options["batch"]
        now = timezone.now()
        tz = timezone.get_current_timezone()
        span = (end - start).days or 1
        table = Dossier._meta.db_table
        sequence = 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM dossiers_dossier")
            sequence = cursor.fetchone()[0]
        loaded = 0
        t0 = time.monotonic()
        while loaded < total:
            n = min(batch, total - loaded)
            buf = io.StringIO()
            write = buf.write
            chosen_days = rng.choices(days, cum_weights=day_cum, k=n)
            chosen_procs = rng.choices(order, cum_weights=proc_cum, k=n)
            for day, version in zip(chosen_days, chosen_procs, strict=True):
                sequence += 1
                row = _dossier_row(sequence, day, version, pools, rng, now, tz, start, span)
                write(row)
            buf.seek(0)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.cursor.copy_expert(
                    f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT text)", buf
                )
            loaded += n
            rate = loaded / (time.monotonic() - t0)
            self.stdout.write(f"  {loaded:>11,} dossiers ({rate:,.0f}/s)")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('dossiers_dossier', 'id'), "
                "(SELECT MAX(id) FROM dossiers_dossier))"
            )

    def _ratings(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO feedback_rating (dossier_id, level, comment, criteria, created_at) "
                "SELECT id, CASE WHEN r < 0.55 THEN 2 WHEN r < 0.93 THEN 1 ELSE 0 END, '', "
                "'{}'::jsonb, processed_at + interval '1 day' FROM ("
                "  SELECT id, processed_at, random() AS r, random() AS pick "
                "  FROM dossiers_dossier WHERE status IN (9, 10)) d WHERE pick < 0.35 "
                "ON CONFLICT DO NOTHING"
            )


def _cumulative(weights: list[float]):  # type: ignore[no-untyped-def]
    total = 0.0
    for weight in weights:
        total += weight
        yield total


def _pick(pool: tuple[list[int], list[float]], rng: random.Random) -> int:
    return rng.choices(pool[0], cum_weights=pool[1], k=1)[0]


def _ts(value: dt.datetime | None) -> str:
    return r"\N" if value is None else value.isoformat()


def _dossier_row(
    seq: int,
    day: dt.date,
    version: dict[str, Any],
    pools: dict[int, tuple[list[int], list[float]]],
    rng: random.Random,
    now: dt.datetime,
    tz: Any,
    start: dt.date,
    span: int,
) -> str:
    trend = (day - start).days / span  # 0 .. 1 over the history
    online_share = (0.22 + 0.40 * trend) if version["online"] else 0.0
    r = rng.random()
    channel = 2 if r < online_share else (3 if r > 0.97 else 1)
    submitted = dt.datetime(
        day.year, day.month, day.day, rng.randint(7, 16), rng.randint(0, 59), tzinfo=tz
    )
    agency = _pick(pools[version["level"]], rng)
    limit = dt.timedelta(days=version["limit_days"] * 1.4)
    received = submitted + dt.timedelta(hours=rng.uniform(0.5, 20)) if channel == 2 else submitted
    status, received_at, due_at, processed_at, returned_at = 1, None, None, None, None
    result = ""
    if received <= now:
        r = rng.random()
        if r < 0.025:
            status = 3  # refused at reception
        elif r < 0.04:
            status = 7  # withdrawn
        else:
            received_at = received
            due_at = received + limit
            speed = 0.45 if channel == 2 else 0.7
            factor = rng.uniform(1.02, 1.8) if rng.random() < 0.07 else rng.uniform(0.1, 1.0)
            processed = received + limit * factor * (speed / 0.7 if factor <= 1 else 1)
            if processed <= now:
                status = 10 if rng.random() < 0.9 else 9
                processed_at = processed
                if status == 10:
                    returned_at = processed + dt.timedelta(hours=rng.uniform(1, 72))
                if version["e_signed"] and rng.random() < 0.85:
                    result = "e" * 64
            else:
                status = rng.choice((2, 4, 4, 4, 5, 6))
    if version["fee"]:
        payment = (
            ("paid" if rng.random() < 0.9 else "unpaid")
            if channel != 2
            else ("paid" if rng.random() < 0.75 else "unpaid")
        )
    else:
        payment = "not_required"
    sync = "synced" if status != 1 and rng.random() < 0.93 else "pending"
    name = f"{rng.choice(NAMES)} {rng.choice(GIVEN)}"
    return (
        "\t".join(
            (
                f"BENCH-{seq:010d}",
                str(version["id"]),
                str(channel),
                name,
                str(status),
                payment,
                sync,
                "delivered" if returned_at else "not_ready",
                str(agency),
                str(agency),
                _ts(submitted),
                _ts(received_at),
                _ts(due_at),
                _ts(processed_at),
                _ts(returned_at),
                result,
                "t" if result else "f",
            )
        )
        + "\n"
    )

"""What the benches share: a dedicated PostgreSQL database, a private Redis, real Celery
worker and beat processes, the reference data, one submission, and the measurements.

The bench process itself runs with `portal.settings.base` and the environment below, exactly
as the worker does; everything it creates lives in a temporary directory, a database of its
own (dropped and recreated at start) and a redis-server on its own port, so a run never
touches the portal's database, the machine's Redis or another bench's files.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO_DIR = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgres://portal:portal@127.0.0.1:5432/portal"
WORKER_READY_TIMEOUT = 60.0

# The smallest valid PDF that filetype recognises by content (as in tests/conftest.py).
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
    b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
BIRTH_DATA: dict[str, Any] = {
    "child": {
        "full_name": "Trần Minh An",
        "sex": "male",
        "date_of_birth": "2026-11-10",
        "ethnicity": "Kinh",
        "nationality": "Việt Nam",
    },
    "applicant": {"relationship": "mother"},
    "mother": {
        "full_name": "Nguyễn Thị Lan",
        "identification_number": "001190012345",
        "date_of_birth": "1990-03-12",
        "ethnicity": "Kinh",
        "nationality": "Việt Nam",
        "residence": "Phường Hoàn Kiếm",
    },
    "father": {
        "full_name": "Trần Văn Minh",
        "identification_number": "001088004321",
        "date_of_birth": "1988-07-02",
        "ethnicity": "Kinh",
        "nationality": "Việt Nam",
        "residence": "Phường Hoàn Kiếm",
        "unknown": False,
    },
    "commune": {"commune": "00070", "commune_name": "", "place_detail": "Bệnh viện"},
}
COMMUNES = [
    ("00070", "Phường Hoàn Kiếm", "phuong_hoan_kiem"),
    ("00004", "Phường Ba Đình", "phuong_ba_dinh"),
    ("00008", "Phường Ngọc Hà", "phuong_ngoc_ha"),
    ("00091", "Phường Cửa Nam", "phuong_cua_nam"),
    ("00103", "Phường Hồng Hà", "phuong_hong_ha"),
    ("00160", "Phường Tây Hồ", "phuong_tay_ho"),
    ("00190", "Phường Đống Đa", "phuong_dong_da"),
    ("00226", "Phường Kim Liên", "phuong_kim_lien"),
]

_T0 = time.monotonic()


TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int) -> float:
    """User + system CPU seconds of a local PostgreSQL backend."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def backend_pid(connection: Any) -> int:
    """The PostgreSQL backend of a Django connection (this thread's)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def database_buffers(connection: Any) -> int:
    """Buffer accesses of the connection's database so far (blks_hit + blks_read), flushed:
    a query whose work grows with the volume shows here even when the clock is noisy."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    time.sleep(0.3)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT blks_hit + blks_read FROM pg_stat_database WHERE datname = current_database()"
        )
        return int(cursor.fetchone()[0])


def say(message: str) -> None:
    """Progress goes to stderr; results go to stdout."""
    print(f"[{time.monotonic() - _T0:7.1f}s] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def database_url_for(base_url: str, name: str) -> str:
    parts = urlsplit(base_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@dataclass
class ReferenceData:
    version: Any
    case: Any
    component: Any
    communes: list[Any]
    agency_by_commune: dict[int, Any]
    applicants: list[Any]


@dataclass
class Harness:
    """Owns every process and file of one bench run; `close()` (also at exit) removes them."""

    label: str
    db_name: str = "portal_bench"
    redis_port: int = 6390
    stale_seconds: int = 5
    sweep_seconds: float = 5.0
    lease_seconds: int = 240
    concurrency: int = 2
    keep_tmp: bool = False
    base_database_url: str = field(
        default_factory=lambda: os.environ.get("DATABASE_URL", "") or DEFAULT_DATABASE_URL
    )
    tmp: Path = field(init=False)
    worker: subprocess.Popen[bytes] | None = field(default=None, init=False)
    worker_logs: list[Path] = field(default_factory=list, init=False)
    worker_started: float = field(default=0.0, init=False)
    beat: subprocess.Popen[bytes] | None = field(default=None, init=False)
    redis: subprocess.Popen[bytes] | None = field(default=None, init=False)
    failed_sends: int = field(default=0, init=False)
    _closed: bool = field(default=False, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        if not self.base_database_url.startswith(("postgres://", "postgresql://")):
            raise SystemExit(f"DATABASE_URL must point at PostgreSQL, not {self.base_database_url}")
        self.tmp = Path(tempfile.mkdtemp(prefix=f"portal-bench-{self.label}-"))
        self.database_url = database_url_for(self.base_database_url, self.db_name)
        self.broker_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.mail_log = self.tmp / "mail.log"
        self.env = {
            "DJANGO_SETTINGS_MODULE": "portal.settings.base",
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "PORTAL_OUTBOX_STALE_SECONDS": str(self.stale_seconds),
            "PORTAL_OUTBOX_SWEEP_SECONDS": str(self.sweep_seconds),
            "PORTAL_OUTBOX_LEASE_SECONDS": str(self.lease_seconds),
            # the time limit under the lease, as production keeps it (portal.E005): a shortened
            # lease shortens the tasks' limit with it
            "CELERY_TASK_TIME_LIMIT_SECONDS": str(min(120, self.lease_seconds // 2)),
            "CELERY_TASK_SOFT_TIME_LIMIT_SECONDS": str(min(90, self.lease_seconds * 3 // 8)),
            "PORTAL_VAR_DIR": str(self.tmp / "var"),
            "MEDIA_ROOT": str(self.tmp / "media"),
            "CACHE_URL": "locmemcache://",
            "DEBUG": "false",
            "EMAIL_BACKEND": "bench.mail.CountingBackend",
            "BENCH_MAIL_LOG": str(self.mail_log),
            "PYTHONPATH": str(REPO_DIR),
            "PYTHONUNBUFFERED": "1",
        }
        atexit.register(self.close)

    # --- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> Harness:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(failed=exc_type is not None)

    def prepare(self, *, communes: int = 4, applicants: int = 20) -> ReferenceData:
        """Environment, a fresh database, migrations, reference data, Redis, worker, beat."""
        os.environ.update(self.env)
        os.environ["LOG_LEVEL"] = "WARNING"
        self._recreate_database()
        import django

        django.setup()
        self._count_failed_sends()
        from django.core.management import call_command

        say(f"migrating {self.db_name} ...")
        call_command("migrate", verbosity=0)
        data = self._reference_data(communes=communes, applicants=applicants)
        self.start_redis()
        self.start_worker()
        self.start_beat()
        self.wait_worker_ready()
        return data

    def close(self, failed: bool = False) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        for process in (self.worker, self.beat):
            self._stop_group(process)
        if self.redis is not None and self.redis.poll() is None:
            self.redis.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.redis.wait(timeout=10)
            if self.redis.poll() is None:
                self.redis.kill()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if self.keep_tmp or failed:
            say(f"logs kept in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    @staticmethod
    def _stop_group(process: subprocess.Popen[bytes] | None) -> None:
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        # Prefork children that outlived their parent.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    # --- database ---------------------------------------------------------------------------

    def _recreate_database(self) -> None:
        import psycopg2

        parts = urlsplit(self.base_database_url)
        connection = psycopg2.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username,
            password=parts.password,
            dbname="postgres",
        )
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                say(f"recreating database {self.db_name}")
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
                cursor.execute(f'CREATE DATABASE "{self.db_name}"')
        finally:
            connection.close()

    def _reference_data(self, *, communes: int, applicants: int) -> ReferenceData:
        from agencies.models import Agency, AgencyKind, AgencyLevel, Commune, Province
        from portal.models import User
        from procedures.services import DATA_DIR, procedure_import

        province = Province.objects.create(
            code="01",
            name="Thành phố Hà Nội",
            division_type="thành phố trung ương",
            codename="ha_noi",
        )
        rows = []
        agency_by_commune = {}
        for code, name, codename in COMMUNES[: max(1, min(communes, len(COMMUNES)))]:
            commune = Commune.objects.create(
                code=code, name=name, division_type="phường", codename=codename, province=province
            )
            agency_by_commune[commune.pk] = Agency.objects.create(
                code=f"{code}.00.H01",
                name=f"Ủy ban nhân dân {name}",
                level=AgencyLevel.COMMUNE,
                kind=AgencyKind.COMMUNE_COMMITTEE,
                province=province,
                commune=commune,
            )
            rows.append(commune)
        path = DATA_DIR / "1.001193-birth-registration.json"
        procedure, _ = procedure_import(data=json.loads(path.read_text(encoding="utf-8")))
        version = procedure.versions.get(number=1)
        case = version.cases.get(code="TH1")
        component = case.components.get(code="GCS")
        users = [
            User.objects.create_user(
                username=f"sso-bench-{i}",
                sso_subject=f"bench-{i}",
                personal_id=f"0011900{i:05d}",
                full_name=f"Công dân {i}",
                email=f"bench-{i}@example.vn",
            )
            for i in range(applicants)
        ]
        say(f"reference data: 1 province, {len(rows)} communes with their committees, 1.001193")
        return ReferenceData(version, case, component, rows, agency_by_commune, users)

    def _count_failed_sends(self) -> None:
        """Count `outbox: could not enqueue` warnings instead of printing one per submission."""
        harness = self

        class Counting(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                with harness._lock:
                    harness.failed_sends += 1

        logger = logging.getLogger("portal.outbox")
        logger.addHandler(Counting(level=logging.WARNING))
        logger.propagate = False

    # --- Redis, worker, beat --------------------------------------------------------------

    def _child_env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {**os.environ, **self.env, "LOG_LEVEL": "INFO", **(extra or {})}

    def redis_ping(self) -> bool:
        import redis

        client = redis.Redis(port=self.redis_port, socket_connect_timeout=1, socket_timeout=1)
        try:
            return bool(client.ping())
        except Exception:
            return False
        finally:
            client.close()

    def start_redis(self) -> None:
        if self.redis is None and self.redis_ping():
            raise SystemExit(
                f"something already answers on 127.0.0.1:{self.redis_port}; "
                "choose another port with --redis-port"
            )
        log = (self.tmp / "redis.log").open("ab")
        self.redis = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while not self.redis_ping():
            if self.redis.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start; see {self.tmp / 'redis.log'}")
            time.sleep(0.05)

    def restart_redis(self, down_seconds: float = 2.0) -> None:
        """`SHUTDOWN NOSAVE`: every queued message is lost, as in a crash without persistence."""
        assert self.redis is not None
        subprocess.run(
            ["redis-cli", "-p", str(self.redis_port), "shutdown", "nosave"],
            capture_output=True,
            check=False,
        )
        self.redis.wait(timeout=10)
        time.sleep(down_seconds)
        self.start_redis()

    def start_worker(
        self,
        *,
        pool: str = "prefork",
        concurrency: int | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> subprocess.Popen[bytes]:
        """A worker on every queue (one worker does all the work here); `extra_env` gives it
        settings of its own (bench/multinode_fault.py: a scratch directory per process)."""
        from portal.outbox import QUEUES

        index = len(self.worker_logs) + 1
        log_path = self.tmp / f"worker-{index}.log"
        self.worker_logs.append(log_path)
        self.worker_started = time.monotonic()
        with log_path.open("wb") as log:
            self.worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "portal",
                    "worker",
                    "--concurrency",
                    str(concurrency or self.concurrency),
                    "--pool",
                    pool,
                    "-Q",
                    ",".join(QUEUES),
                    "--loglevel",
                    "INFO",
                    "--hostname",
                    f"bench-{index}-{uuid.uuid4().hex[:6]}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=REPO_DIR,
                env=self._child_env(extra_env),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: SIGKILL reaches the children
            )
        return self.worker

    def wait_worker_ready(self, timeout: float = WORKER_READY_TIMEOUT) -> float:
        """Seconds from the start of the current worker until it logged ` ready.`."""
        assert self.worker is not None
        started = self.worker_started
        log_path = self.worker_logs[-1]
        while " ready." not in log_path.read_text(encoding="utf-8", errors="replace"):
            if self.worker.poll() is not None:
                raise RuntimeError(f"the Celery worker exited early; see {log_path}")
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"the Celery worker was not ready after {timeout:.0f} s")
            time.sleep(0.1)
        return time.monotonic() - started

    def kill_worker(self) -> None:
        """SIGKILL the worker's whole process group: the main process and prefork children."""
        assert self.worker is not None
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(timeout=10)
        deadline = time.monotonic() + 10
        while self.group_pids(self.worker.pid) and time.monotonic() < deadline:
            time.sleep(0.05)

    def start_beat(self, extra_env: dict[str, str] | None = None) -> None:
        log = (self.tmp / "beat.log").open("ab")  # a restarted beat adds to it
        self.beat = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.tmp / "celerybeat-schedule"),
            ],
            cwd=REPO_DIR,
            env=self._child_env(extra_env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @staticmethod
    def group_pids(pgid: int) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                pids.append(int(entry.name))
        return pids

    def worker_rss(self) -> list[float]:
        """Resident memory (MB) of the worker's processes (main and pool), smallest first."""
        if self.worker is None:
            return []
        sizes = []
        for pid in self.group_pids(self.worker.pid):
            with contextlib.suppress(OSError, StopIteration):
                status = Path(f"/proc/{pid}/status").read_text()
                line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
                sizes.append(int(line.split()[1]) / 1024)
        return sorted(sizes)

    # --- submission -------------------------------------------------------------------------

    def submit(self, data: ReferenceData, index: int) -> tuple[int, str]:
        """One online submission through `dossiers.services.dossier_submit`."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from dossiers.services import NewAttachment, dossier_submit

        commune = data.communes[index % len(data.communes)]
        dossier = dossier_submit(
            applicant=data.applicants[index % len(data.applicants)],
            version=data.version,
            case=data.case,
            commune=commune,
            data={**BIRTH_DATA, "commune": {**BIRTH_DATA["commune"], "commune": commune.code}},
            subject_name=f"Trần Minh An {index}",
            attachments=[
                NewAttachment(
                    component=data.component,
                    file=SimpleUploadedFile(
                        "giay-chung-sinh.pdf", PDF_BYTES, content_type="application/pdf"
                    ),
                    content_type="application/pdf",
                )
            ],
            submission_key=uuid.uuid4(),
        )
        return dossier.pk, dossier.code

    # --- observation -------------------------------------------------------------------------

    @staticmethod
    def outbox_counts() -> dict[str, int]:
        from django.db.models import Count

        from portal.models import OutboxMessage

        rows = OutboxMessage.objects.values("status").annotate(n=Count("id"))
        return {row["status"]: row["n"] for row in rows}

    def worker_log_stats(self) -> Counter[str]:
        """Deliveries seen in the worker logs of every incarnation."""
        stats: Counter[str] = Counter()
        done = re.compile(r"Task portal\.tasks\.(\w+)\[[^\]]+\] succeeded in [\d.e-]+s: (\S+)")
        for path in self.worker_logs:
            if not path.exists():
                continue
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                if match := done.search(line):
                    task, result = match.groups()
                    if task == "outbox_process":
                        stats["ran handler" if result == "True" else "duplicate, skipped"] += 1
                    elif task == "outbox_sweep":
                        stats["sweeps"] += 1
                        with contextlib.suppress(ValueError):
                            stats["handled by sweeper"] += int(result)
                elif " retry: " in line:
                    stats["retries"] += 1
                elif "raised unexpected" in line:
                    stats["task errors"] += 1
                elif "] received" in line:
                    stats["received"] += 1
        return stats

    def mail_subjects(self) -> list[str]:
        if not self.mail_log.exists():
            return []
        lines = self.mail_log.read_text(encoding="utf-8").splitlines()
        return [line.split("\t", 2)[2] for line in lines if line.count("\t") >= 2]


class CpuMeter:
    """CPU seconds per process family between two snapshots, read from /proc."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, harness: Harness) -> None:
        self.harness = harness

    def snapshot(self) -> dict[int | str, tuple[str, float]]:
        """pid -> (family, CPU seconds so far); "machine" -> busy seconds of all cores."""
        worker_group = self.harness.worker.pid if self.harness.worker else -1
        beat_group = self.harness.beat.pid if self.harness.beat else -1
        redis_pid = self.harness.redis.pid if self.harness.redis else -1
        own = os.getpid()
        processes: dict[int | str, tuple[str, float]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            seconds = (int(fields[11]) + int(fields[12])) / self.TICK
            pid, pgrp = int(entry.name), int(fields[2])
            if pid == own:
                family = "bench (submitters)"
            elif pgrp == worker_group:
                family = "celery worker"
            elif pgrp == beat_group:
                family = "celery beat"
            elif pid == redis_pid:
                family = "redis"
            elif cmdline.startswith("postgres:"):
                bench_db = f" {self.harness.db_name} " in cmdline
                family = "postgres (bench db)" if bench_db else "postgres (other)"
            else:
                family = "other processes"
            processes[pid] = (family, seconds)
        with open("/proc/stat") as handle:
            cpu = [int(value) for value in handle.readline().split()[1:]]
        processes["machine"] = ("machine busy", (sum(cpu) - cpu[3] - cpu[4]) / self.TICK)
        return processes

    @staticmethod
    def delta(
        before: dict[int | str, tuple[str, float]], after: dict[int | str, tuple[str, float]]
    ) -> dict[str, float]:
        """CPU seconds per family between the snapshots (processes that exited are lost)."""
        totals: Counter[str] = Counter()
        for key, (family, seconds) in after.items():
            previous = before.get(key)
            start = previous[1] if previous is not None and previous[0] == family else 0.0
            totals[family] += max(seconds - start, 0.0)
        return dict(totals)


def machine_summary() -> dict[str, str]:
    model = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as handle:
        mem_kib = int(handle.readline().split()[1])
    redis_version = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True, check=False
    ).stdout.split()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (pg_version,) = cursor.fetchone()
    return {
        "cores": str(os.cpu_count()),
        "cpu": model,
        "ram": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "postgresql": pg_version,
        "redis": next((v[2:] for v in redis_version if v.startswith("v=")), "?"),
        "python": sys.version.split()[0],
    }

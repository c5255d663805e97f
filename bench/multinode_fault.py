"""Two web nodes, two workers and beat on one machine, with a node and a worker SIGKILLed.

Issue 12 part 6. Starts, on PostgreSQL (a database of its own on the primary, read back through
the streaming replica) and a private redis-server (broker and cache), moto's S3 server (the
object store) and the mocked national services (SSO data, prefill, timestamps and CRLs):

* two web nodes: gunicorn on two ports with the production settings, each with its own empty
  scratch directory (PORTAL_VAR_DIR, MEDIA_ROOT, TMPDIR, its copy of the signing keys): no
  disk shared between them, every file goes to the bucket;
* two Celery workers on every queue (one process each) and beat, each with its own scratch
  directory too.

Then it drives birth registrations through the e-form wizard over HTTP, the citizen's real path
(start, every step, the birth certificate uploaded on the documents step, the review submitted),
one citizen per submission, alternately through both nodes at a fixed offered rate. Half-way it
SIGKILLs web node 1 (gunicorn's master and workers) and worker 1 (its process group), and keeps
driving: a request that fails on a node (connection refused or reset, a 502/503) is sent again
to the other node, as a load balancer would retry it, and a node that refused a connection is
not used again (its health check failed). A retried final submit does not double the dossier:
the draft's id is the submission key (unique in the database), and a draft that already became
a dossier answers "already submitted" with its code.

Checks, exit 1 when one fails:

* 0 lost: every acknowledged submission (a redirect to its "submitted" page, or the "already
  submitted" page) is a dossier in the database, routed to its commune's committee;
* 0 doubled: one dossier per citizen, as many dossiers as acknowledged submissions;
* every uploaded file downloadable through node 2 over HTTP by an officer of the agency (its
  access check: second factor, membership) and byte for byte the one uploaded; a sample of the
  citizens' signed receipts too; another citizen gets 404 for a receipt not hers;
* every outbox row done once the workers drained.

Reports the replica lag seen during the run (sampled: the time until the replica replayed the
primary's WAL position), then the workers' throughput with one and with two worker processes:
a backlog of dossiers submitted with no worker running, drained by one worker process, then
another backlog by two (two workers of one process each); the ratio of the two rates.

    DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/portal_multinode \\
        uv run python bench/multinode_fault.py [--quick]

The replica is DATABASE_URL with port 5433 unless --replica-url says otherwise. Shortened for a
run of minutes: the sweeper runs every 5 s and takes rows stale after 5 s, a claimed row's
lease is 30 s (production: 30 s, 60 s, 240 s). Prints a Markdown summary (stdout); progress goes
to stderr. Not part of the test suite; see docs/benchmarks.md and docs/scaling.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import queue
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_DIR))

import requests  # noqa: E402

from bench.harness import (  # noqa: E402
    PDF_BYTES,
    Harness,
    backend_cpu,
    machine_summary,
    percentile,
    say,
)

DEFAULT_DATABASE_URL = "postgres://portal:portal@127.0.0.1:5432/portal_multinode"
CSRF = secrets.token_hex(16)  # 32 characters: Django accepts the unmasked secret
SUBMITTED = re.compile(r"/dossiers/([^/]+)/submitted/$")
ALREADY = re.compile(r'href="/dossiers/([^/"]+)/"')
CODE_BUCKET = "portal-multinode"
PARENTS = {
    "mother": {
        "full_name": "Nguyễn Thị Lan",
        "identification_number": "001190012345",
        "date_of_birth": "12/03/1990",
        "ethnicity": "Kinh",
        "nationality": "Việt Nam",
        "residence": "Phường Hoàn Kiếm",
    },
    "father": {
        "full_name": "Trần Văn Minh",
        "identification_number": "001088004321",
        "date_of_birth": "02/07/1988",
        "ethnicity": "Kinh",
        "nationality": "Việt Nam",
        "residence": "Phường Hoàn Kiếm",
    },
}


def replica_url_of(url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit(":", 1)[0] if parts.port else parts.netloc
    return urlunsplit((parts.scheme, f"{netloc}:5433", parts.path, parts.query, parts.fragment))


# --- processes ------------------------------------------------------------------------------


moto_pid = [-1]


@contextlib.contextmanager
def moto_server(port: int, log: Path):
    """moto's standalone S3 server (a dev dependency), as .ci/run starts it."""
    moto = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
    process = subprocess.Popen(
        [moto, "-H", "127.0.0.1", "-p", str(port)],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"http://127.0.0.1:{port}/moto-api/", timeout=2).ok:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"moto_server did not start on {port}; see {log}")
            time.sleep(0.2)
        moto_pid[0] = process.pid
        yield f"http://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


@dataclass
class Node:
    name: str
    port: int
    scratch: Path
    process: subprocess.Popen[bytes] | None = None
    down: bool = False

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, env: dict[str, str], workers: int) -> None:
        log = (self.scratch / "gunicorn.log").open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                f"--bind=127.0.0.1:{self.port}",
                f"--workers={workers}",
                "--timeout=60",
                "--forwarded-allow-ips=127.0.0.1",
                f"--worker-tmp-dir={self.scratch / 'tmp'}",
                "--log-level=warning",
            ],
            cwd=REPO_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL reaches the workers
        )

    def wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + 90
        while True:
            with contextlib.suppress(requests.RequestException):
                response = requests.get(
                    f"{self.base}/", headers={"X-Forwarded-Proto": "https"}, timeout=5
                )
                if response.status_code == 200:
                    return
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{self.name} did not start; see {self.scratch / 'gunicorn.log'}")
            time.sleep(0.3)

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def scratch_env(directory: Path, pki_master: Path) -> dict[str, str]:
    """A process's own empty directories and its own copy of the signing keys (a secret each
    node is given, as a mounted volume would be): nothing on disk is shared."""
    for sub in ("var", "media", "tmp"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    shutil.copytree(pki_master, directory / "pki")
    return {
        "PORTAL_VAR_DIR": str(directory / "var"),
        "MEDIA_ROOT": str(directory / "media"),
        "TMPDIR": str(directory / "tmp"),
        "DOCUMENT_PKI_DIR": str(directory / "pki"),
        "DOCUMENT_PKI_AUTO_ISSUE": "false",
    }


# --- the citizens' journeys -------------------------------------------------------------------


@dataclass
class Journey:
    index: int
    session_key: str
    commune: str
    target: float
    preferred: int
    start: float = 0.0
    end: float = 0.0
    code: str = ""
    error: str = ""
    requests: int = 0
    retried: int = 0
    already_submitted: bool = False
    content: bytes = b""
    url: str = ""
    served_by: set[str] = field(default_factory=set)


class Driver:
    """Runs journeys over HTTP against the nodes, retrying a failed request on the other node."""

    RETRY_STATUS = (502, 503, 504)

    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = nodes
        self.lock = threading.Lock()
        self.retries: Counter[str] = Counter()

    def headers(self, node: Node, session_key: str) -> dict[str, str]:
        return {
            "X-Forwarded-Proto": "https",
            "Origin": f"https://127.0.0.1:{node.port}",
            "Referer": f"https://127.0.0.1:{node.port}/",
            "Cookie": f"sessionid={session_key}; csrftoken={CSRF}; django_language=en",
        }

    def request(
        self,
        journey: Journey,
        method: str,
        path: str,
        data: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> tuple[requests.Response, Node]:
        """The request on the journey's node, or on the other one when that fails."""
        order = [self.nodes[journey.preferred], self.nodes[1 - journey.preferred]]
        last_error = ""
        for attempt, node in enumerate(order):
            if node.down and attempt == 0:
                continue  # the balancer sends it to the node that is up
            if attempt and last_error:
                journey.retried += 1
            journey.requests += 1
            payload = dict(data or {})
            if method == "POST":
                payload["csrfmiddlewaretoken"] = CSRF
            try:
                response = requests.request(
                    method,
                    node.base + path,
                    data=payload if method == "POST" else None,
                    files=files,
                    headers=self.headers(node, journey.session_key),
                    allow_redirects=False,
                    timeout=60,
                )
            except requests.ConnectionError as exc:
                last_error = f"{node.name}: {type(exc).__name__}"
                with self.lock:
                    self.retries[f"{node.name} connection failed"] += 1
                    if "refused" in str(exc).lower():
                        node.down = True  # the load balancer's health check would say so
                continue
            except requests.Timeout:
                last_error = f"{node.name}: timeout"
                with self.lock:
                    self.retries[f"{node.name} timed out"] += 1
                continue
            if response.status_code in self.RETRY_STATUS:
                last_error = f"{node.name}: HTTP {response.status_code}"
                with self.lock:
                    self.retries[f"{node.name} HTTP {response.status_code}"] += 1
                continue
            journey.served_by.add(node.name)
            return response, node
        raise RuntimeError(f"{method} {path}: every node failed ({last_error})")

    def step(self, journey: Journey, url: str, step: str, fields: dict[str, str], files=None):
        prefix = url.rstrip("/").rsplit("/", 1)[-1]
        data = {f"{prefix}-current_step": step}
        data.update({f"{step}-{k}": v for k, v in fields.items()})
        upload = {f"{step}-{k}": v for k, v in (files or {}).items()}
        response, _ = self.request(journey, "POST", url, data, upload or None)
        return response

    def expect_redirect(self, response: requests.Response, what: str) -> str:
        if response.status_code != 302:
            errors = [
                " ".join(error.split())
                for error in re.findall(
                    r'class="error-message"[^>]*>(?:<span[^>]*>[^<]*</span>)?([^<]{1,200})',
                    response.text,
                )
            ]
            raise RuntimeError(f"{what}: HTTP {response.status_code} {errors[:3]}")
        return response.headers["Location"]

    def initial(self, journey: Journey, url: str, step: str) -> dict[str, str]:
        """The values the page of `step` shows (prefilled from the population database)."""
        response, _ = self.request(journey, "GET", url)
        page = response.text
        values = dict(re.findall(rf'name="{step}-(\w+)"[^>]*?value="([^"]*)"', page))
        for value, name in re.findall(rf'<input[^>]*value="([^"]*)"[^>]*name="{step}-(\w+)"', page):
            values.setdefault(name, value)
        for name, value in PARENTS[step].items():  # what the population database did not give
            if not values.get(name):
                values[name] = value
        return values

    def run(self, journey: Journey) -> None:
        """One birth registration, from the procedure's start to the submitted review."""
        born = (dt.date.today() - dt.timedelta(days=20)).strftime("%d/%m/%Y")
        journey.content = PDF_BYTES.replace(b"%%EOF", f"%bench-{journey.index}\n%%EOF".encode())
        response, _ = self.request(journey, "POST", "/procedures/1.001193/start/")
        url = journey.url = self.expect_redirect(response, "start")
        child = {
            "full_name": "Trần Minh An",
            "sex": "male",
            "date_of_birth": born,
            "ethnicity": "Kinh",
            "nationality": "Việt Nam",
        }
        self.expect_redirect(self.step(journey, url, "child", child), "child")
        applicant = {
            "relationship": "mother",
            "email": f"bench-{journey.index}@example.vn",
            "phone": "0912 345 678",
        }
        self.expect_redirect(self.step(journey, url, "applicant", applicant), "applicant")
        for person in ("mother", "father"):
            values = self.initial(journey, url, person)
            self.expect_redirect(self.step(journey, url, person, values), person)
        self.expect_redirect(self.step(journey, url, "province", {"province": "01"}), "province")
        commune = {"commune": journey.commune, "place_detail": "Bệnh viện"}
        self.expect_redirect(self.step(journey, url, "commune", commune), "commune")
        upload = {"gcs": ("giay-chung-sinh.pdf", journey.content, "application/pdf")}
        self.expect_redirect(self.step(journey, url, "documents", {}, upload), "documents")
        response = self.step(journey, url, "review", {"declaration": "on"})
        if response.status_code == 302 and (
            match := SUBMITTED.search(response.headers["Location"])
        ):
            journey.code = match.group(1)
        elif response.status_code == 200 and (match := ALREADY.search(response.text)):
            journey.code = match.group(1)  # the retry of a submit the killed node had done
            journey.already_submitted = True
        else:
            self.expect_redirect(response, "review")
            raise RuntimeError(f"review: no dossier code after HTTP {response.status_code}")


class Pool:
    def __init__(self, driver: Driver, size: int) -> None:
        self.driver = driver
        self.jobs: queue.Queue[Journey | None] = queue.Queue()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(size)]
        for thread in self.threads:
            thread.start()

    def _run(self) -> None:
        while (journey := self.jobs.get()) is not None:
            journey.start = time.monotonic()
            try:
                self.driver.run(journey)
            except Exception as exc:
                journey.error = f"{type(exc).__name__}: {exc}"[:300]
            journey.end = time.monotonic()
            self.jobs.task_done()
        self.jobs.task_done()

    def close(self) -> None:
        for _ in self.threads:
            self.jobs.put(None)
        for thread in self.threads:
            thread.join(timeout=120)


# --- the replica's lag --------------------------------------------------------------------------


class LagSampler:
    """Every `interval`: the primary's WAL position, then the time until the replica replayed
    it (a write seen on the primary is visible on the replica after at most this long)."""

    def __init__(self, primary: str, replica: str, interval: float = 0.5) -> None:
        self.primary, self.replica, self.interval = primary, replica, interval
        self.lags: list[float] = []
        self.bytes_behind: list[int] = []
        self.error = ""
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg2

        try:
            primary = psycopg2.connect(self.primary)
            replica = psycopg2.connect(self.replica)
            primary.autocommit = replica.autocommit = True
            with primary.cursor() as p, replica.cursor() as r:
                while not self.stop.wait(self.interval):
                    p.execute("SELECT pg_current_wal_lsn()")
                    (target,) = p.fetchone()
                    started = time.monotonic()
                    r.execute(
                        "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())", [target]
                    )
                    (behind,) = r.fetchone()
                    self.bytes_behind.append(max(int(behind or 0), 0))
                    while behind and behind > 0 and time.monotonic() - started < 30:
                        time.sleep(0.002)
                        r.execute(
                            "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())",
                            [target],
                        )
                        (behind,) = r.fetchone()
                    self.lags.append(time.monotonic() - started)
            primary.close()
            replica.close()
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"[:200]

    def __enter__(self) -> LagSampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=40)


class Cpu:
    """CPU seconds per family of processes (web nodes, workers, PostgreSQL backends of the
    bench's database, ...) between the first snapshot and the last time each was seen: a
    process killed between two snapshots counts up to the snapshot before its death."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(
        self,
        db_name: str,
        groups: dict[int, str],
        pids: dict[int, str],
        postmasters: dict[int, str],
    ) -> None:
        self.db_name, self.groups, self.pids = db_name, groups, pids
        self.postmasters = postmasters  # postmaster pid -> "primary" or "replica"
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.started = False

    def snapshot(self) -> None:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            pid, ppid, pgrp = int(entry.name), int(fields[1]), int(fields[2])
            family = (
                self.pids.get(pid)
                or self.groups.get(pgrp)
                or (
                    f"PostgreSQL {self.postmasters.get(ppid, '')}".strip()
                    if f" {self.db_name} " in cmdline
                    else ""
                )
            )
            if not family:
                continue
            seconds = (int(fields[11]) + int(fields[12])) / self.TICK
            if not self.started:
                self.first[pid] = seconds
            self.last[pid] = (family, seconds)
        self.started = True

    def totals(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for pid, (family, seconds) in self.last.items():
            out[family] += seconds - self.first.get(pid, 0.0)
        return out


def postmasters(primary: str, replica: str) -> dict[int, str]:
    """The postmaster of each server (the parent of a backend), to tell their backends apart."""
    import psycopg2

    out = {}
    for name, url in (("primary", primary), ("replica", replica)):
        with contextlib.suppress(Exception):
            connection = psycopg2.connect(dsn(url))
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                (pid,) = cursor.fetchone()
            stat = Path(f"/proc/{pid}/stat").read_text()
            out[int(stat[stat.rindex(")") + 2 :].split()[1])] = name
            connection.close()
    return out


def dsn(url: str) -> str:
    parts = urlsplit(url)
    return (
        f"host={parts.hostname} port={parts.port or 5432} dbname={parts.path.lstrip('/')} "
        f"user={parts.username} password={parts.password}"
    )


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.lines.append(line)

    def check(self, ok: bool, line: str) -> None:
        self.lines.append(f"- {'ok' if ok else 'FAILED'}: {line}")
        if not ok:
            self.failures.append(line)


def prepare_people(harness: Harness, count: int, agencies: list) -> tuple[list[str], str, str]:
    """`count` citizens with a session each, an officer of every agency (second factor
    verified) and her session, as signing in leaves them (database sessions)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from agencies.models import Membership
    from portal.models import User
    from tests.factories import OFFICER_ROLES

    store = import_module(settings.SESSION_ENGINE).SessionStore

    def session_of(user, device=None) -> str:
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        if device is not None:
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.create()
        return session.session_key

    citizens = User.objects.bulk_create(
        [
            User(
                username=f"sso-multinode-{i}",
                sso_subject=f"multinode-{i}",
                personal_id=f"0011950{i:05d}",
                full_name=f"Công dân {i}",
                email=f"multinode-{i}@example.vn",
            )
            for i in range(count + 1)
        ]
    )
    sessions = [session_of(user) for user in citizens]
    officer = User.objects.create_user(username="multinode.officer", full_name="Cán bộ")
    for agency in agencies:
        for role in OFFICER_ROLES:
            Membership.objects.create(user=officer, agency=agency, role=role)
    device = TOTPDevice.objects.create(user=officer, name="bench", confirmed=True)
    return sessions[:count], sessions[count], session_of(officer, device)


def prepare_pki(master: Path, mocks_url: str, agencies: list) -> None:
    """The demo CA (whose timestamps and CRLs the mocks serve) and a certificate per agency."""
    from portal import pki

    pki.create_demo_ca(master, crl_base_url=mocks_url)
    for agency in agencies:
        pki.issue_agency_certificate(
            master, code=agency.code, name=agency.name, crl_base_url=mocks_url
        )


def drive(
    driver: Driver,
    journeys: list[Journey],
    threads: int,
    kill_at: float,
    on_kill,
) -> float:
    """Offers the journeys at their target times; calls `on_kill` at `kill_at` of them."""
    pool = Pool(driver, threads)
    killed_at = float("nan")
    kill_index = int(len(journeys) * kill_at)
    t0 = time.monotonic()
    for i, journey in enumerate(journeys):
        if i == kill_index:
            killed_at = time.monotonic() - t0
            on_kill()
        delay = t0 + journey.target - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        pool.jobs.put(journey)
    pool.jobs.join()
    pool.close()
    return killed_at


def wait_drained(harness: Harness, codes: list[str], timeout: float) -> float:
    from dossiers.models import Dossier

    started = time.monotonic()
    last = started
    while True:
        unrouted = Dossier.objects.filter(code__in=codes, routed_at__isnull=True).count()
        open_rows = sum(n for s, n in harness.outbox_counts().items() if s != "done")
        if unrouted == 0 and open_rows == 0:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            say(f"TIMEOUT: {unrouted} unrouted, outbox {harness.outbox_counts()}")
            return float("nan")
        if time.monotonic() - last > 10:
            say(f"  draining: {unrouted} unrouted, outbox {harness.outbox_counts()}")
            last = time.monotonic()
        time.sleep(0.5)


def group_cpu(harness: Harness, pgid: int) -> float:
    """CPU seconds of the live processes of a process group (a worker and its pool)."""
    total = 0.0
    for pid in harness.group_pids(pgid):
        with contextlib.suppress(OSError):
            total += backend_cpu(pid)
    return total


def worker_throughput(
    harness: Harness, data, processes: int, backlog: int, start_index: int, env_of
) -> dict[str, float]:
    """A backlog submitted with no worker running, then drained by `processes` workers of one
    process each: dossiers whose every outbox row is done, per second of the drain."""
    from django.db.models import Max, Min

    from dossiers.models import Dossier
    from portal.models import OutboxMessage

    say(f"throughput: {backlog} dossiers queued with no worker running")
    since = dt.datetime.now(dt.UTC)
    pks = [harness.submit(data, start_index + i)[0] for i in range(backlog)]
    workers = []
    started = time.monotonic()
    for n in range(processes):
        workers.append(
            harness.start_worker(concurrency=1, extra_env=env_of(f"tput-{processes}-{n}"))
        )
    for worker in workers:
        harness.worker = worker
        harness.wait_worker_ready()
    ready = time.monotonic()
    cpu_ready = sum(group_cpu(harness, worker.pid) for worker in workers)
    drain = wait_drained(
        harness, list(Dossier.objects.filter(pk__in=pks).values_list("code", flat=True)), 300
    )
    rows = OutboxMessage.objects.filter(created_at__gte=since)
    span = rows.aggregate(first=Min("claimed_at"), last=Max("processed_at"))
    seconds = (span["last"] - span["first"]).total_seconds()
    cpu_used = sum(group_cpu(harness, worker.pid) for worker in workers) - cpu_ready
    for worker in workers:
        harness.worker = worker
        harness._stop_group(worker)
    return {
        "cpu ms": cpu_used * 1000 / backlog,
        "processes": processes,
        "dossiers": backlog,
        "outbox rows": rows.count(),
        "seconds": seconds,
        "dossiers/s": backlog / seconds,
        "rows/s": rows.count() / seconds,
        "ready after": ready - started,
        "drain": drain,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20 submissions, backlogs of 20")
    parser.add_argument("--submissions", type=int, default=80)
    parser.add_argument("--rate", type=float, default=1.0, help="offered submissions per second")
    parser.add_argument("--threads", type=int, default=8, help="concurrent citizens at most")
    parser.add_argument("--backlog", type=int, default=60, help="dossiers per throughput run")
    parser.add_argument("--kill-at", type=float, default=0.5)
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers per node")
    parser.add_argument("--ports", default="8791,8792")
    parser.add_argument("--redis-port", type=int, default=6397)
    parser.add_argument("--s3-port", type=int, default=5099)
    parser.add_argument("--replica-url", default="")
    parser.add_argument("--keep", action="store_true", help="keep the logs")
    args = parser.parse_args()
    if args.quick:
        args.submissions, args.backlog = 20, 20
        args.rate = max(args.rate, 1.0)

    run_started = time.monotonic()
    base_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    db_name = urlsplit(base_url).path.lstrip("/") or "portal_multinode"
    replica_url = args.replica_url or replica_url_of(base_url)
    harness = Harness(
        label="multinode",
        db_name=db_name,
        redis_port=args.redis_port,
        stale_seconds=5,
        sweep_seconds=5.0,
        lease_seconds=30,
        concurrency=1,
        keep_tmp=args.keep,
        base_database_url=base_url,
    )
    report = Report()
    nodes = [
        Node(f"node {n + 1}", int(port), harness.tmp / f"node-{n + 1}")
        for n, port in enumerate(args.ports.split(","))
    ]
    pki_master = harness.tmp / "pki-secret"
    with contextlib.ExitStack() as stack:
        stack.enter_context(harness)
        stack.callback(lambda: [node.stop() for node in nodes])
        s3_url = stack.enter_context(moto_server(args.s3_port, harness.tmp / "moto.log"))
        from tests.fixtures_mocks import start_national_mocks

        prefill_secret = secrets.token_urlsafe(32)
        mocks = stack.enter_context(
            start_national_mocks(
                harness.tmp / "mocks",
                NATIONAL_MOCKS_CLIENTS=f"national-portal:{prefill_secret}",
                NATIONAL_MOCKS_PKI_DIR=str(pki_master),
            )
        )
        harness.env.update(
            {
                "DJANGO_SETTINGS_MODULE": "portal.settings.production",
                "SECRET_KEY": secrets.token_urlsafe(64),
                "OIDC_RP_CLIENT_SECRET": secrets.token_urlsafe(32),
                "PREFILL_CLIENT_SECRET": prefill_secret,
                "PAYMENT_SECRET": secrets.token_urlsafe(32),
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "CACHE_URL": f"rediscache://127.0.0.1:{args.redis_port}/1",
                "DATABASE_REPLICA_URL": replica_url,
                "NATIONAL_SERVICES_URL": mocks.url,
                "S3_ENDPOINT_URL": s3_url,
                "S3_BUCKET": CODE_BUCKET,
                "S3_REGION": "ap-southeast-1",
                "S3_ACCESS_KEY_ID": "bench",
                "S3_SECRET_ACCESS_KEY": secrets.token_urlsafe(24),
                "DOCUMENT_PKI_DIR": str(pki_master),
                "DOCUMENT_PKI_AUTO_ISSUE": "false",
                "PORTAL_BASE_URL": nodes[0].base,
            }
        )
        import boto3

        boto3.client(
            "s3",
            endpoint_url=s3_url,
            region_name="ap-southeast-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        ).create_bucket(
            Bucket=CODE_BUCKET,
            CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"},
        )
        harness.start_redis()
        os.environ.update(harness.env)
        os.environ["LOG_LEVEL"] = "WARNING"
        harness._recreate_database()
        import django

        django.setup()
        harness._count_failed_sends()
        from django.core.management import call_command

        say(f"migrating {db_name} ...")
        call_command("migrate", verbosity=0)
        data = harness._reference_data(communes=4, applicants=20)
        agencies = list(data.agency_by_commune.values())
        prepare_pki(pki_master, mocks.url, agencies)
        sessions, stranger, officer = prepare_people(harness, args.submissions, agencies)

        def env_of(name: str) -> dict[str, str]:
            return scratch_env(harness.tmp / name, pki_master)

        for node in nodes:
            node.start({**harness._child_env(env_of(node.scratch.name))}, args.web_workers)
        workers = [harness.start_worker(extra_env=env_of(f"worker-{n + 1}")) for n in range(2)]
        harness.start_beat(env_of("beat"))
        for worker in workers:
            harness.worker = worker
            harness.wait_worker_ready()
        for node in nodes:
            node.wait_ready()
        say("two web nodes, two workers and beat are up")
        info = machine_summary()
        report.add(
            f"machine: {info['cores']} cores ({info['cpu']}), {info['ram']}, PostgreSQL "
            f"{info['postgresql']}, Redis {info['redis']}, Python {info['python']}; load "
            f"average when the nodes were up: {os.getloadavg()[0]:.1f}\n"
        )

        driver = Driver(nodes)
        communes = [c.code for c in data.communes]
        journeys = [
            Journey(
                index=i,
                session_key=sessions[i],
                commune=communes[i % len(communes)],
                target=i / args.rate,
                preferred=i % 2,
            )
            for i in range(args.submissions)
        ]
        faults: dict[str, float] = {}
        stack.callback(lambda: [harness._stop_group(w) for w in workers])

        cpu = Cpu(
            db_name,
            groups={
                nodes[0].process.pid: "web node 1",  # type: ignore[union-attr]
                nodes[1].process.pid: "web node 2",  # type: ignore[union-attr]
                workers[0].pid: "workers",
                workers[1].pid: "workers",
                harness.beat.pid: "beat",  # type: ignore[union-attr]
                moto_pid[0]: "S3 server (moto)",
            },
            postmasters=postmasters(harness.database_url, replica_url_of_db(replica_url, db_name)),
            pids={
                harness.redis.pid: "Redis",  # type: ignore[union-attr]
                mocks.process.pid: "national mocks (prefill, TSA, CRL)",
                os.getpid(): "driver (this process)",
            },
        )
        cpu.snapshot()

        def kill() -> None:
            cpu.snapshot()
            t = time.monotonic()
            nodes[0].kill()
            harness.worker = workers[0]
            harness.kill_worker()
            faults["killed"] = time.monotonic() - t
            say("fault: SIGKILL web node 1 (master and workers) and worker 1 (process group)")

        say(f"driving {args.submissions} submissions at {args.rate:g}/s through both nodes")
        started = time.monotonic()
        with LagSampler(
            dsn(harness.database_url), dsn(replica_url_of_db(replica_url, db_name))
        ) as lag:
            killed_at = drive(driver, journeys, args.threads, args.kill_at, kill)
            drove = time.monotonic() - started
            cpu.snapshot()
            web_cpu = Counter(cpu.totals())
            harness.worker = workers[1]
            acked = [j for j in journeys if j.code]
            drain = wait_drained(harness, [j.code for j in acked], 180)
            cpu.snapshot()
        report_fault_run(
            report, harness, nodes, driver, journeys, acked, sessions, stranger, officer,
            drove, drain, killed_at, lag, args,
        )  # fmt: skip
        harness._stop_group(workers[1])
        totals = cpu.totals()
        n = max(len(acked), 1)
        report.add("")
        report.add("| CPU, ms per acknowledged submission | while driving | with the drain |")
        report.add("|---|---:|---:|")
        for family in sorted(totals, key=lambda f: -totals[f]):
            report.add(
                f"| {family} | {web_cpu[family] * 1000 / n:.0f} | {totals[family] * 1000 / n:.0f} |"
            )
        report.add(
            f"| all | {sum(web_cpu.values()) * 1000 / n:.0f} | {sum(totals.values()) * 1000 / n:.0f} |"
        )

        figures = []
        for processes, offset in ((1, 100_000), (2, 200_000)):
            figures.append(
                worker_throughput(harness, data, processes, args.backlog, offset, env_of)
            )
        one, two = figures
        report.add("")
        report.add(
            "| worker processes | dossiers | outbox rows | drain (s) | dossiers/s | rows/s "
            "| worker CPU ms per dossier |"
        )
        report.add("|---|---:|---:|---:|---:|---:|---:|")
        for row in figures:
            report.add(
                f"| {row['processes']} | {row['dossiers']} | {row['outbox rows']} | "
                f"{row['seconds']:.1f} | {row['dossiers/s']:.1f} | {row['rows/s']:.1f} | "
                f"{row['cpu ms']:.0f} |"
            )
        report.add(f"\nratio two/one: **{two['dossiers/s'] / one['dossiers/s']:.2f}**")
        report.check(
            all(row["drain"] == row["drain"] for row in figures),
            "both throughput backlogs drained (every outbox row done)",
        )
        load = os.getloadavg()
        report.add(
            f"\nload average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; the whole "
            f"run {time.monotonic() - run_started:.0f} s"
        )
    print("\n".join(report.lines))
    if report.failures:
        print(f"\nFAILED: {len(report.failures)} check(s)", file=sys.stderr)
        return 1
    return 0


def replica_url_of_db(replica_url: str, db_name: str) -> str:
    parts = urlsplit(replica_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db_name}", parts.query, parts.fragment))


def report_fault_run(
    report: Report,
    harness: Harness,
    nodes: list[Node],
    driver: Driver,
    journeys: list[Journey],
    acked: list[Journey],
    sessions: list[str],
    stranger: str,
    officer: str,
    drove: float,
    drain: float,
    killed_at: float,
    lag: LagSampler,
    args: argparse.Namespace,
) -> None:
    from dossiers.models import Dossier

    failed = [j for j in journeys if not j.code]
    report.add(
        f"{len(journeys)} submissions offered at {args.rate:g}/s through 2 nodes "
        f"({args.web_workers} gunicorn workers each), {args.threads} citizens at most at once; "
        f"node 1 and worker 1 SIGKILLed at {killed_at:.0f} s of {drove:.0f} s"
    )
    latencies = [j.end - j.start for j in acked]
    report.add(
        f"- acknowledged: {len(acked)}, of which {sum(j.already_submitted for j in acked)} by "
        f"the 'already submitted' page of a retried submit; journeys failed: {len(failed)} "
        f"{Counter(j.error for j in failed).most_common(3)}"
    )
    report.add(
        f"- HTTP requests: {sum(j.requests for j in journeys)}, sent again to the other node: "
        f"{sum(j.retried for j in journeys)} ({dict(driver.retries)}); a whole journey "
        f"(11-13 requests) took p50 {percentile(latencies, 50):.1f} s, "
        f"p95 {percentile(latencies, 95):.1f} s"
    )
    crossed = [j for j in journeys if len(j.served_by) == 2]
    report.add(
        f"- journeys served by both nodes (begun on node 1, finished on node 2): {len(crossed)}"
        f"; drained {drain:.1f} s after the last submission"
    )
    # A load balancer retries a submit whose answer it lost: the same POST again, on node 2.
    replayed = []
    for journey in acked[: min(10, len(acked))]:
        journey.preferred = 1
        response = driver.step(journey, journey.url, "review", {"declaration": "on"})
        match = ALREADY.search(response.text) if response.status_code == 200 else None
        replayed.append(match is not None and match.group(1) == journey.code)
    codes = [j.code for j in acked]
    dossiers = {
        d.code: d
        for d in Dossier.objects.filter(code__in=codes).select_related(
            "competent_agency", "commune"
        )
    }
    lost = [code for code in codes if code not in dossiers]
    report.check(
        not lost and not failed,
        f"0 lost: {len(lost)} acknowledged submissions missing, {len(failed)} not acknowledged",
    )
    users = Counter(
        Dossier.objects.filter(applicant__username__startswith="sso-multinode-").values_list(
            "applicant_id", flat=True
        )
    )
    doubled = sum(n - 1 for n in users.values() if n > 1)
    total = sum(users.values())
    report.check(
        doubled == 0 and total == len(acked),
        f"0 doubled: {doubled} second dossiers of a citizen; {total} dossiers for {len(acked)} "
        "acknowledged submissions",
    )
    report.check(
        all(replayed),
        f"a submit sent again through node 2 ({len(replayed)} of them, after the fact) answers "
        f"'already submitted' with the same code: {sum(replayed)} of {len(replayed)}",
    )
    misrouted = [
        d.code
        for d in dossiers.values()
        if d.routed_at is None or d.competent_agency is None
        or d.competent_agency.commune_id != d.commune_id
    ]  # fmt: skip
    report.check(
        not misrouted, f"every dossier routed to its commune's committee ({len(misrouted)} not)"
    )
    node = nodes[1]
    bad = []
    for journey in acked:
        dossier = dossiers.get(journey.code)
        if dossier is None:
            continue
        for attachment in dossier.attachments.all():
            response = requests.get(
                f"{node.base}/backoffice/dossiers/{dossier.code}/attachments/{attachment.pk}/",
                headers=driver.headers(node, officer),
                timeout=60,
            )
            if response.status_code != 200 or response.content != journey.content:
                bad.append(f"{dossier.code}: HTTP {response.status_code}")
    report.check(
        not bad and len(acked) > 0,
        f"every uploaded file downloaded through node 2 by the agency's officer, byte for byte "
        f"({len(acked) - len(bad)} of {len(acked)}) {bad[:3]}",
    )
    sample = acked[:: max(1, len(acked) // 10)]
    receipts = []
    denied = []
    for journey in sample:
        mine = requests.get(
            f"{node.base}/dossiers/{journey.code}/receipt.pdf",
            headers=driver.headers(node, journey.session_key),
            timeout=60,
        )
        receipts.append(mine.status_code == 200 and mine.content.startswith(b"%PDF"))
        other = requests.get(
            f"{node.base}/dossiers/{journey.code}/receipt.pdf",
            headers=driver.headers(node, stranger),
            timeout=60,
        )
        denied.append(other.status_code == 404)
    report.check(
        all(receipts) and all(denied),
        f"signed receipts through node 2: {sum(receipts)} of {len(receipts)} to their citizen, "
        f"{sum(denied)} of {len(denied)} refused (404) to another citizen",
    )
    counts = harness.outbox_counts()
    report.check(
        set(counts) == {"done"},
        f"every outbox row done: {counts}; could not enqueue at commit: {harness.failed_sends}",
    )
    if lag.error:
        report.check(False, f"replica lag not measured: {lag.error}")
    else:
        report.add(
            f"- replica lag seen ({len(lag.lags)} samples every 0.5 s: the time until the "
            f"replica replayed the primary's WAL position): p50 {percentile(lag.lags, 50) * 1000:.0f} ms, "
            f"p95 {percentile(lag.lags, 95) * 1000:.0f} ms, max {max(lag.lags, default=0) * 1000:.0f} ms; "
            f"bytes behind at the sample: max {max(lag.bytes_behind, default=0):,}"
        )


if __name__ == "__main__":
    raise SystemExit(main())

"""Prefill latency (issue 4): how long the first step of an e-form takes to render when its
fields are prefilled from three national sources, when one of them is down, and without prefill.

    uv run python bench/prefill_latency.py [--samples 200] [--delay-ms 150] [--markdown]
    uv run python bench/prefill_latency.py --database-url postgres://portal:portal@127.0.0.1:5432/portal

Targets (issue 4): a step that needs three sources each answering in 150 ms renders in at
most 300 ms at p95; with one source down and its circuit open, in under 100 ms more than a step
with no prefill.

What it does:

- starts two instances of the mocked national services (`python -m national_mocks`, through
  `tests.fixtures_mocks.start_national_mocks`), both with `NATIONAL_MOCKS_SERVICE_DELAYS`
  giving population, insurance and vehicles (which serves the driving licences) the delay;
  the second one also has `NATIONAL_MOCKS_DOWN=insurance` (503 after the delay);
- a throwaway database: a SQLite file in a temporary directory (default), or with
  `--database-url` the PostgreSQL database `portal_prefillbench` on that server (dropped and
  recreated; only the database name of the URL is used);
- three procedure versions with an e-form definition each (EForm rows): `prefill_bench`,
  whose FIRST step has five fields prefilled from three subjects on three sources
  (population, insurance, licences); `prefill_bench_down`, the same step prefilled from
  insurance only; `prefill_bench_control`, the same fields without any prefill;
- per sample: a fresh FormDraft (not timed), then the first GET of the wizard
  (`/apply/<draft>/`) through Django's test `Client` in this process (the whole middleware
  stack, the wizard, the prefill, the template; no network in front of Django); the response
  is checked (200, the prefilled values or the "could not reach" notice are in the page);
- scenarios, run in `--rounds` rounds of (a, b, c, d) so that a change in the machine's load
  touches all of them: (a) three sources at the delay; (b) the same form against the second
  mock, insurance down with its circuit already open (opened by real failed lookups before the
  round; `PREFILL_CIRCUIT_COOLDOWN` is set to an hour so it stays open); (c) no prefill;
  (d) only the down source, circuit open; with `--birth`, (e) the first step of the birth
  registration form (1.001193, its reviewed definition), whose prefill takes two rounds (the
  person, then the spouse named in the person's record) although that step shows none of it;
- sequential requests, one at a time: latency without load, not throughput.

Reported per scenario: p50 / p95 / max of the render time, and (from wrappers around
`prefill_fetch_many`, each source's fetch and the audit rows, every SQL query, and the
process's CPU time; measurement only) where the time went; then the client's cost per lookup
with a new vs a kept-alive connection, and the load average. PASS/FAIL against the targets is
printed; nothing is asserted.

Not part of the test suite; see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_DIR))

from bench.harness import database_url_for, percentile, say  # noqa: E402

DB_NAME = "portal_prefillbench"
DOWN_SOURCE = "insurance"
PEOPLE = [  # demo people of the mocks: each has an insurance card and a driving licence
    ("001190012345", "Nguyễn Thị Lan"),
    ("001088004321", "Trần Văn Minh"),
    ("079085001122", "Lê Văn Hùng"),
    ("079187003344", "Võ Thị Hạnh"),
    ("048192005566", "Phạm Thị Mai"),
    ("037175008899", "Bùi Thị Thu"),
]


def text(en: str, vi: str) -> dict[str, str]:
    return {"vi": vi, "en": en}


FIELDS: list[tuple[str, str, dict[str, str], dict[str, Any]]] = [
    # name, type, label, prefill
    (
        "full_name",
        "text",
        text("Full name", "Họ, chữ đệm và tên"),
        {"subject": "me", "attribute": "full_name", "lock": True},
    ),
    (
        "date_of_birth",
        "date",
        text("Date of birth", "Ngày sinh"),
        {"subject": "me", "attribute": "date_of_birth"},
    ),
    (
        "health_insurance_card",
        "text",
        text("Health insurance card number", "Số thẻ bảo hiểm y tế"),
        {"subject": "cover", "attribute": "health_insurance_card_number"},
    ),
    (
        "hospital",
        "text",
        text("Registered hospital", "Nơi đăng ký khám chữa bệnh ban đầu"),
        {"subject": "cover", "attribute": "registered_hospital.name"},
    ),
    (
        "licence_number",
        "text",
        text("Driving licence number", "Số giấy phép lái xe"),
        {"subject": "licence", "attribute": "driving_licences.0.number"},
    ),
]
SUBJECTS = {
    "me": {"source": "population", "id": "user.personal_id"},
    "cover": {"source": "insurance", "id": "user.personal_id"},
    "licence": {"source": "licences", "id": "user.personal_id"},
}


def definition(key: str, *, prefill_subjects: set[str]) -> dict[str, Any]:
    """A two-step e-form: the measured first step, then check your answers."""
    fields = []
    for name, kind, label, prefill in FIELDS:
        spec: dict[str, Any] = {"name": name, "type": kind, "label": label}
        if kind == "date":
            spec["not_after"] = "today"
        if prefill["subject"] in prefill_subjects:
            spec["prefill"] = prefill
        fields.append(spec)
    return {
        "key": key,
        "version": 1,
        "title": text("Prefill benchmark", "Thử tốc độ điền sẵn"),
        "subjects": {k: v for k, v in SUBJECTS.items() if k in prefill_subjects},
        "subject_name": "about.full_name",
        "steps": [
            {"name": "about", "title": text("About you", "Thông tin của bạn"), "fields": fields},
            {
                "name": "review",
                "kind": "review",
                "title": text("Check your answers", "Kiểm tra câu trả lời"),
                "declaration": text("I declare it is true.", "Tôi cam đoan là đúng sự thật."),
            },
        ],
    }


@dataclass
class Scenario:
    key: str
    label: str
    form_key: str
    mocks: str  # "up" or "down"
    expect: Callable[[str, dict[str, Any]], bool]
    times: list[float] = field(default_factory=list)
    parts: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: int = 0
    queries: list[tuple[int, int]] = field(default_factory=list)  # (queries, writes) per render

    def summary(self) -> dict[str, float]:
        ms = [t * 1000 for t in self.times]
        return {
            "n": len(ms),
            "p50": percentile(ms, 50),
            "p95": percentile(ms, 95),
            "max": max(ms) if ms else float("nan"),
        }


class Probe:
    """Time spent in the prefill machinery during one request (wrappers, measurement only)."""

    def __init__(self) -> None:
        self.local = threading.local()
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.totals: dict[str, float] = defaultdict(float)
            self.counts: dict[str, int] = defaultdict(int)

    def add(self, name: str, seconds: float) -> None:
        with self.lock:
            self.totals[name] += seconds
            self.counts[name] += 1

    def wrap(self, module: Any, attribute: str, name: Callable[..., str] | str) -> None:
        original = getattr(module, attribute)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                label = name(*args, **kwargs) if callable(name) else name
                self.add(label, time.perf_counter() - started)

        setattr(module, attribute, timed)


def install_probes(probe: Probe) -> None:
    import dossiers.eforms.prefilling as prefilling
    import prefill.services as services

    probe.wrap(prefilling, "prefill_fetch_many", "prefill_fetch_many")
    probe.wrap(services, "_fetch", lambda source, subject_id: f"fetch {source}")
    probe.wrap(services, "audit_record", "audit rows")


@contextlib.contextmanager
def mocks(tmp: Path, delay_ms: int) -> Iterator[tuple[Any, Any]]:
    from tests.fixtures_mocks import start_national_mocks

    delays = ",".join(f"{s}:{delay_ms}" for s in ("population", "insurance", "vehicles"))
    env = {"NATIONAL_MOCKS_SERVICE_DELAYS": delays, "NATIONAL_MOCKS_LOG_LEVEL": "WARNING"}
    with (
        start_national_mocks(tmp / "mocks-up", **env) as up,
        start_national_mocks(tmp / "mocks-down", **env, NATIONAL_MOCKS_DOWN=DOWN_SOURCE) as down,
    ):
        say(f"mocks: {up.url} (all up), {down.url} ({DOWN_SOURCE} down); delays {delays}")
        yield up, down


def recreate_postgres(base_url: str) -> str:
    import psycopg2

    parts = urlsplit(base_url)
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
            cursor.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{DB_NAME}"')
    finally:
        connection.close()
    return database_url_for(base_url, DB_NAME)


def reference_data() -> tuple[dict[str, Any], list[Any]]:
    """The procedure versions (one per form) and the citizens."""
    from agencies.models import Agency, AgencyKind, AgencyLevel, Commune, Province
    from dossiers.models import EForm
    from portal.models import User
    from procedures.services import DATA_DIR, procedure_import

    province = Province.objects.create(
        code="01", name="Thành phố Hà Nội", division_type="thành phố trung ương", codename="ha_noi"
    )
    commune = Commune.objects.create(
        code="00070",
        name="Phường Hoàn Kiếm",
        division_type="phường",
        codename="phuong_hoan_kiem",
        province=province,
    )
    Agency.objects.create(
        code="00070.00.H01",
        name="Ủy ban nhân dân Phường Hoàn Kiếm",
        level=AgencyLevel.COMMUNE,
        kind=AgencyKind.COMMUNE_COMMITTEE,
        province=province,
        commune=commune,
    )
    base = json.loads((DATA_DIR / "1.001193-birth-registration.json").read_text("utf-8"))
    forms = {
        "prefill_bench": set(SUBJECTS),
        "prefill_bench_down": {"cover"},
        "prefill_bench_control": set(),
    }
    versions = {}
    for number, (key, subjects) in enumerate(forms.items(), start=1):
        data = json.loads(json.dumps(base))
        data["code"] = f"9.99910{number}"
        data["name"] = f"Thủ tục thử tốc độ điền sẵn {number}"
        data["versions"][0]["form_key"] = key
        procedure, _ = procedure_import(data=data)
        EForm.objects.create(key=key, definition=definition(key, prefill_subjects=subjects))
        versions[key] = procedure.versions.get(number=1)
    procedure, _ = procedure_import(data=base)  # 1.001193, its reviewed definition file
    versions["birth_registration"] = procedure.versions.get(number=1)
    users = [
        User.objects.create_user(
            username=f"sso-prefill-bench-{i}",
            sso_subject=f"prefill-bench-{i}",
            personal_id=pid,
            full_name=name,
            email=f"prefill-bench-{i}@example.vn",
        )
        for i, (pid, name) in enumerate(PEOPLE)
    ]
    return versions, users


def connection_reuse(up: Any, owner: str, pairs: int = 100) -> dict[str, float]:
    """The client's cost per lookup with a new connection vs the thread's kept-alive one,
    interleaved, on the e-document store (no injected delay)."""
    import requests

    from prefill.national_client import NationalDataClient

    new, reused = [], []
    NationalDataClient(base_url=up.url).list_documents(owner)  # open the kept-alive one
    for _ in range(pairs):
        started = time.perf_counter()
        with NationalDataClient(base_url=up.url, session=requests.Session()) as client:
            client.list_documents(owner)
        new.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        NationalDataClient(base_url=up.url).list_documents(owner)
        reused.append((time.perf_counter() - started) * 1000)
    return {"n": pairs, "new": percentile(new, 50), "reused": percentile(reused, 50)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=200, help="timed renders per scenario")
    parser.add_argument("--rounds", type=int, default=4, help="rounds of (a, b, c, d)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed renders per block")
    parser.add_argument("--delay-ms", type=int, default=150, help="delay of each source")
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL server (database portal_prefillbench is recreated); default SQLite",
    )
    parser.add_argument("--markdown", action="store_true", help="results as markdown")
    parser.add_argument(
        "--birth",
        action="store_true",
        help="also (e): the first step of the birth registration form (two prefill rounds)",
    )
    parser.add_argument(
        "--profile", type=int, default=0, help="afterwards, cProfile this many renders of a and c"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="portal-prefill-bench-"))
    try:
        with mocks(tmp, args.delay_ms) as (up, down):
            return run(args, tmp, up, down)
    finally:
        if args.keep:
            say(f"files kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run(args: argparse.Namespace, tmp: Path, up: Any, down: Any) -> int:
    if args.database_url:
        database_url = recreate_postgres(args.database_url)
    else:
        database_url = f"sqlite:///{tmp / 'portal.sqlite3'}"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings.base",
            "DATABASE_URL": database_url,
            "PORTAL_VAR_DIR": str(tmp / "var"),
            "MEDIA_ROOT": str(tmp / "media"),
            "CACHE_URL": "locmemcache://",
            "DEBUG": "false",
            "LOG_LEVEL": "ERROR",
            "NATIONAL_SERVICES_URL": up.url,
            "PREFILL_CLIENT_ID": up.data_client_id,
            "PREFILL_CLIENT_SECRET": up.data_client_secret,
            "PREFILL_CIRCUIT_COOLDOWN": "3600",
            "CELERY_TASK_ALWAYS_EAGER": "true",
        }
    )
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise, no collectstatic
    django.setup()
    import logging

    logging.getLogger("prefill.services").setLevel(logging.ERROR)
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from dossiers.models import FormDraft
    from prefill.circuit import CircuitBreaker

    say(f"migrating {connection.vendor} database ...")
    call_command("migrate", verbosity=0)
    versions, users = reference_data()
    clients = []
    for user in users:
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        client.force_login(user)
        clients.append(client)

    def all_three(html: str, record: dict[str, Any]) -> bool:
        return all(record[k] in html for k in ("name", "card", "licence")) and (
            "could not reach" not in html
        )

    def insurance_missing(html: str, record: dict[str, Any]) -> bool:
        return (
            record["name"] in html
            and record["licence"] in html
            and record["card"] not in html
            and "could not reach" in html
        )

    def only_down(html: str, record: dict[str, Any]) -> bool:
        return record["card"] not in html and "could not reach" in html

    def birth(html: str, record: dict[str, Any]) -> bool:
        return "could not reach" not in html

    def nothing(html: str, record: dict[str, Any]) -> bool:  # the name is in the header
        return all(record[k] not in html for k in ("card", "licence")) and (
            "could not reach" not in html
        )

    scenarios = [
        Scenario("a", "three sources, 150 ms each", "prefill_bench", "up", all_three),
        Scenario(
            "b",
            f"same, {DOWN_SOURCE} down, circuit open",
            "prefill_bench",
            "down",
            insurance_missing,
        ),
        Scenario("c", "no prefill (control)", "prefill_bench_control", "up", nothing),
        Scenario(
            "d", f"only {DOWN_SOURCE}, down, circuit open", "prefill_bench_down", "down", only_down
        ),
    ]
    if args.birth:
        scenarios.append(
            Scenario(
                "e",
                "birth registration, first step (2 rounds)",
                "birth_registration",
                "up",
                birth,
            )
        )
    for scenario in scenarios:
        scenario.label = scenario.label.replace("150", str(args.delay_ms))

    # what the pages must show: the values the registries hold for each person
    from prefill.national_client import NationalDataClient

    expected = {}
    with NationalDataClient(base_url=up.url) as national:
        for user in users:
            expected[user.pk] = {
                "name": national.get_citizen(user.personal_id)["full_name"],
                "card": national.get_insurance(user.personal_id)["health_insurance_card_number"],
                "licence": national.get_driving_licences(user.personal_id)[0]["number"],
            }

    reuse = connection_reuse(up, users[0].personal_id)

    probe = Probe()
    install_probes(probe)

    def sql_timer(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seconds = time.perf_counter() - started
            probe.add("SQL", seconds)
            if not sql.lstrip().upper().startswith("SELECT"):
                probe.add("SQL writes", seconds)

    def render(scenario: Scenario, index: int) -> tuple[float, bool]:
        user = users[index % len(users)]
        draft = FormDraft.objects.create(
            id=uuid.uuid4(), user=user, procedure_version=versions[scenario.form_key]
        )
        url = reverse("dossiers:apply", args=[draft.pk])
        probe.reset()
        cpu = time.process_time()
        started = time.perf_counter()
        with connection.execute_wrapper(sql_timer):
            response = clients[index % len(clients)].get(url)
        elapsed = time.perf_counter() - started
        probe.add("CPU of this process", time.process_time() - cpu)
        html = response.content.decode()
        ok = response.status_code == 200 and scenario.expect(html, expected[user.pk])
        return elapsed, ok

    def prepare(scenario: Scenario) -> None:
        settings.NATIONAL_SERVICES_URL = up.url if scenario.mocks == "up" else down.url
        if scenario.mocks == "up":
            CircuitBreaker(DOWN_SOURCE).record_success()  # closed again
        else:  # real failed lookups open it (PREFILL_CIRCUIT threshold, 3 by default)
            for _ in range(10):
                if CircuitBreaker(DOWN_SOURCE).is_open():
                    break
                render(scenario, 0)
            if not CircuitBreaker(DOWN_SOURCE).is_open():
                raise SystemExit(f"the circuit of {DOWN_SOURCE} did not open")

    per_round = [args.samples // args.rounds] * args.rounds
    per_round[-1] += args.samples - sum(per_round)
    say(
        f"{args.samples} samples per scenario in {args.rounds} rounds "
        f"(+{args.warmup} warm-up renders per block)"
    )
    counter = 0
    load_before = os.getloadavg()
    started_all = time.monotonic()
    for round_number, count in enumerate(per_round, start=1):
        for scenario in scenarios:
            prepare(scenario)
            for _ in range(args.warmup):
                counter += 1
                render(scenario, counter)
            for _ in range(count):
                counter += 1
                elapsed, ok = render(scenario, counter)
                scenario.times.append(elapsed)
                if not ok:
                    scenario.failures += 1
                scenario.parts["total"].append(elapsed)
                for name, seconds in probe.totals.items():
                    scenario.parts[name].append(seconds)
                scenario.queries.append((probe.counts["SQL"], probe.counts["SQL writes"]))
                if scenario.mocks == "down":
                    assert CircuitBreaker(DOWN_SOURCE).is_open(), "the circuit closed"
        say(f"round {round_number}/{args.rounds} done")
    elapsed_all = time.monotonic() - started_all
    load_after = os.getloadavg()
    if args.profile:
        profile(args.profile, scenarios, prepare, render)
    cache.clear()
    report(args, scenarios, database_url, elapsed_all)
    print(
        "one lookup without delay (e-document store), median of "
        f"{reuse['n']}: new connection each time {reuse['new']:.1f} ms, "
        f"kept-alive connection of the thread's session {reuse['reused']:.1f} ms"
    )
    print(
        f"load average (1 min) before / after the timed part: {load_before[0]:.1f} / "
        f"{load_after[0]:.1f} (other users' processes share the {os.cpu_count()} cores)"
    )
    return 0


def profile(count: int, scenarios: list[Scenario], prepare: Callable, render: Callable) -> None:
    """cProfile `count` renders of (a) and (c) (the request thread only), top 25 to stderr."""
    import cProfile
    import io
    import pstats

    for scenario in (scenarios[0], scenarios[2]):
        prepare(scenario)
        profiler = cProfile.Profile()
        for index in range(count):
            profiler.enable()
            render(scenario, index)
            profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
        stats.print_stats(25)
        stats.sort_stats("tottime").print_stats(15)
        say(f"profile of {count} renders of ({scenario.key}) {scenario.label}:\n{out.getvalue()}")


def report(
    args: argparse.Namespace, scenarios: list[Scenario], database_url: str, seconds: float
) -> None:
    import django
    from django.db import connection

    s = {sc.key: sc.summary() for sc in scenarios}
    md = args.markdown
    vendor = connection.vendor
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            db = f"PostgreSQL {cursor.fetchone()[0]} (database {DB_NAME})"
    else:
        import sqlite3

        db = f"SQLite {sqlite3.sqlite_version} (WAL, a file in a temporary directory)"
    with open("/proc/meminfo") as handle:
        mem_gib = int(handle.readline().split()[1]) / 1024 / 1024
    print(
        f"machine: {os.cpu_count()} cores, {mem_gib:.1f} GiB, Python {platform.python_version()}, "
        f"Django {django.get_version()}, {db}; {seconds:.0f} s for the timed part"
    )
    print(f"samples per scenario: {args.samples} ({args.rounds} rounds), delay {args.delay_ms} ms")
    print()
    if md:
        print("| scenario | n | p50 (ms) | p95 (ms) | max (ms) | pages wrong |")
        print("|---|---:|---:|---:|---:|---:|")
    for sc in scenarios:
        r = s[sc.key]
        if md:
            print(
                f"| ({sc.key}) {sc.label} | {r['n']} | {r['p50']:.0f} | {r['p95']:.0f} | "
                f"{r['max']:.0f} | {sc.failures} |"
            )
        else:
            print(
                f"({sc.key}) {sc.label:<40} n={r['n']:<4} p50 {r['p50']:6.1f}  "
                f"p95 {r['p95']:6.1f}  max {r['max']:6.1f} ms  wrong pages {sc.failures}"
            )
    print()
    print(
        "where the time went (median per render, ms; SQL is every query of the request, "
        "audit rows included; CPU is this process's, all threads):"
    )
    names = ["total", "prefill_fetch_many", "fetch population", "fetch insurance"]
    names += ["fetch licences", "audit rows", "SQL", "SQL writes", "CPU of this process"]
    if md:
        print("| scenario | " + " | ".join(names) + " | rest of the request |")
        print("|---|" + "---:|" * (len(names) + 1))
    for sc in scenarios:
        medians = {
            n: percentile([v * 1000 for v in sc.parts[n]], 50) if sc.parts.get(n) else 0.0
            for n in names
        }
        rest = medians["total"] - medians["prefill_fetch_many"]
        cells = [f"{medians[n]:.1f}" if sc.parts.get(n) else "-" for n in names]
        if md:
            print(f"| ({sc.key}) | " + " | ".join(cells) + f" | {rest:.1f} |")
        else:
            print(
                f"({sc.key}) "
                + "  ".join(f"{n} {c}" for n, c in zip(names, cells, strict=True))
                + f"  rest {rest:.1f}"
            )
    print(
        "queries per render (all / writes): "
        + ", ".join(
            f"({sc.key}) {max(q for q, _ in sc.queries)} / {max(w for _, w in sc.queries)}"
            for sc in scenarios
            if sc.queries
        )
    )
    print()
    a, b, c, d = s["a"], s["b"], s["c"], s["d"]
    target_a = a["p95"] <= 300
    target_b = b["p95"] - c["p95"] < 100
    print(
        f"target 1, (a) p95 <= 300 ms: {a['p95']:.0f} ms -> {'PASS' if target_a else 'FAIL'}"
        f" (p95 / delay = {a['p95'] / args.delay_ms:.2f})"
    )
    print(
        f"target 2, (b) - (c) < 100 ms at p95: {b['p95'] - c['p95']:.0f} ms "
        f"(p50 {b['p50'] - c['p50']:.0f}) -> {'PASS' if target_b else 'FAIL'}"
    )
    print(
        f"  (b) - (a): p50 {b['p50'] - a['p50']:+.0f} ms, p95 {b['p95'] - a['p95']:+.0f} ms "
        "(what the outage adds to the same step)"
    )
    print(
        f"  (d) - (c): p50 {d['p50'] - c['p50']:+.0f} ms, p95 {d['p95'] - c['p95']:+.0f} ms "
        f"(what an open circuit costs) -> {'PASS' if d['p95'] - c['p95'] < 100 else 'FAIL'}"
    )
    print(f"  (a) / (c) at p50: {a['p50'] / c['p50']:.1f}x")
    if "e" in s:
        e = s["e"]
        print(
            f"  (e) birth registration's first step: p95 {e['p95']:.0f} ms -> "
            f"{'PASS' if e['p95'] <= 300 else 'FAIL'} against 300 ms (prefill in 2 rounds)"
        )
    if any(sc.failures for sc in scenarios):
        print("WARNING: some pages did not show what they should (see 'wrong pages')")
    print(f"database: {database_url.split('@')[-1]}")


if __name__ == "__main__":
    sys.exit(main())

"""Catalogue bench: throughput and latency of search, browse and the procedure page.

Starts gunicorn on 127.0.0.1 with the production settings (``bench.catalogue_settings``:
``portal.settings.production`` plus /bench/bare/) on a PostgreSQL database loaded with the
catalogue (``procedures/data``), then sends a bounded concurrent load (N requests, C threads,
keep-alive off as gunicorn's sync workers close each connection) to:

* /bench/bare/: a view that does nothing, through the same middleware: the ceiling;
* the procedure page, rotating over every procedure;
* the catalogue browsed by a facet (no query);
* the catalogue searched, rotating over questions people type (typos, no diacritics, English);
* the API search (``/api/procedures/?q=``).

Requests carry ``X-Forwarded-Proto: https`` as the TLS-terminating proxy of
docker-compose.yml does (production redirects plain HTTP).

    DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/portal_search \\
        uv run python bench/catalogue.py --requests 400 --concurrency 4

Prints a Markdown table (stdout); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import requests

REPO_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_DIR))

from bench.harness import percentile, say  # noqa: E402
from bench.synthetic_catalogue import PREFIX as SYNTHETIC_PREFIX  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://portal:portal@127.0.0.1:5432/portal_search"
QUESTIONS = [
    "dang ky khai sinh",
    "dang ki khai xinh",
    "lam giay khai sinh cho con",
    "dang ky ket hon",
    "xin phieu ly lich tu phap",
    "doi bang lai xe",
    "mo ho kinh doanh",
    "dang ky thuong tru",
    "register a company",
    "renew my driving licence",
    "giay phep xay dung nha o",
    "cap lai chung chi hanh nghe duoc",
    "giay phep lao dong cho nguoi nuoc ngoai",
    "food safety certificate",
]
BROWSE = [
    {"life_event": "moving_house"},
    {"life_event": "having_a_baby", "audience": "citizen"},
    {"agency": "commune_police"},
    {"level": "1", "essential": "on"},
    {},
]


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0


def run_load(
    name: str,
    base: str,
    paths: list[str],
    total: int,
    concurrency: int,
    extra_headers: dict[str, str] | None = None,
) -> Result:
    """`total` GETs over `paths` (round robin) from `concurrency` threads."""
    result = Result(name)
    counter = itertools.count()
    lock = threading.Lock()
    headers = {"X-Forwarded-Proto": "https", "Accept-Language": "vi", **(extra_headers or {})}

    def worker() -> None:
        session = requests.Session()
        while True:
            index = next(counter)
            if index >= total:
                return
            url = base + paths[index % len(paths)]
            started = time.perf_counter()
            try:
                response = session.get(url, headers=headers, timeout=30, allow_redirects=False)
                status = response.status_code
            except requests.RequestException:
                status = 0
            latency = time.perf_counter() - started
            with lock:
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if status == 200:
                    result.latencies.append(latency)
                else:
                    result.errors += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - started
    return result


def markdown_table(results: list[Result]) -> str:
    """The results as a Markdown table, each against the first (the bare view)."""
    ceiling = results[0].throughput or 1.0
    lines = [
        "| scenario | requests/s | p50 ms | p95 ms | max ms | errors | vs bare |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        ms = [latency * 1000 for latency in result.latencies]
        lines.append(
            f"| {result.name} | {result.throughput:.0f} | {percentile(ms, 50):.1f} | "
            f"{percentile(ms, 95):.1f} | {max(ms, default=float('nan')):.1f} | {result.errors} | "
            f"{result.throughput / ceiling:.0%} |"
        )
    return "\n".join(lines)


def web_environment(default_url: str, name: str) -> tuple[str, str, dict[str, str]]:
    """The database URL (``DATABASE_URL`` or `default_url`, PostgreSQL only), a temporary
    directory and the environment of manage.py and gunicorn: production settings with
    /bench/bare/ (``bench.catalogue_settings``); CACHE_URL is set by the caller."""
    database_url = os.environ.get("DATABASE_URL") or default_url
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("the bench needs PostgreSQL: DATABASE_URL=postgres://...")
    var_dir = tempfile.mkdtemp(prefix=f"{name}-bench-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.catalogue_settings",
        "DATABASE_URL": database_url,
        # production refuses published secrets (portal/checks.py): fresh ones for each run
        "SECRET_KEY": secrets.token_urlsafe(64),
        "OIDC_RP_CLIENT_SECRET": secrets.token_urlsafe(32),
        "PREFILL_CLIENT_SECRET": secrets.token_urlsafe(32),
        "PAYMENT_SECRET": secrets.token_urlsafe(32),
        # production keeps files in object storage (portal/object_storage.py); the pages
        # measured read none, so the store is an address where nothing listens: a page that
        # did touch it would fail loudly instead of reaching a real one
        "S3_BUCKET": "portal-bench",
        "S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "S3_ACCESS_KEY_ID": "bench",
        "S3_SECRET_ACCESS_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CACHE_URL": "locmemcache://",
        "PORTAL_VAR_DIR": var_dir,
        "PYTHONPATH": str(REPO_DIR),
    }
    return database_url, var_dir, env


def manage(env: dict[str, str], *args: str) -> str:
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{completed.stderr[-3000:]}")
    return completed.stdout


@contextlib.contextmanager
def redis_server(port: int, directory: str) -> Iterator[str]:
    """A private redis-server for the cache, as production has (never the machine's Redis)."""
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            directory,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        import redis

        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise SystemExit("redis-server did not start") from None
                time.sleep(0.1)
        yield f"rediscache://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def rss_of_children(parent: int) -> list[float]:
    """Resident memory (MB) of the processes whose parent is `parent` (gunicorn's workers)."""
    sizes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            status = (entry / "status").read_text()
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if int(fields["PPid"]) == parent:
                sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(sizes)


@contextlib.contextmanager
def gunicorn(env: dict[str, str], port: int, workers: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--timeout=60",
            "--forwarded-allow-ips=127.0.0.1",
            "--log-level=warning",
        ],
        cwd=REPO_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        # a loaded machine (other benches, test runs) may take minutes to boot the workers
        deadline = time.monotonic() + float(os.environ.get("BENCH_START_SECONDS", "240"))
        while True:
            with contextlib.suppress(requests.RequestException):
                response = requests.get(
                    f"http://127.0.0.1:{port}/bench/bare/",
                    headers={"X-Forwarded-Proto": "https"},
                    timeout=2,
                )
                if response.status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                # stop it first: reading the pipe of a server still running never ends
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                error = process.stderr.read().decode() if process.stderr else ""
                raise SystemExit(f"gunicorn did not start:\n{error[-3000:]}")
            time.sleep(0.3)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def machine() -> dict[str, str]:
    model = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as handle:
        mem_kib = int(handle.readline().split()[1])
    return {
        "cores": str(os.cpu_count()),
        "cpu": model,
        "ram": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "load average before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per scenario")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--redis-port", type=int, default=6392)
    parser.add_argument(
        "--cache",
        choices=["redis", "none"],
        default="redis",
        help="redis: a private redis-server as the cache (production); none: DummyCache, so "
        "every request does the full work",
    )
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="CONN_MAX_AGE of the web workers (60, production's default; 0: a new PostgreSQL "
        "connection per request)",
    )
    parser.add_argument(
        "--procedures",
        type=int,
        default=0,
        help="make the catalogue this large with synthetic procedures beside the real ones "
        "(bench/synthetic_catalogue.py; 4400 is the national catalogue); 0: the real ones only "
        "(synthetic ones left by an earlier run are removed)",
    )
    parser.add_argument("--json", action="store_true", help="also print the raw figures")
    args = parser.parse_args()

    database_url, var_dir, env = web_environment(DEFAULT_DATABASE_URL, "catalogue")
    say(f"migrate and load the catalogue into {database_url.rsplit('/', 1)[-1]}")
    manage(env, "migrate", "--noinput")
    loaded = manage(env, "load_procedures").strip()
    manage(env, "collectstatic", "--noinput")
    say(loaded)
    codes = sorted(
        path.name.split("-", 1)[0]
        for path in (REPO_DIR / "procedures" / "data").glob("[0-9].*.json")
    )
    synthetic = max(args.procedures - len(codes), 0)
    say(f"synthetic procedures: {synthetic} (bench/synthetic_catalogue.py, can take minutes)")
    subprocess.run(
        [sys.executable, "bench/synthetic_catalogue.py"]
        + (["--total", str(args.procedures)] if synthetic else ["--remove"]),
        cwd=REPO_DIR,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    catalogue_size = len(codes) + synthetic
    # The procedure pages visited: every real one and as many synthetic ones spread over the
    # catalogue (the same pages for every run of one size).
    step = max(synthetic // max(len(codes) * 2, 1), 1)
    codes += [f"{SYNTHETIC_PREFIX}{n:06d}" for n in range(1, synthetic + 1, step)][: len(codes) * 2]

    scenarios = {
        "bare view (ceiling)": ["/bench/bare/"],
        "procedure page": [f"/procedures/{code}/" for code in codes],
        "catalogue, browse by facets": [f"/procedures/?{urlencode(p)}" for p in BROWSE],
        "catalogue, search": [f"/procedures/?{urlencode({'q': q})}" for q in QUESTIONS],
        "API search": [f"/api/procedures/?{urlencode({'q': q})}" for q in QUESTIONS],
    }
    info = machine()
    results = []
    with contextlib.ExitStack() as stack:
        if args.cache == "redis":
            env["CACHE_URL"] = stack.enter_context(redis_server(args.redis_port, var_dir))
        else:
            env["CACHE_URL"] = "dummycache://"
        env["DATABASE_CONN_MAX_AGE"] = str(args.conn_max_age)
        server = stack.enter_context(gunicorn(env, args.port, args.workers))
        base = f"http://127.0.0.1:{args.port}"
        for name, paths in scenarios.items():
            say(f"{name}: warm-up")
            run_load(name, base, paths, max(len(paths) * 2, 20), args.concurrency)
            say(f"{name}: {args.requests} requests, concurrency {args.concurrency}")
            results.append(run_load(name, base, paths, args.requests, args.concurrency))
        worker_rss = rss_of_children(server.pid)
    print(
        f"machine: {info['cores']} cores ({info['cpu']}), {info['ram']}, Python {info['python']}, "
        f"load average before the run {info['load average before']}"
    )
    print(
        f"gunicorn {args.workers} sync workers, production settings, cache {args.cache}, "
        f"CONN_MAX_AGE {args.conn_max_age}; "
        f"{args.requests} requests per "
        f"scenario, {args.concurrency} concurrent clients on the same machine; "
        f"{catalogue_size:,} procedures in the catalogue ({len(codes)} procedure pages visited)\n"
    )
    served = sum(len(result.latencies) for result in results)
    print(
        f"RSS of the gunicorn workers after the run (~{served // max(args.workers, 1):,} requests "
        f"each, warm-up not counted): {', '.join(f'{mb:.0f} MB' for mb in worker_rss)}\n"
    )
    print(markdown_table(results))
    if args.json:
        print(
            json.dumps(
                {
                    r.name: {
                        "latencies_ms": [x * 1000 for x in r.latencies],
                        "statuses": r.statuses,
                    }
                    for r in results
                }
            )
        )
    return 0 if all(result.errors == 0 for result in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""The integration suite: PostgreSQL, Redis and a real Celery worker in a subprocess.

Every test here is skipped, with the reason, unless DATABASE_URL points at PostgreSQL,
REDIS_URL is set and Redis answers a PING. `bash .ci/run` provides all three; locally:

    DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/portal \
    REDIS_URL=redis://127.0.0.1:6379/0 bash bin/test tests/integration
"""

from __future__ import annotations

import contextlib
import functools
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest

REPO_DIR = Path(__file__).resolve().parents[2]
WORKER_READY_TIMEOUT_SECONDS = 60.0


@functools.cache
def unavailable_reason() -> str | None:
    """Why the integration suite cannot run here, or None when it can."""
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://", "pgsql://", "psql://")):
        return "no PostgreSQL configured (DATABASE_URL is not a postgres:// URL)"
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        return "no Redis configured (REDIS_URL is unset)"
    try:
        import redis

        client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
    except Exception as exc:
        return f"Redis at REDIS_URL does not answer PING ({type(exc).__name__}: {exc})"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    # A hook rather than a fixture: the skip happens before any database is set up.
    if item.get_closest_marker("integration") is not None:
        reason = unavailable_reason()
        if reason:
            pytest.skip(f"integration: {reason}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = yield
    log_path = getattr(item, "celery_worker_log", None)
    if report.failed and log_path is not None and log_path.exists():
        text = log_path.read_text(encoding="utf-8", errors="replace")
        report.sections.append(("Celery worker log", text[-20000:]))
    return report


def worker_redis_url(redis_url: str) -> str:
    """Under pytest-xdist each test process (gw0, gw1, ...) gets a Redis database of its own
    (REDIS_URL's number + 1 + the worker's), so two Celery workers never take each other's
    messages and a purge empties only its own queue."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return redis_url
    parts = urlsplit(redis_url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + 1 + int(worker[2:])}"))


def _database_url(settings_dict: dict) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None


def _drop_broker_connections(app) -> None:
    """Forget the connection and producer pools bound to the broker configured so far.

    `app.close()` is not enough: it keeps `app.amqp.producer_pool`, so `.delay()` would go
    on publishing to the previous broker (the in-memory one of the test settings). The pools
    themselves stay open in kombu's per-connection registry and are reused next time.
    """
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@contextlib.contextmanager
def broker_for_tests(broker_url: str) -> Iterator[None]:
    """Point this process's Celery app at the real broker (not eager); restore afterwards."""
    from portal.celery import app

    keys = ("broker_url", "task_always_eager", "broker_transport_options")
    saved = {key: app.conf.get(key) for key in keys}
    _drop_broker_connections(app)
    app.conf.update(broker_url=broker_url, task_always_eager=False, broker_transport_options={})
    try:
        yield
    finally:
        _drop_broker_connections(app)
        app.conf.update(**saved)


@pytest.fixture
def celery_worker(request, transactional_db, settings, tmp_path) -> Iterator[Worker]:
    """A real `celery -A portal worker` on Redis, using this test's database.

    Depends on `transactional_db`, so the worker is stopped before the tables are flushed.
    Its log is attached to the report of a failed test.
    """
    from django.db import connection

    from portal.celery import app
    from portal.outbox import QUEUES

    redis_url = worker_redis_url(os.environ["REDIS_URL"])
    log_path = tmp_path / "celery-worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_BROKER_URL": redis_url,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "PYTHONUNBUFFERED": "1",
    }
    with broker_for_tests(redis_url):
        app.control.purge()  # messages left in the queue by an earlier, interrupted run
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "portal",
                    "worker",
                    "--pool",
                    "solo",
                    "--concurrency",
                    "1",
                    "-Q",
                    ",".join(QUEUES),
                    "--loglevel",
                    "INFO",
                    "--hostname",
                    f"integration-{uuid.uuid4().hex[:8]}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=REPO_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = Worker(process=process, log_path=log_path)
        request.node.celery_worker_log = log_path  # shown with a failure, see makereport
        try:
            deadline = time.monotonic() + WORKER_READY_TIMEOUT_SECONDS
            while " ready." not in worker.log():
                if not worker.alive():
                    pytest.fail(f"the Celery worker exited early:\n{worker.log()}")
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"the Celery worker was not ready after {WORKER_READY_TIMEOUT_SECONDS:.0f} s:\n{worker.log()}"
                    )
                time.sleep(0.2)
            yield worker
        finally:
            if worker.alive():
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)

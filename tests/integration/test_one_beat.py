"""One beat, even when two are started (issue 12 part 5): two real `celery -A portal beat`
processes on Redis; the second waits for RedBeat's lock, sends nothing while the first runs,
and takes over, sending the due tasks, when the first is killed (SIGKILL: its lock is left to
expire, as after a crash)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis

from .conftest import REPO_DIR, worker_redis_url

pytestmark = pytest.mark.integration

LOCK_TIMEOUT_SECONDS = 4
SENT = "Sending due task"
ACQUIRED = "beat: Acquired lock"


def _beat(name: str, env: dict[str, str], tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / f"beat-{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "beat", "--loglevel", "INFO"],
            cwd=REPO_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, log


def _wait_for(log: Path, text: str, seconds: float, process: subprocess.Popen) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return True
        if process.poll() is not None:
            return text in log.read_text(errors="replace")
        time.sleep(0.2)
    return False


def test_a_second_beat_waits_and_takes_over_when_the_first_dies(tmp_path):
    redis_url = worker_redis_url(os.environ["REDIS_URL"])
    prefix = f"test-beat-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "CELERY_BROKER_URL": redis_url,
        "REDBEAT_KEY_PREFIX": prefix,
        "REDBEAT_LOCK_TIMEOUT_SECONDS": str(LOCK_TIMEOUT_SECONDS),
        "BEAT_MAX_LOOP_INTERVAL_SECONDS": "1",
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "PYTHONUNBUFFERED": "1",
    }
    first, first_log = _beat("first", env, tmp_path)
    second = None
    try:
        assert _wait_for(first_log, SENT, 60, first), first_log.read_text()
        assert ACQUIRED in first_log.read_text()
        second, second_log = _beat("second", env, tmp_path)
        # it starts, then waits for the lock: nothing sent while the first one runs
        assert _wait_for(second_log, "beat: Starting", 60, second), second_log.read_text()
        time.sleep(LOCK_TIMEOUT_SECONDS + 2)
        assert second.poll() is None, second_log.read_text()
        assert ACQUIRED not in second_log.read_text()
        assert SENT not in second_log.read_text()
        # the first dies without releasing its lock; the second takes over once it expires
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        assert _wait_for(second_log, ACQUIRED, LOCK_TIMEOUT_SECONDS + 30, second), (
            second_log.read_text()
        )
        assert _wait_for(second_log, SENT, 30, second), second_log.read_text()
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        client.close()

"""docker-compose.yml, read as Compose reads it (YAML with its anchors and merge keys), against
what the portal needs: no machine here has `docker compose`, so this is its `config` check
for the shape of the deployment (docs/scaling.md) and for what a typo would break."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from portal.outbox import QUEUES

COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"
PORTAL_SERVICES = ("migrate", "web", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _command(service: dict) -> list[str]:
    command = service.get("command") or []
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def _workers(compose: dict) -> dict[str, list[str]]:
    """Celery worker services -> the queues each consumes (-Q)."""
    out = {}
    for name, service in compose["services"].items():
        command = _command(service)
        if command[:4] == ["celery", "-A", "portal", "worker"]:
            queues = command[command.index("-Q") + 1].split(",") if "-Q" in command else []
            out[name] = queues
    return out


def test_the_file_has_the_services_of_the_deployment(compose):
    services = compose["services"]
    for name in ("db", "db-replica", "pgbouncer", "redis", "minio", "minio-bucket", "mocks"):
        assert name in services, name
    for name in PORTAL_SERVICES:
        assert services[name]["image"] == "national-portal:latest", name
    assert services["db-replica"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert "pg_basebackup" in " ".join(services["db-replica"]["entrypoint"])
    assert "hot_standby=on" in " ".join(services["db-replica"]["entrypoint"])
    assert "portal-replica" in services["pgbouncer"]["environment"]["PGBOUNCER_DATABASES"]


def test_every_queue_has_a_worker_service_and_every_worker_a_known_queue(compose):
    workers = _workers(compose)
    assert workers, "no Celery worker service"
    consumed = {queue for queues in workers.values() for queue in queues}
    assert consumed == set(QUEUES)
    assert {queue.name for queue in settings.CELERY_TASK_QUEUES} == set(QUEUES)
    for name, queues in workers.items():
        assert queues, f"{name} consumes every queue: start it with -Q"
    beats = [
        name
        for name, service in compose["services"].items()
        if _command(service)[:4] == ["celery", "-A", "portal", "beat"]
    ]
    assert beats == ["beat"]


def test_the_portal_services_share_state_only_through_the_servers(compose):
    """Web, workers and beat: object storage, the pooled primary and replica, Redis; their
    only volume is the signing keys (a secret, read by every node)."""
    services = compose["services"]
    for name in (*PORTAL_SERVICES, *_workers(compose)):
        service = services[name]
        environment = service["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == "portal.settings.production", name
        for variable in (
            "SECRET_KEY",
            "DATABASE_URL",
            "DATABASE_REPLICA_URL",
            "CELERY_BROKER_URL",
            "CACHE_URL",
            "S3_ENDPOINT_URL",
            "S3_BUCKET",
            "S3_ACCESS_KEY_ID",
            "S3_SECRET_ACCESS_KEY",
        ):
            assert environment.get(variable), f"{name}: {variable}"
        assert environment["S3_ENDPOINT_URL"] == "http://minio:9000"
        if name != "migrate":
            assert "@pgbouncer:6432/" in environment["DATABASE_URL"], name
            assert "@pgbouncer:6432/portal-replica" in environment["DATABASE_REPLICA_URL"], name
        assert [volume.split(":")[1] for volume in service.get("volumes", [])] == ["/data/pki"]
    assert "@db:5432/" in services["migrate"]["environment"]["DATABASE_URL"]


def test_dependencies_name_services_that_say_when_they_are_ready(compose):
    services = compose["services"]
    for name, service in services.items():
        for other, how in (service.get("depends_on") or {}).items():
            assert other in services, f"{name} depends on unknown {other}"
            condition = how["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in services[other], f"{name} waits for {other}'s health"
            elif condition == "service_completed_successfully":
                assert services[other].get("restart") == "no", f"{other} is a one-shot"


def test_named_volumes_are_declared_and_secrets_come_from_env_example(compose):
    declared = set(compose["volumes"])
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name}: volume {source}"
    required = set(re.findall(r"\$\{(\w+):\?", COMPOSE.read_text(encoding="utf-8")))
    example = (COMPOSE.parent / ".env.example").read_text(encoding="utf-8")
    given = set(re.findall(r"^(\w+)=", example, flags=re.MULTILINE))
    assert required <= given, f"required by compose, missing from .env.example: {required - given}"

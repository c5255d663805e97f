"""The conformance kit of connected systems (issue 13): check a system's messages before it
goes live, and say what fails and why.

    manage.py sync_conformance FILE [FILE ...]                 # the structure (JSON Schema)
    manage.py sync_conformance FILE ... --system hanoi-dvc     # + the portal's rules
    manage.py sync_conformance --replay EXCHANGE.jsonl --system hanoi-dvc

A FILE holds one batch, the body of POST /api/interop/sync/records. With `--system`, the
batches are also checked against this portal's data (the system's agencies, the procedures in
force, the chains of statuses, the codes already held), one after the other as if each had
been accepted, in a transaction that is rolled back at the end: nothing is written.
`--replay` reads a recorded exchange, one JSON object a line, `{"body": {...}}` with the
answer the system got as `"response"` if it has one; each message is checked in order and
an answer that differs from the recorded one is reported. Exit status 1 when anything fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from jsonschema import Draft202012Validator

from interop import sync
from interop.models import ConnectedSystem

SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "sync" / "sync-batch.schema.json"


class _Rollback(Exception):
    pass


def schema_problems(body: Any) -> list[str]:
    """The JSON Schema's complaints about one batch: `path: message`, in document order."""
    validator = Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    found = []
    for error in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.path))):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
        found.append(f"{path.lstrip('.') or '(body)'}: {error.message}")
    return found


class Command(BaseCommand):
    help = "Check a connected system's synchronisation messages and say what fails and why."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="batches (JSON), checked in this order")
        parser.add_argument("--system", help="the connected system's code: check the rules too")
        parser.add_argument("--replay", help="a recorded exchange (JSON lines) to replay")

    def handle(self, *args, files: list[str], system: str | None, replay: str | None, **options):
        if not files and not replay:
            raise CommandError("Give batch files, or --replay with a recorded exchange.")
        connected = None
        if system:
            connected = ConnectedSystem.objects.filter(code=system).first()
            if connected is None:
                raise CommandError(f"No connected system has the code {system!r}.")
        messages = [(name, self._read(name), None) for name in files]
        if replay:
            messages += self._exchange(replay)
        failed = 0
        try:
            with transaction.atomic():
                for name, body, expected in messages:
                    failed += self._check(name, body, expected, connected)
                raise _Rollback
        except _Rollback:
            pass
        total = len(messages)
        if failed:
            self.stdout.write(f"FAIL: {failed} of {total} message(s) have problems.")
            raise SystemExit(1)
        self.stdout.write(f"PASS: {total} message(s) conform.")

    def _read(self, name: str) -> Any:
        try:
            return json.loads(Path(name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"{name}: no such file.") from None
        except UnicodeDecodeError:
            return _Unreadable("not UTF-8")
        except ValueError as error:
            return _Unreadable(f"not JSON ({error})")

    def _exchange(self, name: str) -> list[tuple[str, Any, Any]]:
        out = []
        try:
            lines = Path(name).read_text(encoding="utf-8").splitlines()
        except (FileNotFoundError, UnicodeDecodeError) as error:
            raise CommandError(f"{name}: {error}") from None
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            label = f"{name}:{number}"
            try:
                entry = json.loads(line)
            except ValueError as error:
                out.append((label, _Unreadable(f"not JSON ({error})"), None))
                continue
            if not isinstance(entry, dict) or "body" not in entry:
                out.append(
                    (label, _Unreadable('each line is {"body": ..., "response": ...}'), None)
                )
                continue
            out.append((label, entry["body"], entry.get("response")))
        return out

    def _check(self, name: str, body: Any, expected: Any, system: ConnectedSystem | None) -> int:
        if isinstance(body, _Unreadable):
            self.stdout.write(f"{name}: FAIL  {body.why}")
            return 1
        problems = schema_problems(body)
        if problems:
            self.stdout.write(f"{name}: FAIL  the structure ({len(problems)} problem(s))")
            for problem in problems[:50]:
                self.stdout.write(f"    {problem}")
            return 1
        if system is None:
            self.stdout.write(f"{name}: ok    the structure")
            return 0
        outcomes = sync.ingest(body["records"], system=system, now=timezone.now())
        refused = [o for o in outcomes if not o.accepted]
        mismatch = self._differs(outcomes, expected)
        if not refused and not mismatch:
            self.stdout.write(f"{name}: ok    {len(outcomes)} record(s) accepted")
            return 0
        self.stdout.write(f"{name}: FAIL  {len(refused)} of {len(outcomes)} record(s) refused")
        for outcome in refused:
            for error in outcome.errors:
                self.stdout.write(
                    f"    {error.field} [{error.rule}] {error.message} ({outcome.code})"
                )
        for line in mismatch:
            self.stdout.write(f"    {line}")
        return 1

    @staticmethod
    def _differs(outcomes: list[sync.Outcome], expected: Any) -> list[str]:
        """The records whose answer now differs from the recorded one."""
        if not isinstance(expected, dict) or not isinstance(expected.get("results"), list):
            return []
        lines = []
        for outcome, before in zip(outcomes, expected["results"], strict=False):
            if isinstance(before, dict) and before.get("accepted") != outcome.accepted:
                lines.append(
                    f"records[{outcome.index}] ({outcome.code}): recorded "
                    f"accepted={before.get('accepted')}, now accepted={outcome.accepted}"
                )
        return lines


class _Unreadable:
    def __init__(self, why: str) -> None:
        self.why = why

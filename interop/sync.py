"""Dossiers and processing steps synchronised from connected systems (issue 13).

A ministry's or province's own settlement system sends batches of records; each record creates
or updates one dossier (the national `DongBoHoSoMC`) and may carry its new processing steps
(`CapNhatTienDoHoSoMC`). docs/synchronisation.md gives the format and the mapping to the
national names.

A record is checked whole before anything of it is written: a refused record writes nothing
and gets a list of errors, each naming the field and the rule; the accepted records of a batch
are written together, in bulk, in one transaction (`dossiers.transitions.write_synchronised`).
The same message twice is one record: a dossier is found by its code, a step by its id in the
system, and a step that comes again unchanged is skipped. A step that arrives late is placed
by its own time, and the whole chain of statuses must be one the business table allows.

The checking half (`check_records`) writes nothing, so the conformance command uses it too.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency
from dossiers import transitions
from dossiers.models import Dossier, DossierEvent
from dossiers.states import payment as payment_states
from dossiers.states.business import Status
from dossiers.states.payment import PaymentStatus
from dossiers.states.sync import SyncStatus
from portal.audit import audit_record
from portal.numbers import ascii_digits
from portal.validators import parse_personal_id
from procedures.models import ChannelKind, ProcedureVersion

from .models import ConnectedSystem

#: the national interface's time format, in Vietnam's time (UTC+7)
TIME_FORMAT = "%Y%m%d%H%M%S"
NATIONAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_RECORDS = 1000
MAX_STEPS = 200
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-_]{0,39}$")
STEP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-_:/]{0,63}$")
STATUS_CODES = range(1, 11)
APPLICANT_TYPES = ("citizen", "organisation")
CHANNELS = frozenset(ChannelKind.values)


def realtime_seconds() -> int:
    """A step counts as synchronised in real time when it reaches the portal within this
    many seconds of its own time (docs/synchronisation.md says why 15 minutes)."""
    return int(getattr(settings, "INTEROP_SYNC_REALTIME_SECONDS", 900))


def future_skew_seconds() -> int:
    """How far ahead of the portal's clock a time may be (the systems' clocks drift)."""
    return int(getattr(settings, "INTEROP_SYNC_FUTURE_SKEW_SECONDS", 300))


@dataclass
class Problem:
    field: str
    rule: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule, "message": self.message}


@dataclass
class Outcome:
    """What became of one record of a batch."""

    index: int
    code: str
    accepted: bool = False
    created: bool = False
    steps_added: int = 0
    steps_unchanged: int = 0
    errors: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "code": self.code, "accepted": self.accepted}
        if self.accepted:
            out.update(
                created=self.created,
                steps_added=self.steps_added,
                steps_unchanged=self.steps_unchanged,
            )
        else:
            out["errors"] = [p.as_dict() for p in self.errors]
        return out


@dataclass
class Step:
    external_id: str
    at: dt.datetime
    status: int
    note: str
    role: str
    agency_code: str
    due_at: dt.datetime | None
    path: str


@dataclass
class Record:
    """A record that passed the checks of its own fields (`parse_record`)."""

    index: int
    code: str
    raw: Mapping[str, Any]
    steps: list[Step]
    received_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    status: int | None = None
    channel: int | None = None


# --- reading one record ------------------------------------------------------------------------


def parse_time(value: Any) -> dt.datetime | None:
    """`yyyyMMddHHmmss` in Vietnam's time, as an aware datetime; None if it is not one."""
    if not ascii_digits(value, length=14):
        return None
    assert isinstance(value, str)  # noqa: S101  (ascii_digits: a text)
    try:  # by slices: strptime costs 5 times as much, 7,500 times a batch
        return dt.datetime(
            int(value[0:4]),
            int(value[4:6]),
            int(value[6:8]),
            int(value[8:10]),
            int(value[10:12]),
            int(value[12:14]),
            tzinfo=NATIONAL_TZ,
        )
    except ValueError:
        return None


class _Reader:
    """Collects the problems of one record while reading its fields. A field's path (for
    its error) is `<parent>.<name>`, built only when it fails: 20-odd fields a record."""

    def __init__(self, record: Any, path: str) -> None:
        self.problems: list[Problem] = []
        self.path = path
        self.record = record if isinstance(record, Mapping) else {}

    def fail(self, name: str, rule: str, message: str) -> None:
        self.problems.append(Problem(name, rule, message))

    def text(
        self, source: Mapping[str, Any], name: str, parent: str, *, required: bool, max_length: int
    ) -> str | None:
        value = source.get(name)
        if value.__class__ is str and "\x00" not in value and len(value) <= max_length:
            stripped = value.strip()
            if stripped:  # the usual case, in one test
                return stripped
        if isinstance(value, str) and not value.strip():
            value = None  # blanks are no text: a required name of spaces is missing
        if value is None:
            if required:
                self.fail(f"{parent}.{name}", "required", _("This field is required."))
            return None
        if not isinstance(value, str):
            self.fail(f"{parent}.{name}", "type", _("Give a text."))
            return None
        if "\x00" in value:
            self.fail(f"{parent}.{name}", "format", _("A text may not contain the NUL character."))
            return None
        if len(value) > max_length:
            self.fail(
                f"{parent}.{name}", "max_length", _("At most %(n)s characters.") % {"n": max_length}
            )
            return None
        return value.strip()

    def time(self, source: Mapping[str, Any], name: str, parent: str, *, required: bool):
        value = source.get(name)
        if value is None or value == "":
            if required:
                self.fail(f"{parent}.{name}", "required", _("This field is required."))
            return None
        parsed = parse_time(value)
        if parsed is None:
            self.fail(
                f"{parent}.{name}", "format", _("Give a time as yyyyMMddHHmmss (Vietnam's time).")
            )
        return parsed

    def status(self, source: Mapping[str, Any], name: str, parent: str, *, required: bool):
        value = source.get(name)
        if value is None:
            if required:
                self.fail(f"{parent}.{name}", "required", _("This field is required."))
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value not in STATUS_CODES:
            self.fail(f"{parent}.{name}", "status_unknown", _("Give a status code from 1 to 10."))
            return None
        return value

    def flag(self, source: Mapping[str, Any], name: str, parent: str) -> bool:
        value = source.get(name, False)
        if not isinstance(value, bool):
            self.fail(f"{parent}.{name}", "type", _("Give true or false."))
            return False
        return value


def parse_record(
    index: int,
    raw: Any,
    *,
    now: dt.datetime,
    storable: bool = False,
    latest: dt.datetime | None = None,
) -> tuple[Record | None, list[Problem]]:
    """Check the fields of one record on their own (types, formats, lengths, dates in the
    future); the checks against the database come after, in `check_records`. `storable`:
    the record comes from a JSON text that `loads_batch` found free of values no database
    stores (then the record is not walked for them again)."""
    base = f"records[{index}]"
    r = _Reader(raw, base)
    if not isinstance(raw, Mapping):
        r.fail(base, "type", _("Each record is a JSON object."))
        return None, r.problems
    unstorable = [] if storable else _unstorable(raw, base)
    if unstorable:  # kept as it came (data.sync) or in columns: refused before anything else
        return None, unstorable
    code = r.text(raw, "code", base, required=True, max_length=40)
    if code is not None and not CODE.match(code):
        r.fail(f"{base}.code", "format", _("A dossier code is letters, digits, '.', '-', '_'."))
        code = None
    if latest is None:
        latest = now + dt.timedelta(seconds=future_skew_seconds())
    received_at = r.time(raw, "received_at", base, required=False)
    due_at = r.time(raw, "due_at", base, required=False)
    if received_at is not None and received_at > latest:
        r.fail(f"{base}.received_at", "date_in_future", _("This time is in the future."))
    if received_at is not None and due_at is not None and due_at < received_at:
        r.fail(f"{base}.due_at", "date_before_reception", _("This is before the reception."))
    status = r.status(raw, "status", base, required=False)
    channel = raw.get("channel")
    if channel is not None and (
        isinstance(channel, bool) or not isinstance(channel, int) or channel not in CHANNELS
    ):
        r.fail(f"{base}.channel", "format", _("Give 1 (in person), 2 (online) or 3 (post)."))
        channel = None
    for name in ("procedure_code", "agency_code", "subject_name"):
        r.text(raw, name, base, required=False, max_length=200)
    for name in ("paid_online", "identity_verified"):
        r.flag(raw, name, base)
    applicant = raw.get("applicant")
    if applicant is not None:
        _check_applicant(r, applicant, f"{base}.applicant")
    for name in ("documents", "fees"):
        value = raw.get(name)
        if value is not None and not isinstance(value, list):
            r.fail(f"{base}.{name}", "type", _("Give a list."))
    for i, document in enumerate(raw.get("documents") or []):
        path = f"{base}.documents[{i}]"
        if not isinstance(document, Mapping):
            r.fail(path, "type", _("Each document is a JSON object."))
            continue
        r.text(document, "name", path, required=True, max_length=255)
        for name in ("digitised", "reused", "from_national_database"):
            r.flag(document, name, path)
    for i, fee in enumerate(raw.get("fees") or []):
        path = f"{base}.fees[{i}]"
        if not isinstance(fee, Mapping):
            r.fail(path, "type", _("Each fee is a JSON object."))
            continue
        amount = fee.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= 10**12:
            r.fail(f"{path}.amount", "format", _("Give the amount in đồng, a whole number."))
    steps = _parse_steps(r, raw.get("steps"), base, latest=latest, received_at=received_at)
    if r.problems or code is None:
        return None, r.problems
    record = Record(
        index=index,
        code=code.upper(),
        raw=raw,
        steps=steps,
        received_at=received_at,
        due_at=due_at,
        status=status,
        channel=channel,
    )
    return record, []


#: escapes in a JSON text that may read as a value no database stores: NUL, and half of a
#: UTF-16 pair (whole pairs match too: their records are then walked, and pass)
_UNSTORABLE_ESCAPE = re.compile(r"\\u0000|\\u[dD][89a-fA-F]")


def loads_batch(text: str) -> tuple[Any, bool]:
    """Read a batch's JSON text (ValueError or RecursionError if it is not JSON): the value,
    and whether the text is free of what `_unstorable` looks for, seen once in the whole
    text instead of walking every record. The raw text cannot hold NUL (JSON forbids control
    characters in strings) nor half a pair (UTF-8 cannot encode one): only escapes can, and
    numbers that are not finite (`NaN`, `Infinity`, `1e999`), which the reader reports."""
    finite = True

    def constant(name: str) -> float:
        nonlocal finite
        finite = False
        return float(name)

    def number(literal: str) -> float:
        nonlocal finite
        value = float(literal)
        if not math.isfinite(value):
            finite = False
        return value

    value = json.loads(text, parse_constant=constant, parse_float=number)
    return value, finite and _UNSTORABLE_ESCAPE.search(text) is None


def _unstorable(raw: Any, base: str) -> list[Problem]:
    """The values of a record no database stores: texts (and names) with the NUL character
    or half of a UTF-16 pair (JSON's "\\ud800"), numbers JSON has not (NaN, Infinity, 1e999).
    Walked without recursion: a record may be nested as deep as the JSON reader allows."""
    problems: list[Problem] = []
    pending: list[tuple[str, Any]] = [(base, raw)]
    while pending and len(problems) < 20:
        path, value = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                problems.append(
                    Problem(path, "format", _("A text may not contain the NUL character."))
                )
            elif not _encodable(value):
                problems.append(Problem(path, "encoding", _("This text is not valid Unicode.")))
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append(Problem(path, "format", _("Give a finite number.")))
        elif isinstance(value, Mapping):
            for key, item in value.items():
                if not isinstance(key, str) or "\x00" in key or not _encodable(key):
                    problems.append(Problem(path, "encoding", _("This text is not valid Unicode.")))
                    continue
                pending.append((f"{path}.{key}", item))
        elif isinstance(value, list):
            pending.extend((f"{path}[{i}]", item) for i, item in enumerate(value))
    return sorted(problems, key=lambda p: p.field)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_applicant(r: _Reader, applicant: Any, path: str) -> None:
    if not isinstance(applicant, Mapping):
        r.fail(path, "type", _("The applicant is a JSON object."))
        return
    kind = applicant.get("type", "citizen")
    if kind not in APPLICANT_TYPES:
        r.fail(f"{path}.type", "format", _("Give 'citizen' or 'organisation'."))
    r.text(applicant, "name", path, required=True, max_length=200)
    personal_id = r.text(applicant, "personal_id", path, required=False, max_length=12)
    if personal_id is not None and parse_personal_id(personal_id) is None:
        r.fail(
            f"{path}.personal_id",
            "personal_id",
            _("This is not a personal identification number (12 digits)."),
        )
    if kind == "citizen" and personal_id is None:
        r.fail(f"{path}.personal_id", "required", _("A citizen's dossier needs their number."))
    r.text(applicant, "tax_code", path, required=False, max_length=14)
    r.text(applicant, "phone", path, required=False, max_length=20)
    r.text(applicant, "email", path, required=False, max_length=254)


def _parse_steps(
    r: _Reader, raw_steps: Any, base: str, *, latest: dt.datetime, received_at: dt.datetime | None
) -> list[Step]:
    if raw_steps is None:
        return []
    if not isinstance(raw_steps, list):
        r.fail(f"{base}.steps", "type", _("Give a list."))
        return []
    if len(raw_steps) > MAX_STEPS:
        r.fail(f"{base}.steps", "too_many", _("At most %(n)s steps a record.") % {"n": MAX_STEPS})
        return []
    steps: list[Step] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_steps):
        path = f"{base}.steps[{i}]"
        if not isinstance(raw, Mapping):
            r.fail(path, "type", _("Each step is a JSON object."))
            continue
        step_id = r.text(raw, "id", path, required=True, max_length=64)
        if step_id is not None and not STEP_ID.match(step_id):
            r.fail(
                f"{path}.id", "format", _("A step id is letters, digits, '.', '-', '_', ':', '/'.")
            )
            step_id = None
        if step_id is not None and step_id in seen:
            r.fail(f"{path}.id", "duplicate", _("Two steps of this record have this id."))
        at = r.time(raw, "at", path, required=True)
        status = r.status(raw, "status", path, required=True)
        note = r.text(raw, "note", path, required=False, max_length=2000)
        role = r.text(raw, "role", path, required=False, max_length=32)
        agency_code = r.text(raw, "agency_code", path, required=False, max_length=24)
        due_at = r.time(raw, "due_at", path, required=False)
        if at is not None and at > latest:
            r.fail(f"{path}.at", "date_in_future", _("This time is in the future."))
        if at is not None and received_at is not None and at < received_at:
            r.fail(f"{path}.at", "date_before_reception", _("This is before the reception."))
        if step_id is None or at is None or status is None:
            continue
        seen.add(step_id)
        steps.append(
            Step(step_id, at, status, note or "", role or "", agency_code or "", due_at, path)
        )
    return steps


# --- checking records against the database ------------------------------------------------------


@dataclass
class Scope:
    """The agencies a connected system may write dossiers for: code -> (id, commune id)."""

    agencies: dict[str, tuple[int, int | None]]

    @classmethod
    def of(cls, system: ConnectedSystem) -> Scope:
        rows = Agency.objects.filter(
            Q(connected_systems=system)
            | (Q(province_id=system.province_id) if system.province_id else Q(pk__in=[]))
        ).values_list("code", "pk", "commune_id")
        return cls({code: (pk, commune) for code, pk, commune in rows})


def _versions(codes: Iterable[str]) -> dict[str, list[tuple[dt.date, dt.date | None, int]]]:
    found: dict[str, list[tuple[dt.date, dt.date | None, int]]] = {}
    rows = ProcedureVersion.objects.filter(
        procedure__code__in=list(codes), is_published=True
    ).values_list("procedure__code", "effective_from", "effective_to", "pk")
    for code, start, end, pk in rows:
        found.setdefault(code, []).append((start, end, pk))
    return found


def _version_on(versions: list[tuple[dt.date, dt.date | None, int]], day: dt.date) -> int | None:
    best: tuple[dt.date, int] | None = None
    for start, end, pk in versions:
        if start <= day and (end is None or day <= end) and (best is None or start > best[0]):
            best = (start, pk)
    if best is None and versions:  # received before the first version in force: the oldest
        return min(versions)[2]
    return best[1] if best else None


@dataclass
class Plan:
    """Records that passed every check, ready to write, and the outcomes of all."""

    items: list[transitions.SyncedDossier]
    outcomes: list[Outcome]
    accepted: list[Outcome]


def check_records(
    raw_records: list[Any],
    *,
    system: ConnectedSystem,
    now: dt.datetime,
    lock: bool = False,
    storable: bool = False,
) -> Plan:
    """Check every record (nothing is written). With `lock`, the existing dossiers are locked
    (inside the caller's transaction), for `ingest` to write what passed. `storable`: the
    records come from a text `loads_batch` found free of unstorable values."""
    outcomes: list[Outcome] = []
    records: list[Record] = []
    latest = now + dt.timedelta(seconds=future_skew_seconds())
    for index, raw in enumerate(raw_records):
        record, problems = parse_record(index, raw, now=now, storable=storable, latest=latest)
        code = raw.get("code") if isinstance(raw, Mapping) else None
        outcome = Outcome(
            index=index,
            code=code[:40] if isinstance(code, str) and _encodable(code) else "",
        )
        outcomes.append(outcome)
        if record is None:
            outcome.errors = problems
        else:
            outcome.code = record.code
            records.append(record)
    codes = [r.code for r in records]
    if lock:
        existing = transitions.lock_codes(codes)
    else:
        existing = {d.code: d for d in Dossier.objects.filter(code__in=codes)}
    scope = Scope.of(system)
    versions = _versions(
        {str(r.raw["procedure_code"]).strip() for r in records if r.raw.get("procedure_code")}
    )
    known_steps = _known_steps([existing[r.code].pk for r in records if r.code in existing])
    items: list[transitions.SyncedDossier] = []
    accepted: list[Outcome] = []
    seen_codes: set[str] = set()
    realtime = realtime_seconds()
    zone = timezone.get_current_timezone()  # once, not once a record (a context variable)
    for record in records:
        outcome = outcomes[record.index]
        if record.code in seen_codes:
            outcome.errors = [
                Problem(
                    f"records[{record.index}].code",
                    "duplicate",
                    _("This batch has another record with this code."),
                )
            ]
            continue
        seen_codes.add(record.code)
        dossier = existing.get(record.code)
        item, problems = _plan(
            record,
            dossier,
            system=system,
            scope=scope,
            versions=versions,
            known=known_steps.get(dossier.pk, []) if dossier is not None else [],
            now=now,
            realtime=realtime,
            zone=zone,
        )
        if problems:
            outcome.errors = problems
            continue
        assert item is not None  # noqa: S101  (no problem: a plan)
        outcome.accepted = True
        outcome.created = dossier is None
        outcome.steps_added = len(item.steps)
        outcome.steps_unchanged = len(record.steps) - len(item.steps)
        items.append(item)
        accepted.append(outcome)
    return Plan(items=items, outcomes=outcomes, accepted=accepted)


@dataclass
class KnownStep:
    pk: int
    external_id: str
    at: dt.datetime
    status: int
    from_status: int | None
    arrived_at: dt.datetime | None = None


def _known_steps(dossier_ids: list[int]) -> dict[int, list[KnownStep]]:
    found: dict[int, list[KnownStep]] = {}
    if not dossier_ids:
        return found
    rows = (
        DossierEvent.objects.filter(dossier_id__in=dossier_ids)
        .exclude(external_id="")
        .values_list(
            "dossier_id", "pk", "external_id", "at", "to_status", "from_status", "arrived_at"
        )
    )
    for dossier_id, pk, external_id, at, status, before, arrived_at in rows:
        found.setdefault(dossier_id, []).append(
            KnownStep(pk, external_id, at, int(status or 0), before, arrived_at)
        )
    return found


def _plan(
    record: Record,
    dossier: Dossier | None,
    *,
    system: ConnectedSystem,
    scope: Scope,
    versions: dict[str, list[tuple[dt.date, dt.date | None, int]]],
    known: list[KnownStep],
    now: dt.datetime,
    realtime: int,
    zone: dt.tzinfo,
) -> tuple[transitions.SyncedDossier | None, list[Problem]]:
    base = f"records[{record.index}]"
    raw = record.raw
    problems: list[Problem] = []
    if dossier is not None and dossier.source_system != system.code:
        if dossier.source_system:
            problems.append(
                Problem(
                    f"{base}.code",
                    "code_of_another_system",
                    _("Another connected system synchronises this dossier."),
                )
            )
        else:
            problems.append(
                Problem(
                    f"{base}.code",
                    "code_of_portal",
                    _("This code is a dossier of the portal's own."),
                )
            )
        return None, problems
    creating = dossier is None
    if creating:
        for name in ("procedure_code", "agency_code", "received_at", "applicant"):
            if raw.get(name) in (None, ""):
                problems.append(
                    Problem(
                        f"{base}.{name}",
                        "required",
                        _("This field is required to create a dossier."),
                    )
                )
        if problems:
            return None, problems
    fields: dict[str, Any] = {}
    agency_code = raw.get("agency_code")
    agency: tuple[int, int | None] | None = None
    if agency_code:
        agency = scope.agencies.get(str(agency_code).strip())
        if agency is None:
            rule = (
                "agency_out_of_scope"
                if Agency.objects.filter(code=str(agency_code).strip()).exists()
                else "unknown_agency"
            )
            message = (
                _("This system does not serve this agency.")
                if rule == "agency_out_of_scope"
                else _("No agency has this code.")
            )
            problems.append(Problem(f"{base}.agency_code", rule, message))
        else:
            fields.update(
                receiving_agency_id=agency[0],
                competent_agency_id=agency[0],
                target_agency_id=agency[0],
                commune_id=agency[1],
            )
    elif dossier is not None and dossier.competent_agency_id not in {
        pk for pk, _commune in scope.agencies.values()
    }:
        problems.append(
            Problem(
                f"{base}.agency_code",
                "agency_out_of_scope",
                _("This system does not serve this agency."),
            )
        )
    received_at = record.received_at or (dossier.received_at if dossier else None)
    procedure_code = raw.get("procedure_code")
    if procedure_code:
        options = versions.get(str(procedure_code).strip())
        version = (
            _version_on(options, timezone.localdate(received_at, zone))
            if options and received_at
            else None
        )
        if version is None:
            problems.append(
                Problem(
                    f"{base}.procedure_code",
                    "unknown_procedure",
                    _("No published procedure has this code."),
                )
            )
        else:
            fields["procedure_version_id"] = version
    if record.received_at is not None and dossier is not None:
        for known_step in known:
            if known_step.at < record.received_at:
                problems.append(
                    Problem(
                        f"{base}.received_at",
                        "date_after_steps",
                        _("Steps already synchronised are before this time."),
                    )
                )
                break
    step_agencies: dict[str, int] = {}
    for step in record.steps:
        if received_at is not None and step.at < received_at:
            problems.append(
                Problem(
                    f"{step.path}.at", "date_before_reception", _("This is before the reception.")
                )
            )
        if step.agency_code:
            found = scope.agencies.get(step.agency_code)
            if found is None:
                problems.append(
                    Problem(
                        f"{step.path}.agency_code",
                        "agency_out_of_scope",
                        _("This system does not serve this agency."),
                    )
                )
            else:
                step_agencies[step.agency_code] = found[0]
    if problems:
        return None, problems

    # the steps: the same again is skipped; the whole chain, in time order, must be allowed
    known_by_id = {k.external_id: k for k in known}
    new_steps: list[Step] = []
    for step in record.steps:
        seen = known_by_id.get(step.external_id)
        if seen is None:
            new_steps.append(step)
        elif seen.at != step.at or seen.status != step.status:
            problems.append(
                Problem(
                    f"{step.path}.id",
                    "step_changed",
                    _(
                        "A step with this id was synchronised with another time "
                        "or status; a step is never changed, send a new one."
                    ),
                )
            )
    if problems:
        return None, problems
    if dossier is not None and not record.steps:
        return _plan_without_steps(record, dossier, fields, system=system)
    chain: list[tuple[dt.datetime, str, int, KnownStep | Step]] = [
        (k.at, k.external_id, k.status, k) for k in known
    ] + [(s.at, s.external_id, s.status, s) for s in new_steps]
    chain.sort(key=lambda entry: (entry[0], entry[1]))
    initial: int | None
    if dossier is not None:
        initial = (dossier.data.get("sync") or {}).get("initial_status")
    else:
        initial = record.status if not record.steps else None
    statuses = ([initial] if initial else []) + [entry[2] for entry in chain]
    if not statuses:
        problems.append(
            Problem(f"{base}.status", "required", _("Give the dossier's status, or its steps."))
        )
        return None, problems
    bad = transitions.synced_chain_error(statuses)
    if bad is not None:
        offset = 1 if initial else 0
        culprit = chain[bad - offset][3]
        before = Status(statuses[bad - 1])
        after = Status(statuses[bad])
        path = culprit.path if isinstance(culprit, Step) else f"{base}.steps"
        problems.append(
            Problem(
                f"{path}.status" if isinstance(culprit, Step) else path,
                "transition_forbidden",
                _("A dossier cannot go from %(before)s (%(b)s) to %(after)s (%(a)s).")
                % {"before": before.label, "b": int(before), "after": after.label, "a": int(after)},
            )
        )
        return None, problems
    current = statuses[-1]
    if record.status is not None and record.status != current:
        problems.append(
            Problem(
                f"{base}.status",
                "status_without_step",
                _(
                    "The status differs from the last step's: report a change "
                    "of status as a step, with its time."
                ),
            )
        )
        return None, problems

    # the timeline entries: status before each new step; the known ones after a late step
    previous: int | None = initial
    new_entries: list[transitions.SyncedStep] = []
    relink: dict[int, int | None] = {}
    for _at, _id, status, entry in chain:
        status_before = previous  # None: the first status of the chain (no status before it)
        if isinstance(entry, Step):
            new_entries.append(
                transitions.SyncedStep(
                    external_id=entry.external_id,
                    at=entry.at,
                    status=status,
                    from_status=status_before,
                    note=entry.note,
                    role=entry.role,
                    agency_id=step_agencies.get(entry.agency_code) if entry.agency_code else None,
                    step_due_at=entry.due_at,
                )
            )
        elif entry.from_status != status_before:
            relink[entry.pk] = status_before
        previous = status

    # a step (or, for a new dossier, its reception) older than the threshold on arrival
    oldest = now - dt.timedelta(seconds=realtime)
    late = any(s.at < oldest for s in new_steps) or (
        creating and record.received_at is not None and record.received_at < oldest
    )
    threshold = dt.timedelta(seconds=realtime)
    # late is for good, also when the silence sweep failed the dossier in between
    was_late = dossier is not None and (
        dossier.sync_status == SyncStatus.LATE
        or any(k.arrived_at is not None and k.arrived_at - k.at > threshold for k in known)
        or (
            dossier.received_at is not None
            and dossier.created_at is not None
            and dossier.created_at - dossier.received_at > threshold
        )
    )
    if was_late:
        sync_status = SyncStatus.LATE
    else:
        sync_status = SyncStatus.LATE if late else SyncStatus.SYNCED

    _fill_fields(fields, record, dossier, chain=chain, system=system)
    if (problem := _payment_problem(fields, dossier, base)) is not None:
        return None, [problem]
    if creating:
        fields["data"] = {"sync": _sync_data(raw, initial)}
    elif any(k in raw for k in ("documents", "fees", "paid_online", "identity_verified")):
        data = dict(dossier.data if dossier else {})
        data["sync"] = {**(data.get("sync") or {}), **_sync_data(raw, initial)}
        fields["data"] = data
    return transitions.SyncedDossier(
        fields=fields,
        status=current,
        sync_status=sync_status,
        dossier=dossier,
        steps=new_entries,
        relink=relink,
    ), []


def _plan_without_steps(
    record: Record, dossier: Dossier, fields: dict[str, Any], *, system: ConnectedSystem
) -> tuple[transitions.SyncedDossier | None, list[Problem]]:
    """A record that only updates a known dossier's data (no step): its status stays."""
    if record.status is not None and record.status != dossier.status:
        return None, [
            Problem(
                f"records[{record.index}].status",
                "status_without_step",
                _(
                    "The status differs from the last step's: report a change "
                    "of status as a step, with its time."
                ),
            )
        ]
    _fill_fields(fields, record, dossier, chain=[], system=system)
    if (problem := _payment_problem(fields, dossier, f"records[{record.index}]")) is not None:
        return None, [problem]
    raw = record.raw
    if any(k in raw for k in ("documents", "fees", "paid_online", "identity_verified")):
        data = dict(dossier.data)
        initial = (data.get("sync") or {}).get("initial_status")
        data["sync"] = {**(data.get("sync") or {}), **_sync_data(raw, initial)}
        fields["data"] = data
    return transitions.SyncedDossier(
        fields=fields, status=dossier.status, sync_status=dossier.sync_status, dossier=dossier
    ), []


def _payment_problem(
    fields: Mapping[str, Any], dossier: Dossier | None, base: str
) -> Problem | None:
    """A payment status the fees and `paid_online` lead to that the payment table forbids
    from the dossier's (paid -> no fee required): the record's error, not the batch's 500."""
    target = fields.get("payment_status")
    if dossier is None or target is None:
        return None
    current = PaymentStatus(dossier.payment_status)
    if PaymentStatus(target) in payment_states.TRANSITIONS.get(current, frozenset()):
        return None
    return Problem(
        f"{base}.fees",
        "payment_forbidden",
        _("The payment cannot go from %(before)s to %(after)s.")
        % {"before": current.label, "after": PaymentStatus(target).label},
    )


def _sync_data(raw: Mapping[str, Any], initial: int | None) -> dict[str, Any]:
    """What the portal keeps of the message beyond its columns."""
    kept: dict[str, Any] = {"initial_status": initial}
    for name in ("documents", "fees", "paid_online", "identity_verified"):
        if name in raw:
            kept[name] = raw[name]
    return kept


def _fill_fields(
    fields: dict[str, Any],
    record: Record,
    dossier: Dossier | None,
    *,
    chain: list[tuple[dt.datetime, str, int, Any]],
    system: ConnectedSystem,
) -> None:
    raw = record.raw
    applicant = raw.get("applicant")
    if isinstance(applicant, Mapping):
        fields["applicant_name"] = str(applicant["name"]).strip()
        fields["applicant_personal_id"] = str(
            applicant.get("personal_id") or applicant.get("tax_code") or ""
        ).strip()
        fields["applicant_phone"] = str(applicant.get("phone") or "").strip()
        fields["applicant_email"] = str(applicant.get("email") or "").strip()
    if raw.get("subject_name"):
        fields["subject_name"] = str(raw["subject_name"]).strip()
    if record.channel is not None:
        fields["channel"] = record.channel
    if record.received_at is not None:
        fields["received_at"] = record.received_at
        if dossier is None:
            fields["submitted_at"] = record.received_at
    if record.due_at is not None:
        fields["due_at"] = record.due_at
    if dossier is None:
        fields["code"] = record.code
        fields["source_system"] = system.code
        fields.setdefault("channel", ChannelKind.IN_PERSON)
        fields["language"] = "vi"
    processed = next((at for at, _i, s, _e in chain if s == Status.RESULT_READY), None)
    returned = next((at for at, _i, s, _e in chain if s == Status.RETURNED), None)
    if processed is not None:
        fields["processed_at"] = processed
    if returned is not None:
        fields["returned_at"] = returned
        fields.setdefault("processed_at", processed or returned)
    if chain:
        last = chain[-1][3]
        if isinstance(last, Step) and last.due_at is not None:
            fields["step_due_at"] = last.due_at
    if "documents" in raw and any(
        isinstance(d, Mapping) and d.get("from_national_database") for d in raw["documents"]
    ):
        fields["prefilled_from"] = ["national_database"]
    if "fees" in raw or "paid_online" in raw:
        has_fee = any(isinstance(f, Mapping) and f.get("amount") for f in raw.get("fees") or [])
        if dossier is None or has_fee or "fees" in raw:
            if not has_fee:
                target = PaymentStatus.NOT_REQUIRED
            elif raw.get("paid_online"):
                target = PaymentStatus.PAID
            else:
                target = PaymentStatus.UNPAID
            if dossier is None or dossier.payment_status != target:
                fields["payment_status"] = target
        elif raw.get("paid_online") is True and dossier.payment_status == PaymentStatus.UNPAID:
            # the fees already known were paid online
            fields["payment_status"] = PaymentStatus.PAID


# --- writing ------------------------------------------------------------------------------------


class BatchTooLarge(ValueError):
    pass


def ingest(
    raw_records: list[Any],
    *,
    system: ConnectedSystem,
    now: dt.datetime | None = None,
    ip_address: str | None = None,
    storable: bool = False,
) -> list[Outcome]:
    """Check and write a batch: the accepted records in one transaction, each refused record
    audited with its errors. Two batches with a new code in common, at the same moment:
    the second one's insert fails, and it is checked again once (the code now exists).
    `storable`: as for `check_records`."""
    if len(raw_records) > MAX_RECORDS:
        raise BatchTooLarge(MAX_RECORDS)
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                plan = check_records(
                    raw_records,
                    system=system,
                    now=now or timezone.now(),
                    lock=True,
                    storable=storable,
                )
                if plan.items:
                    transitions.write_synchronised(plan.items, arrived_at=now or timezone.now())
                _audit(plan, system=system, ip_address=ip_address)
                ConnectedSystem.objects.filter(pk=system.pk).update(
                    last_seen_at=now or timezone.now()
                )
            return plan.outcomes
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _audit(plan: Plan, *, system: ConnectedSystem, ip_address: str | None) -> None:
    audit_record(
        actor=None,
        action="interop.sync.batch",
        object_type="interop.connectedsystem",
        object_id=str(system.pk),
        reason="connected system",
        ip_address=ip_address,
        details={
            "system": system.code,
            "records": len(plan.outcomes),
            "accepted": len(plan.accepted),
            "refused": len(plan.outcomes) - len(plan.accepted),
            "steps_added": sum(o.steps_added for o in plan.accepted),
        },
    )
    for outcome in plan.outcomes:
        if not outcome.accepted:
            audit_record(
                actor=None,
                action="interop.sync.refused",
                object_type="dossiers.dossier",
                object_id=outcome.code,
                reason="connected system",
                ip_address=ip_address,
                details={
                    "system": system.code,
                    "index": outcome.index,
                    "errors": [p.as_dict() for p in outcome.errors[:20]],
                },
            )


def audit_refused_request(
    *, system_code: str, reason: str, ip_address: str | None, details: dict[str, Any]
) -> None:
    """A request refused as a whole (signature, size, JSON): one audit row."""
    audit_record(
        actor=None,
        action="interop.sync.request_refused",
        object_type="interop.connectedsystem",
        object_id=system_code[:64],
        reason=reason[:200],
        ip_address=ip_address,
        details=details,
    )

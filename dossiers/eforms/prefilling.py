"""Declarative prefill: a definition's `subjects` say whose record comes from which source; its
fields say which attribute fills them. Records are fetched in parallel (rounds only where one
subject's id comes from another's record), once per draft."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from django.conf import settings

from portal.models import User
from prefill.registry import registry as source_registry
from prefill.services import Lookup, prefill_fetch_many
from procedures.models import ProcedureVersion

from .base import PrefillContext
from .conditions import answer_at
from .reading import address_text

if TYPE_CHECKING:
    from .engine import DataForm


def _user_record(user: User) -> dict[str, Any]:
    return {
        "email": user.email or "",
        "phone": getattr(user, "phone", "") or "",
        "full_name": getattr(user, "full_name", "") or "",
        "personal_id": user.personal_id or "",
        "verified": False,  # the account's contact details are the person's to change
    }


def _used_subjects(form: DataForm) -> set[str]:
    """Subjects some field reads, and the subjects they are picked from or derived from."""
    subjects = form.raw.get("subjects", {})
    wanted: set[str] = set()
    for step in form.raw["steps"]:
        if step.get("prefill"):
            wanted.add(step["prefill"]["subject"])
        for spec in step.get("fields", []):
            if spec.get("prefill"):
                wanted.add(spec["prefill"]["subject"])
    pending = list(wanted)
    while pending:
        name = pending.pop()
        subject = subjects.get(name) or {}
        more = [p["subject"] for p in subject.get("pick", [])]
        more += [key.split(".")[0] for p in subject.get("pick", []) for key in p.get("when", {})]
        if "id" in subject:
            more.append(subject["id"].split(".")[0])
        for other in more:
            if other not in wanted:
                wanted.add(other)
                pending.append(other)
    return wanted


def _format_address(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value or "")
    return address_text(value.get("commune_code"), detail=value.get("detail", ""))


def _format(value: Any, fmt: str | None) -> Any:
    if fmt == "address":
        return _format_address(value)
    if fmt == "list" and isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value if not isinstance(v, dict | list))
    if isinstance(value, dict | list):
        return ""
    return "" if value is None else value


def resolve_prefill(form: DataForm, *, user: User, version: ProcedureVersion) -> PrefillContext:
    context = PrefillContext()
    subjects: dict[str, dict[str, Any]] = form.raw.get("subjects", {})
    records: dict[str, dict[str, Any] | None] = {"user": _user_record(user)}
    record_source: dict[str, str] = {"user": "user"}
    wanted = _used_subjects(form)
    purpose = f"{version.procedure.code} {version.procedure.name}"
    unavailable: set[str] = set()

    lookups_needed = {
        name: spec for name, spec in subjects.items() if "source" in spec and name in wanted
    }
    store_owner = user.personal_id if form.wants_store(version) else ""
    first_round = True
    started = time.monotonic()
    budget = float(settings.PREFILL_TIMEOUT_SECONDS)
    while lookups_needed or (first_round and store_owner):
        batch: dict[str, Lookup] = {}
        for name, spec in list(lookups_needed.items()):
            root = spec["id"].split(".")[0]
            if root not in records:
                if root not in subjects:
                    lookups_needed.pop(name)  # validation prevents this; never loop on it
                continue
            subject_id = answer_at(records, spec["id"])
            lookups_needed.pop(name)
            if not subject_id:
                records[name] = None
                continue
            batch[name] = Lookup(spec["source"], str(subject_id))
        store_lookup = Lookup("documents", store_owner) if first_round and store_owner else None
        first_round = False
        if not batch and store_lookup is None:
            break
        lookups = list(batch.values()) + ([store_lookup] if store_lookup else [])
        # one budget for the page: a second round (a spouse found in the first record) gets
        # only what the first left, so a page never waits longer than the slowest timeout
        remaining = budget - (time.monotonic() - started)
        results = prefill_fetch_many(
            actor=user, lookups=lookups, purpose=purpose, timeout=remaining
        )
        for name, lookup in batch.items():
            result = results[lookup]
            if result.unavailable:
                unavailable.add(lookup.source)
                records[name] = None
            else:
                records[name] = result.record
                record_source[name] = lookup.source
        if store_lookup is not None:
            result = results[store_lookup]
            if result.unavailable:
                unavailable.add("documents")
            elif result.record:
                context.store = list(result.record.get("documents", []))
        # subjects that wait for a record that will never come
        for name, spec in list(lookups_needed.items()):
            root = spec["id"].split(".")[0]
            if root in records and records[root] is None:
                records[name] = None
                lookups_needed.pop(name)

    # picked subjects: the first candidate whose condition holds
    for name, spec in subjects.items():
        if "pick" not in spec or name not in wanted:
            continue
        records[name] = None
        for candidate in spec["pick"]:
            when = candidate.get("when", {})
            if all(answer_at(records, key) == value for key, value in when.items()):
                records[name] = records.get(candidate["subject"])
                record_source[name] = record_source.get(candidate["subject"], "")
                break

    used: set[str] = set()

    def fill(step: str, field: str, spec: dict[str, Any]) -> None:
        record = records.get(spec["subject"])
        if not record:
            return
        value = answer_at(record, spec["attribute"])
        if spec.get("map"):
            value = spec["map"].get(str(value), None if value is None else "")
        value = _format(value, spec.get("format"))
        if value in (None, ""):
            return
        context.initial.setdefault(step, {})[field] = value
        source_key = record_source.get(spec["subject"], "")
        if source_key and source_key != "user":
            source = source_registry.get(source_key)
            context.sources.setdefault(step, {})[field] = str(source.label)
            used.add(source_key)
            if spec.get("lock") and record.get("verified", True):
                context.locked.setdefault(step, {})[field] = str(value)
                context.locked_sources.setdefault(step, {})[field] = str(
                    getattr(source, "name", "") or source.label
                )

    for step in form.raw["steps"]:
        kind = step.get("kind", "fields")
        if kind == "fields":
            for spec in step["fields"]:
                if spec.get("prefill"):
                    fill(step["name"], spec["name"], spec["prefill"])
        elif kind == "address" and step.get("prefill"):
            record = records.get(step["prefill"]["subject"])
            address = answer_at(record or {}, step["prefill"]["attribute"])
            # "part": "province" gives the province only (a likely default, not the answer)
            province_only = step["prefill"].get("part") == "province"
            if isinstance(address, dict) and address.get("commune_code"):
                context.initial[step["province_step"]] = {"province": address.get("province_code")}
                if not province_only:
                    commune_initial = {"commune": address.get("commune_code")}
                    if step.get("detail"):
                        commune_initial[step["detail"]["name"]] = address.get("detail", "")
                    context.initial[step["commune_step"]] = commune_initial
                source_key = record_source.get(step["prefill"]["subject"], "")
                if source_key and source_key != "user":
                    label = str(source_registry.get(source_key).label)
                    context.sources.setdefault(step["province_step"], {})["province"] = label
                    if not province_only:
                        context.sources.setdefault(step["commune_step"], {})["commune"] = label
                    used.add(source_key)
    context.unavailable = sorted(unavailable)
    context.used = sorted(used)
    return context

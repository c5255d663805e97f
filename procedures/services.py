"""Writes to the procedure catalogue."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from agencies.models import Agency, AgencyLevel

from .models import (
    Case,
    Channel,
    Component,
    Fee,
    ImplementationLevel,
    LegalBasis,
    LifeEvent,
    Procedure,
    ProcedureVersion,
    Result,
    Sector,
    Step,
)
from .search import fold_join
from .selectors import catalogue_changed, procedures_featured


class CatalogueDataError(ValueError):
    """A procedure data file refers to something that does not exist."""


DATA_DIR = Path(__file__).resolve().parent / "data"
#: procedures/data/<code>-<slug>.json, one procedure each (other files, like schema.json, are not)
DATA_FILE_NAME = re.compile(r"^[0-9]\.[0-9]{6}-[\w-]+\.json$")


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _replace_version_children(version: ProcedureVersion, data: dict[str, Any]) -> None:
    version.levels.all().delete()
    version.channels.all().delete()
    version.cases.all().delete()
    version.steps.all().delete()
    version.results.all().delete()
    version.legal_bases.all().delete()
    ImplementationLevel.objects.bulk_create(
        # with competent_agency_number / competent_agency_code when the data has them
        ImplementationLevel(version=version, **level)
        for level in data.get("levels", [])
    )
    for channel_data in data.get("channels", []):
        fees = channel_data.get("fees", [])
        channel = Channel.objects.create(
            version=version,
            kind=channel_data["kind"],
            time_limit=Decimal(channel_data["time_limit"]),
            time_unit=channel_data["time_unit"],
            time_note=channel_data.get("time_note", ""),
            time_note_en=channel_data.get("time_note_en", ""),
        )
        Fee.objects.bulk_create(
            Fee(
                channel=channel,
                code=fee["code"],
                amount=Decimal(fee["amount"]),
                unit=fee.get("unit", "VND"),
                description=fee["description"],
                description_en=fee.get("description_en", ""),
            )
            for fee in fees
        )
    for case_data in data.get("cases", []):
        case = Case.objects.create(
            version=version,
            code=case_data["code"],
            name=case_data["name"],
            name_en=case_data.get("name_en", ""),
        )
        Component.objects.bulk_create(
            Component(case=case, **component) for component in case_data.get("components", [])
        )
    Step.objects.bulk_create(
        Step(version=version, **{**step, "duration_hours": Decimal(step["duration_hours"])})
        for step in data.get("steps", [])
    )
    Result.objects.bulk_create(
        Result(version=version, **result) for result in data.get("results", [])
    )
    LegalBasis.objects.bulk_create(
        LegalBasis(
            version=version,
            number=basis["number"],
            title=basis["title"],
            title_en=basis.get("title_en", ""),
            issuer=basis["issuer"],
            issuer_en=basis.get("issuer_en", ""),
            issue_date=dt.date.fromisoformat(basis["issue_date"]),
            effective_date=_date(basis.get("effective_date")),
        )
        for basis in data.get("legal_bases", [])
    )


VERSION_FIELDS = (
    "publishing_decision",
    "description",
    "description_en",
    "conditions",
    "conditions_en",
    "online_level",
    "eligible_full_process",
    "online_payment_required",
    "e_signed_result",
    "accept_regardless_of_address",
    "proxy_allowed",
    "form_key",
    "related_codes",
    "bundle_parts",
)


def _ministry(code: str | None) -> Agency | None:
    """The managing central agency; created from agencies/data/ministries.json when the
    reference data is not loaded yet (load_reference_data fills in the rest later)."""
    if not code:
        return None
    agency = Agency.objects.filter(code=code).first()
    if agency is not None:
        return agency
    from agencies.services import central_agency_rows

    for row in central_agency_rows():
        if row["code"] == code:
            return Agency.objects.create(
                code=code,
                name=row["name"],
                name_en=row["name_en"],
                level=AgencyLevel.MINISTRY,
                kind=row["kind"],
                valid_from=row["valid_from"],
            )
    raise CatalogueDataError(f"unknown ministry code {code!r} (see agencies/data/ministries.json)")


def _life_events(slugs: list[str]) -> list[LifeEvent]:
    from .life_events import LIFE_EVENTS

    events = list(LifeEvent.objects.filter(slug__in=slugs))
    missing = set(slugs) - {event.slug for event in events}
    known = {slug: (name, name_en) for slug, name, name_en in LIFE_EVENTS}
    for slug in sorted(missing & set(known)):
        name, name_en = known[slug]
        events.append(
            LifeEvent.objects.get_or_create(slug=slug, defaults={"name": name, "name_en": name_en})[
                0
            ]
        )
    missing -= set(known)
    if missing:
        raise CatalogueDataError(f"unknown life event(s): {', '.join(sorted(missing))}")
    return events


def procedure_search_text_refresh(*, procedure: Procedure) -> None:
    """Recompute the folded search columns of one procedure (name, English name, keywords,
    sector, life events, description and results of the version in force)."""
    procedure = Procedure.objects.select_related("sector").get(pk=procedure.pk)
    version = procedure.version_in_force() or procedure.versions.order_by("-number").first()
    parts = [
        procedure.name,
        procedure.name_en,
        procedure.keywords,
        procedure.sector.name,
        procedure.sector.name_en,
    ]
    for event in procedure.life_events.all():
        parts += [event.name, event.name_en]
    if version is not None:
        parts += [version.description, version.description_en]
        for result in version.results.all():
            parts += [result.name, result.name_en]
    Procedure.objects.filter(pk=procedure.pk).update(
        search_name=fold_join([procedure.name, procedure.name_en, procedure.keywords])[:1000],
        search_text=fold_join(parts),
    )


def search_vocabulary_refresh() -> int:
    """Rebuild the vocabulary of the published catalogue (words and how many procedures use
    them), which the PostgreSQL search uses to correct typos and weigh rare words."""
    from collections import Counter

    from .models import SearchWord

    counts: Counter[str] = Counter()
    for text in Procedure.objects.filter(is_published=True).values_list("search_text", flat=True):
        counts.update({word for word in text.split() if len(word) <= 64})
    with transaction.atomic():
        SearchWord.objects.all().delete()
        SearchWord.objects.bulk_create(
            (SearchWord(word=word, documents=n) for word, n in counts.items()), batch_size=1000
        )
        transaction.on_commit(catalogue_changed)
    catalogue_changed()
    return len(counts)


@transaction.atomic
def procedure_import(
    *, data: dict[str, Any], refresh_vocabulary: bool = True
) -> tuple[Procedure, list[str]]:
    """Create or update one procedure from its reviewed data file.

    A version that dossiers already use is never rewritten: its dossiers keep what they were
    submitted under. Returns the procedure and the warnings for skipped versions.
    """
    sector_data = data["sector"]
    sector, _ = Sector.objects.update_or_create(
        code=sector_data["code"],
        defaults={"name": sector_data["name"], "name_en": sector_data.get("name_en", "")},
    )
    procedure, _ = Procedure.objects.update_or_create(
        code=data["code"],
        defaults={
            "name": data["name"],
            "name_en": data.get("name_en", ""),
            "sector": sector,
            "applicant_types": data.get("applicant_types", ["citizen"]),
            "keywords": data.get("keywords", ""),
            "is_published": data.get("is_published", True),
            "essential_service": data.get("essential_service", False),
            "ministry": _ministry(data.get("ministry")),
        },
    )
    procedure.life_events.set(_life_events(data.get("life_events", [])))
    warnings: list[str] = []
    for version_data in data["versions"]:
        defaults = {field: version_data[field] for field in VERSION_FIELDS if field in version_data}
        defaults["effective_from"] = _date(version_data["effective_from"])
        defaults["effective_to"] = _date(version_data.get("effective_to"))
        version = ProcedureVersion.objects.filter(
            procedure=procedure, number=version_data["number"]
        ).first()
        if version is not None and version.dossiers.exists():
            warnings.append(
                f"{procedure.code} v{version.number} is used by dossiers and was left unchanged"
            )
            continue
        if version is None:
            version = ProcedureVersion.objects.create(
                procedure=procedure, number=version_data["number"], **defaults
            )
        else:
            for field, value in defaults.items():
                setattr(version, field, value)
            version.save()
        _replace_version_children(version, version_data)
    procedure_search_text_refresh(procedure=procedure)
    if refresh_vocabulary:
        search_vocabulary_refresh()
    return procedure, warnings


def procedures_load(*, directory: Path = DATA_DIR) -> list[Procedure]:
    """Load every reviewed procedure file of `directory` (each file is its own transaction)."""
    loaded = []
    for path in sorted(directory.glob("*.json")):
        if not DATA_FILE_NAME.match(path.name):
            continue  # e.g. schema.json
        procedure, _ = procedure_import(
            data=json.loads(path.read_text(encoding="utf-8")), refresh_vocabulary=False
        )
        loaded.append(procedure)
    search_vocabulary_refresh()
    catalogue_analyze()
    return loaded


def catalogue_analyze() -> None:
    """Fresh planner statistics for the catalogue's tables after a bulk load (PostgreSQL).

    Autovacuum analyzes a table only after enough changes and some delay; until then the
    planner may believe a just-loaded table is empty and nest loops over thousands of rows:
    the catalogue page then took minutes instead of milliseconds (docs/benchmarks.md 8)."""
    from django.apps import apps
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    models = apps.get_app_config("procedures").get_models(include_auto_created=True)
    tables = sorted({model._meta.db_table for model in models})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


def _copy_children(source: ProcedureVersion, target: ProcedureVersion) -> None:
    def clone(obj: Any, **changes: Any) -> Any:
        obj.pk = None
        obj.id = None
        obj._state.adding = True
        for name, value in changes.items():
            setattr(obj, name, value)
        obj.save()
        return obj

    for level in source.levels.all():
        clone(level, version=target)
    for channel in source.channels.all():
        fees = list(channel.fees.all())
        new_channel = clone(channel, version=target)
        for fee in fees:
            clone(fee, channel=new_channel)
    for case in source.cases.all():
        components = list(case.components.all())
        new_case = clone(case, version=target)
        for component in components:
            clone(component, case=new_case)
    for step in source.steps.all():
        clone(step, version=target)
    for result in source.results.all():
        clone(result, version=target)
    for basis in source.legal_bases.all():
        clone(basis, version=target)


@transaction.atomic(durable=True)
def procedure_version_draft(
    *, procedure: Procedure, effective_from: dt.date, source: ProcedureVersion | None = None
) -> ProcedureVersion:
    """A new, unpublished version: a copy of `source` (the version in force by default) with
    the next number and its own effective date, for an administrator to edit and publish.
    The copied version and its dossiers are left as they are."""
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    source = (
        source or procedure.version_in_force() or procedure.versions.order_by("-number").first()
    )
    if source is None:
        raise CatalogueDataError(f"{procedure.code} has no version to copy")
    last = procedure.versions.order_by("-number").values_list("number", flat=True).first() or 0
    values = {field: getattr(source, field) for field in VERSION_FIELDS}
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=last + 1,
        effective_from=effective_from,
        effective_to=None,
        is_published=False,
        **values,
    )
    _copy_children(source, version)
    return version


@transaction.atomic(durable=True)
def procedure_version_publish(*, version: ProcedureVersion) -> ProcedureVersion:
    """Publish a version: from its effective date it is the version in force (new dossiers
    use it; dossiers already submitted keep theirs)."""
    version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
    if not version.is_published:
        version.is_published = True
        version.save(update_fields=["is_published"])
    procedure_search_text_refresh(procedure=version.procedure)
    search_vocabulary_refresh()
    return version


def procedure_usage_update(*, counts: dict[int, int]) -> int:
    """Set each procedure's dossiers of the last three months (procedure id -> count; a
    procedure not named had none); returns how many changed. The cached pages are forgotten
    only when the front page's order changes."""
    featured_before = list(procedures_featured().values_list("pk", flat=True))
    changed = 0
    with transaction.atomic():
        current = dict(Procedure.objects.values_list("pk", "recent_dossiers"))
        updates = [
            Procedure(pk=pk, recent_dossiers=counts.get(pk, 0))
            for pk, value in current.items()
            if value != counts.get(pk, 0)
        ]
        if updates:
            Procedure.objects.bulk_update(updates, ["recent_dossiers"], batch_size=500)
            changed = len(updates)
    if changed and list(procedures_featured().values_list("pk", flat=True)) != featured_before:
        catalogue_changed()
    return changed

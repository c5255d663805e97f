"""Writes to the procedure catalogue."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from .models import (
    Case,
    Channel,
    Component,
    Fee,
    ImplementationLevel,
    LegalBasis,
    Procedure,
    ProcedureVersion,
    Result,
    Sector,
    Step,
)

DATA_DIR = Path(__file__).resolve().parent / "data"


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


# Keys of the data files (contract.md) that this branch's models do not store yet.
_UNSTORED_LEVEL_KEYS = ("competent_agency_number", "competent_agency_code")


def _replace_version_children(version: ProcedureVersion, data: dict[str, Any]) -> None:
    version.levels.all().delete()
    version.channels.all().delete()
    version.cases.all().delete()
    version.steps.all().delete()
    version.results.all().delete()
    version.legal_bases.all().delete()
    ImplementationLevel.objects.bulk_create(
        ImplementationLevel(
            version=version,
            **{key: value for key, value in level.items() if key not in _UNSTORED_LEVEL_KEYS},
        )
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
            issuer=basis["issuer"],
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


@transaction.atomic
def procedure_import(*, data: dict[str, Any]) -> tuple[Procedure, list[str]]:
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
        },
    )
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
    return procedure, warnings


def procedures_load(*, directory: Path = DATA_DIR) -> list[Procedure]:
    """Load every reviewed procedure file of `directory` (each file is its own transaction)."""
    loaded = []
    for path in sorted(directory.glob("*.json")):
        if path.name == "schema.json":  # the JSON Schema of the data files, not a procedure
            continue
        procedure, _ = procedure_import(data=json.loads(path.read_text(encoding="utf-8")))
        loaded.append(procedure)
    return loaded

"""Write services of the agencies app.

``reference_data_load`` loads the administrative units and the agencies of the two-tier local
government (since 1 July 2025) and the central level:

* 34 provinces and 3,321 communes with their official codes, from the ``vietnam_provinces``
  package (province codes on 2 digits, "01"; commune codes on 5 digits, "00070");
* 17 central agencies (14 ministries + 3 ministry-level agencies) and Vietnam Social Security,
  from the reviewed file ``agencies/data/ministries.json``;
* in every province: the Provincial People's Committee, the departments listed in that file, the
  provincial police, the Public Administration Service Centre and the provincial Social Security;
* in every commune: the commune People's Committee and the commune police.

Electronic agency ids (``Agency.code``)
----------------------------------------
They follow the shape of Vietnam's agency codes (``000.00.01.H22``: level-4.level-3.level-2.
level-1 unit, the level-1 unit on the right), always match ``^[0-9A-Z.]+$`` and fit 24 chars:

=============================  ==========================  ================================
agency                         scheme                      example
=============================  ==========================  ================================
central agency                 from ministries.json        ``000.00.00.G15`` (Bộ Tư pháp)
Provincial People's Committee  ``000.00.00.H<pp>``         ``000.00.00.H01`` (Hà Nội)
provincial agency              ``000.00.<nn>.H<pp>``       ``000.00.02.H01`` (Sở Tư pháp)
commune People's Committee     ``<ccccc>.00.H<pp>``        ``00070.00.H01`` (Phường Hoàn Kiếm)
commune police                 ``<ccccc>.01.H<pp>``        ``00070.01.H01``
=============================  ==========================  ================================

``<pp>`` is the official 2-digit province code, ``<ccccc>`` the official 5-digit commune code and
``<nn>`` the number of the provincial agency in ministries.json (01-10 departments, 11 police,
20 service centre, 21 social security). The codes are derived from official codes only, so they
are unique and stable across reloads; the three-segment commune codes cannot collide with the
four-segment provincial and central ones. The H and G codes of the real national catalogue may
differ for provinces (it predates the 2025 merger): the portal's scheme is documented here and
codes can be replaced by an explicit data migration if the official ones are adopted.

The load is idempotent: rows are matched by code and only created or updated when something
differs (names, kinds, links, ``valid_from``); fields edited by administrators (address, e-mail,
``valid_to``, successor) are never overwritten, and nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Final, TypeVar

from django.db import models, transaction

from agencies.models import Agency, AgencyKind, AgencyLevel, Commune, Province
from agencies.signals import reference_data_changed

DATA_DIR: Final = Path(__file__).resolve().parent / "data"
TWO_TIER_START: Final = dt.date(2025, 7, 1)
COMMUNE_COMMITTEE_SUFFIX: Final = "00"
COMMUNE_POLICE_SUFFIX: Final = "01"

_M = TypeVar("_M", bound=models.Model)


# --- results ------------------------------------------------------------------------------------


@dataclass
class SyncCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def __iadd__(self, other: SyncCounts) -> SyncCounts:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self

    def __str__(self) -> str:
        return f"{self.total} ({self.created} created, {self.updated} updated, {self.unchanged} unchanged)"


@dataclass
class ReferenceDataResult:
    provinces: SyncCounts = field(default_factory=SyncCounts)
    communes: SyncCounts = field(default_factory=SyncCounts)
    agencies: SyncCounts = field(default_factory=SyncCounts)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in (self.provinces, self.communes, self.agencies))


# --- names --------------------------------------------------------------------------------------

DIVISION_EN: Final = {
    "tỉnh": "Province",
    "thành phố trung ương": "City",
    "xã": "Commune",
    "phường": "Ward",
    "đặc khu": "Special Zone",
}
# The word a unit's full name starts with ("Phường Hoàn Kiếm", "Thành phố Hà Nội").
DIVISION_PREFIX: Final = {
    "tỉnh": "Tỉnh",
    "thành phố trung ương": "Thành phố",
    "xã": "Xã",
    "phường": "Phường",
    "đặc khu": "Đặc khu",
}


def ascii_fold(text: str) -> str:
    """Vietnamese without diacritics: "Hoàn Kiếm" -> "Hoan Kiem", "Đà Nẵng" -> "Da Nang"."""
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def unit_full_name(name: str, division_type: str) -> str:
    """The unit's name with its type word: "Cao Bằng" (tỉnh) -> "Tỉnh Cao Bằng"."""
    prefix = DIVISION_PREFIX[division_type]
    if name.casefold().startswith(prefix.casefold() + " "):
        return prefix + name[len(prefix) :]
    return f"{prefix} {name}"


def unit_english_name(name: str, division_type: str) -> str:
    """ "Phường Hoàn Kiếm" -> "Hoan Kiem Ward"; "Thành phố Hà Nội" -> "Ha Noi City"."""
    prefix = DIVISION_PREFIX[division_type]
    bare = name[len(prefix) + 1 :] if name.casefold().startswith(prefix.casefold() + " ") else name
    return f"{ascii_fold(bare)} {DIVISION_EN[division_type]}"


# --- codes --------------------------------------------------------------------------------------


def province_code(code: int) -> str:
    return f"{int(code):02d}"


def commune_code(code: int) -> str:
    return f"{int(code):05d}"


def province_committee_code(province: str) -> str:
    return f"000.00.00.H{province}"


def province_agency_code(province: str, number: str) -> str:
    return f"000.00.{number}.H{province}"


def commune_agency_code(commune: str, province: str, suffix: str) -> str:
    return f"{commune}.{suffix}.H{province}"


# --- source data --------------------------------------------------------------------------------


@cache
def central_data() -> dict[str, Any]:
    """The reviewed central-agency and provincial-agency data (ministries.json)."""
    with (DATA_DIR / "ministries.json").open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def province_rows() -> list[dict[str, Any]]:
    from vietnam_provinces import Province as VnProvince

    return [
        {
            "code": province_code(p.code),
            "name": p.name,
            "division_type": p.division_type.value,
            "codename": p.codename,
        }
        for p in VnProvince.iter_all()
    ]


def commune_rows(province_ids: dict[str, int]) -> list[dict[str, Any]]:
    from vietnam_provinces import Ward

    return [
        {
            "code": commune_code(w.code),
            "name": w.name,
            "division_type": w.division_type.value,
            "codename": w.codename,
            "province_id": province_ids[province_code(w.province_code)],
        }
        for w in Ward.iter_all()
    ]


def _agency(
    *,
    code: str,
    name: str,
    name_en: str,
    level: int,
    kind: str,
    province_id: int | None = None,
    commune_id: int | None = None,
    parent: str | None = None,
    valid_from: dt.date | None = None,
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "name_en": name_en,
        "level": level,
        "kind": kind,
        "province_id": province_id,
        "commune_id": commune_id,
        "parent": parent,
        "valid_from": valid_from,
    }


def central_agency_rows() -> list[dict[str, Any]]:
    return [
        _agency(
            code=item["code"],
            name=item["name"],
            name_en=item["name_en"],
            level=AgencyLevel.MINISTRY,
            kind=AgencyKind(item["kind"]),
            parent=item.get("parent"),
            valid_from=_date(item.get("valid_from")),
        )
        for item in central_data()["agencies"]
    ]


def province_agency_rows(provinces: Iterable[Province]) -> list[dict[str, Any]]:
    items = central_data()["province_agencies"]["items"]
    rows = []
    for province in provinces:
        unit = unit_full_name(province.name, province.division_type)
        unit_en = unit_english_name(province.name, province.division_type)
        committee = province_committee_code(province.code)
        rows.append(
            _agency(
                code=committee,
                name=f"Ủy ban nhân dân {unit}",
                name_en=f"People's Committee of {unit_en}",
                level=AgencyLevel.PROVINCE,
                kind=AgencyKind.PROVINCE_COMMITTEE,
                province_id=province.pk,
                valid_from=TWO_TIER_START,
            )
        )
        for item in items:
            rows.append(
                _agency(
                    code=province_agency_code(province.code, item["number"]),
                    name=item["name"].format(unit=unit),
                    name_en=item["name_en"].format(unit_en=unit_en),
                    level=AgencyLevel.PROVINCE,
                    kind=AgencyKind(item["kind"]),
                    province_id=province.pk,
                    parent=item.get("parent", committee),
                    valid_from=TWO_TIER_START,
                )
            )
    return rows


def commune_agency_rows(communes: Iterable[Commune], police_number: str) -> list[dict[str, Any]]:
    rows = []
    for commune in communes:
        province = commune.province
        unit = unit_full_name(commune.name, commune.division_type)
        unit_en = unit_english_name(commune.name, commune.division_type)
        for suffix, name, name_en, kind, parent in (
            (
                COMMUNE_COMMITTEE_SUFFIX,
                f"Ủy ban nhân dân {unit}",
                f"People's Committee of {unit_en}",
                AgencyKind.COMMUNE_COMMITTEE,
                province_committee_code(province.code),
            ),
            (
                COMMUNE_POLICE_SUFFIX,
                f"Công an {unit}",
                f"{unit_en} Police",
                AgencyKind.COMMUNE_POLICE,
                province_agency_code(province.code, police_number),
            ),
        ):
            rows.append(
                _agency(
                    code=commune_agency_code(commune.code, province.code, suffix),
                    name=name,
                    name_en=name_en,
                    level=AgencyLevel.COMMUNE,
                    kind=kind,
                    province_id=province.pk,
                    commune_id=commune.pk,
                    parent=parent,
                    valid_from=TWO_TIER_START,
                )
            )
    return rows


# --- synchronisation ----------------------------------------------------------------------------


def _sync(
    model: type[_M], rows: Sequence[dict[str, Any]], fields: Sequence[str], batch_size: int
) -> SyncCounts:
    """Create missing rows and update differing ones, matched on ``code``; never delete."""
    existing: dict[str, _M] = {
        obj.code: obj  # type: ignore[attr-defined]
        for obj in model._default_manager.filter(code__in=[r["code"] for r in rows]).only(
            "pk", "code", *fields
        )
    }
    to_create: list[_M] = []
    to_update: list[_M] = []
    for row in rows:
        obj = existing.get(row["code"])
        if obj is None:
            to_create.append(model(**row))
            continue
        changed = False
        for name in fields:
            if getattr(obj, name) != row[name]:
                setattr(obj, name, row[name])
                changed = True
        if changed:
            to_update.append(obj)
    model._default_manager.bulk_create(to_create, batch_size=batch_size)
    if to_update:
        model._default_manager.bulk_update(to_update, list(fields), batch_size=batch_size)
    return SyncCounts(
        created=len(to_create),
        updated=len(to_update),
        unchanged=len(rows) - len(to_create) - len(to_update),
    )


AGENCY_FIELDS: Final = (
    "name",
    "name_en",
    "level",
    "kind",
    "province_id",
    "commune_id",
    "parent_id",
    "valid_from",
)


def _sync_agencies(rows: Sequence[dict[str, Any]], batch_size: int) -> SyncCounts:
    """Sync agencies whose parents (given by code in ``parent``) already exist."""
    parent_codes = {r["parent"] for r in rows if r["parent"]}
    parent_ids = dict(Agency.objects.filter(code__in=parent_codes).values_list("code", "pk"))
    missing = parent_codes - parent_ids.keys()
    if missing:
        raise ValueError(f"Unknown parent agency codes: {sorted(missing)}")
    resolved = []
    for row in rows:
        data = {k: v for k, v in row.items() if k != "parent"}
        data["parent_id"] = parent_ids[row["parent"]] if row["parent"] else None
        resolved.append(data)
    counts = SyncCounts()
    # Chunks keep the IN (...) lists below every database's parameter limit.
    for start in range(0, len(resolved), 2000):
        counts += _sync(Agency, resolved[start : start + 2000], AGENCY_FIELDS, batch_size)
    return counts


def reference_data_load(*, batch_size: int = 500) -> ReferenceDataResult:
    """Load or refresh provinces, communes and their agencies, in one transaction.

    Idempotent: a second run creates and updates nothing. Returns the counts per model.
    """
    started = time.monotonic()
    result = ReferenceDataResult()
    with transaction.atomic(durable=True):
        result.provinces = _sync(
            Province, province_rows(), ("name", "division_type", "codename"), batch_size
        )
        province_ids = dict(Province.objects.values_list("code", "pk"))
        rows = commune_rows(province_ids)
        for start in range(0, len(rows), 2000):
            result.communes += _sync(
                Commune,
                rows[start : start + 2000],
                ("name", "division_type", "codename", "province_id"),
                batch_size,
            )

        central = central_agency_rows()
        provinces = list(Province.objects.filter(code__in=province_ids))
        communes = list(
            Commune.objects.filter(code__in=[r["code"] for r in rows]).select_related("province")
        )
        police = next(
            item["number"]
            for item in central_data()["province_agencies"]["items"]
            if item.get("role") == "police"
        )
        provincial = province_agency_rows(provinces)
        # In waves, so that every parent exists before its children.
        for wave in (
            [r for r in central if not r["parent"]],
            [r for r in central if r["parent"]],
            [r for r in provincial if not r["parent"]],
            [r for r in provincial if r["parent"]],
            commune_agency_rows(communes, police),
        ):
            result.agencies += _sync_agencies(wave, batch_size)
    reference_data_changed.send(sender=Agency)
    result.seconds = time.monotonic() - started
    return result

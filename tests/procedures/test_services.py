"""The loader: the contract's keys, idempotence, versions used by dossiers left alone."""

from __future__ import annotations

import copy
import json

import pytest

from agencies.models import Agency, AgencyKind, AgencyLevel
from procedures.models import ImplementationLevel, Procedure, SearchWord
from procedures.services import (
    DATA_DIR,
    CatalogueDataError,
    procedure_import,
    procedures_load,
)


@pytest.fixture
def birth_data() -> dict:
    data = json.loads((DATA_DIR / "1.001193-birth-registration.json").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["life_events"] = ["having_a_baby"]
    data["essential_service"] = True
    data["ministry"] = "000.00.00.G15"
    data["versions"][0]["levels"].append(
        {
            "level": 1,
            "implementing_agency": "Sở Tư pháp",
            "competent_agency_kind": "province_department",
            "competent_agency": "Sở Tư pháp",
            "competent_agency_number": "02",
        }
    )
    return data


@pytest.mark.django_db
def test_import_stores_the_contract_keys_and_the_folded_search_text(birth_data):
    procedure, warnings = procedure_import(data=birth_data)
    assert warnings == []
    assert procedure.essential_service is True
    assert [event.slug for event in procedure.life_events.all()] == ["having_a_baby"]
    # the ministry is created from agencies/data/ministries.json when not loaded yet
    assert procedure.ministry.code == "000.00.00.G15"
    assert procedure.ministry.level == AgencyLevel.MINISTRY
    assert procedure.ministry.kind == AgencyKind.MINISTRY
    level = ImplementationLevel.objects.get(version__procedure=procedure, level=1)
    assert level.competent_agency_number == "02"
    procedure.refresh_from_db()
    assert procedure.search_name.startswith("dang ki khai sinh birth registration")
    assert "ho tich" in procedure.search_text  # the sector
    assert "sinh con having a babi" in procedure.search_text  # the life event, both languages
    assert SearchWord.objects.get(word="khai").documents == 1


@pytest.mark.django_db
def test_import_is_idempotent(birth_data):
    procedure_import(data=birth_data)
    procedure_import(data=birth_data)
    assert Procedure.objects.count() == 1
    assert Agency.objects.filter(code="000.00.00.G15").count() == 1
    version = Procedure.objects.get().versions.get()
    assert version.levels.count() == 2
    assert version.channels.count() == 3


@pytest.mark.django_db
def test_import_updates_a_version_in_place(birth_data):
    procedure, _ = procedure_import(data=birth_data)
    version_pk = procedure.versions.get().pk
    birth_data["versions"][0]["description"] = "Mô tả mới"
    procedure_import(data=birth_data)
    version = procedure.versions.get()
    assert version.pk == version_pk
    assert version.description == "Mô tả mới"
    assert "mo ta moi" in Procedure.objects.get().search_text


@pytest.mark.django_db
def test_a_version_with_dossiers_is_left_unchanged(birth_version, citizen_a, agency_hk, submit):
    dossier = submit(citizen_a)
    data = json.loads((DATA_DIR / "1.001193-birth-registration.json").read_text(encoding="utf-8"))
    data["versions"][0]["description"] = "Changed after a dossier was submitted"
    _, warnings = procedure_import(data=data)
    assert warnings == ["1.001193 v1 is used by dossiers and was left unchanged"]
    dossier.refresh_from_db()
    assert dossier.procedure_version_id == birth_version.pk
    assert dossier.procedure_version.description != "Changed after a dossier was submitted"
    assert dossier.case.components.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("life_events", ["having_a_party"], "unknown life event(s): having_a_party"),
        ("ministry", "000.00.00.G99", "unknown ministry code '000.00.00.G99'"),
    ],
)
def test_unknown_references_are_refused_with_a_clear_error(birth_data, key, value, message):
    birth_data[key] = value
    with pytest.raises(CatalogueDataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        procedure_import(data=birth_data)
    assert not Procedure.objects.exists()


@pytest.mark.django_db
def test_load_reads_only_procedure_files(tmp_path, birth_data):
    (tmp_path / "1.001193-birth-registration.json").write_text(
        json.dumps(birth_data), encoding="utf-8"
    )
    (tmp_path / "schema.json").write_text("{}", encoding="utf-8")
    (tmp_path / "notes.json").write_text("[]", encoding="utf-8")
    assert [p.code for p in procedures_load(directory=tmp_path)] == ["1.001193"]


@pytest.mark.django_db
def test_every_reviewed_data_file_loads():
    procedures = procedures_load()
    assert len(procedures) == len(list(DATA_DIR.glob("[0-9].*.json")))
    assert all(p.search_text for p in Procedure.objects.all())

"""Routing to the agency kinds named by the catalogue: a provincial department by its number
(the provincial police for a criminal record certificate), a ministry by its code."""

from __future__ import annotations

import pytest

from agencies.models import Agency, AgencyKind, AgencyLevel
from dossiers.routing import resolve_competent_agency
from procedures.models import Procedure
from procedures.services import procedures_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(hanoi, hoan_kiem):
    procedures_load()


def agency(code: str, kind: str, **kwargs) -> Agency:
    return Agency.objects.create(
        code=code, name=code, level=kwargs.pop("level", AgencyLevel.PROVINCE), kind=kind, **kwargs
    )


def test_a_provincial_department_is_found_by_its_number_in_the_commune_s_province(
    catalogue, hanoi, hoan_kiem
):
    police = agency("000.00.11.H01", AgencyKind.PROVINCE_DEPARTMENT, province=hanoi)
    agency("000.00.02.H01", AgencyKind.PROVINCE_DEPARTMENT, province=hanoi)
    criminal_record = Procedure.objects.get(code="2.000505")
    version = criminal_record.versions.get(number=2)  # the provincial police since 2025
    assert resolve_competent_agency(version=version, commune=hoan_kiem) == police
    justice = Agency.objects.get(code="000.00.02.H01")
    assert (
        resolve_competent_agency(version=criminal_record.versions.get(number=1), commune=hoan_kiem)
        == justice
    )


def test_a_ministry_is_found_by_its_code_and_a_missing_department_goes_to_triage(
    catalogue, hoan_kiem
):
    ministry = Agency.objects.get_or_create(
        code="000.00.00.G01",
        defaults={"name": "Bộ Công an", "level": AgencyLevel.MINISTRY, "kind": AgencyKind.MINISTRY},
    )[0]
    version = Procedure.objects.get(code="1.000466").versions.get()
    assert resolve_competent_agency(version=version, commune=hoan_kiem) == ministry
    # no Department of Finance loaded in this province: nobody is competent, triage decides
    version = Procedure.objects.get(code="2.001199").versions.get()
    assert resolve_competent_agency(version=version, commune=hoan_kiem) is None

"""Routing to the agency kinds named by the catalogue: a provincial department by its number
(the provincial police for a criminal record certificate), a ministry by its code."""

from __future__ import annotations

import datetime

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


def test_a_resolved_agency_is_reused_until_routing_changes(
    birth_version, hoan_kiem, agency_hk, django_assert_num_queries
):
    """Routing costs three queries and ~8 ms of CPU per submission: the answer is cached, and
    forgotten as soon as a rule, an agency or an implementation level is saved or deleted."""
    from dossiers.models import RoutingRule

    assert resolve_competent_agency(version=birth_version, commune=hoan_kiem) == agency_hk
    with django_assert_num_queries(0):
        assert resolve_competent_agency(version=birth_version, commune=hoan_kiem) == agency_hk

    centre = Agency.objects.create(
        code="000.20.01.H01",
        name="Trung tâm Phục vụ hành chính công",
        level=AgencyLevel.PROVINCE,
        kind=AgencyKind.SERVICE_CENTRE,
        province=hoan_kiem.province,
    )
    rule = RoutingRule.objects.create(
        procedure=birth_version.procedure, commune=hoan_kiem, agency=centre, order=1
    )
    assert resolve_competent_agency(version=birth_version, commune=hoan_kiem) == centre

    rule.is_active = False
    rule.save()
    assert resolve_competent_agency(version=birth_version, commune=hoan_kiem) == agency_hk

    agency_hk.valid_to = agency_hk.valid_from or datetime.date(2025, 7, 1)
    agency_hk.save()
    assert resolve_competent_agency(version=birth_version, commune=hoan_kiem) is None


def test_a_bulk_load_of_the_reference_data_forgets_the_cached_routing(
    birth_version, hoan_kiem, agency_hk
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from agencies.signals import reference_data_changed

    assert resolve_competent_agency(version=birth_version, commune=hoan_kiem) == agency_hk
    reference_data_changed.send(sender=Agency)  # what reference_data_load sends at its end
    with CaptureQueriesContext(connection) as queries:
        assert resolve_competent_agency(version=birth_version, commune=hoan_kiem) == agency_hk
    assert len(queries) > 0, "the cached answer survived a bulk load of the reference data"

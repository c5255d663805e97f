"""Dossiers made directly (no e-form) for the rollup tests, and dashboard officials."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from agencies.models import Agency, AgencyKind, AgencyLevel, Commune, Province
from dashboards.models import DashboardScope, ScopeLevel
from dossiers.models import Dossier
from portal.models import User
from tests.factories import DossierFactory

TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=TZ)


@pytest.fixture
def make_dossier(birth_version):
    """A dossier without an account behind it (the rollups read only its agency, channel,
    dates and state); `fields` set the state, e.g. status=Status.REFUSED."""

    def _make(agency: Agency, *, submitted: dt.datetime, channel: int = 2, **fields) -> Dossier:
        return DossierFactory(
            procedure_version=birth_version,
            channel=channel,
            applicant=None,
            applicant_name="Nguyễn Văn Test",
            submitted_at=submitted,
            competent_agency=agency,
            target_agency=None,
            routed_at=None,
            commune=None,
            **fields,
        )

    return _make


@pytest.fixture
def da_nang(db) -> Province:
    return Province.objects.create(
        code="48",
        name="Thành phố Đà Nẵng",
        division_type="thành phố trung ương",
        codename="da_nang",
    )


@pytest.fixture
def agency_dn(da_nang) -> Agency:
    commune = Commune.objects.create(
        code="20194", name="Phường Hải Châu", division_type="phường", codename="hai_chau",
        province=da_nang,
    )  # fmt: skip
    return Agency.objects.create(
        code="20194.00.H48",
        name="Ủy ban nhân dân Phường Hải Châu",
        level=AgencyLevel.COMMUNE,
        kind=AgencyKind.COMMUNE_COMMITTEE,
        province=da_nang,
        commune=commune,
    )


@pytest.fixture
def ministry(db) -> Agency:
    return Agency.objects.create(
        code="G09", name="Bộ Tư pháp", level=AgencyLevel.MINISTRY, kind=AgencyKind.MINISTRY
    )


@pytest.fixture
def ministry_unit(ministry) -> Agency:
    return Agency.objects.create(
        code="G09.01",
        name="Cục Hộ tịch",
        level=AgencyLevel.MINISTRY,
        kind=AgencyKind.MINISTRY,
        parent=ministry,
    )


@pytest.fixture
def official():
    def _official(username: str, level: str, **scope) -> User:
        user = User.objects.create_user(username=username, password="pw-official-123")
        DashboardScope.objects.create(user=user, level=level, **scope)
        return user

    return _official


@pytest.fixture
def national_official(official):
    return official("national.official", ScopeLevel.NATIONAL)

"""Fixtures of the feedback tests: a refused and a returned dossier of citizen A at Hoan Kiem."""

from __future__ import annotations

import pytest

from agencies.models import Membership, OfficerRole
from dossiers.models import Dossier
from dossiers.services import dossier_refuse
from dossiers.states.business import Status
from portal.models import User


@pytest.fixture
def refused(submit, citizen_a, officer_hk, agency_hk) -> Dossier:
    dossier = submit(citizen_a)
    return dossier_refuse(
        dossier=dossier, officer=officer_hk, agency=agency_hk, reason="Thiếu giấy chứng sinh"
    )


@pytest.fixture
def returned(submit, citizen_a, agency_hk) -> Dossier:
    """A dossier whose result was returned (set directly: the processing path is tested in
    tests/dossiers; here only the rating after a result matters)."""
    dossier = submit(citizen_a)
    Dossier.objects.filter(pk=dossier.pk).update(status=Status.RETURNED, competent_agency=agency_hk)
    dossier.refresh_from_db()
    return dossier


@pytest.fixture
def specialist_hk(agency_hk) -> User:
    """An officer of Hoan Kiem with only the specialist role (may answer, may not reopen)."""
    user = User.objects.create_user(username="hk.specialist", password="pw-officer-123")
    Membership.objects.create(user=user, agency=agency_hk, role=OfficerRole.SPECIALIST)
    return user


@pytest.fixture
def en(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client

"""Linked procedures (lien thong): one dossier fans out to each competent agency and completes
when all its parts do."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from agencies.models import Agency, AgencyKind, AgencyLevel, Membership, OfficerRole
from dossiers import selectors
from dossiers.services import (
    NewAttachment,
    dossier_issue_result,
    dossier_receive,
    dossier_return_result,
    dossier_start_processing,
    dossier_submit,
)
from dossiers.states.business import Status
from portal.models import User
from procedures.services import procedure_import
from tests.conftest import BIRTH_DATA, pdf_upload

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data" / "bundle-birth.json"


@pytest.fixture
def bundle_version(db):
    procedure, _ = procedure_import(data=json.loads(DATA.read_text(encoding="utf-8")))
    return procedure.versions.get()


@pytest.fixture
def agencies(agency_hk, police_hk, hanoi):
    insurance = Agency.objects.create(
        code="000.00.21.H01",
        name="Bảo hiểm xã hội Thành phố Hà Nội",
        level=AgencyLevel.PROVINCE,
        kind=AgencyKind.SOCIAL_INSURANCE,
        province=hanoi,
    )
    return [agency_hk, police_hk, insurance]


def officer(agency: Agency) -> User:
    user = User.objects.create_user(username=f"o-{agency.code}", password="x")
    for role in (OfficerRole.RECEPTION, OfficerRole.SPECIALIST, OfficerRole.LEADER):
        Membership.objects.create(user=user, agency=agency, role=role)
    return user


def submit_bundle(bundle_version, applicant, commune, capture=None, *, certificate=True):
    """A birth bundle submitted online; with `capture`, its routing runs (it fans out)."""
    case = bundle_version.cases.get() if certificate else None
    attachments = (
        [NewAttachment(case.components.get(code="GCS"), pdf_upload(), "application/pdf")]
        if case
        else []
    )

    def submit():
        return dossier_submit(
            applicant=applicant,
            version=bundle_version,
            case=case,
            commune=commune,
            data=BIRTH_DATA,
            subject_name="Trần Minh An",
            submission_key=uuid.uuid4(),
            attachments=attachments,
        )

    if capture is None:
        return submit()
    with capture(execute=True):
        return submit()


def test_bundle_fans_out_and_completes_when_all_parts_do(
    bundle_version, agencies, hoan_kiem, citizen_a, django_capture_on_commit_callbacks
):
    bundle = submit_bundle(bundle_version, citizen_a, hoan_kiem, django_capture_on_commit_callbacks)
    bundle.refresh_from_db()
    parts = list(bundle.parts.order_by("id"))
    assert [p.competent_agency for p in parts] == agencies
    assert [p.part_code for p in parts] == ["1.001193", "RES", "BHYT"]
    assert all(p.code.startswith(p.competent_agency.code) for p in parts)
    assert all(p.attachments.count() == 1 for p in parts)
    assert bundle.competent_agency is None
    assert bundle.events.last().action == "fanned_out"
    # each agency sees only its part; the citizen's list shows the bundle once
    officers = [officer(a) for a in agencies]
    for o, part in zip(officers, parts, strict=True):
        assert list(selectors.dossiers_for_officer(user=o)) == [part]
    assert list(selectors.dossiers_listed_for_applicant(user=citizen_a)) == [bundle]

    for index, (o, part, agency) in enumerate(zip(officers, parts, agencies, strict=True)):
        dossier_receive(dossier=part, officer=o, agency=agency)
        bundle.refresh_from_db()
        assert bundle.status == (Status.RECEIVED if index == 2 else Status.SUBMITTED)
    for o, part, agency in zip(officers, parts, agencies, strict=True):
        dossier_start_processing(dossier=part, officer=o, agency=agency)
        dossier_issue_result(dossier=part, officer=o, agency=agency)
    bundle.refresh_from_db()
    assert bundle.status == Status.RESULT_READY
    for o, part, agency in zip(officers, parts, agencies, strict=True):
        dossier_return_result(dossier=part, officer=o, agency=agency)
    bundle.refresh_from_db()
    assert bundle.status == Status.RETURNED
    steps = [
        (e.from_status, e.to_status)
        for e in bundle.events.filter(action="bundle_progress").order_by("id")
    ]
    assert steps == [
        (Status.SUBMITTED, Status.RECEIVED),
        (Status.RECEIVED, Status.IN_PROCESSING),
        (Status.IN_PROCESSING, Status.RESULT_READY),
        (Status.RESULT_READY, Status.RETURNED),
    ]


def test_routing_a_bundle_twice_fans_out_once(
    bundle_version, agencies, hoan_kiem, citizen_a, django_capture_on_commit_callbacks
):
    from dossiers.services import dossier_route

    bundle = submit_bundle(
        bundle_version, citizen_a, hoan_kiem, django_capture_on_commit_callbacks, certificate=False
    )
    dossier_route(dossier_id=bundle.pk)
    assert bundle.parts.count() == 3


def test_administrator_routing_rules_first_match_wins(
    birth_version, hoan_kiem, hanoi, agency_hk, agency_bd
):
    from dossiers.models import RoutingRule
    from dossiers.routing import resolve_competent_agency

    assert resolve_competent_agency(version=birth_version, commune=hoan_kiem) == agency_hk
    RoutingRule.objects.create(order=20, province=hanoi, agency=agency_hk, note="whole province")
    RoutingRule.objects.create(
        order=10, commune=hoan_kiem, procedure=birth_version.procedure, agency=agency_bd
    )
    assert resolve_competent_agency(version=birth_version, commune=hoan_kiem) == agency_bd
    RoutingRule.objects.filter(order=10).update(is_active=False)
    assert resolve_competent_agency(version=birth_version, commune=hoan_kiem) == agency_hk
    RoutingRule.objects.all().delete()
    RoutingRule.objects.create(
        order=1, province_id=None, commune=None, agency=agency_bd, procedure=None, is_active=False
    )
    assert resolve_competent_agency(version=birth_version, commune=hoan_kiem) == agency_hk


def test_withdrawing_a_bundle_withdraws_its_parts_and_a_withdrawn_bundle_is_not_fanned_out(
    bundle_version, agencies, hoan_kiem, citizen_a, django_capture_on_commit_callbacks
):
    from dossiers.services import dossier_route, dossier_withdraw

    bundle = submit_bundle(
        bundle_version, citizen_a, hoan_kiem, django_capture_on_commit_callbacks, certificate=False
    )
    dossier_withdraw(dossier=bundle, applicant=citizen_a)
    assert set(bundle.parts.values_list("status", flat=True)) == {Status.WITHDRAWN}

    # its routing message has not run yet
    early = submit_bundle(bundle_version, citizen_a, hoan_kiem, certificate=False)
    dossier_withdraw(dossier=early, applicant=citizen_a)
    dossier_route(dossier_id=early.pk)
    assert early.parts.count() == 0


def test_a_bundle_whose_every_part_is_refused_is_refused_too(
    bundle_version, agencies, hoan_kiem, citizen_a, django_capture_on_commit_callbacks
):
    from dossiers.services import dossier_refuse

    bundle = submit_bundle(bundle_version, citizen_a, hoan_kiem, django_capture_on_commit_callbacks)
    parts = list(bundle.parts.order_by("id"))
    for index, (part, agency) in enumerate(zip(parts, agencies, strict=True)):
        dossier_refuse(dossier=part, officer=officer(agency), agency=agency, reason="Thiếu giấy tờ")
        bundle.refresh_from_db()
        assert bundle.status == (Status.REFUSED if index == 2 else Status.SUBMITTED)
    assert bundle.events.last().action == "bundle_progress"

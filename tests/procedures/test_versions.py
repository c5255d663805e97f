"""Administrators publish new versions; a dossier keeps the version it was submitted under."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from portal.models import User
from procedures.models import ProcedureVersion
from procedures.services import procedure_version_draft, procedure_version_publish


@pytest.fixture
def admin_client(client, db, officer_login):
    admin = User.objects.create_superuser(username="catalogue.admin", password="pw-admin-123456")
    officer_login(client, admin)
    client.cookies["django_language"] = "en"
    return client


@pytest.mark.django_db
def test_a_new_version_is_a_full_unpublished_copy(birth_version):
    today = timezone.localdate()
    new = procedure_version_draft(procedure=birth_version.procedure, effective_from=today)
    assert (new.number, new.is_published, new.effective_from) == (2, False, today)
    assert new.form_key == birth_version.form_key
    for relation in ("levels", "channels", "cases", "steps", "results", "legal_bases"):
        assert getattr(new, relation).count() == getattr(birth_version, relation).count()
    old_case, new_case = birth_version.cases.get(), new.cases.get()
    assert old_case.pk != new_case.pk
    assert new_case.components.count() == old_case.components.count()
    assert sum(c.fees.count() for c in new.channels.all()) == 3
    # unpublished: the version in force is still the first
    assert birth_version.procedure.version_in_force() == birth_version


@pytest.mark.django_db
def test_a_dossier_keeps_its_version_after_a_new_one_is_published(
    birth_version, citizen_a, agency_hk, submit
):
    dossier = submit(citizen_a)
    procedure = birth_version.procedure
    new = procedure_version_draft(procedure=procedure, effective_from=timezone.localdate())
    new.description = "Quy định mới"
    new.save()
    procedure_version_publish(version=new)

    assert procedure.version_in_force() == new  # new dossiers use the new version
    dossier.refresh_from_db()
    assert dossier.procedure_version_id == birth_version.pk
    assert dossier.procedure_version.description != "Quy định mới"
    assert dossier.case.version_id == birth_version.pk
    assert ProcedureVersion.objects.filter(pk=birth_version.pk, is_published=True).exists()


@pytest.mark.django_db
def test_a_version_in_force_later_does_not_replace_the_current_one_yet(birth_version):
    later = timezone.localdate() + dt.timedelta(days=30)
    new = procedure_version_draft(procedure=birth_version.procedure, effective_from=later)
    procedure_version_publish(version=new)
    assert birth_version.procedure.version_in_force() == birth_version
    assert birth_version.procedure.version_in_force(on=later) == new


@pytest.mark.django_db
def test_admin_action_publishes_a_new_version(admin_client, birth_version):
    procedure = birth_version.procedure
    changelist = reverse("admin:procedures_procedure_changelist")
    assert admin_client.get(changelist).status_code == 200

    # the action asks for the effective date first
    response = admin_client.post(
        changelist, {"action": "new_version", ACTION_CHECKBOX_NAME: [procedure.pk]}
    )
    assert response.status_code == 200
    assert b"In force from" in response.content

    # a date in the past is refused, nothing is created
    response = admin_client.post(
        changelist,
        {
            "action": "new_version",
            ACTION_CHECKBOX_NAME: [procedure.pk],
            "apply": "1",
            "effective_from": "2020-01-01",
        },
    )
    assert b"Choose today or a later date." in response.content
    assert procedure.versions.count() == 1

    today = timezone.localdate().isoformat()
    response = admin_client.post(
        changelist,
        {
            "action": "new_version",
            ACTION_CHECKBOX_NAME: [procedure.pk],
            "apply": "1",
            "effective_from": today,
        },
    )
    assert response.status_code == 302
    new = procedure.versions.get(number=2)
    assert new.is_published is False

    # the administrator edits it (inlines for levels, channels, cases, ...), then publishes
    change = reverse("admin:procedures_procedureversion_change", args=[new.pk])
    page = admin_client.get(change)
    assert page.status_code == 200
    for inline in ("levels", "channels", "cases", "steps", "results", "legal_bases"):
        assert f'id="{inline}-group"'.encode() in page.content
    response = admin_client.post(
        reverse("admin:procedures_procedureversion_changelist"),
        {"action": "publish_versions", ACTION_CHECKBOX_NAME: [new.pk]},
    )
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.is_published is True
    assert procedure.version_in_force() == new


@pytest.mark.django_db
def test_admin_cannot_edit_a_version_used_by_dossiers(
    admin_client, birth_version, citizen_a, agency_hk, submit
):
    submit(citizen_a)
    change = reverse("admin:procedures_procedureversion_change", args=[birth_version.pk])
    page = admin_client.get(change)
    assert page.status_code == 200  # view only
    assert b'name="_save"' not in page.content
    response = admin_client.post(change, {"description": "rewritten"})
    assert response.status_code == 403
    birth_version.refresh_from_db()
    assert birth_version.description != "rewritten"


@pytest.mark.django_db
def test_admin_save_refreshes_the_search_text(admin_client, birth_version):
    procedure = birth_version.procedure
    change = reverse("admin:procedures_procedure_change", args=[procedure.pk])
    page = admin_client.get(change)
    assert page.status_code == 200
    form = {
        "code": procedure.code,
        "name": procedure.name,
        "name_en": procedure.name_en,
        "sector": procedure.sector_id,
        "applicant_types": '["citizen"]',
        "keywords": "giấy chứng sinh mới",
        "life_events": [],
        "ministry": "",
        "is_published": "on",
        "versions-TOTAL_FORMS": "1",
        "versions-INITIAL_FORMS": "1",
        "versions-MIN_NUM_FORMS": "0",
        "versions-MAX_NUM_FORMS": "1000",
        "versions-0-id": birth_version.pk,
        "versions-0-procedure": procedure.pk,
    }
    response = admin_client.post(change, form)
    assert response.status_code == 302, response.content[:2000]
    procedure.refresh_from_db()
    assert "giay chung sinh moi" in procedure.search_name

"""A person's e-form drafts on My dossiers: listed above the submitted dossiers (procedure,
last saved, Continue at the step reached, Delete after a confirmation that needs no
JavaScript), only their own; deleting one empties it and removes its files."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from dossiers.models import FormDraft
from dossiers.services import DraftNotOpen, draft_discard
from dossiers.services.drafts import TOPIC_DELETE_FILES
from portal.models import AuditEvent, OutboxMessage
from portal.outbox import outbox_run
from tests.dossiers.wizard_steps import CHILD, post, start
from tests.factories import DossierFactory

pytestmark = pytest.mark.django_db

MINE = "dossiers:mine"


def _draft(user, version, **fields) -> FormDraft:
    return FormDraft.objects.create(user=user, procedure_version=version, **fields)


def _delete_url(draft: FormDraft) -> str:
    return reverse("dossiers:draft_delete", kwargs={"draft_id": draft.pk})


def _english(client, settings) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_open_drafts_are_listed_above_the_submitted_dossiers_with_when_they_were_saved(
    client, settings, clock_at, time_machine, citizen_a, citizen_b, birth_version, agency_hk
):
    clock_at(2026, 3, 2, 10, 15)
    older = _draft(citizen_a, birth_version)
    time_machine.move_to("2026-03-05T16:40:00+07:00", tick=False)
    newer = _draft(citizen_a, birth_version)
    submitted = _draft(citizen_a, birth_version, submitted_at=newer.updated_at)
    discarded = _draft(citizen_a, birth_version, discarded_at=newer.updated_at)
    someone_elses = _draft(citizen_b, birth_version)
    dossier = DossierFactory(applicant=citizen_a, competent_agency=agency_hk)
    client.force_login(citizen_a)
    _english(client, settings)

    page = client.get(reverse(MINE)).content.decode()

    listed = re.findall(r'<li class="draft" id="draft-([0-9a-f-]+)"', page)
    assert listed == [str(newer.pk), str(older.pk)]  # last saved first
    for absent in (submitted, discarded, someone_elses):
        assert str(absent.pk) not in page
    assert page.index("Forms not yet submitted") < page.index(dossier.code)
    assert "Last saved at 16:40 on 05/03/2026" in page
    assert "Last saved at 10:15 on 02/03/2026" in page
    assert birth_version.procedure.name_en in page
    assert reverse("dossiers:apply", kwargs={"draft_id": newer.pk}) in page
    assert _delete_url(older) in page

    # the section is cached until a draft changes: a step saved shows at once
    time_machine.move_to("2026-03-05T16:55:00+07:00", tick=False)
    older.save()
    page = client.get(reverse(MINE)).content.decode()
    assert re.findall(r'<li class="draft" id="draft-([0-9a-f-]+)"', page) == [
        str(older.pk),
        str(newer.pk),
    ]
    assert "Last saved at 16:55 on 05/03/2026" in page


def test_the_drafts_read_in_vietnamese(client, clock_at, citizen_a, birth_version):
    clock_at(2026, 3, 2, 10, 15)
    _draft(citizen_a, birth_version)
    client.force_login(citizen_a)
    page = client.get(reverse(MINE)).content.decode()
    assert "Biểu mẫu chưa nộp" in page
    assert "Lưu lần cuối lúc 10:15 ngày 02/03/2026" in page
    assert ">Tiếp tục<" in page
    assert ">Xóa<" in page
    assert "Hồ sơ đã nộp" in page


def test_without_drafts_the_section_is_not_shown(client, citizen_a, citizen_b, birth_version):
    _draft(citizen_b, birth_version)
    client.force_login(citizen_a)
    page = client.get(reverse(MINE)).content.decode()
    assert 'id="drafts-heading"' not in page
    assert "draft-" not in page


def test_continue_resumes_at_the_step_the_person_was_on(
    client, settings, national_settings, hanoi, hoan_kiem, agency_hk, birth_version, citizen_a
):
    client.force_login(citizen_a)
    url = start(client)
    assert post(client, url, "child", CHILD).status_code == 302
    # later, on another device: My dossiers, then Continue
    other_device = Client()
    other_device.force_login(citizen_a)
    page = other_device.get(reverse(MINE)).content.decode()
    continue_url = re.search(r'<a class="button" href="([^"]+)">(?:Tiếp tục)', page)
    assert continue_url is not None
    assert continue_url.group(1) == url
    step = other_device.get(continue_url.group(1), follow=True).content.decode()
    assert 'value="applicant"' in step  # the wizard's current step: the one after the child
    assert 'name="applicant-relationship"' in step


def test_the_owner_deletes_a_draft_after_confirming_without_javascript(
    client, settings, citizen_a, birth_version
):
    draft = _draft(citizen_a, birth_version, storage={"step": "child", "step_data": {"x": 1}})
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(citizen_a)
    csrf_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    confirm = csrf_client.get(_delete_url(draft))
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert "Delete your draft of" in text
    form = re.search(r'<form method="post" action="([^"]+)">', text)
    assert form is not None
    assert form.group(1) == _delete_url(draft)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
    assert token is not None
    assert FormDraft.objects.get(pk=draft.pk).discarded_at is None  # asking deletes nothing

    refused = csrf_client.post(_delete_url(draft))  # no CSRF token
    assert refused.status_code == 403
    assert FormDraft.objects.get(pk=draft.pk).discarded_at is None

    done = csrf_client.post(_delete_url(draft), {"csrfmiddlewaretoken": token.group(1)})
    assert done.status_code == 302
    assert done["Location"] == reverse(MINE)
    draft.refresh_from_db()
    assert draft.discarded_at is not None
    assert draft.storage == {}
    assert AuditEvent.objects.filter(action="draft.discard", object_id=str(draft.pk)).exists()
    page = csrf_client.get(reverse(MINE)).content.decode()
    assert "has been deleted" in page
    assert str(draft.pk) not in page.replace(f"draft-{draft.pk}", "")
    assert f'id="draft-{draft.pk}"' not in page
    # gone for the wizard too; starting the procedure again makes a new draft
    assert (
        csrf_client.get(reverse("dossiers:apply", kwargs={"draft_id": draft.pk})).status_code == 404
    )
    assert csrf_client.get(_delete_url(draft)).status_code == 404
    client.force_login(citizen_a)
    again = start(client)
    assert str(draft.pk) not in again


def test_another_person_cannot_see_or_delete_a_draft(client, citizen_a, citizen_b, birth_version):
    draft = _draft(citizen_a, birth_version, storage={"step": "child"})
    client.force_login(citizen_b)
    assert client.get(_delete_url(draft)).status_code == 404
    assert client.post(_delete_url(draft)).status_code == 404
    with pytest.raises(DraftNotOpen):
        draft_discard(user=citizen_b, draft_id=draft.pk)
    draft.refresh_from_db()
    assert draft.discarded_at is None
    assert draft.storage == {"step": "child"}


def test_a_submitted_draft_cannot_be_deleted(client, citizen_a, birth_version, agency_hk):
    dossier = DossierFactory(applicant=citizen_a, competent_agency=agency_hk)
    draft = _draft(citizen_a, birth_version, dossier=dossier, submitted_at=dossier.submitted_at)
    client.force_login(citizen_a)
    assert client.post(_delete_url(draft)).status_code == 404
    with pytest.raises(DraftNotOpen):
        draft_discard(user=citizen_a, draft_id=draft.pk)


def test_signed_out_the_delete_page_asks_to_sign_in(client, citizen_a, birth_version):
    draft = _draft(citizen_a, birth_version)
    response = client.post(_delete_url(draft))
    assert response.status_code == 302
    assert FormDraft.objects.get(pk=draft.pk).discarded_at is None


def test_a_deleted_drafts_files_leave_the_storage_through_the_outbox(
    citizen_a, birth_version, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # the message is run by hand below
    name = default_storage.save("drafts/birth.pdf", ContentFile(b"%PDF-1.4 test"))
    draft = _draft(
        citizen_a,
        birth_version,
        storage={"step_files": {"documents": {"gcs": {"tmp_name": name, "name": "giấy.pdf"}}}},
    )
    with django_capture_on_commit_callbacks(execute=False):
        draft_discard(user=citizen_a, draft_id=draft.pk)
    message = OutboxMessage.objects.get(topic=TOPIC_DELETE_FILES)
    assert message.payload == {"names": [name]}
    assert default_storage.exists(name)
    assert outbox_run(message_id=str(message.id))
    assert not default_storage.exists(name)
    # run again (a redelivery after the claim expired): nothing left to do, no error
    from dossiers.services.drafts import _delete_files_handler

    _delete_files_handler(message.payload)


def test_a_deleted_draft_still_counts_as_opened_for_the_dashboards(
    clock_at, citizen_a, birth_version
):
    from dashboards.models import DraftFact
    from dashboards.rollups.drafts import drafts_month_recompute

    clock_at(2026, 3, 2, 10, 15)
    draft = _draft(citizen_a, birth_version, first_answered_at=clock_at(2026, 3, 2, 10, 20))
    draft_discard(user=citizen_a, draft_id=draft.pk)
    drafts_month_recompute(dt.date(2026, 3, 1), birth_version.procedure_id)
    fact = DraftFact.objects.get(month=dt.date(2026, 3, 1), procedure_id=birth_version.procedure_id)
    assert (fact.opened, fact.started, fact.submitted) == (1, 1, 0)

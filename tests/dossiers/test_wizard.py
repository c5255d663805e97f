"""The birth registration e-form, step by step, with prefill from the mock national
population database over real HTTP."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers.models import Dossier, FormDraft
from portal.models import AuditEvent
from tests.conftest import PNG_BYTES, pdf_upload
from tests.dossiers.wizard_steps import APPLICANT, CHILD, post, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(
    client, settings, national_settings, hanoi, hoan_kiem, agency_hk, birth_version, citizen_a
):
    """The assertions read English texts: the person chose English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return citizen_a


PROVINCE = {"province": "01"}
COMMUNE = {"commune": "00070", "place_detail": "Bệnh viện Phụ sản Hà Nội"}


def walk_to_review(client, url: str) -> None:
    assert post(client, url, "child", CHILD).status_code == 302
    assert post(client, url, "applicant", APPLICANT).status_code == 302
    mother_page = client.get(url, follow=True).content.decode()
    mother = _initial(mother_page, "mother")
    assert post(client, url, "mother", mother).status_code == 302
    father = _initial(client.get(url, follow=True).content.decode(), "father")
    assert post(client, url, "father", father).status_code == 302
    assert post(client, url, "province", PROVINCE).status_code == 302
    assert post(client, url, "commune", COMMUNE).status_code == 302
    assert post(client, url, "documents", {}, {"gcs": pdf_upload()}).status_code == 302


def _initial(page: str, step: str) -> dict:
    values = dict(re.findall(rf'name="{step}-(\w+)"[^>]*?value="([^"]*)"', page))
    for name in re.findall(rf'<input[^>]*value="([^"]*)"[^>]*name="{step}-(\w+)"', page):
        values.setdefault(name[1], name[0])
    return values


def test_prefill_comes_from_population_database_with_source(client, setup):
    client.force_login(setup)
    url = start(client)
    post(client, url, "child", CHILD)
    post(client, url, "applicant", APPLICANT)
    page = client.get(url, follow=True).content.decode()
    assert "Nguyễn Thị Lan" in page
    assert "001190012345" in page
    assert "from the national population database" in page
    father_page_values = None
    post(client, url, "mother", _initial(page, "mother"))
    father_page_values = _initial(client.get(url, follow=True).content.decode(), "father")
    assert father_page_values["full_name"] == "Trần Văn Minh"
    assert AuditEvent.objects.filter(action="prefill.lookup", object_id="001190012345").exists()
    assert AuditEvent.objects.filter(action="prefill.lookup", object_id="001088004321").exists()


def test_full_form_submits_one_dossier_and_back_shows_already_submitted(client, setup):
    client.force_login(setup)
    url = start(client)
    walk_to_review(client, url)
    review = client.get(url, follow=True).content.decode()
    assert "Trần Minh An" in review  # spaces folded
    assert "giay-chung-sinh.pdf" in review
    assert f"{url}child/?return=review" in review
    response = post(client, url, "review", {"declaration": "on"})
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert response["Location"] == reverse("dossiers:submitted", args=[dossier.code])
    assert dossier.subject_name == "Trần Minh An"
    assert dossier.data["mother"]["identification_number"] == "001190012345"
    assert dossier.applicant_phone == "0912345678"
    assert dossier.attachments.get().content_type == "application/pdf"
    draft = FormDraft.objects.get()
    assert draft.submitted_at is not None
    assert draft.first_answered_at is not None
    # Back, then submit again: nothing is created twice.
    back = client.get(url, follow=True).content.decode()
    assert "already been submitted" in back
    assert dossier.code in back
    again = post(client, url, "review", {"declaration": "on"})
    assert again.status_code == 200
    assert dossier.code in again.content.decode()
    assert Dossier.objects.count() == 1


def test_missing_answers_rerender_with_error_summary_and_input_kept(client, setup):
    client.force_login(setup)
    url = start(client)
    boxes = {"date_of_birth_day": "31", "date_of_birth_month": "2", "date_of_birth_year": "2026"}
    response = post(client, url, "child", {**CHILD, "full_name": "", **boxes})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in page
    assert 'class="error-summary"' in page
    assert 'href="#id_child-full_name"' in page
    assert 'value="Kinh"' in page  # other answers kept
    # the impossible date is kept, box by box, to be corrected
    assert 'name="child-date_of_birth_day" value="31"' in page
    assert "Date of birth must be a real date" in page


def test_wrong_file_type_and_oversized_file_are_refused(client, setup, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(setup)
    url = start(client)
    for step, data in [("child", CHILD), ("applicant", APPLICANT)]:
        post(client, url, step, data)
    post(client, url, "mother", _initial(client.get(url, follow=True).content.decode(), "mother"))
    post(client, url, "father", _initial(client.get(url, follow=True).content.decode(), "father"))
    post(client, url, "province", PROVINCE)
    post(client, url, "commune", COMMUNE)
    fake = SimpleUploadedFile(
        "certificate.pdf", b"MZ\x90\x00 this is an executable", content_type="application/pdf"
    )
    page = post(client, url, "documents", {}, {"gcs": fake}).content.decode()
    assert "The file must be a PDF, JPEG or PNG" in page
    settings.PORTAL_UPLOAD_MAX_BYTES = 50
    big = SimpleUploadedFile("photo.png", PNG_BYTES + b"\x00" * 100, content_type="image/png")
    page = post(client, url, "documents", {}, {"gcs": big}).content.decode()
    assert "50" in page
    assert "The file must be smaller than 50" in page


def test_draft_survives_logout_and_resumes(client, setup):
    client.force_login(setup)
    url = start(client)
    post(client, url, "child", CHILD)
    client.post(reverse("portal:logout"))
    assert client.get(url).status_code == 302  # asks to sign in
    client.force_login(setup)
    assert start(client) == url  # the same draft
    page = client.get(url, follow=True).content.decode()
    assert 'name="applicant-relationship"' in page  # resumes at the next step
    page = client.get(url + "child/").content.decode()
    assert "Trần  Minh An" in page  # as typed


def test_another_user_cannot_open_my_draft(client, setup, citizen_b):
    client.force_login(setup)
    url = start(client)
    client.force_login(citizen_b)
    assert client.get(url).status_code == 404


def test_cannot_jump_ahead_to_a_step_not_reached(client, setup):
    client.force_login(setup)
    url = start(client)
    response = client.get(url + "review/")
    assert response.status_code == 302
    assert response["Location"] == url + "child/"  # the first step still to answer
    page = client.get(response["Location"]).content.decode()
    assert 'name="child-full_name"' in page
    assert "That page is not available yet" in page
    # an unknown step is no error page either
    assert client.get(url + "no-such-step/")["Location"] == url + "child/"


def test_population_database_down_says_so_and_lets_the_person_type(client, setup, settings):
    settings.NATIONAL_SERVICES_URL = "http://127.0.0.1:9"  # nothing listens there
    settings.PREFILL_TIMEOUT_SECONDS = 0.5
    client.force_login(setup)
    url = start(client)
    post(client, url, "child", CHILD)
    post(client, url, "applicant", APPLICANT)
    page = client.get(url, follow=True).content.decode()
    assert "We could not reach the national population database just now" in page
    assert 'value="Nguyễn Thị Lan"' not in page
    typed = {
        "full_name": "Nguyễn Thị Lan",
        "identification_number": "0011 9001 2345",
        "date_of_birth": "12/03/1990",
        "ethnicity": "Kinh",
        "nationality": "Việt Nam",
        "residence": "Hà Nội",
    }
    assert post(client, url, "mother", typed).status_code == 302
    assert AuditEvent.objects.filter(
        action="prefill.lookup", details__outcome="unavailable"
    ).exists()


def test_the_first_page_asks_no_registry_and_the_first_prefilled_page_asks_once(client, setup):
    """Prefill is resolved when the person reaches the first page that shows a national
    record, not before: the child's page costs no lookup."""
    client.force_login(setup)
    url = start(client)
    assert 'name="child-full_name"' in client.get(url, follow=True).content.decode()
    assert not AuditEvent.objects.filter(action="prefill.lookup").exists()
    post(client, url, "child", CHILD)
    page = client.get(url, follow=True).content.decode()
    assert re.search(r'<input[^>]*value="mother"[^>]*checked', page)
    lookups = AuditEvent.objects.filter(action="prefill.lookup").count()
    assert lookups >= 2  # the applicant, then the spouse named in her record
    post(client, url, "applicant", APPLICANT)
    client.get(url)
    assert AuditEvent.objects.filter(action="prefill.lookup").count() == lookups


# --- Uploaded files: names the server makes, the person's name only shown --------------------


def _name_of_bytes(size: int, extension: str = ".pdf") -> str:
    """A Vietnamese file name of exactly `size` bytes in UTF-8."""
    name = ""
    for char in "Giấy chứng sinh bản sao có chứng thực " * 20:
        if len((name + char + extension).encode()) > size:
            break
        name += char
    return name + "_" * (size - len((name + extension).encode())) + extension


#: 364 bytes in UTF-8 (the probe's name that made the draft upload fail with ENAMETOOLONG).
NAME_364_BYTES = _name_of_bytes(364)
NAME_1000_CHARS = "ệ" * 996 + ".pdf"
DRAFT_FILE = re.compile(r"drafts/[0-9a-f]{32}\.(pdf|png|jpg)")
ATTACHMENT_FILE = re.compile(r"attachments/\d{4}/\d{2}/[0-9a-f]{32}\.(pdf|png|jpg)")


def _walk_to_documents(client, url: str) -> None:
    assert post(client, url, "child", CHILD).status_code == 302
    assert post(client, url, "applicant", APPLICANT).status_code == 302
    post(client, url, "mother", _initial(client.get(url, follow=True).content.decode(), "mother"))
    post(client, url, "father", _initial(client.get(url, follow=True).content.decode(), "father"))
    assert post(client, url, "province", PROVINCE).status_code == 302
    assert post(client, url, "commune", COMMUNE).status_code == 302


def _draft_files() -> dict:
    return FormDraft.objects.get().storage["step_files"]["documents"]


def _media_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _finish(client, url: str, shown: str = "") -> Dossier:
    assert shown in client.get(url, follow=True).content.decode()  # the review page
    assert post(client, url, "review", {"declaration": "on"}).status_code == 302
    return Dossier.objects.get()


def test_the_names_of_the_probe_are_as_long_as_said():
    assert len(NAME_364_BYTES.encode()) == 364
    assert len(NAME_1000_CHARS) == 1000


@pytest.mark.parametrize("name", [NAME_364_BYTES, NAME_1000_CHARS], ids=["364-bytes", "1000-chars"])
def test_a_long_file_name_is_accepted_kept_under_drafts_and_shown_truncated(
    client, setup, settings, name
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import PDF_BYTES

    client.force_login(setup)
    url = start(client)
    _walk_to_documents(client, url)
    upload = SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")
    assert post(client, url, "documents", {}, {"gcs": upload}).status_code == 302
    (stored,) = _draft_files().values()
    assert DRAFT_FILE.fullmatch(stored["tmp_name"])
    assert _media_files(settings) == [stored["tmp_name"]]  # under drafts/, nothing else
    shown = stored["name"]
    assert shown.endswith("….pdf")
    assert len(shown) <= 120
    assert len(shown.encode()) <= 240
    assert shown[:20] == name[:20]
    documents_page = client.get(url + "documents/").content.decode()
    assert f"File already uploaded: <strong>{shown}</strong>" in documents_page
    dossier = _finish(client, url, shown)
    attachment = dossier.attachments.get()
    assert ATTACHMENT_FILE.fullmatch(attachment.file.name)
    assert attachment.original_name == shown
    assert _media_files(settings) == [attachment.file.name]  # the draft's copy is gone


def test_an_image_named_like_a_web_page_is_stored_with_the_extension_of_its_content(
    client, setup, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(setup)
    url = start(client)
    _walk_to_documents(client, url)
    upload = SimpleUploadedFile("poly.html", PNG_BYTES, content_type="text/html")
    assert post(client, url, "documents", {}, {"gcs": upload}).status_code == 302
    (stored,) = _draft_files().values()
    assert stored["tmp_name"].endswith(".png")
    assert stored["content_type"] == "image/png"
    # The step posted again without choosing the file again keeps it, without a second copy.
    assert post(client, url, "documents", {}).status_code == 302
    assert _media_files(settings) == [stored["tmp_name"]]
    attachment = _finish(client, url, "poly.html").attachments.get()
    assert attachment.file.name.endswith(".png")
    assert attachment.content_type == "image/png"
    assert attachment.original_name == "poly.html"


def test_a_pdf_with_a_script_is_refused_on_the_documents_page(client, setup):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(setup)
    url = start(client)
    _walk_to_documents(client, url)
    script = b"%PDF-1.7\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"
    upload = SimpleUploadedFile("giay-chung-sinh.pdf", script, content_type="application/pdf")
    response = post(client, url, "documents", {}, {"gcs": upload})
    assert response.status_code == 200
    assert "This PDF contains active content" in response.content.decode()
    assert not FormDraft.objects.get().storage["step_files"].get("documents")
    assert 'value="Trần  Minh An"' in client.get(url + "child/").content.decode()


def test_a_date_in_day_month_year_boxes_names_the_missing_part_and_keeps_what_was_typed(
    client, setup, settings
):
    client.force_login(setup)
    url = start(client)
    page = client.get(url + "child/").content.decode()
    assert 'name="child-date_of_birth_day"' in page
    assert 'inputmode="numeric"' in page
    assert "For example, 27 3 2026" in page  # the field's own example, in the boxes' form
    typed = {
        **CHILD,
        "date_of_birth_day": "10",
        "date_of_birth_month": "",
        "date_of_birth_year": "2026",
    }
    del typed["date_of_birth"]
    response = post(client, url, "child", typed)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Date of birth must include a month" in page
    assert 'href="#id_child-date_of_birth_0"' in page  # the summary links to the boxes
    assert 'value="10"' in page
    assert 'value="2026"' in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    page = post(client, url, "child", {**typed, "full_name": ""}).content.decode()
    assert "Ngày sinh phải có tháng" in page
    assert "Nhập họ, chữ đệm và tên của trẻ" in page
    impossible = {**typed, "date_of_birth_day": "31", "date_of_birth_month": "2"}
    assert (
        "Ngày sinh phải là một ngày có thật"
        in post(client, url, "child", impossible).content.decode()
    )
    ok = {**typed, "date_of_birth_month": "11"}
    assert post(client, url, "child", ok).status_code == 302
    # the answer is kept as the boxes were typed, and read back as a date
    page = client.get(url + "child/").content.decode()
    assert 'name="child-date_of_birth_month" value="11"' in page


def test_check_your_answers_is_by_section_with_the_agency_the_fee_and_the_due_date(
    client, setup, agency_hk
):
    import time_machine

    from dossiers.services.common import channel_due_at
    from procedures.models import ChannelKind

    client.force_login(setup)
    url = start(client)
    walk_to_review(client, url)
    with time_machine.travel(timezone.now(), tick=False):
        review = client.get(url + "review/").content.decode()
        channel = FormDraft.objects.get().procedure_version.channels.get(kind=ChannelKind.ONLINE)
        due = channel_due_at(channel, timezone.now())
    assert agency_hk.name in review  # the agency of the commune chosen
    assert "Free" in review or "VND" in review
    assert f"By {timezone.localtime(due):%d/%m/%Y}" in review
    # one Change link a section, back to its first page, then straight back here
    assert review.count(f"{url}child/?return=review") == 1
    assert f"{url}province/?return=review" in review
    # the mother's verified name and number are marked; her section can still be changed
    # (her residence is hers to correct), the locked values only there read-only
    assert "verified" in review
    assert f"{url}mother/?return=review" in review


def test_a_step_shown_again_writes_nothing_and_a_new_step_is_kept(client, setup):
    """The draft is written when what it holds changes (an answer, the step the person is
    on), not on every page: a refresh of the same step makes no UPDATE (issue 11)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(setup)
    url = start(client)
    client.get(url + "child/")
    before = FormDraft.objects.get(user=setup).updated_at
    with CaptureQueriesContext(connection) as again:
        assert client.get(url + "child/").status_code == 200
    assert not [q for q in again if q["sql"].startswith("UPDATE")], again.captured_queries
    assert FormDraft.objects.get(user=setup).updated_at == before
    assert post(client, url, "child", CHILD).status_code == 302
    client.post(reverse("portal:logout"))
    client.force_login(setup)
    page = client.get(url, follow=True).content.decode()
    assert 'name="applicant-relationship"' in page  # the step reached was kept

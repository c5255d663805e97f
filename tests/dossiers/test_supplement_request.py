"""The structured supplement request (issue 16): the officer ticks the dossier's components
and adds other items, one row per item with its reason; bad input is explained in the
officer's language with everything kept; the applicant sees the rows on the dossier page, in
the notification and on slip 02, and answers each row on the resubmission page, where a file
that passed its checks is kept when another field has an error."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from dossiers.models import Dossier
from dossiers.services import MissingItem, dossier_receive, dossier_request_supplement
from dossiers.states.business import Status
from tests.conftest import PDF_BYTES, pdf_upload

pytestmark = pytest.mark.django_db

GCS = "Giấy chứng sinh do cơ sở y tế cấp"
TK = "Tờ khai đăng ký khai sinh"
SCRIPT_PDF = (
    b"%PDF-1.7\n1 0 obj<</Type/Catalog/OpenAction<</S/J#61vaScript/JS(app.alert(1))>>>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF"
)


@pytest.fixture
def received(submit, citizen_a, officer_hk, agency_hk, agency_bd):
    return dossier_receive(dossier=submit(citizen_a), officer=officer_hk, agency=agency_hk)


@pytest.fixture
def officer(client, officer_hk, officer_login):
    officer_login(client, officer_hk)
    return officer_hk


def _url(dossier: Dossier) -> str:
    return reverse("backoffice:supplement", args=[dossier.code])


def _english(client, settings) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _status(dossier: Dossier) -> int:
    dossier.refresh_from_db()
    return dossier.status


# --- The officer's form ------------------------------------------------------------------------


def test_the_form_lists_the_dossier_components_and_free_rows(client, received, officer):
    page = client.get(_url(received))
    assert page.status_code == 200
    html = page.content.decode()
    assert GCS in html
    assert TK in html
    assert 'name="pick" value="GCS"' in html
    assert 'name="reason_GCS"' in html
    assert 'name="other_name_1"' in html
    assert 'name="other_reason_3"' in html
    # the detail page links to it (no free-text box any more)
    detail = client.get(reverse("backoffice:detail", args=[received.code])).content.decode()
    assert _url(received) in detail
    assert 'name="items"' not in detail


@pytest.mark.parametrize(
    ("data", "vi", "en"),
    [
        ({}, "Chọn ít nhất một mục", "Choose at least one item"),
        (
            {"pick": ["GCS"], "reason_GCS": "   ", "other_name_1": "Ảnh chân dung"},
            "Nêu lý do",
            "Give the reason",
        ),
        (
            {"pick": ["NOPE"], "other_name_1": "Ảnh chân dung", "other_reason_1": "thiếu"},
            "không phải là một mục của hồ sơ này",
            "is not an item of this dossier",
        ),
        (
            {"reason_GCS": "bị mờ", "other_name_1": "Ảnh chân dung", "other_reason_1": "x"},
            "Đánh dấu cả mục này",
            "Tick the item too",
        ),
        ({"other_reason_2": "thiếu chữ ký"}, "Ghi tên mục", "Name the item"),
    ],
    ids=["no-row", "empty-reason", "unknown-item", "reason-without-tick", "reason-without-name"],
)
@pytest.mark.parametrize("language", ["vi", "en"])
def test_bad_input_is_explained_and_everything_typed_is_kept(
    client, settings, received, officer, data, vi, en, language
):
    if language == "en":
        _english(client, settings)
    response = client.post(_url(received), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>Lỗi:" in html or "<title>Error:" in html
    assert 'class="error-summary"' in html
    assert (vi if language == "vi" else en) in html
    for key, value in data.items():
        if isinstance(value, str) and value.strip():
            assert value in html, key  # kept in its field
    if data.get("pick") == ["GCS"]:
        assert re.search(r'value="GCS" id="id_pick_\d+" checked', html)
    assert _status(received) == Status.RECEIVED
    assert not received.supplements.exists()


def test_a_structured_request_is_stored_and_shown_everywhere(
    client, received, officer, citizen_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(received),
            {
                "pick": ["GCS", "TK-KS"],
                "reason_GCS": "Ảnh chụp bị mờ, không đọc được số",
                "reason_TK-KS": "Thiếu chữ ký của người đi đăng ký",
                "other_name_2": "Ảnh chân dung",
                "other_reason_2": "Không có trong hồ sơ",
                "note": "Xin cảm ơn.",
            },
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:detail", args=[received.code])
    assert _status(received) == Status.SUPPLEMENT_REQUESTED
    supplement = received.supplements.get()
    assert [(i["component"], i["reason"]) for i in supplement.items] == [
        ("GCS", "Ảnh chụp bị mờ, không đọc được số"),
        ("TK-KS", "Thiếu chữ ký của người đi đăng ký"),
        ("", "Không có trong hồ sơ"),
    ]
    assert supplement.items[-1]["name"] == "Ảnh chân dung"
    assert supplement.note == "Xin cảm ơn."

    # The notification lists the rows, one a line.
    from notifications.wording import compose

    event = received.events.get(action="supplement_requested")
    notice = compose(event)
    assert notice is not None
    assert f"{GCS}: Ảnh chụp bị mờ, không đọc được số" in notice.email_body
    assert "Ảnh chân dung: Không có trong hồ sơ" in notice.email_body
    assert "Ảnh chân dung: Không có trong hồ sơ" in notice.portal_body
    lines = [line for line in notice.email_body.splitlines() if re.match(r"^\d\. ", line)]
    assert len(lines) == 3

    # Slip 02 lists them as a table.
    slip = client.get(reverse("backoffice:slip", args=[received.code, "02"]))
    content = b"".join(slip.streaming_content) if slip.streaming else slip.content
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Ảnh chân dung" in text
    assert "Không có trong hồ sơ" in text

    # The applicant's dossier page shows each row with its reason.
    client.force_login(citizen_a)
    html = client.get(reverse("dossiers:mine_detail", args=[received.code])).content.decode()
    assert '<th scope="row">Ảnh chân dung</th><td>Không có trong hồ sơ</td>' in html
    assert f'<th scope="row">{GCS}</th><td>Ảnh chụp bị mờ, không đọc được số</td>' in html
    assert "Xin cảm ơn." in html


def test_the_service_refuses_an_unknown_component_or_an_empty_reason(
    received, officer_hk, agency_hk
):
    with pytest.raises(ValueError, match="component"):
        dossier_request_supplement(
            dossier=received,
            officer=officer_hk,
            agency=agency_hk,
            items=[MissingItem("Giấy lạ", "thiếu", component="NOPE")],
        )
    with pytest.raises(ValueError, match="reason"):
        dossier_request_supplement(
            dossier=received,
            officer=officer_hk,
            agency=agency_hk,
            items=[MissingItem("Tờ khai", "  ")],
        )
    assert _status(received) == Status.RECEIVED


def test_no_form_when_the_status_does_not_allow_it(client, submit, citizen_a, officer):
    submitted = submit(citizen_a)  # not received yet: no supplement
    response = client.get(_url(submitted))
    assert response.status_code == 302
    assert not submitted.supplements.exists()


# --- The applicant's resubmission ---------------------------------------------------------------


@pytest.fixture
def asked(received, officer_hk, agency_hk):
    dossier_request_supplement(
        dossier=received,
        officer=officer_hk,
        agency=agency_hk,
        items=[
            MissingItem(GCS, "Ảnh chụp bị mờ", component="GCS"),
            MissingItem("Ảnh chân dung", "Không có trong hồ sơ"),
        ],
    )
    return received


def test_the_resubmission_page_shows_exactly_the_items_asked_for(client, asked, citizen_a):
    client.force_login(citizen_a)
    html = client.get(reverse("dossiers:resubmit", args=[asked.code])).content.decode()
    assert html.count('class="fieldset panel-box supplement-item"') == 2
    assert f"1. {GCS}" in html
    assert "2. Ảnh chân dung" in html
    assert "Ảnh chụp bị mờ" in html
    assert 'name="file_0"' in html
    assert 'name="file_1"' in html
    assert 'name="file_2"' not in html


def test_an_item_left_unanswered_keeps_the_file_uploaded_for_another(
    client, settings, asked, citizen_a
):
    client.force_login(citizen_a)
    url = reverse("dossiers:resubmit", args=[asked.code])
    first = client.post(url, {"file_0": pdf_upload("giay-chung-sinh-moi.pdf"), "note": "Gửi lại"})
    assert first.status_code == 400
    html = first.content.decode()
    assert "Tải lên giấy tờ được yêu cầu, hoặc viết câu trả lời" in html
    assert "giay-chung-sinh-moi.pdf" in html  # kept: shown as uploaded
    assert "Gửi lại" in html
    assert _status(asked) == Status.SUPPLEMENT_REQUESTED
    assert not asked.attachments.filter(original_name="giay-chung-sinh-moi.pdf").exists()

    # The second post answers the other item without choosing the file again.
    second = client.post(url, {"answer_1": "Tôi nộp ảnh ở quầy", "note": "Gửi lại"})
    assert second.status_code == 302
    assert _status(asked) == Status.RECEIVED
    attachment = asked.attachments.get(original_name="giay-chung-sinh-moi.pdf")
    assert attachment.component.code == "GCS"
    assert attachment.file.read() == PDF_BYTES
    supplement = asked.supplements.get()
    assert [i.get("answer") for i in supplement.items] == ["", "Tôi nộp ảnh ở quầy"]
    assert "supplement_uploads" not in client.session or not client.session["supplement_uploads"]
    staged = settings.MEDIA_ROOT / "supplements" / "staged"
    assert not staged.exists() or not any(staged.iterdir())


def test_a_refused_file_is_explained_in_english_and_the_answers_are_kept(
    client, settings, asked, citizen_a
):
    _english(client, settings)
    client.force_login(citizen_a)
    response = client.post(
        reverse("dossiers:resubmit", args=[asked.code]),
        {
            "file_0": SimpleUploadedFile("to-khai.pdf", SCRIPT_PDF),
            "answer_1": "I will bring the photo",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Error:" in html
    assert "active content" in html
    assert "I will bring the photo" in html
    assert "File already uploaded" not in html  # a refused file is not kept
    assert _status(asked) == Status.SUPPLEMENT_REQUESTED

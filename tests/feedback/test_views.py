"""The pages: rating with criteria, the agency's review list, complaints filed without
JavaScript, the officers' queue, access (404 for other agencies) and the public answers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from feedback.models import Complaint, ComplaintKind, ComplaintStatus, Rating, ReviewStatus
from feedback.services import complaint_answer, complaint_submit, rating_create
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


def _publish_answer(complaint, officer, answer):
    return complaint_answer(
        complaint=complaint,
        officer=officer,
        answer=answer,
        publish=True,
        public_title=complaint.title,
        public_question="Có phải nộp bản sao giấy tờ nhiều lần không?",
    )


def _complaint(author, agency, **kwargs) -> Complaint:
    defaults = {
        "kind": ComplaintKind.RULES,
        "title": "Thủ tục đăng ký khai sinh quá nhiều giấy tờ",
        "content": "Tôi là Nguyễn Thị Lan, số điện thoại 0912345678, phải nộp bản sao nhiều lần.",
    }
    return complaint_submit(author=author, agency=agency, **{**defaults, **kwargs})


# --- rating ---------------------------------------------------------------------------------


def test_dossier_page_offers_rating_with_optional_criteria(en, refused, citizen_a):
    en.force_login(citizen_a)
    page = en.get(reverse("dossiers:mine_detail", args=[refused.code]))
    html = page.content.decode()
    assert "Optional: rate each part of the service" in html
    assert html.count('name="criterion_') == 9 * 4
    assert "Send feedback or a complaint about this dossier" in html


def test_rating_posted_with_criteria_and_an_unhappy_one_shows_the_response(
    en, refused, citizen_a, officer_hk, officer_login
):
    en.force_login(citizen_a)
    response = en.post(
        reverse("dossiers:rate", args=[refused.code]),
        {
            "level": "0",
            "comment": "Lý do từ chối không rõ",
            "criterion_staff_attitude": "1",
            "criterion_publicity": "",
        },
    )
    assert response.status_code == 302
    rating = Rating.objects.get(dossier=refused)
    assert rating.criteria == {"staff_attitude": 1}
    assert rating.review_status == ReviewStatus.REQUESTED

    officer_login(en, officer_hk)
    queue = en.get(reverse("feedback_backoffice:ratings"))
    assert refused.code in queue.content.decode()
    page = en.get(reverse("feedback_backoffice:rating", args=[rating.pk]))
    assert page.status_code == 200
    assert AuditEvent.objects.filter(action="rating.view", actor=officer_hk).exists()
    bad = en.post(reverse("feedback_backoffice:rating_act", args=[rating.pk, "respond"]), {})
    assert bad.status_code == 400
    assert "Write your response to the applicant." in bad.content.decode()
    en.post(
        reverse("feedback_backoffice:rating_act", args=[rating.pk, "respond"]),
        {"response": "Hồ sơ thiếu giấy chứng sinh bản chính."},
    )
    en.force_login(citizen_a)
    html = en.get(reverse("dossiers:mine_detail", args=[refused.code])).content.decode()
    assert "The agency&#x27;s response" in html or "The agency's response" in html
    assert "Hồ sơ thiếu giấy chứng sinh bản chính." in html


def test_invalid_rating_rerenders_with_the_comment_kept(en, refused, citizen_a):
    en.force_login(citizen_a)
    response = en.post(
        reverse("dossiers:rate", args=[refused.code]),
        {"comment": "Giữ nguyên lời tôi viết", "criterion_one_stop": "9"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose how satisfied you are." in html
    assert "Giữ nguyên lời tôi viết" in html
    assert not Rating.objects.exists()


def test_other_agency_officer_gets_404_on_rating_and_complaint(
    client, refused, citizen_a, agency_hk, officer_bd, officer_login
):
    rating = rating_create(dossier=refused, user=citizen_a, level=0)
    complaint = _complaint(citizen_a, agency_hk)
    officer_login(client, officer_bd)
    assert client.get(reverse("feedback_backoffice:rating", args=[rating.pk])).status_code == 404
    assert (
        client.post(
            reverse("feedback_backoffice:rating_act", args=[rating.pk, "respond"]),
            {"response": "x"},
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("feedback_backoffice:complaint", args=[complaint.code])).status_code
        == 404
    )
    assert (
        client.post(
            reverse("feedback_backoffice:complaint_act", args=[complaint.code, "answer"]),
            {"answer": "x"},
        ).status_code
        == 404
    )
    assert refused.code not in client.get(reverse("feedback_backoffice:ratings")).content.decode()
    assert (
        complaint.code not in client.get(reverse("feedback_backoffice:complaints")).content.decode()
    )


def test_citizens_do_not_reach_the_back_office(client, citizen_a):
    client.force_login(citizen_a)
    assert client.get(reverse("feedback_backoffice:complaints")).status_code == 404
    assert client.get(reverse("feedback_backoffice:triage")).status_code == 404


# --- complaints -------------------------------------------------------------------------------


def test_search_for_the_agency_keeps_what_was_typed_then_submits(en, citizen_a, agency_hk):
    en.force_login(citizen_a)
    typed = {
        "kind": "staff",
        "title": "Cán bộ thiếu nhiệt tình",
        "content": "Tôi chờ hai giờ ở bộ phận một cửa.",
        "agency_query": "uy ban hoan kiem",  # no diacritics
        "search": "1",
    }
    page = en.post(reverse("feedback:complaint_new"), typed)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Cán bộ thiếu nhiệt tình" in html
    assert "Tôi chờ hai giờ ở bộ phận một cửa." in html
    assert f'value="{agency_hk.pk}"' in html
    assert not Complaint.objects.exists()
    typed.pop("search")
    response = en.post(reverse("feedback:complaint_new"), {**typed, "agency": str(agency_hk.pk)})
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:complaint", args=[complaint.code])
    assert complaint.agency == agency_hk
    assert complaint.status == ComplaintStatus.ROUTED


def test_missing_fields_show_errors_and_keep_input(en, citizen_a):
    en.force_login(citizen_a)
    response = en.post(reverse("feedback:complaint_new"), {"content": "Nội dung của tôi"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose what your feedback is about." in html
    assert "Write a short title." in html
    assert "Nội dung của tôi" in html
    assert html.count("Error:") >= 1


def test_complaint_about_own_dossier_goes_to_its_agency(en, refused, citizen_a, agency_hk):
    en.force_login(citizen_a)
    page = en.get(reverse("feedback:complaint_new") + f"?dossier={refused.code}")
    assert f'value="{refused.code}" selected' in page.content.decode()
    en.post(
        reverse("feedback:complaint_new"),
        {"kind": "rules", "dossier": refused.code, "title": "Vì sao từ chối", "content": "..."},
    )
    assert Complaint.objects.get().agency == agency_hk


def test_author_sees_only_own_complaints(client, citizen_a, citizen_b, agency_hk):
    complaint = _complaint(citizen_a, agency_hk)
    client.force_login(citizen_b)
    assert client.get(reverse("feedback:complaint", args=[complaint.code])).status_code == 404
    assert complaint.code not in client.get(reverse("feedback:mine")).content.decode()
    client.force_login(citizen_a)
    assert complaint.code in client.get(reverse("feedback:mine")).content.decode()


def test_officer_answers_and_publishes_then_the_author_rates(
    en, citizen_a, agency_hk, officer_hk, officer_login
):
    complaint = _complaint(citizen_a, agency_hk)
    officer_login(en, officer_hk)
    queue = en.get(reverse("feedback_backoffice:complaints")).content.decode()
    assert complaint.code in queue
    assert "deadline-on_time" in queue
    assert (
        en.get(reverse("feedback_backoffice:complaint", args=[complaint.code])).status_code == 200
    )
    en.post(reverse("feedback_backoffice:complaint_act", args=[complaint.code, "take"]))
    page = en.get(reverse("feedback_backoffice:complaint", args=[complaint.code]))
    assert complaint.content in page.content.decode()  # the public text starts from the author's
    refused = en.post(
        reverse("feedback_backoffice:complaint_act", args=[complaint.code, "answer"]),
        {"answer": "Từ 2026 chỉ cần bản điện tử.", "publish": "on", "public_question": ""},
    )
    assert refused.status_code == 400
    assert "Write the question as it will be published." in refused.content.decode()
    assert "Từ 2026 chỉ cần bản điện tử." in refused.content.decode()
    en.post(
        reverse("feedback_backoffice:complaint_act", args=[complaint.code, "answer"]),
        {
            "answer": "Từ 2026 chỉ cần bản điện tử.",
            "publish": "on",
            "public_title": "Số bản sao khi đăng ký khai sinh",
            "public_question": "Có phải nộp bản sao nhiều lần không?",
        },
    )
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ANSWERED
    assert complaint.is_public
    assert AuditEvent.objects.filter(action="complaint.view", actor=officer_hk).exists()

    en.force_login(citizen_a)
    page = en.get(reverse("feedback:complaint", args=[complaint.code])).content.decode()
    assert "Từ 2026 chỉ cần bản điện tử." in page
    assert "Does this answer satisfy you?" in page
    assert en.post(reverse("feedback:complaint_rate", args=[complaint.code]), {}).status_code == 400
    en.post(reverse("feedback:complaint_rate", args=[complaint.code]), {"satisfied": "1"})
    complaint.refresh_from_db()
    assert complaint.author_satisfied is True
    assert complaint.status == ComplaintStatus.CLOSED


# --- the public -----------------------------------------------------------------------------


def test_public_answers_hide_unpublished_and_personal_data(en, citizen_a, agency_hk, officer_hk):
    published = _complaint(citizen_a, agency_hk)
    _publish_answer(published, officer_hk, "Chỉ cần một bản sao.")
    private = _complaint(citizen_a, agency_hk, title="Câu hỏi riêng tư về hộ khẩu")
    complaint_answer(complaint=private, officer=officer_hk, answer="Riêng", publish=False)
    unanswered = _complaint(citizen_a, agency_hk, title="Chưa trả lời")

    html = en.get(reverse("feedback:answers")).content.decode()
    assert "Thủ tục đăng ký khai sinh quá nhiều giấy tờ" in html
    assert "Câu hỏi riêng tư" not in html
    assert "Chưa trả lời" not in html
    for personal in (citizen_a.full_name, citizen_a.email, officer_hk.username):
        assert personal not in html
    detail = en.get(reverse("feedback:answer", args=[published.code])).content.decode()
    assert "Chỉ cần một bản sao." in detail
    for personal in (citizen_a.full_name, "0912345678", officer_hk.username, published.content):
        assert personal not in detail
    # words only in the private content find nothing
    search = en.get(reverse("feedback:answers"), {"q": "0912345678"}).content.decode()
    assert published.title not in search
    for hidden in (private, unanswered):
        assert en.get(reverse("feedback:answer", args=[hidden.code])).status_code == 404


def test_public_search_ignores_diacritics_and_filters_by_agency(
    en, citizen_a, agency_hk, agency_bd, officer_hk, officer_bd
):
    hk = _complaint(citizen_a, agency_hk)
    _publish_answer(hk, officer_hk, "Trả lời HK")
    bd = _complaint(citizen_a, agency_bd, title="Lệ phí chứng thực")
    _publish_answer(bd, officer_bd, "Trả lời BD")
    found = en.get(reverse("feedback:answers"), {"q": "DANG KY khai sinh"}).content.decode()
    assert hk.title in found
    assert bd.title not in found
    by_agency = en.get(reverse("feedback:answers"), {"agency": agency_bd.pk}).content.decode()
    assert bd.title in by_agency
    assert hk.title not in by_agency
    by_procedure = en.get(reverse("feedback:answers"), {"procedure": "9.999999"})
    assert by_procedure.status_code == 200
    assert hk.title in by_procedure.content.decode()  # an unknown choice is ignored, not a 500


def test_publish_later_with_the_public_text_then_withdraw(
    en, citizen_a, agency_hk, officer_hk, officer_login
):
    complaint = _complaint(citizen_a, agency_hk)
    complaint_answer(complaint=complaint, officer=officer_hk, answer="Trả lời riêng")
    officer_login(en, officer_hk)
    url = reverse("feedback_backoffice:complaint_act", args=[complaint.code, "publish"])
    bad = en.post(url, {"public_title": "Số bản sao", "public_question": " "})
    assert bad.status_code == 400
    assert "Số bản sao" in bad.content.decode()
    en.post(url, {"public_title": "Số bản sao", "public_question": "Nộp mấy bản sao?"})
    assert en.get(reverse("feedback:answer", args=[complaint.code])).status_code == 200
    en.post(reverse("feedback_backoffice:complaint_act", args=[complaint.code, "unpublish"]))
    assert en.get(reverse("feedback:answer", args=[complaint.code])).status_code == 404


def test_triage_page_routes_a_complaint_for_administrators_only(
    client, citizen_a, agency_bd, officer_hk, officer_login
):
    from django.contrib.auth.models import Permission

    complaint = complaint_submit(
        author=citizen_a, kind=ComplaintKind.SERVICE, title="Cổng bị lỗi", content="Không tải được"
    )
    officer_login(client, officer_hk)
    assert client.get(reverse("feedback_backoffice:triage")).status_code == 404
    officer_hk.user_permissions.add(Permission.objects.get(codename="triage_complaint"))
    page = client.get(reverse("feedback_backoffice:triage"))
    assert complaint.code in page.content.decode()
    client.post(
        reverse("feedback_backoffice:triage"),
        {"code": complaint.code, "agency_code": agency_bd.code.lower()},
    )
    complaint.refresh_from_db()
    assert complaint.agency == agency_bd
    assert complaint.status == ComplaintStatus.ROUTED


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_do_not_query_per_row(client, citizen_a, agency_hk, officer_hk, officer_login):
    def add(n: int) -> None:
        for i in range(n):
            c = _complaint(citizen_a, agency_hk, title=f"Câu hỏi {i}")
            if i % 2:
                _publish_answer(c, officer_hk, "Trả lời")

    officer_login(client, officer_hk)
    add(2)
    urls = [reverse("feedback_backoffice:complaints"), reverse("feedback:answers")]
    few = [_queries(client, url) for url in urls]
    add(8)
    many = [_queries(client, url) for url in urls]
    assert many == few
    client.force_login(citizen_a)
    few_mine = _queries(client, reverse("feedback:mine"))
    add(3)
    assert _queries(client, reverse("feedback:mine")) == few_mine


def test_complaint_form_posts_are_rate_limited_per_person(client, settings, citizen_a):
    settings.PORTAL_COMPLAINT_RATE = "2/m"
    client.force_login(citizen_a)
    url = reverse("feedback:complaint_new")
    statuses = [client.post(url, {"agency_query": "x", "search": "1"}).status_code for _ in "abc"]
    assert statuses == [200, 200, 429]
    assert client.get(url).status_code == 200  # reading the form is never limited


def test_a_typed_but_unchosen_agency_is_not_silently_dropped(en, citizen_a, agency_hk):
    en.force_login(citizen_a)
    response = en.post(
        reverse("feedback:complaint_new"),
        {"kind": "rules", "title": "Tiêu đề", "content": "Nội dung", "agency_query": "hoan kiem"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Press Search and choose the agency, or clear this box." in html
    assert f'value="{agency_hk.pk}"' in html  # the agencies found are offered right away
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("agency", ["²", "٣", "9" * 400, "-1", "0"])
def test_a_malformed_agency_number_is_a_choice_error_not_a_500(en, citizen_a, agency_hk, agency):
    """Issue 15 finding 2: `'²'.isdigit()` is true and `int('²')` raised."""
    en.force_login(citizen_a)
    typed = {"kind": "staff", "title": "Cán bộ", "content": "Nội dung của tôi", "agency": agency}
    response = en.post(reverse("feedback:complaint_new"), typed)
    assert response.status_code == 400
    assert "Nội dung của tôi" in response.content.decode()
    searching = en.post(
        reverse("feedback:complaint_new"), {**typed, "search": "1", "agency_query": "hoan kiem"}
    )
    assert searching.status_code == 200
    assert f'value="{agency_hk.pk}"' in searching.content.decode()
    assert not Complaint.objects.exists()

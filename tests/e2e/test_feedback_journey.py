"""The feedback journey in the browser, on a phone and at an officer's desk: a mother whose
dossier was refused rates it "not satisfied" with two criteria; the agency responds; she files a
complaint, finding the agency by typing its name without diacritics; the officer answers and
publishes it with a question rewritten for the public; she rates the answer; anyone finds it in
the public answers. Every page of the journey passes axe (WCAG 2.0/2.1/2.2 A and AA)."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.cache import cache
from playwright.sync_api import expect

from dossiers.services import dossier_refuse
from feedback.models import Complaint, ComplaintStatus, Rating, ReviewStatus
from tests.conftest import otp_device
from tests.e2e.journeys import officer_sign_in, sso_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def no_axe_violations(page) -> None:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations = results.response["violations"]
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]


@pytest.fixture
def setup(
    live_server,
    national_settings,
    settings,
    hanoi,
    hoan_kiem,
    agency_hk,
    birth_version,
    officer_hk,
    citizen_a,
    submit,
):
    settings.PORTAL_BASE_URL = live_server.url
    cache.clear()
    dossier = submit(citizen_a)
    dossier = dossier_refuse(
        dossier=dossier, officer=officer_hk, agency=agency_hk, reason="Thiếu giấy chứng sinh"
    )
    return {"url": live_server.url, "dossier": dossier, "hk": otp_device(officer_hk)}


def test_unhappy_rating_response_complaint_answer_and_public_answer(setup, phone, desk, shot):
    base, dossier = setup["url"], setup["dossier"]
    page = phone

    # The mother signs in and rates her refused dossier "not satisfied", with two criteria.
    page.goto(f"{base}/login/")
    sso_sign_in(page, "Nguyễn Thị Lan")
    page.goto(f"{base}/dossiers/{dossier.code}/")
    page.get_by_label(re.compile("^(Không hài lòng|Not satisfied)$")).check()
    page.locator("summary", has_text=re.compile("đánh giá từng|rate each part")).click()
    page.locator("input[name=criterion_staff_attitude][value='1']").check()
    page.locator("input[name=criterion_publicity][value='0']").check()
    no_axe_violations(page)
    shot(page, "feedback-01-rate")
    page.get_by_role("button", name=re.compile("Gửi đánh giá|Send rating")).click()
    rating = Rating.objects.get(dossier=dossier)
    assert rating.criteria == {"staff_attitude": 1, "publicity": 0}
    assert rating.review_status == ReviewStatus.REQUESTED

    # The officer sees it in the agency's list and responds.
    desk.goto(f"{base}/")
    officer_sign_in(desk, base, "hk.officer", setup["hk"])
    desk.goto(f"{base}/backoffice/feedback/ratings/")
    no_axe_violations(desk)
    desk.get_by_role("link", name=dossier.code).click()
    desk.get_by_label(re.compile("Nội dung phản hồi|Your response")).fill(
        "Hồ sơ cần bản chính giấy chứng sinh; mời bà nộp lại, chúng tôi hỗ trợ ngay."
    )
    no_axe_violations(desk)
    shot(desk, "feedback-02-respond")
    desk.get_by_role("button", name=re.compile("Gửi phản hồi|Send the response")).click()
    expect(desk.locator(".notice-success")).to_be_visible()

    page.goto(f"{base}/dossiers/{dossier.code}/")
    expect(page.get_by_text("mời bà nộp lại")).to_be_visible()

    # She files a complaint, finding the agency by typing without diacritics.
    page.goto(f"{base}/feedback/complaints/new/")
    page.get_by_label(re.compile("^(Hành vi, thái độ|The behaviour of staff)")).check()
    page.get_by_label(re.compile("^(Tiêu đề|Title)$")).fill("Hướng dẫn chưa rõ ràng")
    page.get_by_label(re.compile("^(Nội dung phản ánh, kiến nghị|Your feedback)$")).fill(
        "Tôi là Nguyễn Thị Lan, 0912345678: không ai nói trước cần bản chính."
    )
    page.get_by_label(re.compile("tìm cơ quan|find the agency")).fill("hoan kiem")
    page.get_by_role("button", name=re.compile("^(Tìm kiếm|Search)$")).click()
    assert page.get_by_label(re.compile("^(Tiêu đề|Title)$")).input_value() == (
        "Hướng dẫn chưa rõ ràng"
    )
    page.get_by_label(re.compile("Hoàn Kiếm")).check()
    no_axe_violations(page)
    shot(page, "feedback-03-complaint")
    page.get_by_role("button", name=re.compile("^(Gửi|Send)$")).click()
    complaint = Complaint.objects.get()
    assert complaint.status == ComplaintStatus.ROUTED
    no_axe_violations(page)

    # The officer answers and publishes with a question rewritten for the public.
    desk.goto(f"{base}/backoffice/feedback/complaints/")
    no_axe_violations(desk)
    desk.get_by_role("link", name=complaint.code).click()
    desk.get_by_label(re.compile("^(Trả lời|Answer)$")).fill(
        "Danh mục giấy tờ nay được ghi rõ trên trang thủ tục."
    )
    desk.get_by_label(re.compile("Công khai câu hỏi|Publish the question")).check()
    desk.get_by_label(re.compile("Nội dung câu hỏi công khai|Question as published")).fill(
        "Vì sao không được hướng dẫn trước về bản chính giấy chứng sinh?"
    )
    no_axe_violations(desk)
    shot(desk, "feedback-04-answer")
    desk.get_by_role("button", name=re.compile("Gửi nội dung trả lời|Send the answer")).click()
    complaint.refresh_from_db()
    assert complaint.is_public

    # She reads the answer and rates it.
    page.goto(f"{base}/feedback/complaints/{complaint.code}/")
    page.get_by_label(re.compile("^(Có, tôi hài lòng|Yes, I am satisfied)$")).check()
    no_axe_violations(page)
    page.get_by_role("button", name=re.compile("^(Gửi|Send)$")).click()
    complaint.refresh_from_db()
    assert complaint.author_satisfied is True

    # Anyone finds it, without diacritics, and sees no personal data.
    public = desk.context.browser.new_context().new_page()
    public.goto(f"{base}/feedback/answers/?q=giay+chung+sinh")
    no_axe_violations(public)
    public.get_by_role("link", name="Hướng dẫn chưa rõ ràng").click()
    public.wait_for_load_state("load")
    body = public.content()
    shot(public, "feedback-05-public-answer")
    assert "Danh mục giấy tờ" in body
    for personal in ("Nguyễn Thị Lan", "0912345678", dossier.code, "hk.officer"):
        assert personal not in body
    no_axe_violations(public)

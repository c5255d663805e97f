"""Issue 4 in the browser, for three procedures: what the state already knows is filled in and
shown with its source, identity values are locked, an earlier result is reused from the
citizen's e-document store, and national databases that do not answer are handled (one the
form can do without: the person types; one it cannot: the form stops and keeps the draft)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from dossiers.models import Attachment, AttachmentKind, Dossier, FormDraft
from prefill.circuit import CircuitBreaker
from procedures.services import procedures_load

from .journeys import continue_, fill_date_boxes, sso_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BIRTH = "1.001193"
LICENCE = "3.000347"
RESIDENCE = "1.004222"


@pytest.fixture
def portal(live_server, national_settings, settings, hanoi, hoan_kiem, agency_hk):
    settings.PORTAL_BASE_URL = live_server.url
    settings.PREFILL_TIMEOUT_SECONDS = 1.0
    cache.clear()
    procedures_load()
    return live_server.url


def start(page, base: str, code: str) -> None:
    page.goto(f"{base}/procedures/{code}/")
    page.get_by_role("button", name=re.compile("Bắt đầu trực tuyến|Start online")).click()


def current_step(page) -> str:
    return page.locator("input[name$='-current_step']").input_value()


def answer(page, step: str, values: dict) -> None:
    """Fill one page as a person would: radios ticked, lists chosen, boxes typed."""
    for name, value in values.items():
        field = page.locator(f"[name='{step}-{name}']")
        if not field.count() and page.locator(f"[name='{step}-{name}_day']").count():
            fill_date_boxes(page, f"{step}-{name}", value)  # a date: day / month / year
            continue
        kind = field.first.get_attribute("type") or field.first.evaluate("e => e.tagName")
        if kind == "radio":
            page.locator(f"[name='{step}-{name}'][value='{value}']").check()
        elif kind.upper() == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def walk(page, answers: dict[str, dict], until: str) -> None:
    """Answer page after page (a page without answers keeps what was prefilled) until `until`."""
    seen = []
    for _ in range(20):
        step = current_step(page)
        if step == until:
            return
        if seen.count(step) > 1:
            errors = page.locator(".error-message").all_inner_texts()
            raise AssertionError(f"stuck on {step}: {errors}")
        seen.append(step)
        answer(page, step, answers.get(step, {}))
        continue_(page)
    raise AssertionError(f"never reached {until}: {seen}")


def test_prefilled_locked_reused_and_outages_in_three_procedures(
    portal, phone, shot, national_services_factory, settings
):
    page = phone
    working_mocks = settings.NATIONAL_SERVICES_URL

    # 1. Birth registration: the mother's details come from the population database, shown
    #    with their source, and her identity is locked.
    start(page, portal, BIRTH)
    sso_sign_in(page, "Nguyễn Thị Lan")
    answer(
        page,
        "child",
        {"full_name": "Trần Minh An", "sex": "male", "date_of_birth": "2026-11-10"},
    )
    continue_(page)
    expect(page.locator("[name='applicant-relationship'][value='mother']")).to_be_checked()
    continue_(page)
    name = page.locator("[name='mother-full_name']")
    assert name.input_value() == "Nguyễn Thị Lan"
    assert name.get_attribute("readonly") is not None
    assert page.locator("[name='mother-identification_number']").get_attribute("readonly")
    source = page.locator(".prefill-source").first
    assert re.search(
        "Cơ sở dữ liệu quốc gia về dân cư|population database", source.inner_text(), re.I
    )
    shot(page, "issue4-01-birth-prefilled-locked")

    # 2. Driving licence renewal: the licence database is crucial. Down, the form says it
    #    cannot continue now and keeps the draft; back up, the same draft goes on, prefilled.
    down = national_services_factory(NATIONAL_MOCKS_DOWN="vehicles")
    settings.NATIONAL_SERVICES_URL = down.url
    start(page, portal, LICENCE)
    assert re.search("chưa thể tiếp tục|cannot continue", page.locator("main").inner_text(), re.I)
    shot(page, "issue4-02-licence-crucial-source-down")
    draft = FormDraft.objects.get(procedure_version__procedure__code=LICENCE)
    settings.NATIONAL_SERVICES_URL = working_mocks
    CircuitBreaker("licences").record_success()
    page.reload()
    assert FormDraft.objects.get(procedure_version__procedure__code=LICENCE).pk == draft.pk
    walk(page, {}, until="licence")
    number = page.locator("[name='licence-number']")
    assert re.fullmatch(r"\d{12}", number.input_value())
    assert number.get_attribute("readonly") is not None
    assert re.search(
        "giấy phép lái xe|driving licence", page.locator(".prefill-source").first.inner_text(), re.I
    )
    shot(page, "issue4-03-licence-prefilled-locked")

    # 3. Permanent residence: the population database does not answer, so the person is told
    #    plainly and types; at the documents page the birth certificate the state issued her
    #    earlier is offered from her e-document store, and reused.
    population_down = national_services_factory(NATIONAL_MOCKS_DOWN="population")
    settings.NATIONAL_SERVICES_URL = population_down.url
    start(page, portal, RESIDENCE)
    notice = page.locator(".notice-warning")
    assert re.search("chưa kết nối được|could not reach", notice.inner_text(), re.I)
    assert page.locator("[name='person-full_name']").input_value() == ""
    shot(page, "issue4-04-residence-population-down")
    settings.NATIONAL_SERVICES_URL = working_mocks
    answer(
        page,
        "person",
        {
            "full_name": "Nguyễn Thị Lan",
            "identification_number": "001190012345",
            "date_of_birth": "1990-03-12",
            "sex": "female",
            "permanent_address": "12 Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội",
        },
    )
    continue_(page)
    walk(
        page,
        {
            "new_province": {"province": "01"},
            "new_commune": {"commune": "00070", "address_detail": "Số 8 ngõ 15 phố Hàng Bạc"},
            "basis": {"basis": "relatives"},
            "relatives": {"relative_relationship": "parent"},
            "members_question": {"with_others": "no"},
            "consent": {"consent": "app"},
        },
        until="documents",
    )
    reuse = page.get_by_label(re.compile("kho dữ liệu|e-document store"))
    expect(reuse.first).to_be_checked()
    shot(page, "issue4-05-residence-reuse-from-store")
    continue_(page)
    walk(page, {}, until="review")
    assert re.search("kho dữ liệu|e-document store", page.locator("main").inner_text(), re.I)
    page.get_by_label(re.compile("cam đoan|declare")).check()
    page.get_by_role("button", name=re.compile("Đồng ý và nộp|Agree and submit")).click()
    page.wait_for_url(re.compile("/submitted/"))
    shot(page, "issue4-06-residence-submitted")

    dossier = Dossier.objects.get(procedure_version__procedure__code=RESIDENCE)
    reused = Attachment.objects.get(dossier=dossier, kind=AttachmentKind.REUSED)
    assert reused.component.code == "QHNT"
    assert reused.store_document_id
    assert dossier.case.code == "TH2"

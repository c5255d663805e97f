"""Accessibility in a real browser (Debian's chromium): axe-core with the WCAG 2.0 A/AA, 2.1 AA
and 2.2 AA rules finds nothing on the pages a citizen and an officer see, on a phone (390 x 844)
and on a desktop: the home page, the catalogue (with and without a search), a procedure page,
EVERY step of three real e-forms and of a test form with a repeating group, an address, a choice
and an exit page, the error states, check your answers, the confirmation page, "My dossiers", a
dossier, the public tracking page, the sign-in pages and the back-office queue with its deadline
colours. On the phone nothing scrolls sideways and every control is at least 44 px high; the
keyboard focus is visible. Screenshots of every page checked go to var/screenshots/a11y-*.png."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_otp.oath import totp
from playwright.sync_api import expect

from dossiers.models import Dossier, EForm, Status
from dossiers.wizard import ADD_ROW
from procedures.models import Procedure
from procedures.services import DATA_DIR, procedure_import, procedures_load
from tests.conftest import PDF_BYTES, otp_device
from tests.e2e.a11y import DESKTOP, PHONE, Audit, contrast, step_name
from tests.e2e.journeys import fill_date_boxes, sso_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


def vi(vi_text: str, en: str) -> dict[str, str]:
    return {"vi": vi_text, "en": en}


# A form made for this test: a choice with an exit page, a select, a repeating group, an address
# (province, then commune) and the documents of the case.
TEST_FORM = {
    "key": "a11y_test",
    "version": 1,
    "title": vi("Tờ khai thử nghiệm tiếp cận", "Accessibility test form"),
    "form_component": "TK",
    "subjects": {"me": {"source": "population", "id": "user.personal_id"}},
    "case": {"default": "TH1"},
    "subject_name": "about.full_name",
    "contact": {"email": "contact.email"},
    "result_fields": [{"label": "Họ và tên", "path": "about.full_name"}],
    "steps": [
        {
            "name": "about",
            "title": vi("Về bạn", "About you"),
            "fields": [
                {
                    "name": "full_name",
                    "type": "text",
                    "validators": ["person_name"],
                    "label": vi("Họ và tên", "Full name"),
                    "prefill": {"subject": "me", "attribute": "full_name", "lock": True},
                },
                {
                    "name": "age_group",
                    "type": "choice",
                    "label": vi("Tuổi của bạn", "Your age"),
                    "choices": [
                        {"value": "adult", "label": vi("Từ đủ 18 tuổi", "18 or over")},
                        {"value": "minor", "label": vi("Dưới 18 tuổi", "Under 18")},
                    ],
                },
                {
                    "name": "purpose",
                    "type": "choice",
                    "widget": "select",
                    "label": vi("Mục đích", "Purpose"),
                    "choices": [
                        {"value": "work", "label": vi("Làm việc", "Work")},
                        {"value": "study", "label": vi("Học tập", "Study")},
                    ],
                },
            ],
            "exits": [
                {
                    "when": {"field": "age_group", "equals": "minor"},
                    "title": vi("Cha hoặc mẹ phải nộp thay bạn", "A parent must apply for you"),
                    "body": vi(
                        "Người dưới 18 tuổi không tự nộp được hồ sơ này.",
                        "People under 18 cannot apply themselves.",
                    ),
                    "procedure": "1.001193",
                }
            ],
        },
        {
            "name": "members",
            "kind": "repeat",
            "title": vi("Thành viên gia đình", "Family members"),
            "item_label": vi("Thành viên", "Member"),
            "min": 0,
            "max": 3,
            "fields": [
                {"name": "name", "type": "text", "label": vi("Họ và tên", "Name")},
                {
                    "name": "personal_id",
                    "type": "personal_id",
                    "label": vi("Số định danh cá nhân", "Personal ID"),
                },
            ],
        },
        {
            "name": "place",
            "kind": "address",
            "routing": True,
            "title": vi("Nơi bạn sống", "Where you live"),
            "province_step": "province",
            "commune_step": "commune",
            "province_label": vi("Tỉnh, thành phố", "Province or city"),
            "commune_label": vi("Xã, phường", "Commune or ward"),
            "detail": {"name": "street", "label": vi("Số nhà, đường phố", "House and street")},
        },
        {"name": "documents", "kind": "documents", "title": vi("Giấy tờ", "Documents")},
        {
            "name": "contact",
            "title": vi("Liên hệ", "Contact"),
            "fields": [
                {"name": "email", "type": "email", "required": False, "label": vi("Thư", "Mail")}
            ],
        },
        {
            "name": "review",
            "kind": "review",
            "title": vi("Kiểm tra câu trả lời", "Check your answers"),
            "declaration": vi("Tôi cam đoan thông tin trên là đúng.", "I declare it is true."),
        },
    ],
}

HA_NOI = {"province": "01"}
CONTACT = {"email": "nguoi.nop@example.vn", "phone": "0912 345 678"}

# Per form: whom to sign in as, the answers per wizard step ("FILE" is the certificate PDF),
# and for the first step the answers that make it fail (to see the error state).
FORMS: dict[str, dict[str, Any]] = {
    "birth_registration": {
        "person": "Nguyễn Thị Lan",
        "answers": {
            "child": {"full_name": "Trần Minh An", "sex": "male", "date_of_birth": "2026-11-10"},
            "province": HA_NOI,
            "commune": {"commune": "00070", "place_detail": "Bệnh viện Phụ sản Hà Nội"},
            "documents": {"gcs": "FILE"},
            "review": {"declaration": True},
        },
    },
    "marriage_registration": {
        "person": "Phạm Thị Mai",
        "answers": {
            "eligibility": {"of_age": "yes", "voluntary": True},
            "husband": {
                "full_name": "Hoàng Văn Nam",
                "identification_number": "048090001234",
                "date_of_birth": "1990-02-14",
                "residence": "Phường Hải Châu, Thành phố Đà Nẵng",
                "marital_status": "single",
            },
            "reg_province": HA_NOI,
            "reg_commune": {"commune": "00070", "residence_detail": "Số 5 phố Hàng Bạc"},
            "documents": {"xnhn": "FILE"},
            "contact": CONTACT,
            "review": {"declaration": True},
        },
    },
    "criminal_record": {
        "person": "Nguyễn Thị Lan",
        "answers": {
            "certificate_type": {"certificate_type": "1"},
            "certificate": {"purpose": "Bổ sung hồ sơ xin việc", "copies": "2"},
            "residence_history": [
                {
                    "date_from": "2004-03-12",
                    "date_to": "2012-08-31",
                    "address": "Xã Hải Minh, Tỉnh Nam Định",
                    "occupation": "Học sinh",
                },
                {"date_from": "2012-09-01", "address": "Số 12 phố Hàng Bạc, Hà Nội"},
            ],
            "contact": CONTACT,
            "review": {"declaration": True},
        },
    },
    "a11y_test": {
        "person": "Nguyễn Thị Lan",
        "exit": {"about": {"age_group": "minor", "purpose": "work"}},
        "answers": {
            "about": {"age_group": "adult", "purpose": "study"},
            "members": [
                {"name": "Trần Văn Minh", "personal_id": "001088004321"},
                {"name": "Trần Minh An", "personal_id": "001226000123"},
            ],
            "province": HA_NOI,
            "commune": {"commune": "00070", "street": "Số 5 phố Hàng Bạc"},
            "documents": {"gks": "FILE"},
            "review": {"declaration": True},
        },
    },
}


@pytest.fixture
def site(
    live_server,
    national_settings,
    settings,
    hanoi,
    hoan_kiem,
    ba_dinh,
    agency_hk,
    agency_bd,
    officer_hk,
    tmp_path,
):
    settings.PORTAL_BASE_URL = live_server.url
    cache.clear()
    procedures_load()
    _test_form_procedure()
    certificate = tmp_path / "giay-chung-sinh.pdf"
    certificate.write_bytes(PDF_BYTES)
    return {"url": live_server.url, "file": certificate, "device": otp_device(officer_hk)}


def _test_form_procedure() -> None:
    data = json.loads((DATA_DIR / "1.001193-birth-registration.json").read_text("utf-8"))
    data["code"] = "9.999101"
    data["name"] = "Thủ tục thử nghiệm khả năng tiếp cận"
    version = data["versions"][0]
    version["form_key"] = "a11y_test"
    component = {"originals": 1, "copies": 0, "template": "", "required": True}
    version["cases"] = [
        {
            "code": "TH1",
            "name": "Trường hợp chung",
            "name_en": "General case",
            "components": [
                {**component, "code": "TK", "name": "Tờ khai", "name_en": "Form"},
                {**component, "code": "GKS", "name": "Giấy khai sinh", "name_en": "Birth cert."},
            ],
        }
    ]
    procedure_import(data=data)
    EForm.objects.create(key="a11y_test", definition=TEST_FORM)


def procedure_code(form_key: str) -> str:
    for procedure in Procedure.objects.all():
        version = procedure.version_in_force()
        if version is not None and version.form_key == form_key:
            return procedure.code
    raise AssertionError(f"no procedure with the e-form {form_key}")


# --- driving the browser ------------------------------------------------------------------------


def continue_(page) -> None:
    """The page's main button: Continue, or Agree and submit (never Add another)."""
    page.locator("main form button[type=submit]:not([name])").last.click()
    page.wait_for_load_state()


def put(page, name: str, value: Any, file: Path) -> None:
    control = page.locator(f"[name='{name}']")
    if not control.count() and page.locator(f"[name='{name}_day']").count():
        fill_date_boxes(page, name, str(value))  # a date: day / month / year boxes
        return
    first = control.first
    tag = first.evaluate("element => element.tagName.toLowerCase()")
    kind = first.get_attribute("type") or ""
    if tag == "select":
        first.select_option(value)
    elif kind == "radio":
        page.locator(f"[name='{name}'][value='{value}']").check()
    elif kind == "checkbox" and isinstance(value, list):
        for item in value:
            page.locator(f"[name='{name}'][value='{item}']").check()
    elif kind == "checkbox":
        first.set_checked(bool(value))
    elif kind == "file":
        first.set_input_files(str(file))
    else:
        first.fill(str(value))


def fill_step(page, step: str, answer: Any, file: Path, audit: Audit | None = None) -> None:
    if isinstance(answer, list):  # a repeating group: "Add another" posts the page
        for index, row in enumerate(answer):
            if index and not page.locator(f"[name^='{step}-{index}-']").count():
                page.locator(f"button[name='{ADD_ROW}']").click()
                page.wait_for_load_state()
                if audit is not None:
                    audit.check(page, f"{step}-added-row-{index + 1}")
            for key, value in row.items():
                put(page, f"{step}-{index}-{key}", value, file)
        return
    for key, value in (answer or {}).items():
        put(page, f"{step}-{key}", value, file)


def start(page, base: str, form_key: str, person: str) -> None:
    page.goto(f"{base}/procedures/{procedure_code(form_key)}/")
    page.get_by_role("button", name=re.compile("Bắt đầu trực tuyến|Start online")).click()
    sso_sign_in(page, person)
    page.wait_for_selector("input[name$='-current_step']", state="attached")


# --- the tests ----------------------------------------------------------------------------------


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request) -> str:
    return request.param


@pytest.fixture
def browser_page(browser, viewport):
    context = browser.new_context(
        viewport=VIEWPORTS[viewport],
        locale="vi-VN",
        is_mobile=viewport == "phone",
        has_touch=viewport == "phone",
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.mark.parametrize("form_key", list(FORMS))
def test_every_step_of_the_form(site, browser_page, viewport, shot, form_key):
    """Every page of the e-form, an error state on the first page that can fail and on check
    your answers, the exit page (where the form has one) and the confirmation."""
    spec = FORMS[form_key]
    page, audit = browser_page, Audit(viewport=f"{viewport}-{form_key}", shot=shot)
    start(page, site["url"], form_key, spec["person"])
    answers = spec["answers"]
    seen: list[str] = []
    first_error_seen = False
    for _ in range(30):
        if page.locator(".dossier-code").count():
            break
        step = step_name(page)
        seen.append(step)
        audit.check(page, step, focus=not seen[:-1])
        if page.locator(".prefill-source").count():  # where the value came from, readable
            assert contrast(page, ".prefill-source") >= 4.5
            assert contrast(page, ".prefill-source .tag") >= 4.5
        if not first_error_seen and step != "review":
            # Continue without answering: where the page has a required question, the error
            # summary is shown, focused, and links to the field.
            continue_(page)
            if page.locator(".error-summary").count():
                first_error_seen = True
                assert page.title().startswith(("Lỗi:", "Error:"))
                assert page.evaluate("document.activeElement.id") == "error-summary"
                audit.check(page, f"{step}-errors", focus=True)
            elif step_name(page) != step:
                page.locator(".back-link").click()  # nothing was required: Back
                assert step_name(page) == step
        if step in spec.get("exit", {}):
            fill_step(page, step, spec["exit"][step], site["file"])
            continue_(page)
            expect(page.locator("input[name$='-current_step']")).to_have_count(0)
            audit.check(page, f"{step}-exit-page")
            page.get_by_role("link", name=re.compile("Sửa câu trả lời|Change my answer")).click()
            assert step_name(page) == step
        if step == "review":
            continue_(page)  # without agreeing to the declaration
            expect(page.locator(".error-summary")).to_be_visible()
            audit.check(page, "review-errors")
        fill_step(page, step, answers.get(step, {}), site["file"], audit)
        continue_(page)
    else:
        raise AssertionError(f"no confirmation after {seen}")
    assert "review" in seen, seen
    assert len(seen) >= 5, seen
    audit.check(page, "confirmation")
    code = page.locator(".dossier-code").inner_text().strip()
    assert Dossier.objects.filter(code=code).exists()
    audit.assert_clean()


def test_public_pages(site, browser_page, viewport, shot):
    page, base = browser_page, site["url"]
    audit = Audit(viewport=viewport, shot=shot)
    for name, path in (
        ("home", "/"),
        ("catalogue", "/procedures/"),
        ("catalogue-search", "/procedures/?q=khai+sinh"),
        ("catalogue-no-result", "/procedures/?q=zzzz+khong+co"),
        ("procedure", "/procedures/1.001193/"),
        ("login", "/login/"),
        ("track", "/track/"),
        ("officer-login", "/backoffice/login/"),
    ):
        page.goto(f"{base}{path}")
        audit.check(page, name, focus=name in ("home", "procedure"))
    page.goto(f"{base}/track/")
    page.get_by_role("button", name=re.compile("^(Tra cứu|Track)$")).click()
    audit.check(page, "track-errors")
    audit.assert_clean()


def test_citizen_dossier_pages_and_back_office_queue(
    site, browser_page, viewport, shot, submit, citizen_a
):
    """ "My dossiers" with an open draft, deleting it, a dossier and its public tracking; the officer's queue with a late and a
    due-soon dossier (the deadline colours), and a dossier in the back-office."""
    base, page = site["url"], browser_page
    audit = Audit(viewport=viewport, shot=shot)
    late, soon, later, approval = (submit(citizen_a) for _ in range(4))
    Dossier.objects.filter(pk=approval.pk).update(  # at the last step: awaiting approval
        status=Status.IN_PROCESSING, received_at=timezone.now(), current_step=3
    )
    now = timezone.now()
    for dossier, due in ((late, now - timedelta(days=2)), (soon, now + timedelta(hours=2))):
        Dossier.objects.filter(pk=dossier.pk).update(status=Status.RECEIVED, due_at=due)
    Dossier.objects.filter(pk=later.pk).update(
        status=Status.RECEIVED, due_at=now + timedelta(days=20)
    )

    from dossiers.models import FormDraft

    version = Procedure.objects.get(code=procedure_code("birth_registration")).version_in_force()
    draft = FormDraft.objects.create(user=citizen_a, procedure_version=version)

    page.goto(f"{base}/login/")
    sso_sign_in(page, "Nguyễn Thị Lan")
    page.goto(f"{base}/dossiers/")
    assert page.locator("li.draft").count() == 1
    audit.check(page, "my-dossiers")  # with a draft above the dossiers
    page.locator("li.draft").get_by_role("link", name=re.compile("^(Xóa|Delete)")).click()
    audit.check(page, "draft-delete", focus=True)
    with page.expect_navigation():  # back on My dossiers, the draft gone
        page.get_by_role(
            "button", name=re.compile("Có, xóa bản nháp|Yes, delete the draft")
        ).click()
    expect(page.locator("li.draft")).to_have_count(0)
    audit.check(page, "my-dossiers-draft-deleted")
    draft.refresh_from_db()
    assert draft.discarded_at is not None
    page.get_by_role("link", name=late.code).click()
    audit.check(page, "my-dossier", focus=True)
    page.goto(f"{base}/track/")
    page.get_by_label(re.compile("Mã hồ sơ|Dossier code")).fill(late.code)
    page.get_by_label(re.compile("4 số cuối|Last 4 digits")).fill("2345")
    page.get_by_role("button", name=re.compile("^(Tra cứu|Track)$")).click()
    expect(page.locator("main")).to_contain_text(late.code)
    audit.check(page, "track-result")

    officer = page.context.browser.new_context(viewport=page.viewport_size).new_page()
    officer.goto(f"{base}/backoffice/login/")
    officer.get_by_label(re.compile("Tên đăng nhập|Username")).fill("hk.officer")
    officer.get_by_label(re.compile("Mật khẩu|Password")).fill("pw-officer-123")
    officer.get_by_role("button", name=re.compile("Đăng nhập|Sign in")).click()
    audit.check(officer, "officer-code")
    device = site["device"]
    officer.get_by_label(re.compile("Nhập mã 6 chữ số|Enter the 6-digit code")).fill(
        f"{totp(device.bin_key):06d}"
    )
    officer.get_by_role("button", name=re.compile("^(Tiếp tục|Continue)$")).click()
    officer.goto(f"{base}/backoffice/?queue=processing")
    assert officer.locator("span.deadline-late").count()
    assert officer.locator("span.deadline-due_soon").count()
    # The deadline colours are readable text (4.5:1), and say it in words too.
    for kind in ("late", "due_soon", "on_time"):
        assert contrast(officer, f"span.deadline-{kind}") >= 4.5, kind
    for kind in ("late", "due_soon"):
        assert contrast(officer, f"a.deadline-{kind}") >= 4.5, kind
    assert re.search("late|quá hạn", officer.locator("span.deadline-late").inner_text())
    audit.check(officer, "backoffice-queue", focus=True)
    officer.goto(f"{base}/backoffice/?deadline=late")
    audit.check(officer, "backoffice-queue-late")
    officer.goto(f"{base}/backoffice/dossiers/{late.code}/")
    audit.check(officer, "backoffice-dossier")
    # the landing (a leader among the roles: what awaits approval), the result's preview and
    # its error state (the confirmation not ticked)
    officer.goto(f"{base}/backoffice/")
    assert officer.locator("a[aria-current=page]").get_attribute("href") == "?queue=approval"
    audit.check(officer, "backoffice-landing")
    officer.goto(f"{base}/backoffice/dossiers/{approval.code}/approve/")
    audit.check(officer, "backoffice-approval-preview", focus=True)
    officer.get_by_role(
        "button", name=re.compile("Phê duyệt và cấp kết quả|Approve and issue")
    ).click()
    expect(officer.locator(".error-summary")).to_be_visible()
    audit.check(officer, "backoffice-approval-error")
    assert Dossier.objects.get(pk=approval.pk).status == Status.IN_PROCESSING
    officer.context.close()
    audit.assert_clean()

"""The data-driven e-form engine: field types against malformed input, definitions refused when
they fail the schema or the engine's checks, and a form with conditions, an exit page, a
repeating group, an address, case-dependent documents and reuse from the e-document store,
walked through the wizard over the mock national services."""

from __future__ import annotations

import copy
import json
import re

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dossiers.eforms import get_definition
from dossiers.eforms.fields import build_field
from dossiers.eforms.validation import definition_problems
from dossiers.models import Attachment, AttachmentKind, Dossier, EForm, FormDraft
from portal.validators import tax_check_digit
from procedures.services import DATA_DIR, procedure_import
from tests.conftest import pdf_upload

pytestmark = pytest.mark.django_db

T = {"vi": "Nhãn", "en": "Label"}


def text(en: str) -> dict[str, str]:
    return {"vi": f"[vi] {en}", "en": en}


DEFINITION = {
    "key": "engine_test",
    "version": 1,
    "title": text("Engine test"),
    "form_component": "TK",
    "subjects": {"me": {"source": "population", "id": "user.personal_id"}},
    "case": {
        "default": "TH1",
        "rules": [{"when": {"field": "about.purpose", "equals": "study"}, "case": "TH2"}],
    },
    "subject_name": "about.full_name",
    "contact": {"email": "details.email", "phone": "details.phone"},
    "result_fields": [
        {"label": "Họ và tên", "path": "about.full_name"},
        {"label": "Mục đích", "path": "about.purpose", "format": "choice"},
    ],
    "steps": [
        {
            "name": "about",
            "title": text("About you"),
            "fields": [
                {
                    "name": "full_name",
                    "type": "text",
                    "validators": ["person_name"],
                    "label": text("Full name"),
                    "prefill": {"subject": "me", "attribute": "full_name", "lock": True},
                },
                {
                    "name": "age_group",
                    "type": "choice",
                    "label": text("Age"),
                    "choices": [
                        {"value": "adult", "label": text("18 or over")},
                        {"value": "minor", "label": text("Under 18")},
                    ],
                },
                {
                    "name": "purpose",
                    "type": "choice",
                    "widget": "select",
                    "label": text("Purpose"),
                    "choices": [
                        {"value": "work", "label": text("Work")},
                        {"value": "study", "label": text("Study")},
                        {"value": "other", "label": text("Something else")},
                    ],
                },
            ],
            "exits": [
                {
                    "when": {"field": "age_group", "equals": "minor"},
                    "title": text("A parent must apply for you"),
                    "body": text("People under 18 cannot apply themselves."),
                    "procedure": "1.001193",
                }
            ],
        },
        {
            "name": "details",
            "title": text("Details"),
            "fields": [
                {
                    "name": "other_purpose",
                    "type": "text",
                    "label": text("Which purpose?"),
                    "condition": {"field": "about.purpose", "equals": "other"},
                },
                {"name": "tax_code", "type": "tax_code", "required": False, "label": text("Tax")},
                {"name": "count", "type": "number", "min": 1, "max": 10, "label": text("Copies")},
                {"name": "since", "type": "date", "not_after": "today", "label": text("Since")},
                {
                    "name": "languages",
                    "type": "multichoice",
                    "required": False,
                    "label": text("Languages"),
                    "choices": [
                        {"value": "vi", "label": text("Vietnamese")},
                        {"value": "en", "label": text("English")},
                    ],
                },
                {"name": "email", "type": "email", "required": False, "label": text("E-mail")},
                {"name": "phone", "type": "phone", "required": False, "label": text("Phone")},
            ],
        },
        {
            "name": "employer",
            "title": text("Your employer"),
            "condition": {"field": "about.purpose", "equals": "work"},
            "fields": [{"name": "name", "type": "text", "label": text("Employer")}],
        },
        {
            "name": "members",
            "kind": "repeat",
            "title": text("Family members"),
            "item_label": text("Member"),
            "min": 0,
            "max": 3,
            "fields": [
                {"name": "name", "type": "text", "label": text("Name")},
                {"name": "personal_id", "type": "personal_id", "label": text("Personal ID")},
            ],
        },
        {
            "name": "place",
            "kind": "address",
            "routing": True,
            "title": text("Where you live: province"),
            "province_step": "province",
            "commune_step": "commune",
            "province_label": text("Province"),
            "commune_label": text("Commune"),
            "detail": {"name": "street", "label": text("House and street")},
        },
        {"name": "documents", "kind": "documents", "title": text("Documents")},
        {
            "name": "review",
            "kind": "review",
            "title": text("Check your answers"),
            "declaration": text("I declare it is true."),
        },
    ],
}


@pytest.fixture
def version(db, hanoi, hoan_kiem, agency_hk):
    data = json.loads((DATA_DIR / "1.001193-birth-registration.json").read_text("utf-8"))
    data["code"] = "9.999001"
    data["name"] = "Thủ tục thử bộ máy biểu mẫu"
    version = data["versions"][0]
    version["form_key"] = "engine_test"
    component = {"originals": 1, "copies": 0, "template": "", "required": True}
    version["cases"] = [
        {
            "code": "TH1",
            "name": "Trường hợp 1",
            "name_en": "Case 1",
            "components": [
                {**component, "code": "TK", "name": "Tờ khai", "name_en": "Form"},
                {
                    **component,
                    "code": "GKS",
                    "name": "Giấy khai sinh",
                    "name_en": "Birth certificate",
                    "replaceable_by_result_code": "KQ-GKS",
                },
            ],
        },
        {
            "code": "TH2",
            "name": "Trường hợp 2",
            "name_en": "Case 2",
            "components": [
                {**component, "code": "TK", "name": "Tờ khai", "name_en": "Form"},
                {**component, "code": "XN", "name": "Giấy xác nhận", "name_en": "Certificate"},
            ],
        },
    ]
    procedure, _ = procedure_import(data=data)
    EForm.objects.create(key="engine_test", definition=DEFINITION)
    return procedure.versions.get(number=1)


@pytest.fixture
def wizard(client, settings, national_settings, version, citizen_a, birth_version):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(citizen_a)
    response = client.post(reverse("procedures:start", args=["9.999001"]))
    assert response.status_code == 302
    # the first step's own address /apply/<draft>/<step>/: the draft's is one level up
    return response["Location"].rstrip("/").rsplit("/", 1)[0] + "/"


def post(client, url, step, data=None, files=None, extra=None):
    prefix = url.rstrip("/").rsplit("/", 1)[-1]
    payload = {f"{prefix}-current_step": step}
    payload.update({f"{step}-{k}": v for k, v in (data or {}).items()})
    payload.update({f"{step}-{k}": v for k, v in (files or {}).items()})
    payload.update(extra or {})
    return client.post(url, payload)


def members(rows, total=None):
    data = {
        "TOTAL_FORMS": str(total if total is not None else len(rows)),
        "INITIAL_FORMS": "0",
        "MIN_NUM_FORMS": "0",
        "MAX_NUM_FORMS": "3",
    }
    for index, row in enumerate(rows):
        data.update({f"{index}-{k}": v for k, v in row.items()})
    return data


ABOUT = {"full_name": "Nguyễn Thị Lan", "age_group": "adult", "purpose": "study"}
DETAILS = {"count": "2", "since": "01/02/2020", "languages": ["vi", "en"], "phone": "0912345678"}


def walk_to_documents(client, url, about=ABOUT, employer=None):
    assert post(client, url, "about", about).status_code == 302
    assert post(client, url, "details", DETAILS).status_code == 302
    if employer:
        assert post(client, url, "employer", employer).status_code == 302
    rows = [{"name": "Trần Văn Minh", "personal_id": "001088012346"}]
    assert post(client, url, "members", members(rows)).status_code == 302
    assert post(client, url, "province", {"province": "01"}).status_code == 302
    assert (
        post(client, url, "commune", {"commune": "00070", "street": "1 Tràng Tiền"}).status_code
        == 302
    )


# --- field types against malformed input ---------------------------------------------------------

MALFORMED = [
    ({"type": "personal_id"}, "12345", "12-digit"),
    ({"type": "personal_id"}, "00119001234X", "12-digit"),
    ({"type": "personal_id"}, "999999999999", "999, are not the code of a province"),
    ({"type": "personal_id"}, "000190012345", "000, are not the code of a province"),
    ({"type": "tax_code"}, "0101234568", "not valid"),
    ({"type": "tax_code"}, "12345", "10 digits"),
    ({"type": "phone"}, "12345", "phone number"),
    ({"type": "phone"}, "0912abc678", "phone number"),
    ({"type": "email"}, "lan@", "Enter label in the right form, like name@example.com"),
    ({"type": "number", "min": 1, "max": 10}, "0", "Label must be 1 or more"),
    ({"type": "number", "min": 1, "max": 10}, "11", "Label must be 10 or less"),
    ({"type": "number"}, "ba", "Label must be a whole number, like 2"),
    ({"type": "date", "not_after": "today"}, "01/01/2999", "Label must be today or in the past"),
    (
        {"type": "date", "not_before": "1900-01-01"},
        "01/01/1800",
        "Label must be the same as or after 01/01/1900",
    ),
    ({"type": "date"}, "31/02/2020", "Label must be a real date"),
    ({"type": "text", "max_length": 5}, "quá dài rồi", "Label must be 5 characters or fewer"),
    ({"type": "text", "validators": ["person_name"]}, "Lan 2", "cannot contain digits"),
    ({"type": "text", "validators": ["person_name"]}, "Lan <b>", "only contain letters"),
    (
        {"type": "choice", "choices": [{"value": "a", "label": T}]},
        "b",
        "Select label from the list",
    ),
    (
        {"type": "multichoice", "choices": [{"value": "a", "label": T}]},
        ["a", "z"],
        "Select label from the list",
    ),
    ({"type": "text"}, "", "Enter label"),
    ({"type": "date"}, ["27", "", "2007"], "Label must include a month"),
    ({"type": "date"}, ["", "", "2007"], "Label must include a day and month"),
    ({"type": "date"}, ["31", "2", "2007"], "Label must be a real date"),
    ({"type": "date"}, ["3", "2", "07"], "The year must include 4 numbers"),
    ({"type": "date"}, ["3", "²", "2007"], "Label must be a real date"),
    ({"type": "date"}, ["", "", ""], "Enter label"),
    ({"type": "choice", "choices": [{"value": "a", "label": T}]}, "", "Select label"),
]


@pytest.mark.parametrize(("spec", "value", "message"), MALFORMED)
def test_every_field_type_refuses_malformed_input_with_a_clear_message(spec, value, message):
    from django.utils import translation

    field = build_field({"name": "x", "label": T, **spec})
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            field.clean(value)
        assert message in " ".join(str(m) for m in error.value.messages)


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        ({"type": "personal_id"}, "0011 9001 2345", "001190012345"),
        ({"type": "tax_code"}, "0312345673", "0312345673"),
        ({"type": "tax_code"}, "0312345673 001", "0312345673-001"),
        ({"type": "phone"}, "+84 912 345 678", "0912345678"),
        ({"type": "text", "validators": ["person_name"]}, " Trần  Minh  An ", "Trần Minh An"),
    ],
)
def test_field_types_accept_harmless_variants_and_normalise_them(spec, value, expected):
    assert build_field({"name": "x", "label": T, **spec}).clean(value) == expected


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_identification_and_tax_fields_never_crash_and_keep_what_they_accept(value):
    for kind in ("personal_id", "tax_code", "phone"):
        field = build_field({"name": "x", "label": T, "type": kind})
        try:
            cleaned = field.clean(value)
        except ValidationError as error:
            messages = error.messages  # a message the person can read, never a crash
        else:
            messages = []
            assert field.clean(cleaned) == cleaned  # what was accepted is kept as stored
        assert all(str(m).strip() for m in messages)


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_a_tax_code_with_its_check_digit_is_accepted_and_any_other_digit_refused(first_nine):
    check = tax_check_digit(first_nine)
    field = build_field({"name": "x", "label": T, "type": "tax_code"})
    for digit in range(10):
        code = f"{first_nine}{digit}"
        if digit == check:
            assert field.clean(code) == code
        else:
            with pytest.raises(ValidationError):
                field.clean(code)


# --- definitions that fail -------------------------------------------------------------------------


def broken(change) -> dict:
    data = copy.deepcopy(DEFINITION)
    change(data)
    return data


BROKEN = [
    (lambda d: d["steps"][0].pop("title"), "'title' is a required property"),
    (lambda d: d["steps"][0]["fields"][0].update(type="colour"), "is not one of"),
    (lambda d: d["steps"][0]["fields"][0]["label"].pop("en"), "'en' is a required property"),
    (
        lambda d: d["steps"][1]["fields"][0].update(
            condition={"field": "employer.name", "equals": "x"}
        ),
        "does not refer to an earlier step",
    ),
    (
        lambda d: d["steps"][1]["fields"][0].update(
            condition={"field": "about.nothing", "equals": "x"}
        ),
        "has no field 'nothing'",
    ),
    (lambda d: d["steps"].append(copy.deepcopy(d["steps"][-1])), "exactly one review step"),
    (lambda d: d["steps"].pop(), "the last step must be the review"),
    (
        lambda d: d["steps"][0]["fields"][0]["prefill"].update(subject="ghost"),
        "unknown subject 'ghost'",
    ),
    (lambda d: d["subjects"].update(me={"source": "tax_office", "id": "user.id"}), "is not valid"),
    (lambda d: d["steps"][2].update(name="details"), "used twice"),
    (lambda d: d.update(subject_name="nowhere.name"), "does not refer to a step"),
]


@pytest.mark.parametrize(("change", "message"), BROKEN)
def test_a_definition_that_fails_its_schema_or_checks_is_refused(change, message):
    problems = definition_problems(broken(change))
    assert any(message in p for p in problems), problems


def test_the_reviewed_definitions_are_valid():
    from dossiers.eforms.loading import definition_files

    for key, data in definition_files().items():
        assert definition_problems(data) == [], key


def test_an_administrator_cannot_save_a_broken_definition(db):
    row = EForm(key="engine_test", definition=broken(lambda d: d["steps"].pop()))
    with pytest.raises(ValidationError) as error:
        row.full_clean()
    assert "review" in str(error.value)


@pytest.fixture
def otp_admin_client(client, admin_user):
    """A superuser signed in with both factors (the admin asks for a second one)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(admin_user)
    device = TOTPDevice.objects.create(user=admin_user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def test_admin_form_refuses_a_broken_definition_and_keeps_the_text(otp_admin_client):
    admin_client = otp_admin_client
    bad = json.dumps(broken(lambda d: d["steps"].pop()))
    response = admin_client.post(
        reverse("admin:dossiers_eform_add"),
        {"key": "engine_test", "version": 1, "definition": bad, "is_active": "on"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "the last step must be the review" in page
    assert not EForm.objects.filter(key="engine_test").exists()


# --- the wizard ---------------------------------------------------------------------------------


def test_prefilled_and_locked_value_from_the_declared_subject(client, wizard):
    page = client.get(wizard, follow=True).content.decode()
    assert 'value="Nguyễn Thị Lan"' in page
    assert "readonly" in page
    changed = {**ABOUT, "full_name": "Người Khác"}
    response = post(client, wizard, "about", changed)
    assert response.status_code == 200
    assert "cannot be changed here" in response.content.decode()


def test_an_ineligible_answer_shows_the_exit_page_and_goes_no_further(client, wizard):
    response = post(client, wizard, "about", {**ABOUT, "age_group": "minor"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "A parent must apply for you" in page
    assert reverse("procedures:detail", args=["1.001193"]) in page
    # the next step is not reachable
    response = post(client, wizard, "details", DETAILS)
    assert response.status_code == 302
    assert "details-count" not in client.get(wizard, follow=True).content.decode()


def test_a_conditional_field_and_step_follow_earlier_answers(client, wizard):
    assert post(client, wizard, "about", {**ABOUT, "purpose": "other"}).status_code == 302
    page = client.get(wizard, follow=True).content.decode()
    assert 'name="details-other_purpose"' in page
    response = post(client, wizard, "details", DETAILS)
    assert response.status_code == 200  # the conditional field is required when shown
    assert (
        post(client, wizard, "details", {**DETAILS, "other_purpose": "Du lịch"}).status_code == 302
    )
    # purpose "other": the employer step is skipped, the repeating group comes next
    assert 'name="members-TOTAL_FORMS"' in client.get(wizard, follow=True).content.decode()


def test_the_employer_step_is_asked_only_for_work(client, wizard):
    assert post(client, wizard, "about", {**ABOUT, "purpose": "work"}).status_code == 302
    assert post(client, wizard, "details", DETAILS).status_code == 302
    assert 'name="employer-name"' in client.get(wizard, follow=True).content.decode()


def test_add_another_without_javascript_keeps_what_was_typed(client, wizard):
    post(client, wizard, "about", ABOUT)
    post(client, wizard, "details", DETAILS)
    row = {"name": "Trần Văn Minh", "personal_id": "001088012346"}
    response = post(client, wizard, "members", members([row]), extra={"wizard_add_row": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="Trần Văn Minh"' in page
    assert 'name="members-1-name"' in page
    assert 'name="members-2-name"' not in page
    # the second row left empty is not an answer; a removed row neither
    two = members([row, {"name": "Bỏ Đi", "personal_id": "001088012347", "DELETE": "on"}])
    assert post(client, wizard, "members", two).status_code == 302
    draft = FormDraft.objects.get()
    assert draft.storage["step_data"]["members"]["members-1-DELETE"] == ["on"]


def test_a_bad_row_in_a_repeating_group_is_shown_with_its_error(client, wizard):
    post(client, wizard, "about", ABOUT)
    post(client, wizard, "details", DETAILS)
    bad = members([{"name": "Trần Văn Minh", "personal_id": "123"}])
    response = post(client, wizard, "members", bad)
    assert response.status_code == 200
    assert "12-digit" in response.content.decode()


def test_a_tampered_step_is_refused_and_nothing_is_skipped(client, wizard):
    response = post(client, wizard, "review", {"declaration": "on"})
    assert response.status_code == 302
    assert not Dossier.objects.exists()
    page = client.get(wizard, follow=True).content.decode()
    assert "That page is not available yet" in page
    assert 'name="about-full_name"' in page


def test_a_step_skipped_behind_the_portals_back_blocks_the_submission(client, wizard):
    walk_to_documents(client, wizard)
    draft = FormDraft.objects.get()
    storage = draft.storage
    storage["step_data"].pop("details")
    storage["extra_data"]["furthest"] = "review"
    FormDraft.objects.filter(pk=draft.pk).update(storage=storage)
    response = post(client, wizard, "review", {"declaration": "on"})
    assert not Dossier.objects.exists()
    assert response.status_code in (200, 302)
    page = (
        client.get(wizard, follow=True).content.decode()
        if response.status_code == 302
        else response.content.decode()
    )
    assert "Some answers need checking" in page or 'name="details-count"' in page


def test_documents_follow_the_case_and_a_stored_result_is_reused(
    client, wizard, django_capture_on_commit_callbacks
):
    # purpose work: case TH1 (the default), with the employer step in between
    walk_to_documents(
        client, wizard, about={**ABOUT, "purpose": "work"}, employer={"name": "Công ty A"}
    )
    page = client.get(wizard, follow=True).content.decode()
    assert "from my e-document store" in page
    match = re.search(r'name="documents-gks__store" value="([^"]+)"', page)
    assert match, page
    response = post(client, wizard, "documents", {"gks__store": match.group(1)})
    assert response.status_code == 302
    review = client.get(wizard, follow=True).content.decode()
    assert "From your e-document store" in review
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, wizard, "review", {"declaration": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = Dossier.objects.get()
    confirmation = client.get(response["Location"]).content.decode()
    assert dossier.code in confirmation
    assert "Result expected by" in confirmation  # the due date if received today
    assert dossier.prefilled_from == ["population"]
    assert dossier.case.code == "TH1"
    attachment = Attachment.objects.get(dossier=dossier)
    assert attachment.kind == AttachmentKind.REUSED
    assert attachment.store_document_id == match.group(1)
    assert attachment.component.code == "GKS"
    assert dossier.commune.code == "00070"
    assert dossier.data["members"] == [{"name": "Trần Văn Minh", "personal_id": "001088012346"}]
    assert dossier.data["details"]["languages"] == ["vi", "en"]
    assert dossier.subject_name == "Nguyễn Thị Lan"


def test_the_study_case_asks_for_its_own_document(client, wizard):
    walk_to_documents(client, wizard)
    page = client.get(wizard, follow=True).content.decode()
    assert 'name="documents-xn"' in page
    assert "gks" not in page
    response = post(client, wizard, "documents", {})
    assert response.status_code == 200
    assert "Choose the file of" in response.content.decode()
    assert post(client, wizard, "documents", {}, {"xn": pdf_upload()}).status_code == 302


def test_the_summary_and_result_read_the_stored_data():
    definition = get_definition("birth_registration")
    assert definition is not None
    data = {
        "child": {"full_name": "Trần Minh An", "sex": "male", "date_of_birth": "2026-11-10"},
        "commune": {"commune": "99999", "place_detail": "Bệnh viện"},
    }
    rows = dict(definition.result_fields(data))
    assert rows["Giới tính"] == "Nam"
    assert rows["Ngày, tháng, năm sinh"] == "10/11/2026"
    sections = definition.summary(data)
    assert sections[0][1][0].value == "Trần Minh An"


def test_a_form_field_type_maps_to_the_right_widget():
    assert isinstance(
        build_field(
            {"name": "x", "label": T, "type": "choice", "choices": [{"value": "a", "label": T}]}
        ).widget,
        forms.RadioSelect,
    )
    assert isinstance(
        build_field(
            {
                "name": "x",
                "label": T,
                "type": "choice",
                "widget": "select",
                "choices": [{"value": "a", "label": T}],
            }
        ).widget,
        forms.Select,
    )

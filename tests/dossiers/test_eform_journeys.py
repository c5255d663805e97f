"""Every e-form definition, rendered by the one wizard engine and submitted end to end through
the test client, with prefill from the mocked national databases over real HTTP. Each journey
posts every page the person sees (conditional pages appear only when their answers call for
them), keeps what was prefilled, and ends with one dossier; exit pages and "Add another" in
repeating groups are tried on the way."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import resolve, reverse
from django.utils import timezone

from dossiers.eforms.rules import add_years
from dossiers.models import Dossier
from dossiers.wizard import ADD_ROW
from portal.models import User
from procedures.models import Procedure
from procedures.services import procedures_load
from tests.conftest import pdf_upload

pytestmark = pytest.mark.django_db


TYPED_INPUTS = {"text", "date", "number", "email", "tel"}


class _FormValues(HTMLParser):
    """The values a browser would post from the page's form: text inputs, checked radios and
    boxes, selected options and text areas (not buttons)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self.names: set[str] = set()
        self.typed: dict[str, str] = {}  # text boxes: name -> value shown

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if name:
            self.names.add(name)
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file"):
                return
            if kind in TYPED_INPUTS:
                self.typed[name] = a.get("value", "")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.values.setdefault(name, []).append(a.get("value", "on"))
                return
            self.values[name] = [a.get("value", "")]
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = [a.get("value", "")]
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = [""]
            self.typed[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] = [self.values[self._textarea][0] + data]
            self.typed[self._textarea] = self.values[self._textarea][0].strip()


def page_values(html: str) -> _FormValues:
    parser = _FormValues()
    parser.feed(html)
    return parser


def current_step(url: str, html: str) -> str:
    prefix = url.rstrip("/").rsplit("/", 1)[-1]
    values = page_values(html).values
    return values[f"{prefix}-current_step"][0]


def _errors(html: str) -> str:
    import re

    return "; ".join(re.findall(r'class="error-message"[^>]*>(.*?)</p>', html, re.S))[:2000]


def payload_for(url: str, step: str, html: str, answer: Any) -> dict[str, Any]:
    """What the page would post: its own (prefilled) values, then the answers typed."""
    prefix = url.rstrip("/").rsplit("/", 1)[-1]
    parsed = page_values(html)
    payload: dict[str, Any] = {f"{prefix}-current_step": step}
    for name, values in parsed.values.items():
        if name.startswith(f"{step}-"):
            payload[name] = values if len(values) > 1 else values[0]
    if isinstance(answer, list):  # a repeating group: one dict per row
        payload[f"{step}-TOTAL_FORMS"] = str(len(answer))
        for index, row in enumerate(answer):
            for key, value in row.items():
                payload[f"{step}-{index}-{key}"] = value
    else:
        for key, value in (answer or {}).items():
            payload[f"{step}-{key}"] = value
    return payload


def result_rows(dossier: Dossier) -> list[tuple[str, str]]:
    """The rows of the electronic result, as the engine writes them from the answers."""
    from dossiers.eforms import get_definition

    definition = get_definition(dossier.procedure_version.form_key)
    assert definition is not None
    return definition.result_fields(dossier.data)


class Journey:
    """Walks an e-form page by page with the answers given per wizard step."""

    def __init__(self, client, code: str) -> None:
        self.client = client
        response = client.post(reverse("procedures:start", args=[code]))
        assert response.status_code == 302, response
        # the first step's own address; the journey walks from the draft's, /apply/<draft>/
        self.url = response["Location"].rstrip("/").rsplit("/", 1)[0] + "/"
        self.seen: list[str] = []
        self.pages: dict[str, str] = {}
        self.text_boxes: dict[str, str] = {}  # every text box shown, as first shown
        self.result: dict[str, str] = {}

    @property
    def typed_share(self) -> float:
        """The share of the text boxes on the pages seen that came empty: neither a national
        record nor a sensible default filled them (a repeating group counts its first row)."""
        empty = [name for name, value in self.text_boxes.items() if not value.strip()]
        return len(empty) / len(self.text_boxes)

    @property
    def typed_steps(self) -> set[str]:
        """The pages with a text box that came empty."""
        return {
            name.split("-", 1)[0] for name, value in self.text_boxes.items() if not value.strip()
        }

    def walk(
        self,
        answers: dict[str, Any],
        *,
        stop_before: str | None = None,
        max_pages: int = 40,
    ) -> Any:
        for _ in range(max_pages):
            page = self.client.get(self.url, follow=True)  # to the current step's address
            assert page.status_code == 200, page.status_code
            html = page.content.decode()
            step = current_step(self.url, html)
            if step == stop_before:
                return html
            self.seen.append(step)
            self.pages.setdefault(step, html)
            shown: dict[str, str] = {}
            for name, value in page_values(html).typed.items():
                if name.startswith(f"{step}-"):
                    # a date's day, month and year boxes are one answer
                    key = re.sub(r"_(day|month|year)$", "", name)
                    shown[key] = shown.get(key, "") + value
            for name, value in shown.items():
                self.text_boxes.setdefault(name, value)
            answer = answers.get(step, {})
            if isinstance(answer, list) and len(answer) > 1:
                self._add_another(step, html, answer)
            files = {}
            if isinstance(answer, dict):
                files = {k: v for k, v in answer.items() if hasattr(v, "read")}
                answer = {k: v for k, v in answer.items() if k not in files}
            data = payload_for(self.url, step, html, answer)
            data.update({f"{step}-{k}": v for k, v in files.items()})
            response = self.client.post(self.url, data)
            if response.status_code == 200:
                return response  # an exit page, or errors for the caller to see
            assert response.status_code == 302, response.status_code
            if not response["Location"].startswith(self.url):
                return response  # submitted
        raise AssertionError(f"no end after {max_pages} pages: {self.seen}")

    def goto(self, step: str) -> None:
        """A Back or Change link to a page already reached."""
        assert self.client.get(f"{self.url}{step}/").status_code == 200

    def _add_another(self, step: str, html: str, rows: list[dict[str, Any]]) -> None:
        """Fill the first row, press "Add another": the page comes back with a second, empty
        row and the first row as typed."""
        data = payload_for(self.url, step, html, rows[:1])
        data[ADD_ROW] = "1"
        response = self.client.post(self.url, data)
        assert response.status_code == 200
        page = response.content.decode()
        first_field = next(iter(rows[0]))
        assert f'name="{step}-1-{first_field}' in page  # a date: its _day, _month, _year
        assert str(rows[0][first_field]).split("-")[0] in page  # a date's year box

    def submit(self, answers: dict[str, Any]) -> Dossier:
        response = self.walk(answers)
        assert getattr(response, "status_code", None) == 302, _errors(
            response.content.decode() if hasattr(response, "content") else ""
        )
        match = resolve(response["Location"])
        assert match.view_name == "dossiers:submitted", response["Location"]
        dossier = Dossier.objects.get(code=match.kwargs["code"])
        self.result = dict(result_rows(dossier))
        return dossier


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def catalogue(db, hanoi, hoan_kiem, ba_dinh):
    """Every reviewed procedure of procedures/data, published."""
    procedures_load()
    return {p.code: p for p in Procedure.objects.all()}


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def lan(client, english, national_settings, catalogue, citizen_a):
    """Nguyễn Thị Lan (married, Hoàn Kiếm, Hà Nội), signed in."""
    citizen_a.phone = "0912345678"  # as the SSO gives it
    citizen_a.save(update_fields=["phone"])
    client.force_login(citizen_a)
    return citizen_a


@pytest.fixture
def mai(client, english, national_settings, catalogue):
    """Phạm Thị Mai (single, born 1992), signed in."""
    user = User.objects.create_user(
        username="sso-mai",
        personal_id="048192005566",
        full_name="Phạm Thị Mai",
        email="mai.pham@example.vn",
        phone="0935123456",
    )
    client.force_login(user)
    return user


@pytest.fixture
def hung(client, english, national_settings, catalogue, citizen_b):
    """Lê Văn Hùng (a company's representative, Hồ Chí Minh City), signed in."""
    citizen_b.phone = "0903456789"
    citizen_b.save(update_fields=["phone"])
    client.force_login(citizen_b)
    return citizen_b


def _code(catalogue: dict[str, Procedure], form_key: str) -> str:
    for code, procedure in catalogue.items():
        version = procedure.version_in_force()
        if version is not None and version.form_key == form_key:
            return code
    raise AssertionError(f"no procedure with the e-form {form_key}")


HA_NOI = {"province": "01"}
HOAN_KIEM = {"commune": "00070"}
CONTACT = {"email": "nguoi.nop@example.vn", "phone": "0912 345 678"}
REVIEW = {"declaration": "on"}
DECEASED = {
    "full_name": "Nguyễn Văn Tuấn",
    "identification_number": "036062001234",
    "date_of_birth": "1962-05-01",
    "sex": "male",
}
DEATH = {
    "date_of_death": "2026-11-01",
    "time_of_death": "14 giờ 30 phút",
    "place_of_death": "Bệnh viện Bạch Mai",
    "cause": "Bệnh",
}


def _days_from_today(days: int) -> str:
    """A date relative to today (Vietnam's): a test must not depend on the day it runs."""
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


# --- the journeys --------------------------------------------------------------------------------


def test_birth_bundle(client, lan, catalogue):
    journey = Journey(client, _code(catalogue, "birth_bundle"))
    dossier = journey.submit(
        {
            "child": {
                "full_name": "Trần Minh An",
                "sex": "male",
                "date_of_birth": "2026-11-10",
                "place_of_birth": "Bệnh viện Phụ sản Hà Nội",
            },
            "household": {"relationship": "child"},
            "card_delivery": {},
            "documents": {"gcs": pdf_upload()},
            "contact": CONTACT,
            "review": REVIEW,
        }
    )
    assert journey.seen[:4] == ["child", "applicant", "mother", "father"]
    assert "Trần Văn Minh" in journey.pages["household"]  # the head of household, prefilled
    assert "from the social and health insurance database" in journey.pages["health_insurance"]
    assert dossier.subject_name == "Trần Minh An"
    assert dossier.case.code == "TH1"
    assert dossier.commune.code == "00070"  # the child's residence, from Lan's record
    assert dossier.data["mother"]["identification_number"] == "001190012345"
    assert dossier.data["father"]["full_name"] == "Trần Văn Minh"
    assert dossier.data["household"]["head_identification_number"] == "001088004321"
    assert dossier.data["health_insurance"]["registered_hospital"]
    assert dossier.attachments.get().component.code == "GCS"
    assert journey.typed_share <= 0.30
    assert journey.typed_steps == {"child"}  # the parents, household and clinic are known
    assert (
        journey.result["Nơi thường trú"] == "Số 12 phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội"
    )
    assert journey.result["Họ, chữ đệm, tên chủ hộ"] == "Trần Văn Minh"
    assert journey.result["Quan hệ với chủ hộ"] == "Con"


def test_death_registration_abroad_exits_then_registers_at_home(client, lan, catalogue):
    journey = Journey(client, _code(catalogue, "death_registration"))
    exit_page = journey.walk({"where_died": {"in_vietnam": "abroad"}})
    assert exit_page.status_code == 200
    text = exit_page.content.decode()
    assert "A death abroad is registered by another procedure" in text
    assert not Dossier.objects.exists()
    dossier = journey.submit(
        {
            "where_died": {"in_vietnam": "vietnam"},
            "declarant": {"relationship": "child"},
            "deceased": DECEASED,
            "death": DEATH,
            "documents": {"gbt": pdf_upload("giay-bao-tu.pdf")},
            "contact": CONTACT,
            "review": REVIEW,
        }
    )
    assert dossier.subject_name == "Nguyễn Văn Tuấn"
    assert dossier.data["declarant"]["identification_number"] == "001190012345"
    assert dossier.data["death"]["cause"] == "Bệnh"
    assert dossier.commune.code == "00070"
    # Only the death itself is typed: the declarant and the addresses come from the registry.
    assert journey.typed_steps == {"deceased", "death"}
    assert journey.result["Họ, chữ đệm, tên người chết"] == "Nguyễn Văn Tuấn"
    assert journey.result["Ngày, tháng, năm chết"] == "01/11/2026"
    assert journey.result["Quan hệ với người đã chết"] == "Con"


def test_death_bundle_with_another_beneficiary_paid_by_bank(client, lan, catalogue):
    journey = Journey(client, _code(catalogue, "death_bundle"))
    dossier = journey.submit(
        {
            "where_died": {"in_vietnam": "vietnam"},
            "declarant": {"relationship": "child"},
            "deceased": DECEASED,
            "death": DEATH,
            "allowance": {"social_insurance_number": "0123456789", "status": "pensioner"},
            "beneficiary": {"who": "other", "payment": "bank"},
            "beneficiary_other": {
                "full_name": "Đỗ Thị Hoa",
                "identification_number": "036165002345",
                "relationship": "spouse",
            },
            "bank": {"bank_account": "0011002233445", "bank_name": "Agribank Hoàn Kiếm"},
            "documents": {"gbt": pdf_upload("giay-bao-tu.pdf")},
            "contact": CONTACT,
            "review": REVIEW,
        }
    )
    assert {"beneficiary_other", "bank"} <= set(journey.seen)
    assert dossier.data["beneficiary_other"]["identification_number"] == "036165002345"
    assert dossier.data["allowance"]["social_insurance_number"] == "0123456789"
    assert journey.typed_steps == {"deceased", "death", "allowance", "beneficiary_other", "bank"}


def test_death_bundle_without_social_insurance_skips_the_allowance_pages(client, lan, catalogue):
    journey = Journey(client, _code(catalogue, "death_bundle"))
    journey.submit(
        {
            "where_died": {"in_vietnam": "vietnam"},
            "declarant": {"relationship": "spouse"},
            "deceased": DECEASED,
            "death": DEATH,
            "allowance": {"status": "none"},
            "documents": {"gbt": pdf_upload("giay-bao-tu.pdf")},
            "contact": CONTACT,
            "review": REVIEW,
        }
    )
    assert not {"beneficiary", "beneficiary_other", "bank"} & set(journey.seen)


MARRIAGE_ELIGIBLE = {"of_age": "yes", "voluntary": "on"}
HUSBAND = {
    "full_name": "Hoàng Văn Nam",
    "identification_number": "048090001234",
    "date_of_birth": "1990-02-14",
    "residence": "Phường Hải Châu, Thành phố Đà Nẵng",
    "marital_status": "single",
}


def test_marriage_registration_for_a_single_woman(client, mai, catalogue):
    journey = Journey(client, _code(catalogue, "marriage_registration"))
    dossier = journey.submit(
        {
            "eligibility": MARRIAGE_ELIGIBLE,
            "husband": HUSBAND,
            "reg_province": HA_NOI,
            "reg_commune": {**HOAN_KIEM, "residence_detail": "Số 5 phố Hàng Bạc"},
            "documents": {"xnhn": pdf_upload("xac-nhan-hon-nhan.pdf")},
            "contact": CONTACT,
            "review": REVIEW,
        }
    )
    assert "verified, cannot be changed here" in journey.pages["wife"]
    assert dossier.data["wife"]["identification_number"] == "048192005566"
    assert dossier.data["wife"]["marital_status"] == "single"
    assert dossier.data["husband"]["full_name"] == "Hoàng Văn Nam"
    assert dossier.subject_name == "Hoàng Văn Nam"
    assert journey.typed_share <= 0.30
    assert journey.typed_steps == {"husband"}  # the other spouse only
    assert journey.result["Họ, chữ đệm, tên chồng"] == "Hoàng Văn Nam"
    assert journey.result["Họ, chữ đệm, tên vợ"] == "Phạm Thị Mai"
    assert journey.result["Ngày, tháng, năm sinh của vợ"] == "25/08/1992"


def test_marriage_exit_pages_under_age_and_already_married(client, lan, catalogue):
    journey = Journey(client, _code(catalogue, "marriage_registration"))
    under_age = journey.walk({"eligibility": {"of_age": "no", "voluntary": "on"}})
    assert "Not old enough to marry" in under_age.content.decode()
    # Lan is married in the population record: the wife page, prefilled and locked, exits.
    married = journey.walk(
        {
            "eligibility": MARRIAGE_ELIGIBLE,
            "husband": HUSBAND,
        }
    )
    assert married.status_code == 200
    assert "A person who is married cannot marry again" in married.content.decode()
    assert not Dossier.objects.exists()


def _years_ago(years: int) -> dt.date:
    return add_years(timezone.localdate(), -years)


def _man_born(born: dt.date) -> dict[str, str]:
    digit = (born.year // 100 - 19) * 2
    number = f"048{digit}{born.year % 100:02d}001234"
    return {**HUSBAND, "date_of_birth": born.isoformat(), "identification_number": number}


def test_marriage_refuses_a_groom_under_20_by_his_date_of_birth_with_the_named_rule(
    client, mai, catalogue
):
    """Issue 14: the form asked "are you both of age?" and never compared it with the dates it
    holds. Now the husband's page refuses a date of birth under 20 on the day of registration,
    names the rule and its legal basis, keeps every answer, and nothing is submitted."""
    born = _years_ago(17)  # 17 today: the 01/05/2009 on 2026-12-02, on any day
    groom = _man_born(born)
    journey = Journey(client, _code(catalogue, "marriage_registration"))
    refused = journey.walk({"eligibility": MARRIAGE_ELIGIBLE, "husband": groom})
    assert refused.status_code == 200
    page = refused.content.decode()
    assert current_step(journey.url, page) == "husband"
    assert (
        "The husband must be 20 or older on the day of the marriage registration "
        "(Law on Marriage and Family 2014, article 8)." in _errors(page)
    )
    typed = page_values(page).typed
    assert typed["husband-full_name"] == "Hoàng Văn Nam"
    # the date as typed, in its day / month / year boxes
    assert typed["husband-date_of_birth_day"] == str(born.day)
    assert typed["husband-date_of_birth_month"] == str(born.month)
    assert typed["husband-date_of_birth_year"] == str(born.year)
    assert typed["husband-identification_number"] == groom["identification_number"]
    # a man who turns 20 today goes on to the wife's page
    grown = _man_born(_years_ago(20))
    assert journey.walk({"eligibility": MARRIAGE_ELIGIBLE, "husband": grown}, stop_before="wife")
    assert not Dossier.objects.exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "its first three digits, 999, are not the code of a province"),
        ("vi", "ba chữ số đầu, 999, không phải là mã của một tỉnh, thành phố"),
    ],
)
def test_marriage_refuses_the_number_999999999999_by_its_structure(
    client, mai, catalogue, settings, language, message
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    journey = Journey(client, _code(catalogue, "marriage_registration"))
    refused = journey.walk(
        {
            "eligibility": MARRIAGE_ELIGIBLE,
            "husband": {**HUSBAND, "identification_number": "999999999999"},
        }
    )
    page = refused.content.decode()
    assert current_step(journey.url, page) == "husband"
    assert message in _errors(page)
    assert page_values(page).typed["husband-identification_number"] == "999999999999"


def test_marital_status_confirmation_for_marriage_with_residence_periods(client, mai, catalogue):
    journey = Journey(client, _code(catalogue, "marital_status_confirmation"))
    dossier = journey.submit(
        {
            "purpose": {"purpose": "marriage"},
            "intended_spouse": {
                "full_name": "Hoàng Văn Nam",
                "date_of_birth": "1990-02-14",
                "identification_number": "048090001234",
                "residence": "Phường Hải Châu, Thành phố Đà Nẵng",
            },
            "res_province": HA_NOI,
            "res_commune": {**HOAN_KIEM, "residence_detail": "Số 5 phố Hàng Bạc"},
            "history": {"lived_elsewhere": "yes"},
            "periods": [
                {
                    "address": "Phường Hải Châu, Thành phố Đà Nẵng",
                    "date_from": "2010-08-25",
                    "date_to": "2018-06-30",
                },
                {
                    "address": "Phường Cầu Giấy, Thành phố Hà Nội",
                    "date_from": "2018-07-01",
                    "date_to": "2024-12-31",
                },
            ],
            "contact": CONTACT,
            "review": REVIEW,
        }
    )
    assert "other_purpose" not in journey.seen
    assert len(dossier.data["periods"]) == 2
    assert dossier.data["intended_spouse"]["full_name"] == "Hoàng Văn Nam"
    assert dossier.data["person"]["marital_status"] == "single"
    assert "intended_spouse_passport" not in journey.seen  # a Vietnamese spouse
    assert journey.typed_steps == {"intended_spouse", "periods"}
    assert journey.result["Tình trạng hôn nhân"] == "Chưa kết hôn"
    assert journey.result["Kết hôn với"] == "Hoàng Văn Nam"


def test_permanent_residence_in_a_rented_home_with_family(client, lan, catalogue):
    journey = Journey(client, _code(catalogue, "permanent_residence"))
    consent_page = journey.walk(
        {
            "basis": {"basis": "rented"},
            "rented": {"landlord_name": "Phạm Văn Dũng", "floor_area": "45"},
            "members_question": {"with_others": "no"},
            "consent": {
                "head_full_name": "Phạm Văn Dũng",
                "relationship_to_head": "lodger",
                "consent": "not_yet",
            },
        }
    )
    assert "The head of household and the owner must agree" in consent_page.content.decode()
    journey.goto("members_question")  # Back to say who moves in too
    dossier = journey.submit(
        {
            "members_question": {"with_others": "yes"},
            "members": [
                {
                    "full_name": "Trần Văn Minh",
                    "identification_number": "001088004321",
                    "date_of_birth": "1988-07-02",
                    "relationship": "spouse",
                },
                {
                    "full_name": "Trần Minh An",
                    "identification_number": "001226000123",
                    "date_of_birth": "2026-11-10",
                    "relationship": "child",
                },
            ],
            "consent": {
                "head_full_name": "Phạm Văn Dũng",
                "relationship_to_head": "lodger",
                "consent": "app",
            },
            # TH2 names the declaration CT01-DY: it is the e-form, not an upload
            "documents": {"hdthue": pdf_upload("hd.pdf")},
            "contact": CONTACT,
            "review": REVIEW,
        }
    )
    assert not {"owned", "relatives"} & set(journey.seen)
    assert dossier.case.code == "TH2"
    assert [m["relationship"] for m in dossier.data["members"]] == ["spouse", "child"]
    assert journey.typed_steps == {"rented", "members", "consent"}


def test_temporary_residence(client, lan, catalogue):
    journey = Journey(client, _code(catalogue, "temporary_residence"))
    dossier = journey.submit(
        {
            "purpose": {"purpose": "other", "host": "rented"},
            "stay": {  # a year of stay that started a month ago, whatever the day
                "date_from": _days_from_today(-31),
                "date_to": _days_from_today(333),
                "purpose_other": "Chữa bệnh dài ngày",
            },
            "members_question": {"with_others": "no"},
            "documents": {"cmco": pdf_upload("hop-dong-thue.pdf")},
            "contact": CONTACT,
            "review": REVIEW,
        }
    )
    assert "members" not in journey.seen
    assert dossier.data["stay"]["purpose_other"] == "Chữa bệnh dài ngày"
    assert dossier.case.code == "TH1"
    assert journey.typed_share <= 0.30


def test_temporary_absence_with_a_destination_elsewhere(client, lan, catalogue):
    journey = Journey(client, _code(catalogue, "temporary_absence"))
    dossier = journey.submit(
        {
            "category": {"category": "long_absence", "reason": "work"},
            "absence": {"date_from": _days_from_today(-1), "date_to": _days_from_today(425)},
            "dest_province": HA_NOI,
            "dest_commune": {"commune": "00004", "dest_detail": "Số 1 phố Đội Cấn"},
            "contact": CONTACT,
            "review": REVIEW,
        }
    )
    assert dossier.case.code == "TH2"
    assert dossier.commune.code == "00070"  # where she lives decides, not where she goes
    assert dossier.data["dest_commune"]["commune"] == "00004"
    assert journey.typed_share <= 0.30


def test_criminal_record_with_residence_history(client, lan, catalogue):
    journey = Journey(client, _code(catalogue, "criminal_record"))
    dossier = journey.submit(
        {
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
            "review": REVIEW,
        }
    )
    assert "from the national population database" in journey.pages["family"]
    assert dossier.data["family"]["spouse_name"] == "Trần Văn Minh"
    assert dossier.data["certificate"]["copies"] == 2
    assert len(dossier.data["residence_history"]) == 2
    assert dossier.case.code == "TH1"
    assert journey.typed_share <= 0.30


def test_criminal_record_copies_are_between_one_and_ten(client, lan, catalogue):
    journey = Journey(client, _code(catalogue, "criminal_record"))
    page = journey.walk(
        {
            "certificate_type": {"certificate_type": "2"},
            "certificate": {"purpose": "Để biết", "copies": "11"},
        }
    ).content.decode()
    assert "10" in _errors(page)
    assert 'value="11"' in page  # kept, to be corrected


def test_household_business_set_up_by_a_family(client, hung, catalogue):
    journey = Journey(client, _code(catalogue, "household_business"))
    dossier = journey.submit(
        {
            "business_lines": {"lines": ["retail", "food"]},
            "business": {
                "name": "Hộ kinh doanh Tạp hóa Minh Hùng",
                "capital": "50000000",
                "employees": "2",
            },
            "biz_province": HA_NOI,
            "biz_commune": {**HOAN_KIEM, "address_detail": "Số 25 phố Hàng Đào"},
            "owners_question": {"founders": "household"},
            "owners": [
                {
                    "full_name": "Võ Thị Hạnh",
                    "identification_number": "079187003344",
                    "tax_code": "0312345673",
                    "contribution": "20000000",
                },
                {
                    "full_name": "Lê Minh Khang",
                    "identification_number": "079205001122",
                    "contribution": "5000000",
                },
            ],
            "documents": {"bbh": pdf_upload("bien-ban-hop.pdf")},
            "contact": CONTACT,
            "review": REVIEW,
        }
    )
    assert dossier.subject_name == "Hộ kinh doanh Tạp hóa Minh Hùng"
    assert dossier.data["representative"]["identification_number"] == "079085001122"
    assert dossier.data["business_lines"]["lines"] == ["retail", "food"]
    assert "lines_detail" not in dossier.data["business"]  # asked only for "something else"
    assert dossier.data["owners"][0]["tax_code"] == "0312345673"
    assert journey.typed_steps == {"business", "owners"}  # the representative is known


def test_driving_licence_renewal_prefills_the_licence_and_locks_it(client, lan, catalogue):
    journey = Journey(client, _code(catalogue, "driving_licence_renewal"))
    lost = journey.walk({"licence": {"classes": "A1"}, "reason": {"reason": "lost"}})
    page = lost.content.decode()
    assert "A lost licence is re-issued by another procedure" in page
    assert reverse("procedures:detail", args=["3.000348"]) in page  # the procedure instead
    dossier = journey.submit(
        {
            "licence": {"classes": "A1"},  # a list in the registry: not prefilled (see report)
            "reason": {"reason": "changed_details"},
            "reason_details": {"changed_what": "Họ tên đã được cải chính"},
            "delivery_province": HA_NOI,
            "delivery_commune": {**HOAN_KIEM, "delivery_detail": "Số 12 phố Hàng Bạc"},
            "documents": {"gksk": pdf_upload("kham-suc-khoe.pdf"), "gplx": pdf_upload("gplx.pdf")},
            "contact": CONTACT,
            "review": REVIEW,
        }
    )
    licence_page = journey.pages["licence"]
    assert "from the national driving licence database" in licence_page
    assert "018046741236" in licence_page
    assert dossier.data["licence"]["number"] == "018046741236"
    assert dossier.data["reason_details"]["changed_what"] == "Họ tên đã được cải chính"
    assert dossier.case.code == "TH1"
    assert journey.typed_share <= 0.30


def test_driving_licence_renewal_stops_when_the_licence_database_is_down(
    client, english, national_settings, catalogue, citizen_a, national_services_factory
):
    """`licences` is the form's crucial source: without it the form cannot go on."""
    services = national_services_factory(NATIONAL_MOCKS_DOWN="vehicles")
    national_settings.NATIONAL_SERVICES_URL = services.url
    national_settings.PREFILL_CLIENT_ID = services.data_client_id
    national_settings.PREFILL_CLIENT_SECRET = services.data_client_secret
    client.force_login(citizen_a)
    journey = Journey(client, _code(catalogue, "driving_licence_renewal"))
    page = client.get(journey.url, follow=True)
    assert page.status_code == 503
    assert not Dossier.objects.exists()

"""English is complete everywhere a person reads: the main pages, visited in English by the
people who use them, show no Vietnamese text.

The check reads the server-rendered HTML (the test client; no browser): every visible text
node and the attributes a person reads or hears (alt, title, aria-label, placeholder), without
<script> and <style>. A text is Vietnamese when it has a letter only Vietnamese uses (ă â đ ê
ô ơ ư, or a vowel with a tone mark). What may stay Vietnamese on an English page:

- a part marked ``lang="vi"`` (WCAG 3.1.2, language of parts): the language switcher's
  "Tiếng Việt", a note a connected system or an officer wrote in Vietnamese;
- ALLOWED below: people's and places' names from the data (they have no translation), and
  the official numbers of legal documents ("123/2015/NĐ-CP": NĐ-CP is the decree's number).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pprint import pformat

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults

from dashboards.models import DashboardScope, ScopeLevel
from dashboards.rollups import rollups_rebuild
from dossiers.services import dossier_receive
from portal import views as portal_views
from tests.dossiers.wizard_steps import start

pytestmark = pytest.mark.django_db

#: letters only Vietnamese uses: the three with a breve, circumflex or horn, đ, and every
#: vowel with a tone mark (grave, acute, hook, tilde, dot below), in both cases
VIETNAMESE = re.compile(
    "[ăâđêôơưĂÂĐÊÔƠƯ"
    "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
    "ÀÁẢÃẠẰẮẲẴẶẦẤẨẪẬÈÉẺẼẸỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌỒỐỔỖỘỜỚỞỠỢÙÚỦŨỤỪỨỬỮỰỲÝỶỸỴ]"
)

#: Names from the data, which have no English: people (the test citizen, her child and the
#: child's father), places (province, communes, the hospital of birth) and a nationality.
ALLOWED = (
    "Nguyễn Thị Lan",
    "Trần Minh An",
    "Trần Văn Minh",
    "Thành phố Hà Nội",
    "Hà Nội",
    "Phường Hoàn Kiếm",
    "Hoàn Kiếm",
    "Bệnh viện Phụ sản Hà Nội",
    "Việt Nam",
)

#: the official number of a legal document: number/year/issuer's abbreviation
LEGAL_NUMBER = re.compile(r"\b\d+/\d{4}/[A-ZĐ0-9-]+")

_SKIPPED = {"script", "style", "template"}
_VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
_READ_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")


class _Texts(HTMLParser):
    """The texts a person reads, outside <script>/<style> and parts marked lang="vi"."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, hidden from the check)

    @property
    def _hidden(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        hidden = (
            self._hidden
            or tag in _SKIPPED
            or (values.get("lang") or "en").split("-")[0] not in ("en", "")
        )
        if not hidden:
            self.texts.extend(v for k, v in attrs if k in _READ_ATTRIBUTES and v)
        if tag not in _VOID:
            self._stack.append((tag, hidden))

    def handle_startendtag(self, tag, attrs):
        if not self._hidden:
            self.texts.extend(v for k, v in attrs if k in _READ_ATTRIBUTES and v)

    def handle_endtag(self, tag):
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(" ".join(data.split()))


def vietnamese_texts(html: str) -> list[str]:
    """The visible texts of the page that are Vietnamese, once the allowed names are removed."""
    parser = _Texts()
    parser.feed(html)
    found = []
    for text in parser.texts:
        rest = LEGAL_NUMBER.sub("", text)
        for name in sorted(ALLOWED, key=len, reverse=True):
            rest = rest.replace(name, "")
        if VIETNAMESE.search(rest):
            found.append(text)
    return list(dict.fromkeys(found))


def test_the_check_finds_vietnamese_and_ignores_what_it_should():
    html = (
        '<html lang="en"><head><title>Chứng thực</title><style>.x{content:"ă"}</style></head>'
        "<body><p>Birth registration</p><p>Đăng ký khai sinh</p>"
        '<img alt="Ảnh"><a lang="vi" href="/">Tiếng <b>Việt</b></a>'
        "<script>var s = 'Tiếng Việt';</script><p>Mother: Nguyễn Thị Lan</p>"
        '<p lang="en">Hà Nội, Sổ</p><p>Decree 123/2015/NĐ-CP</p></body></html>'
    )
    assert vietnamese_texts(html) == ["Chứng thực", "Đăng ký khai sinh", "Ảnh", "Hà Nội, Sổ"]
    assert vietnamese_texts("<p>Café is French, not a Vietnamese name.</p>") == [
        "Café is French, not a Vietnamese name."
    ]


@pytest.fixture
def world(
    national_settings, hanoi, hoan_kiem, agency_hk, birth_version, citizen_a, officer_hk, submit
):
    """The catalogue as the demo loads it, a dossier with a timeline (submitted, routed,
    received, supplement requested) and the people who read it."""
    agency_hk.name_en = "People's Committee of Hoan Kiem Ward"
    agency_hk.save(update_fields=["name_en"])
    call_command("load_procedures", verbosity=0)
    dossier = submit(citizen_a)
    dossier_receive(dossier=dossier, officer=officer_hk, agency=agency_hk)
    dossier.refresh_from_db()
    rollups_rebuild()
    official = get_user_model().objects.create_user(username="official", password="pw-1234567")
    DashboardScope.objects.create(user=official, level=ScopeLevel.NATIONAL)
    return {"dossier": dossier, "citizen": citizen_a, "officer": officer_hk, "official": official}


def _english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _visit(client: Client, url: str, found: dict[str, list[str]], *, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    html = response.content.decode()
    _check(url, html, found)
    return html


def _check(url: str, html: str, found: dict[str, list[str]]) -> None:
    assert '<html lang="en"' in html, url
    texts = vietnamese_texts(html)
    if texts:
        found[url] = texts


def test_the_main_pages_in_english_have_no_vietnamese(world, officer_login):
    dossier = world["dossier"]
    found: dict[str, list[str]] = {}
    public = _english(Client())
    for url in (
        reverse("portal:home"),
        reverse("procedures:catalogue"),
        reverse("procedures:catalogue") + "?q=birth",
        reverse("procedures:catalogue") + "?level=3&applicant=citizen",
        reverse("procedures:detail", args=["1.001193"]),
        reverse("procedures:detail", args=["2.000986"]),
        reverse("dossiers:track"),
        reverse("portal:login"),
    ):
        _visit(public, url, found)
    _visit(public, "/no-such-page/", found, status=404)
    tracked = public.post(
        reverse("dossiers:track"),
        {"code": dossier.code, "id_last4": dossier.applicant_personal_id[-4:]},
    )
    assert tracked.status_code == 200
    assert "People&#x27;s Committee of Hoan Kiem Ward" in tracked.content.decode()
    _check(reverse("dossiers:track") + " (result)", tracked.content.decode(), found)

    citizen = _english(Client())
    citizen.force_login(world["citizen"])
    for url in (reverse("dossiers:mine"), reverse("portal:notifications")):
        _visit(citizen, url, found)
    page = _visit(citizen, reverse("dossiers:mine_detail", args=[dossier.code]), found)
    # the note the portal wrote at routing, in the reader's language
    assert "Sent to People&#x27;s Committee of Hoan Kiem Ward." in page
    wizard = start(citizen)
    # the draft's address sends to its first step, which has an address of its own
    assert citizen.get(wizard)["Location"] == wizard + "child/"
    _visit(citizen, wizard + "child/", found)

    officer = _english(Client())
    officer_login(officer, world["officer"])
    for url in (
        reverse("backoffice:queue"),
        reverse("backoffice:detail", args=[dossier.code]),
    ):
        _visit(officer, url, found)

    official = _english(Client())
    officer_login(official, world["official"])
    _visit(official, reverse("dashboards:unit_national"), found)
    province = reverse("dashboards:unit", args=["province", dossier.competent_agency.province_id])
    _visit(official, province, found)

    assert not found, "Vietnamese on English pages:\n" + pformat(found, width=100)


TITLES = {
    400: ("The request could not be read", "Không đọc được yêu cầu"),
    403: ("You cannot do this here", "Bạn không thể thực hiện thao tác này"),
    429: ("Too many attempts", "Quá nhiều lần thử"),
    500: ("Sorry, there is a problem with the service", "Xin lỗi, dịch vụ đang gặp sự cố"),
    "csrf": ("You cannot do this here", "Bạn không thể thực hiện thao tác này"),
}


@pytest.mark.parametrize("language", ["en", "vi"])
def test_every_error_page_is_the_portal_in_both_languages(language):
    """400, 403, 429, 500 and a form refused for its CSRF token: the portal's page, with its
    help line, in the person's language (and no Vietnamese left on the English one)."""
    request = RequestFactory().get("/")
    with translation.override(language):
        pages = {
            400: defaults.bad_request(request, Exception()),
            403: defaults.permission_denied(request, Exception()),
            429: portal_views.ratelimited(request),
            500: defaults.server_error(request),
            "csrf": portal_views.csrf_failure(request),
        }
    for key, response in pages.items():
        assert response.status_code == (403 if key == "csrf" else key)
        html = response.content.decode()
        assert f'<html lang="{language}"' in html, key
        assert "18001096" in html, key  # the help line, in the portal's frame
        assert TITLES[key][0 if language == "en" else 1] in html, key
        if language == "en":
            assert vietnamese_texts(html) == [], key


@pytest.mark.parametrize(
    ("language", "title"), [("en", "Too many attempts"), ("vi", "Quá nhiều lần thử")]
)
def test_a_rate_limited_form_gets_the_portal_429_in_the_person_language(
    client, settings, language, title
):
    """Tracking allows a few attempts a minute per address; then the portal's 429 page."""
    settings.PUBLIC_TRACKING_RATE = "2/m"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for _attempt in range(5):
        response = client.post(reverse("dossiers:track"), {"code": "X-1", "id_last4": "0000"})
        if response.status_code == 429:
            break
    assert response.status_code == 429
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    assert title in html


def test_an_english_dossier_receipt_names_the_procedure_agency_and_documents_in_english(
    hoan_kiem, agency_hk, birth_version, citizen_a
):
    """The receipt (slip 01) of a dossier submitted in English: the catalogue's and the
    agency's English names; the national heading stays Vietnamese, as on real documents."""
    import io

    from pypdf import PdfReader

    from dossiers.documents import receipt_pdf
    from tests.conftest import submit_birth_registration

    agency_hk.name_en = "People's Committee of Hoan Kiem Ward"
    agency_hk.save(update_fields=["name_en"])
    dossier = submit_birth_registration(
        citizen_a, version=birth_version, commune=hoan_kiem, language="en"
    )
    dossier.target_agency = agency_hk
    text = " ".join(
        " ".join((page.extract_text() or "").split())
        for page in PdfReader(io.BytesIO(receipt_pdf(dossier))).pages
    )
    assert "Birth registration" in text
    assert "Đăng ký khai sinh" not in text
    assert "PEOPLE'S COMMITTEE OF HOAN KIEM WARD" in text.upper()
    component = birth_version.cases.get(code="TH1").components.get(code="GCS")
    assert component.name_en
    assert component.name_en in text


def test_the_language_a_person_chooses_is_the_one_they_are_written_to_in(
    client, agency_hk, officer_hk, citizen_a, submit, django_capture_on_commit_callbacks
):
    """Submitted in Vietnamese, then the person switches to English: the next message (the
    e-mail, and the inbox whatever the language it is read in) speaks English."""
    from django.core import mail

    from dossiers.services import dossier_receive
    from notifications.models import Notification

    agency_hk.name_en = "People's Committee of Hoan Kiem Ward"
    agency_hk.save(update_fields=["name_en"])
    dossier = submit(citizen_a)
    assert dossier.language == "vi"
    client.force_login(citizen_a)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    citizen_a.refresh_from_db()
    assert citizen_a.language == "en"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        dossier_receive(dossier=dossier, officer=officer_hk, agency=agency_hk)
    assert mail.outbox
    assert "received" in mail.outbox[-1].subject.lower()
    notification = Notification.objects.filter(event__action="received").get()
    with translation.override("vi"):
        assert VIETNAMESE.search(notification.shown_title)
    with translation.override("en"):
        assert not VIETNAMESE.search(notification.shown_title + notification.shown_body)

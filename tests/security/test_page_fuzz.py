"""The page fuzzer: every route of the portal (pages and API, the Django admin's aside), as
the people who may use it, with malformed values in every query parameter, every form field
and every path segment: no answer is a 5xx.

Routes, their addresses in the world and who may see them come from the access matrix
(tests/security/matrix.py, which every route must be in). Query parameters are those the code
reads (`GET.get("...")`, `query_params.get("...")`, forms bound to `request.GET`) and those of
the GET forms of the rendered pages; form fields are those of the POST forms of the rendered
pages; a POST-only address gets every parameter in its body. While the requests run, SQLite
refuses what PostgreSQL would (tests/security/postgres_like.py), and each request runs in a
savepoint, as a real request has its own transaction. The world is the matrix's, built once
per module (tests/security/conftest.py); each test runs in a savepoint of it (`case`).

Bounded: a page gets every parameter at once with each value (as the first person who sees
it), then each of its own parameters alone with each value of SINGLE_VALUES; a form every
field at once with each value, then each field alone; each path segment each PATH_VALUES.
"""

from __future__ import annotations

import inspect
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import Resolver404, resolve
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from dossiers.models import Dossier

from . import matrix
from .matrix import Probe, Redirect
from .postgres_like import own_transaction, postgres_like
from .world import ALL_SCOPES, World

#: Markup in a value: a page that shows the value back shows it escaped (ASVS 1.2.1)
MARKUP = "<script>alert(1)</script>"
#: Malformed values: other scripts' digits, a huge text, NUL bytes, impossible dates,
#: negative and huge numbers, broken UUIDs, a path traversal, markup, nothing.
VALUES = [
    "²",
    "٣",
    "\uff11\uff12",  # full-width digits
    "x" * 100_000,
    "\x00",
    "1\x002",
    "31/02/2026",
    "2026-13-45",
    "-1",
    "-9223372036854775809",
    "9" * 5000,
    "99999999999999999999",
    "1e400",
    "NaN",
    "00000000-0000-0000-0000-00000000000g",
    "../../etc/passwd",
    MARKUP,
    "",
]
#: Sent in every parameter at once: the huge text shorter (30 parameters of 100,000
#: characters would be a 3 MB address; each parameter gets the 100,000 alone)
ALL_VALUES = [("x" * 5000 if len(v) == 100_000 else v) for v in VALUES]
#: Tried one parameter or field at a time
SINGLE_VALUES = [
    "²",
    "٣",
    "x" * 100_000,
    "1\x002",
    "2026-13-45",
    "-1",
    "9" * 5000,
    "99999999999999999999",
    "00000000-0000-0000-0000-00000000000g",
    MARKUP,
]
#: A page that sends the visitor to the sign-in page with ?next=<the address>
REDIRECT_VALUES = ["²", "x" * 5000, MARKUP, "../../etc/passwd"]
#: In place of a path segment (no empty segment, no slash)
PATH_VALUES = [
    "²",
    "٣",
    "\uff11\uff12",
    "\x00",
    "-1",
    "9" * 5000,
    "99999999999999999999",
    "2026-13-45",
    "NaN",
    "00000000-0000-0000-0000-00000000000g",
    MARKUP,
    "..",
    "%",
    "x" * 3000,
]
#: Who the pages are tried as (principals of the matrix), in this order: a page's query is
#: fuzzed as the first of them who sees it, its forms as each who sees them
FUZZERS = (
    "anonymous",
    "owner",
    "reception",
    "specialist",
    "leader",
    "national_official",
    "unverified_officer",
    "system",
    "superuser",
)
URLENCODED = "application/x-www-form-urlencoded"
_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")


def client_for(world: World, principal: str) -> Client:
    """A browser (or an agency's system) of `principal`, as the access matrix signs it in."""
    headers = {}
    if principal == "system":
        headers["Authorization"] = f"Api-Key {world.key(world.agency_hk, ALL_SCOPES)}"
    client = Client(headers=headers, raise_request_exception=False)
    user = world.users[principal]
    if user is not None:
        client.force_login(user)
        if world.verified[principal]:
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
            session.save()
    return client


# --- what a page reads ---------------------------------------------------------------------

_READS = re.compile(r"""(?:GET|POST|query_params)(?:\.get|\.getlist)?[(\[]\s*["']([\w-]+)["']""")
_GET_FORM = re.compile(r"(\w+Form)\(\s*(?:self\.)?request\.GET")


def view_of(path: str) -> Callable | None:
    try:
        callback = resolve(path).func
    except Resolver404:
        return None
    return getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback


def parameters_read_by(view: Callable | None) -> set[str]:
    """The query parameters a view reads by name, and the fields of the forms it binds to
    request.GET."""
    try:
        source = inspect.getsource(view)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return set()
    names = set(_READS.findall(source))
    module = inspect.getmodule(view)
    for form_name in _GET_FORM.findall(source):
        names.update(getattr(getattr(module, form_name, None), "base_fields", {}))
    return names


@dataclass
class Form:
    method: str
    action: str
    multipart: bool
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple:
        """The same form on several pages (the language switch, sign out) is fuzzed once."""
        return (self.action, tuple(sorted(self.fields)))


class FormParser(HTMLParser):
    """The forms of a page: method, action, encoding and each field with its current value
    (a select's selected or first option, a box's value, the first named submit button)."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._submit_named = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(
                a.get("method", "get").lower(),
                urlsplit(a.get("action") or self.page_url).path or self.page_url,
                multipart=a.get("enctype", "") == "multipart/form-data",
            )
            self._submit_named = False
            self.forms.append(self._form)
            return
        form, name = self._form, a.get("name")
        if form is None or not name:
            return
        kind = a.get("type", "text").lower()
        if tag in ("input", "button") and kind == "submit":
            if not self._submit_named:
                form.fields[name] = a.get("value", "")
                self._submit_named = True
        elif tag == "input" and kind in ("checkbox", "radio"):
            form.fields.setdefault(name, a.get("value", "on"))
        elif tag == "input" and kind not in ("image", "button", "reset"):
            form.fields[name] = a.get("value", "")
        elif tag == "select":
            self._select = name
            form.fields.setdefault(name, "")
        elif tag == "option" and self._select:
            if "selected" in a or not form.fields.get(self._select):
                form.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            form.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form.fields[self._textarea] += data


def forms_of(response, url: str) -> list[Form]:
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return []
    parser = FormParser(url)
    parser.feed(response.content.decode("utf-8", "replace"))
    return parser.forms


# --- the run --------------------------------------------------------------------------------


def _processed(expected) -> bool:
    """Whether a principal's request reaches the view's work (not refused at the door)."""
    if isinstance(expected, Redirect):
        return expected not in (matrix.LOGIN, matrix.OTP)
    return expected not in (401, 403, 404, 405, matrix.NOT_TRIED)


@dataclass
class Fuzzer:
    world: World
    parameters: list[str]
    failures: list[str] = field(default_factory=list)
    requests: int = 0
    clients: dict[str, Client] = field(default_factory=dict)
    forms_done: set[tuple] = field(default_factory=set)
    own_done: set[str] = field(default_factory=set)

    def client(self, principal: str) -> Client:
        if principal not in self.clients:
            self.clients[principal] = client_for(self.world, principal)
        return self.clients[principal]

    def send(self, who: str, method: str, url: str, data: dict, what: str, multipart=False):
        """GET with `data` as the query string; POST it as a browser would (urlencoded, or
        multipart for a form that says so)."""
        client = self.client(who)
        self.requests += 1
        with own_transaction(), postgres_like():
            if method == "get":
                response = client.get(url, data)
            elif multipart:
                response = client.post(url, data)
            else:
                response = client.post(url, urlencode(data), content_type=URLENCODED)
        if response.streaming:
            # read to its end: the test client closes it then, as a server would (closing it
            # here would send request_finished again, and that closes the database connection)
            b"".join(response.streaming_content)
        if response.status_code >= 500:
            self.failures.append(_failure(response, who, method, url, data, what))
        elif (
            not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and MARKUP.encode() in response.content
        ):  # markup sent in a value came back unescaped
            self.failures.append("unescaped " + _failure(response, who, method, url, data, what))
        return response

    def signed_in_again(self, principal: str) -> None:
        """A fuzzed form may have signed the person out (or in): a new browser."""
        self.clients.pop(principal, None)

    def page(self, name: str, probe: Probe) -> None:
        url = probe.url(self.world)
        seeing = [p for p in FUZZERS if probe.expect.get(p) == 200]
        cache.clear()  # rate limits: each page starts with a fresh count
        if seeing:
            who = seeing[0]  # what a page reads seldom depends on who reads it
            pages = {p: self.send(p, "get", url, {}, "plain") for p in seeing}
            for value in ALL_VALUES:
                self.send(who, "get", url, dict.fromkeys(self.parameters, value), "all")
            if name not in self.own_done:  # the first address of a route
                self.own_done.add(name)
                own = parameters_read_by(view_of(urlsplit(url).path))
                own.update(
                    n for f in forms_of(pages[who], url) if f.method == "get" for n in f.fields
                )
                for parameter in sorted(own):
                    for value in SINGLE_VALUES:
                        self.send(who, "get", url, {parameter: value}, parameter)
            for principal, response in pages.items():
                for form in forms_of(response, url):
                    if form.method == "post" and form.key not in self.forms_done:
                        self.forms_done.add(form.key)
                        self.form(principal, form)
        if "anonymous" not in seeing:  # before the sign-in check: ?next= and the like
            for value in REDIRECT_VALUES:
                query = dict.fromkeys(self.parameters, value)
                self.send("anonymous", "get", url, query, "all, signed out")

    def form(self, principal: str, form: Form) -> None:
        names = [n for n in form.fields if n != "csrfmiddlewaretoken"]
        for value in ALL_VALUES:
            data = {**form.fields, **dict.fromkeys(names, value)}
            self.send(principal, "post", form.action, data, "all", form.multipart)
        for name in names:
            for value in SINGLE_VALUES:
                data = {**form.fields, name: value}
                self.send(principal, "post", form.action, data, name, form.multipart)
        self.signed_in_again(principal)

    def post_only(self, probe: Probe) -> None:
        """An address only posted to (an action, a callback): every parameter in its body."""
        posters = [p for p in FUZZERS if _processed(probe.expect.get(p))]
        if not posters:
            return
        url = probe.url(self.world)
        body = probe.body(self.world) or {}
        names = [*self.parameters, *(k for k in body if k not in self.parameters)]
        for value in ALL_VALUES:
            self.send(posters[0], "post", url, dict.fromkeys(names, value), "all")
        self.signed_in_again(posters[0])

    def path(self, probe: Probe) -> None:
        """Each path segment in place replaced by each malformed value."""
        url = urlsplit(probe.url(self.world)).path
        try:
            match = resolve(url)
        except Resolver404:
            return
        if "^" in match.route or not match.kwargs:  # DRF's router: regular expressions
            return
        getters = [p for p in FUZZERS if probe.expect.get(p) == 200][:1]
        posters = [p for p in FUZZERS if _processed(probe.expect.get(p))][:1]
        for name in match.kwargs:
            for value in PATH_VALUES:
                fuzzed = _fill(match.route, {**match.kwargs, name: value})
                for who in dict.fromkeys(["anonymous", *getters]):
                    self.send(who, "get", fuzzed, {}, f"path {name}")
                for who in posters:
                    self.send(who, "post", fuzzed, {"reason": value}, f"path {name}")


def _fill(route: str, kwargs: dict) -> str:
    return "/" + _PARAMETER.sub(lambda m: quote(str(kwargs[m["name"]]), safe=""), route)


def _failure(response, who: str, method: str, url: str, data: dict, what: str) -> str:
    error = response.reason_phrase
    exc = getattr(response, "exc_info", None)
    if exc:
        error = f"{exc[0].__name__}: {str(exc[1])[:200]}"
        frames = [f for f in traceback.extract_tb(exc[2]) if "/.venv/" not in f.filename]
        if frames:
            error += f" at {frames[-1].filename}:{frames[-1].lineno}"
    shown = {k: (v[:20] + "…" if len(v) > 20 else v) for k, v in data.items()}
    return f"{response.status_code} {who} {method.upper()} {url[:120]} [{what}] {shown}"[:400] + (
        f": {error}"
    )


#: The back-office's, the dashboards' and the API's routes (by their names in the matrix):
#: one half of the routes, the other half the public and citizens' (two tests of about the
#: same time for two workers; the e-form walk is a third)
BACK_OFFICE_AND_API = (
    "backoffice", "feedback_backoffice:", "dashboards:", "payments:backoffice", "api", "schema",
    "procedure-", "interop:",
)  # fmt: skip
GROUPS = ("public and citizens' pages", "back-office, dashboards and API")


@pytest.mark.django_db
def test_the_database_is_set_up_for_the_fuzzer():
    """The fuzzer's tests use `case`, not `django_db` (see tests/security/conftest.py): this
    one asks pytest-django for the test database (first in the module, so before the world
    is built on its worker)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.parametrize("group", GROUPS)
def test_no_page_answers_5xx(case, group):
    world = case

    def in_group(name: str) -> bool:
        return name.startswith(BACK_OFFICE_AND_API) == (group == GROUPS[1])

    probes = [(n, p) for n, _i, p in matrix.probes() if n != "admin"]
    parameters = sorted(
        set().union(*(parameters_read_by(view_of(urlsplit(p.url(world)).path)) for _n, p in probes))
    )
    fuzzer = Fuzzer(world, parameters)
    pathed: set[str] = set()
    for name, probe in probes:
        if not in_group(name):
            continue
        if probe.method == "GET":
            fuzzer.page(name, probe)
        else:
            fuzzer.post_only(probe)
        if name not in pathed:
            pathed.add(name)
            fuzzer.path(probe)
    print(f"page fuzzer ({group}): {fuzzer.requests} requests, {len(fuzzer.forms_done)} forms")
    # the world was there all along (a page that finds nothing is a 404, never a 5xx)
    assert Dossier.objects.filter(pk=world.open.pk).exists()
    assert not fuzzer.failures, "\n".join(fuzzer.failures[:60]) + (
        f"\n... {len(fuzzer.failures)} in all" if len(fuzzer.failures) > 60 else ""
    )


MOTHER = {
    "full_name": "Nguyễn Thị Lan",
    "identification_number": "001190012345",
    "date_of_birth": "12/03/1990",
    "ethnicity": "Kinh",
    "nationality": "Việt Nam",
    "residence": "Hà Nội",
}
FATHER = {
    **MOTHER,
    "full_name": "Trần Văn Minh",
    "identification_number": "001088004321",  # a man born in 1988
    "date_of_birth": "14/07/1988",
}


def test_eform_wizard_answers_no_5xx(case, settings):
    """The birth registration e-form, step by step: each step's fields fuzzed, then the step
    answered rightly to reach the next one (the population database is down: typed answers)."""
    from tests.conftest import pdf_upload
    from tests.dossiers.wizard_steps import APPLICANT, CHILD, post

    settings.NATIONAL_SERVICES_URL = "http://127.0.0.1:9"  # nothing listens there
    settings.PREFILL_TIMEOUT_SECONDS = 0.5
    world = case
    fuzzer = Fuzzer(world, [])
    url = f"/apply/{world.draft.pk}/"
    steps = [
        ("child", CHILD, {}),
        ("applicant", APPLICANT, {}),
        ("mother", MOTHER, {}),
        ("father", FATHER, {}),
        ("province", {"province": "01"}, {}),
        ("commune", {"commune": "00070", "place_detail": "Bệnh viện Phụ sản Hà Nội"}, {}),
        ("documents", {}, {"gcs": pdf_upload}),
        ("review", {"declaration": "on"}, {}),
    ]
    for step, answers, files in steps:
        owner = fuzzer.client("owner")
        page = owner.get(url, follow=True)  # to the current step's own address
        assert page.status_code == 200, step
        here = page.redirect_chain[-1][0] if page.redirect_chain else url
        (form,) = [f for f in forms_of(page, here) if f.method == "post" and f.action == here]
        assert any(name.startswith(f"{step}-") for name in form.fields), step
        fuzzer.form("owner", form)
        answered = post(
            fuzzer.client("owner"), url, step, answers, {k: make() for k, make in files.items()}
        )
        # the fuzzed declaration ("x" is a ticked box) has submitted the review already
        assert answered.status_code == 302 or step == "review", step
    print(f"page fuzzer (e-form): {fuzzer.requests} requests")
    assert not fuzzer.failures, "\n".join(fuzzer.failures[:60])

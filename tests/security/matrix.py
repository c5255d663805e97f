"""The access matrix: for every route of the URL configuration, how to reach it from the
world of tests/security/world.py, and what each principal gets.

A new route needs an entry in ROUTES below (tests/security/test_access_matrix.py fails
until it has one). An entry is one or more probes: a method, an address built from the
world, a body if any, and the expected answer of every principal. Expected answers are
exact: a status code, or a redirect whose target (and ``?next=``) is checked.

Conventions the entries follow:

* another person's dossier, complaint, payment or draft is a 404, never a 403;
* a page that needs a signed-in person sends anyone else to the sign-in page (LOGIN);
* the back-office is for officers of an agency, the dashboards for officials with a scope:
  anyone else signed in gets a 404, an officer or official who only gave a password the
  code step (OTP); another agency's dossier stays a 404;
* the back-office API is a 403 for anyone but a verified officer or official;
* /api/interop/ takes only API keys: none is a 401, a key without the operation's scope a
  403, another agency's dossier a 404;
* a POST that the principal may make is sent with an empty or harmless body, so that it
  never changes anything (a form error, a refused transition, nothing to pay); every test
  runs in a transaction that is rolled back anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import reverse

from interop.links import SALT
from interop.models import ApiScope

from .world import World

PRINCIPALS = (
    "anonymous",
    "owner",  # citizen A: the applicant of the dossiers, the author of the complaints
    "other_citizen",  # citizen B
    "reception",  # officers of Hoan Kiem (the dossiers' agency), one role each ...
    "specialist",
    "leader",  # ... the approver
    "agency_admin",
    "unverified_officer",  # of Hoan Kiem, every role, password given but not the code
    "other_agency",  # an officer of Ba Dinh, every role
    "national_official",
    "province_official",  # Hanoi, where both agencies are
    "other_province_official",  # Da Nang
    "unverified_official",  # national scope, password given but not the code
    "superuser",  # staff and superuser, verified
    "system",  # Hoan Kiem's system: an API key with every scope
    "system_no_scope",  # Hoan Kiem's system: a key with every scope but the route's
    "system_other_agency",  # Ba Dinh's system: every scope
)

GROUPS: dict[str, tuple[str, ...]] = {
    "citizens": ("owner", "other_citizen"),
    "hk": ("reception", "specialist", "leader", "agency_admin"),
    "officials": ("national_official", "province_official", "other_province_official"),
    "systems": ("system", "system_no_scope", "system_other_agency"),
    "unverified": ("unverified_officer", "unverified_official"),
}
#: no session: nobody, or an agency's system (its key is no session)
NO_SESSION = ("anonymous", *GROUPS["systems"])
SIGNED_IN = tuple(p for p in PRINCIPALS if p not in NO_SESSION)


@dataclass(frozen=True)
class Redirect:
    """A 302 to `to` (a URL name, or a function of the world giving the address)."""

    to: str | Callable[[World], str]
    next: bool = False  # the Location's ?next= is the address tried
    prefix: bool = False  # the Location only starts with the target (another site's address)

    def target(self, world: World) -> str:
        return self.to(world) if callable(self.to) else reverse(self.to)

    def __str__(self) -> str:
        name = self.to if isinstance(self.to, str) else "<address>"
        return f"302 -> {name}" + (" ?next=<address tried>" if self.next else "")


class NotTried:
    """A principal a probe is not sent for: it would change something (say why)."""

    def __repr__(self) -> str:
        return "NOT_TRIED"


NOT_TRIED = NotTried()
Expected = int | Redirect | NotTried

LOGIN = Redirect("portal:login", next=True)
OTP = Redirect("portal:officer_otp", next=True)
ADMIN_LOGIN = Redirect("admin:login", next=True)


def expect(default: Expected | None = None, **given: Expected) -> dict[str, Expected]:
    """Expected answers by principal: `default`, then groups (GROUPS, `no_session`,
    `signed_in`), then single principals, the most specific winning."""
    result: dict[str, Expected] = {}
    if default is not None:
        result = dict.fromkeys(PRINCIPALS, default)
    groups = {**GROUPS, "no_session": NO_SESSION, "signed_in": SIGNED_IN}
    for name in ("signed_in", "no_session", *GROUPS):
        if name in given:
            result.update(dict.fromkeys(groups[name], given[name]))
    for name, value in given.items():
        if name in groups:
            continue
        if name not in PRINCIPALS:
            raise ValueError(f"unknown principal or group: {name}")
        result[name] = value
    missing = [p for p in PRINCIPALS if p not in result]
    if missing:
        raise ValueError(f"no expected answer for {', '.join(missing)}")
    return result


def everyone(status: Expected) -> dict[str, Expected]:
    return expect(status)


def signed_in(status: Expected, **over: Expected) -> dict[str, Expected]:
    """Any signed-in account (login_required, no more)."""
    return expect(no_session=LOGIN, signed_in=status, **over)


def own(owner: Expected = 200, **over: Expected) -> dict[str, Expected]:
    """Something of citizen A's: anyone else signed in gets a 404."""
    return expect(404, no_session=LOGIN, owner=owner, **over)


def back_office(hk: Expected, other_agency: Expected = 404, **over: Expected) -> dict:
    """A page of the officers of Hoan Kiem (the object's agency)."""
    return expect(
        404,
        no_session=LOGIN,
        hk=hk,
        unverified_officer=OTP,
        other_agency=other_agency,
        **over,
    )


def dashboard(
    national: Expected, province: Expected, other_province: Expected, **over: Expected
) -> dict:
    """A page of the officials with a dashboard scope (the superuser sees the nation)."""
    return expect(
        404,
        no_session=LOGIN,
        unverified_official=OTP,
        national_official=national,
        province_official=province,
        other_province_official=other_province,
        superuser=national,
        **over,
    )


def interop(system: Expected, other_agency: Expected = 404) -> dict:
    """/api/interop/: API keys only (a session is no key)."""
    return expect(401, system=system, system_no_scope=403, system_other_agency=other_agency)


def back_office_api(hk: Expected, others: Expected) -> dict:
    """/api/backoffice/: verified officers and officials (IsVerifiedOfficer), scoped by the
    selectors; anyone else 403."""
    return expect(
        403,
        hk=hk,
        other_agency=others,
        officials=others,
        superuser=others,
    )


@dataclass(frozen=True)
class Probe:
    method: str
    url: Callable[[World], str]
    expect: Mapping[str, Expected]
    #: the request's body: a dict (form, or JSON when `json`), or a function of the world
    data: Any = None
    json: bool = False
    #: the API scope the route needs: `system_no_scope` has every scope but this one
    scope: str = ApiScope.DOSSIERS_READ
    #: text of the world that a 200 shows to the principals of `may_see` and to no one else
    secret: Callable[[World], str] | None = None
    may_see: tuple[str, ...] = ()
    #: what the probe is about, when the address does not say it
    note: str = ""

    def body(self, world: World) -> Any:
        return self.data(world) if callable(self.data) else self.data


@dataclass(frozen=True)
class Route:
    name: str
    probes: tuple[Probe, ...] = field(default_factory=tuple)


def get(url, expected, **kw) -> Probe:
    return Probe("GET", url, expected, **kw)


def post(url, expected, **kw) -> Probe:
    return Probe("POST", url, expected, **kw)


def route(name: str, *probes: Probe) -> Route:
    return Route(name, probes)


def u(name: str, *args: Callable[[World], Any], query: str = "") -> Callable[[World], str]:
    """The address of URL `name` with arguments taken from the world."""

    def build(world: World) -> str:
        path = reverse(name, args=[arg(world) for arg in args])
        return f"{path}?{query}" if query else path

    return build


def _attachment_token(world: World, agency) -> str:
    from django.core import signing

    return signing.TimestampSigner(salt=SALT).sign_object(
        {"a": world.attachment.pk, "g": agency.pk}
    )


OPEN = lambda w: w.open.code  # noqa: E731
OTHER = lambda w: w.other.code  # noqa: E731
DONE = lambda w: w.done.code  # noqa: E731
SUPPLEMENT = lambda w: w.supplement.code  # noqa: E731
PROCEDURE = lambda w: w.version.procedure.code  # noqa: E731


# The officer sign-in pages send a signed-in, verified person to their place.
OFFICER_HOME = {
    **dict.fromkeys(GROUPS["hk"], Redirect("backoffice:queue")),
    "other_agency": Redirect("backoffice:queue"),
    **dict.fromkeys(GROUPS["officials"], Redirect("dashboards:home")),
    "superuser": Redirect("admin:index"),
}
OFFICER_LOGIN = expect(
    200,
    unverified=Redirect("portal:officer_otp"),
    **OFFICER_HOME,
)
OFFICER_SECOND_STEP = expect(
    404,
    no_session=Redirect("portal:officer_login"),
    unverified_officer=200,
    unverified_official=200,
    **OFFICER_HOME,
)
OFFICER_ENROL = {
    **OFFICER_SECOND_STEP,
    # both have an authenticator already: off to the code step
    "unverified_officer": Redirect("portal:officer_otp"),
    "unverified_official": Redirect("portal:officer_otp"),
}

ROUTES: tuple[Route, ...] = (
    # --- the portal: sign-in, sign-out, notifications ------------------------------------
    route("portal:home", get(u("portal:home"), everyone(200))),
    route("portal:login", get(u("portal:login"), everyone(200))),
    route(
        "portal:officer_login",
        get(u("portal:officer_login"), OFFICER_LOGIN),
        post(u("portal:officer_login"), OFFICER_LOGIN, data={}),
    ),
    route(
        "portal:officer_otp",
        get(u("portal:officer_otp"), OFFICER_SECOND_STEP),
        post(u("portal:officer_otp"), OFFICER_SECOND_STEP, data={}),
    ),
    route(
        "portal:officer_enrol",
        get(u("portal:officer_enrol"), OFFICER_ENROL),
        post(u("portal:officer_enrol"), OFFICER_ENROL, data={}),
    ),
    route(
        "portal:logout",
        get(u("portal:logout"), everyone(405)),
        post(u("portal:logout"), everyone(Redirect("portal:home"))),
    ),
    route("portal:health", get(u("portal:health"), everyone(200))),
    route(
        "portal:notifications",
        get(u("portal:notifications"), signed_in(200), secret=OPEN, may_see=("owner",)),
        post(u("portal:notifications"), signed_in(Redirect("portal:notifications"))),
    ),
    # --- the catalogue and the e-forms ---------------------------------------------------
    route("procedures:catalogue", get(u("procedures:catalogue"), everyone(200))),
    route("procedures:detail", get(u("procedures:detail", PROCEDURE), everyone(200))),
    route(
        "procedures:start",
        get(
            u("procedures:start", PROCEDURE),
            expect(
                no_session=LOGIN,
                # a new draft of one's own (the owner's open draft is resumed)
                signed_in=Redirect(lambda w: "/apply/", prefix=True),
                owner=Redirect(u("dossiers:apply_step", lambda w: w.draft.pk, lambda w: "child")),
            ),
        ),
    ),
    route(
        "dossiers:apply",
        # the draft's own address sends to its current step's
        get(
            u("dossiers:apply", lambda w: w.draft.pk),
            own(Redirect(u("dossiers:apply_step", lambda w: w.draft.pk, lambda w: "child"))),
        ),
        # an empty step is a form error
        post(u("dossiers:apply", lambda w: w.draft.pk), own(400), data={}),
    ),
    route(
        "dossiers:apply_step",
        get(u("dossiers:apply_step", lambda w: w.draft.pk, lambda w: "child"), own()),
        post(u("dossiers:apply_step", lambda w: w.draft.pk, lambda w: "child"), own(400), data={}),
    ),
    # --- the applicant's dossiers ----------------------------------------------------------
    route(
        "dossiers:mine", get(u("dossiers:mine"), signed_in(200), secret=OPEN, may_see=("owner",))
    ),
    route(
        "dossiers:draft_delete",
        get(u("dossiers:draft_delete", lambda w: w.draft.pk), own()),
        # the owner would delete it (that is the page's job; tested in test_drafts.py)
        post(u("dossiers:draft_delete", lambda w: w.draft.pk), own(NOT_TRIED), data={}),
    ),
    route("dossiers:mine_detail", get(u("dossiers:mine_detail", OPEN), own())),
    route("dossiers:submitted", get(u("dossiers:submitted", OPEN), own())),
    route("dossiers:receipt", get(u("dossiers:receipt", OPEN), own())),
    route(
        "dossiers:result",
        get(u("dossiers:result", DONE), own()),
        get(u("dossiers:result", OPEN), own(404), note="no result yet"),
    ),
    route("dossiers:slip", get(u("dossiers:slip", SUPPLEMENT, lambda w: "02"), own())),
    route(
        "dossiers:rate",
        # an empty rating is a form error (the dossier already has a rating anyway)
        post(u("dossiers:rate", DONE), own(400), data={}),
    ),
    route(
        "dossiers:resubmit",
        get(u("dossiers:resubmit", SUPPLEMENT), own()),
        # the open dossier waits for no supplement: back to it, nothing changed
        post(u("dossiers:resubmit", OPEN), own(Redirect(u("dossiers:mine_detail", OPEN))), data={}),
    ),
    route(
        "dossiers:withdraw",
        get(u("dossiers:withdraw", OPEN), own()),
        # a dossier with its result can no longer be withdrawn: back to it, nothing changed
        post(u("dossiers:withdraw", DONE), own(Redirect(u("dossiers:mine_detail", DONE))), data={}),
    ),
    route(
        "dossiers:track",
        get(u("dossiers:track"), everyone(200)),
        post(
            u("dossiers:track"),
            everyone(200),
            data=lambda w: {"code": w.open.code, "id_last4": "2345"},
        ),
    ),
    route(
        "dossiers:verify_upload",
        get(u("dossiers:verify_upload"), everyone(200)),
        post(u("dossiers:verify_upload"), everyone(400), data=lambda w: {}, note="no file"),
    ),
    route(
        "dossiers:verify",
        get(u("dossiers:verify", lambda w: w.done.verification_token), everyone(200)),
        get(
            u("dossiers:verify", lambda w: w.certified_copy.verification_token),
            everyone(200),
            note="a certified copy",
        ),
        get(
            u("dossiers:verify", lambda w: w.open.verification_token),
            everyone(404),
            note="no result: nothing to verify",
        ),
    ),
    # --- the back-office ---------------------------------------------------------------------
    route(
        "backoffice:queue",
        get(
            u("backoffice:queue", query="queue=new"),
            back_office(200, 200),
            secret=OPEN,
            may_see=GROUPS["hk"],
        ),
        # no tab chosen: each role lands on its own (a leader's "awaiting approval" is empty)
        get(u("backoffice:queue"), back_office(200, 200)),
    ),
    route(
        "backoffice:bulk_receive",
        post(
            u("backoffice:bulk_receive"),
            back_office(Redirect("backoffice:queue"), Redirect("backoffice:queue")),
            data={},
        ),
    ),
    route(
        "backoffice:workload",
        get(
            u("backoffice:workload"),
            back_office(200, 200),
            secret=lambda w: "hk.specialist",
            may_see=GROUPS["hk"],
        ),
    ),
    route(
        "backoffice:counter",
        # counter intake is the reception's (the Ba Dinh officer has that role too)
        get(u("backoffice:counter"), back_office(404, 200, reception=200)),
        post(u("backoffice:counter"), back_office(404, 200, reception=200), data={}),
    ),
    route(
        "backoffice:certified_copies",
        # officers of a certifying agency (both communes' committees) with a serving role:
        # not the agency administrator; an empty form is a 400 with its errors
        get(
            u("backoffice:certified_copies"),
            back_office(200, 200, agency_admin=404),
            secret=lambda w: w.certified_copy.number,
            may_see=("reception", "specialist", "leader"),
        ),
        post(u("backoffice:certified_copies"), back_office(400, 400, agency_admin=404), data={}),
    ),
    route(
        "backoffice:certified_copy_download",
        # the agency's officers (audited); another agency's is a 404
        get(
            u("backoffice:certified_copy_download", lambda w: w.certified_copy.verification_token),
            back_office(200),
        ),
    ),
    route(
        "backoffice:triage",
        # the national triage: staff with dossiers.triage_dossier (here, the superuser)
        get(u("backoffice:triage"), expect(404, no_session=LOGIN, superuser=200)),
        # no such dossier in the triage queue
        post(
            u("backoffice:triage"),
            expect(404, no_session=LOGIN),
            data=lambda w: {"code": w.open.code},
        ),
    ),
    route(
        "backoffice:slip",
        get(u("backoffice:slip", SUPPLEMENT, lambda w: "02"), back_office(200)),
    ),
    route(
        "backoffice:detail",
        get(u("backoffice:detail", OPEN), back_office(200)),
        get(u("backoffice:detail", OTHER), back_office(404, 200), note="Ba Dinh's dossier"),
    ),
    route(
        "backoffice:approve",
        # the open dossier is not in processing: no approval, back to the dossier, nothing issued
        get(u("backoffice:approve", OPEN), back_office(Redirect(u("backoffice:detail", OPEN)))),
        post(
            u("backoffice:approve", OPEN),
            back_office(Redirect(u("backoffice:detail", OPEN))),
            data={"confirm": "on"},
        ),
        get(
            u("backoffice:approve", OTHER),
            back_office(404, Redirect(u("backoffice:detail", OTHER))),
            note="Ba Dinh's dossier",
        ),
    ),
    route(
        "backoffice:revoke_result",
        # the open dossier has no result: nothing to revoke, back to the dossier
        get(
            u("backoffice:revoke_result", OPEN),
            back_office(Redirect(u("backoffice:detail", OPEN))),
        ),
        post(
            u("backoffice:revoke_result", OPEN),
            back_office(Redirect(u("backoffice:detail", OPEN))),
            data={"reason": "x", "confirm": "on"},
        ),
        get(
            u("backoffice:revoke_result", OTHER),
            back_office(404, Redirect(u("backoffice:detail", OTHER))),
            note="Ba Dinh's dossier",
        ),
    ),
    route(
        "backoffice:supplement",
        # the open dossier is not received yet: no supplement, back to the dossier
        get(
            u("backoffice:supplement", OPEN),
            back_office(Redirect(u("backoffice:detail", OPEN))),
        ),
        post(
            u("backoffice:supplement", OPEN),
            back_office(Redirect(u("backoffice:detail", OPEN))),
            data={"pick": ["GCS"], "reason_GCS": "x"},
        ),
        get(
            u("backoffice:supplement", OTHER),
            back_office(404, Redirect(u("backoffice:detail", OTHER))),
            note="Ba Dinh's dossier",
        ),
    ),
    route(
        "backoffice:attachment",
        get(u("backoffice:attachment", OPEN, lambda w: w.attachment.pk), back_office(200)),
        get(
            u("backoffice:attachment", OPEN, lambda w: w.other_attachment.pk),
            back_office(404),
            note="another dossier's attachment under this dossier's code",
        ),
    ),
    route(
        "backoffice:act",
        # an empty refusal is a form error: back to the dossier, nothing changed
        post(
            u("backoffice:act", OPEN, lambda w: "refuse"),
            back_office(Redirect(u("backoffice:detail", OPEN))),
            data={},
        ),
        post(u("backoffice:act", OPEN, lambda w: "no-such-action"), back_office(404), data={}),
    ),
    route("payments:backoffice", get(u("payments:backoffice", DONE), back_office(200))),
    # --- feedback: the applicant's and the public's side ----------------------------------
    route(
        "feedback:mine",
        get(
            u("feedback:mine"),
            signed_in(200),
            secret=lambda w: w.complaint.code,
            may_see=("owner",),
        ),
    ),
    route(
        "feedback:complaint_new",
        get(u("feedback:complaint_new"), signed_in(200)),
        get(
            u("feedback:complaint_new", query="dossier=PLACEHOLDER"),
            signed_in(200),
            note="the form offers one's own dossiers only",
        ),
        get(
            lambda w: u("feedback:complaint_new", query=f"dossier={w.done.code}")(w),
            signed_in(200),
            # the form's choice of a dossier is labelled "<code> · <procedure>"
            secret=lambda w: f"{w.done.code} · ",
            may_see=("owner",),
            note="another's dossier code given: not offered",
        ),
        post(u("feedback:complaint_new"), signed_in(400), data={}),
        post(
            u("feedback:complaint_new"),
            # the owner would file it (that is the form's job; not tried)
            signed_in(400, owner=NOT_TRIED),
            data=lambda w: {
                "kind": "staff",
                "title": "Chậm",
                "content": "Hồ sơ của tôi",
                "dossier": w.done.code,
            },
            note="a complaint about another's dossier: not one of the choices",
        ),
    ),
    route(
        "feedback:complaint",
        get(u("feedback:complaint", lambda w: w.complaint.code), own()),
        get(u("feedback:complaint", lambda w: w.triage_complaint.code), own()),
        get(
            u("feedback:complaint", lambda w: w.published.code),
            own(404, other_citizen=200),
            note="citizen B's question, published: its page stays the author's",
        ),
    ),
    route(
        "feedback:complaint_rate",
        post(u("feedback:complaint_rate", lambda w: w.complaint.code), own(400), data={}),
    ),
    route("feedback:answers", get(u("feedback:answers"), everyone(200))),
    route(
        "feedback:answer",
        get(u("feedback:answer", lambda w: w.published.code), everyone(200)),
        get(u("feedback:answer", lambda w: w.complaint.code), everyone(404), note="not published"),
    ),
    # --- feedback: the officers' side --------------------------------------------------------
    route(
        "feedback_backoffice:ratings",
        get(
            u("feedback_backoffice:ratings"),
            back_office(200, 200),
            secret=DONE,
            may_see=GROUPS["hk"],
        ),
    ),
    route(
        "feedback_backoffice:rating",
        get(u("feedback_backoffice:rating", lambda w: w.rating.pk), back_office(200)),
    ),
    route(
        "feedback_backoffice:rating_act",
        # an empty response is a form error
        post(
            u("feedback_backoffice:rating_act", lambda w: w.rating.pk, lambda w: "respond"),
            back_office(400),
            data={},
        ),
    ),
    route(
        "feedback_backoffice:complaints",
        get(
            u("feedback_backoffice:complaints"),
            back_office(200, 200),
            secret=lambda w: w.complaint.code,
            may_see=GROUPS["hk"],
        ),
    ),
    route(
        "feedback_backoffice:triage",
        get(u("feedback_backoffice:triage"), expect(404, no_session=LOGIN, superuser=200)),
        post(u("feedback_backoffice:triage"), expect(404, no_session=LOGIN), data={}),
    ),
    route(
        "feedback_backoffice:complaint",
        get(u("feedback_backoffice:complaint", lambda w: w.complaint.code), back_office(200)),
        get(
            u("feedback_backoffice:complaint", lambda w: w.triage_complaint.code),
            back_office(404),
            note="in the national triage: no agency's yet",
        ),
    ),
    route(
        "feedback_backoffice:complaint_act",
        # an empty answer is a form error
        post(
            u("feedback_backoffice:complaint_act", lambda w: w.complaint.code, lambda w: "answer"),
            back_office(400),
            data={},
        ),
    ),
    # --- payments --------------------------------------------------------------------------
    route(
        "payments:pay",
        # the fees are paid: nothing to pay, back to the dossier
        post(u("payments:pay", DONE), own(Redirect(u("dossiers:mine_detail", DONE))), data={}),
    ),
    route(
        "payments:receipt",
        get(u("payments:receipt", DONE, lambda w: w.payment.reference), own()),
        get(
            u("payments:receipt", OPEN, lambda w: w.payment.reference),
            own(404),
            note="another dossier's payment under this dossier's code",
        ),
    ),
    route(
        "payments:return",
        get(
            u("payments:return", query="reference=PLACEHOLDER"), own(404), note="unknown reference"
        ),
        get(lambda w: u("payments:return", query=f"reference={w.payment.reference}")(w), own()),
    ),
    route(
        "payments:callback",
        # the platform's server-to-server call: no session, no key; an unsigned body is refused
        post(u("payments:callback"), everyone(400), data={}),
    ),
    # --- dashboards and public statistics --------------------------------------------------
    route(
        "dashboards:home",
        get(
            u("dashboards:home"),
            dashboard(
                Redirect("dashboards:unit_national"),
                Redirect(lambda w: reverse("dashboards:unit", args=["province", w.hanoi.pk])),
                Redirect(lambda w: reverse("dashboards:unit", args=["province", w.da_nang.pk])),
            ),
        ),
    ),
    route("dashboards:unit_national", get(u("dashboards:unit_national"), dashboard(200, 404, 404))),
    route(
        "dashboards:index_national", get(u("dashboards:index_national"), dashboard(200, 404, 404))
    ),
    route(
        "dashboards:export_national",
        get(
            u("dashboards:export_national", lambda w: "kpis", lambda w: "csv"),
            dashboard(200, 404, 404),
        ),
    ),
    route(
        "dashboards:unit",
        get(
            u("dashboards:unit", lambda w: "province", lambda w: w.hanoi.pk),
            dashboard(200, 200, 404),
        ),
        get(
            u("dashboards:unit", lambda w: "agency", lambda w: w.agency_hk.pk),
            dashboard(200, 200, 404),
        ),
    ),
    route(
        "dashboards:index",
        get(
            u("dashboards:index", lambda w: "agency", lambda w: w.agency_hk.pk),
            dashboard(200, 200, 404),
        ),
    ),
    route(
        "dashboards:export",
        get(
            u(
                "dashboards:export",
                lambda w: "province",
                lambda w: w.hanoi.pk,
                lambda w: "status",
                lambda w: "csv",
            ),
            dashboard(200, 200, 404),
        ),
    ),
    route(
        "dashboards:summary_national",
        get(u("dashboards:summary_national"), dashboard(200, 404, 404)),
        get(
            u("dashboards:summary_national", query="period=2026-13"),
            dashboard(400, 404, 404),
            note="not a period: a page that says so",
        ),
    ),
    route(
        "dashboards:summary",
        get(
            u("dashboards:summary", lambda w: "province", lambda w: w.hanoi.pk),
            dashboard(200, 200, 404),
        ),
        get(
            u("dashboards:summary", lambda w: "agency", lambda w: w.agency_hk.pk),
            dashboard(200, 200, 404),
        ),
    ),
    route(
        "dashboards:public_agency",
        get(u("dashboards:public_agency", lambda w: w.agency_hk.code), everyone(200)),
    ),
    route(
        "dashboards:public_procedure",
        get(u("dashboards:public_procedure", PROCEDURE), everyone(200)),
    ),
    # --- the REST API ------------------------------------------------------------------------
    route(
        "api-root",
        get(lambda w: "/api/", everyone(200)),
        get(lambda w: "/api/.json", everyone(200)),
    ),
    route(
        "procedure-list",
        get(lambda w: "/api/procedures/", everyone(200)),
        get(lambda w: "/api/procedures.json", everyone(200)),
    ),
    route(
        "procedure-detail",
        get(lambda w: f"/api/procedures/{PROCEDURE(w)}/", everyone(200)),
        get(lambda w: f"/api/procedures/{PROCEDURE(w)}.json", everyone(200)),
    ),
    route(
        "backoffice-dossier-list",
        get(
            lambda w: "/api/backoffice/dossiers/",
            back_office_api(200, 200),
            secret=OPEN,
            may_see=GROUPS["hk"],
        ),
        get(
            lambda w: "/api/backoffice/dossiers.json",
            back_office_api(200, 200),
            secret=OPEN,
            may_see=GROUPS["hk"],
        ),
    ),
    route(
        "backoffice-dossier-detail",
        get(lambda w: f"/api/backoffice/dossiers/{w.open.code}/", back_office_api(200, 404)),
        get(lambda w: f"/api/backoffice/dossiers/{w.open.code}.json", back_office_api(200, 404)),
        get(
            lambda w: f"/api/backoffice/dossiers/{w.other.code}/",
            {**back_office_api(404, 404), "other_agency": 200},
            note="Ba Dinh's dossier",
        ),
        Probe(
            "DELETE",
            lambda w: f"/api/backoffice/dossiers/{w.open.code}/",
            back_office_api(405, 405),
            note="read-only",
        ),
    ),
    route(
        "api-tracking",
        get(u("api-tracking"), everyone(405)),
        post(
            u("api-tracking"),
            everyone(200),
            data=lambda w: {"code": w.open.code, "id_last4": "2345"},
            json=True,
        ),
        post(
            u("api-tracking"),
            everyone(404),
            data=lambda w: {"code": w.open.code, "id_last4": "0000"},
            json=True,
        ),
    ),
    route("schema", get(u("schema"), everyone(200))),
    route("api-docs", get(u("api-docs"), everyone(200))),
    # --- the agencies' systems: /api/interop/ --------------------------------------------
    route(
        "interop:dossiers",
        get(
            u("interop:dossiers"),
            interop(200, 200),
            secret=OPEN,
            may_see=("system", "system_no_scope"),
        ),
    ),
    route(
        "interop:dossier",
        get(u("interop:dossier", OPEN), interop(200)),
        get(
            u("interop:dossier", OTHER),
            {**interop(404), "system_other_agency": 200},
            note="Ba Dinh's dossier",
        ),
        Probe("DELETE", u("interop:dossier", OPEN), interop(405, 405), note="read-only"),
    ),
    route(
        "interop:dossier-status",
        # no status given: 400
        post(
            u("interop:dossier-status", OPEN),
            interop(400),
            data={},
            json=True,
            scope=ApiScope.DOSSIERS_STATUS,
        ),
    ),
    route(
        "interop:dossier-result",
        # no file: 400
        post(
            u("interop:dossier-result", OPEN), interop(400), data={}, scope=ApiScope.DOSSIERS_RESULT
        ),
    ),
    route(
        "interop:attachment",
        # the signed link is the credential, whoever holds it
        get(
            lambda w: reverse("interop:attachment", args=[_attachment_token(w, w.agency_hk)]),
            everyone(200),
        ),
        get(
            lambda w: reverse("interop:attachment", args=[_attachment_token(w, w.agency_bd)]),
            everyone(404),
            note="a link signed for another agency",
        ),
        get(u("interop:attachment", lambda w: "not-a-token"), everyone(404)),
    ),
    # --- connected systems' synchronisation: signed requests only (tests/interop/test_sync.py
    # checks the signed ones); a session or an API key is no signature -----------------------
    route(
        "interop:sync-records",
        post(u("interop:sync-records"), everyone(401), data={}, json=True),
        get(u("interop:sync-records"), everyone(405), note="POST only"),
    ),
    route(
        "interop:sync-record",
        get(u("interop:sync-record", OPEN), everyone(401)),
        Probe("DELETE", u("interop:sync-record", OPEN), everyone(405), note="read-only"),
    ),
    # --- sign-in with the national SSO, languages ------------------------------------------
    route(
        "oidc_authentication_init",
        get(
            u("oidc_authentication_init"),
            everyone(Redirect(lambda w: settings.OIDC_OP_AUTHORIZATION_ENDPOINT, prefix=True)),
        ),
    ),
    route(
        "oidc_authentication_callback",
        get(
            u("oidc_authentication_callback"),
            everyone(Redirect(lambda w: settings.LOGIN_REDIRECT_URL_FAILURE)),
        ),
    ),
    route(
        "oidc_logout",
        get(u("oidc_logout"), everyone(405)),
        post(u("oidc_logout"), everyone(Redirect("portal:home")), data={}),
    ),
    route(
        "set_language",
        post(u("set_language"), everyone(Redirect(lambda w: "/")), data={"language": "en"}),
    ),
    route("javascript-catalog", get(u("javascript-catalog"), everyone(200))),
)


# --- the Django admin: one rule for the whole admin/ namespace, and a few probes -----------

ADMIN_PREFIX = "admin/"
ADMIN_ONLY = expect(ADMIN_LOGIN, superuser=200)
ADMIN_PROBES: tuple[Probe, ...] = (
    get(u("admin:index"), ADMIN_ONLY),
    get(u("admin:dossiers_dossier_changelist"), ADMIN_ONLY),
    get(u("admin:dossiers_dossier_change", lambda w: w.open.pk), ADMIN_ONLY),
    get(u("admin:interop_apikey_changelist"), ADMIN_ONLY),
    get(u("admin:feedback_complaint_changelist"), ADMIN_ONLY),
    post(u("admin:dossiers_dossier_changelist"), ADMIN_ONLY, data={}),
    # the admin's unnamed routes: an object's short address, and the catch-all
    get(
        lambda w: f"/admin/dossiers/dossier/{w.open.pk}/",
        expect(
            ADMIN_LOGIN, superuser=Redirect(u("admin:dossiers_dossier_change", lambda w: w.open.pk))
        ),
    ),
    get(lambda w: "/admin/no-such-page/", expect(ADMIN_LOGIN, superuser=404)),
    get(
        u("admin:login"),
        expect(
            # the admin's sign-in is the officers' (password, then the code)
            Redirect("portal:officer_login", next=False),
            # a verified officer or official who is not staff: the admin's refusal
            hk=200,
            other_agency=200,
            officials=200,
            superuser=Redirect("admin:index"),
        ),
    ),
)


def probes() -> list[tuple[str, int, Probe]]:
    """Every (route name, the probe's number in its entry, probe), the admin's last."""
    found = [(r.name, i, p) for r in ROUTES for i, p in enumerate(r.probes, 1)]
    found += [("admin", i, p) for i, p in enumerate(ADMIN_PROBES, 1)]
    return found

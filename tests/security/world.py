"""The world the access matrix is tried in: two agencies of Hanoi (Hoan Kiem, Ba Dinh), a
province elsewhere (Da Nang), citizen A's dossiers in several states at Hoan Kiem, citizen
B's at Ba Dinh, a rating, complaints, a payment, a draft, API keys, and one account per
principal of tests/security/matrix.py.

Built once per test module through the services (like the people who use the portal),
inside a transaction that is rolled back at the end of the module; every test runs in a
savepoint within it (tests/security/test_access_matrix.py)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.test import TestCase
from django.utils import timezone

from agencies.models import Agency, Commune, Membership, OfficerRole, Province
from dashboards.models import DashboardScope, ScopeLevel
from dossiers.models import Attachment, CertifiedCopy, Dossier, FormDraft
from feedback.models import Complaint, Rating
from interop.models import ApiScope
from payments.models import Payment
from payments.states import PaymentState
from portal.models import User
from procedures.models import ProcedureVersion
from procedures.services import DATA_DIR, procedure_import
from tests.conftest import _citizen, _committee, _sso_subject, otp_device, submit_birth_registration

PASSWORD = "pw-matrix-123"
ALL_SCOPES = tuple(ApiScope.values)


@dataclass
class World:
    hanoi: Province
    da_nang: Province
    hoan_kiem: Commune
    ba_dinh: Commune
    agency_hk: Agency
    agency_bd: Agency
    version: ProcedureVersion
    citizen_a: User
    citizen_b: User
    #: A's dossier at Hoan Kiem, submitted (new in the agency's queue)
    open: Dossier
    #: A's dossier at Hoan Kiem, received then a supplement asked for (slip 02)
    supplement: Dossier
    #: A's dossier at Hoan Kiem with its electronic result (verification token, rating, paid fees)
    done: Dossier
    #: B's dossier at Ba Dinh
    other: Dossier
    #: the birth certificate attached to `open`, and to `other`
    attachment: Attachment
    other_attachment: Attachment
    #: A's unhappy rating of `done` (in Hoan Kiem's review list)
    rating: Rating
    #: the paid fees of `done`
    payment: Payment
    #: A's complaint about `done`, routed to Hoan Kiem
    complaint: Complaint
    #: A's complaint about no agency: in the national triage
    triage_complaint: Complaint
    #: B's question to Hoan Kiem, answered and published
    published: Complaint
    #: A's open e-form draft of the birth registration
    draft: FormDraft
    #: a certified copy Hoan Kiem issued to citizen A
    certified_copy: CertifiedCopy
    #: the users behind the principals (None: anonymous, or an agency system)
    users: dict[str, User | None] = field(default_factory=dict)
    #: principal -> whether its session passed the second factor
    verified: dict[str, bool] = field(default_factory=dict)
    #: (agency code, frozenset of scopes) -> raw API key
    keys: dict[tuple[str, frozenset[str]], str] = field(default_factory=dict)
    #: where the world's files are (MEDIA_ROOT)
    media_root: Path | None = None

    def key(self, agency: Agency, scopes) -> str:
        return self.keys[(agency.code, frozenset(scopes))]


def _user(username: str, **fields: Any) -> User:
    return User.objects.create_user(
        username=username, password=PASSWORD, full_name=username, **fields
    )


def _officer(username: str, agency: Agency, roles) -> User:
    user = _user(username)
    for role in roles:
        Membership.objects.create(user=user, agency=agency, role=role)
    otp_device(user)
    return user


def _official(username: str, level: str, **scope: Any) -> User:
    user = _user(username)
    DashboardScope.objects.create(user=user, level=level, **scope)
    otp_device(user)
    return user


def _submit(applicant: User, version: ProcedureVersion, commune: Commune) -> Dossier:
    with TestCase.captureOnCommitCallbacks(execute=True):
        dossier = submit_birth_registration(applicant, version=version, commune=commune)
    dossier.refresh_from_db()
    return dossier


def _scan_pdf() -> bytes:
    import io

    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 760, "GIAY KHAI SINH")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def build() -> World:
    """Everything the matrix needs; call inside a transaction (see the module)."""
    from dossiers import services as dossiers
    from dossiers.wizard import draft_start
    from feedback import services as feedback
    from interop import services as interop

    hanoi = Province.objects.create(
        code="01", name="Thành phố Hà Nội", division_type="thành phố trung ương", codename="ha_noi"
    )
    da_nang = Province.objects.create(
        code="48",
        name="Thành phố Đà Nẵng",
        division_type="thành phố trung ương",
        codename="da_nang",
    )
    hoan_kiem = Commune.objects.create(
        code="00070", name="Phường Hoàn Kiếm", division_type="phường",
        codename="phuong_hoan_kiem", province=hanoi,
    )  # fmt: skip
    ba_dinh = Commune.objects.create(
        code="00004", name="Phường Ba Đình", division_type="phường",
        codename="phuong_ba_dinh", province=hanoi,
    )  # fmt: skip
    agency_hk = _committee(hoan_kiem, "00070.00.H01")
    agency_bd = _committee(ba_dinh, "00004.00.H01")
    data = json.loads((DATA_DIR / "1.001193-birth-registration.json").read_text(encoding="utf-8"))
    procedure, _ = procedure_import(data=data)
    version = procedure.versions.get(number=1)

    citizen_a = _citizen(
        "001190012345", "Nguyễn Thị Lan", _sso_subject("001190012345"), "citizen-a@example.vn"
    )
    citizen_b = _citizen(
        "079085001122", "Lê Văn Hùng", _sso_subject("079085001122"), "citizen-b@example.vn"
    )
    R = OfficerRole
    users: dict[str, User | None] = {
        "anonymous": None,
        "owner": citizen_a,
        "other_citizen": citizen_b,
        "reception": _officer("hk.reception", agency_hk, [R.RECEPTION]),
        "specialist": _officer("hk.specialist", agency_hk, [R.SPECIALIST]),
        "leader": _officer("hk.leader", agency_hk, [R.LEADER]),
        "agency_admin": _officer("hk.admin", agency_hk, [R.ADMIN]),
        "unverified_officer": _officer(
            "hk.unverified", agency_hk, [R.RECEPTION, R.SPECIALIST, R.LEADER, R.ADMIN]
        ),
        "other_agency": _officer(
            "bd.officer", agency_bd, [R.RECEPTION, R.SPECIALIST, R.LEADER, R.ADMIN]
        ),
        "national_official": _official("official.national", ScopeLevel.NATIONAL),
        "province_official": _official("official.hanoi", ScopeLevel.PROVINCE, province=hanoi),
        "other_province_official": _official(
            "official.danang", ScopeLevel.PROVINCE, province=da_nang
        ),
        "unverified_official": _official("official.unverified", ScopeLevel.NATIONAL),
        "superuser": _user("root", is_staff=True, is_superuser=True),
        "system": None,
        "system_no_scope": None,
        "system_other_agency": None,
    }
    otp_device(users["superuser"])
    # citizens sign in with the national SSO (no second factor); the officers, officials and
    # the superuser passed the code step, but for the two "unverified" ones
    second_factor = {"owner", "other_citizen", "unverified_officer", "unverified_official"}
    verified = {
        name: user is not None and name not in second_factor for name, user in users.items()
    }
    officer, leader = users["reception"], users["leader"]
    specialist = users["specialist"]

    open_ = _submit(citizen_a, version, hoan_kiem)

    supplement = _submit(citizen_a, version, hoan_kiem)
    supplement = dossiers.dossier_receive(dossier=supplement, officer=officer, agency=agency_hk)
    dossiers.dossier_request_supplement(
        dossier=supplement,
        officer=officer,
        agency=agency_hk,
        items=[dossiers.MissingItem(name="Giấy chứng sinh", reason="Bản chụp bị mờ")],
    )

    done = _submit(citizen_a, version, hoan_kiem)
    done = dossiers.dossier_receive(dossier=done, officer=officer, agency=agency_hk)
    done = dossiers.dossier_start_processing(dossier=done, officer=specialist, agency=agency_hk)
    done = dossiers.dossier_issue_result(dossier=done, officer=leader, agency=agency_hk)
    rating = feedback.rating_create(dossier=done, user=citizen_a, level=0, comment="Quá chậm")
    payment = Payment.objects.create(
        dossier=done,
        reference=f"{done.code}-01-ABC123",
        attempt=1,
        amount=8000,
        description=f"Fees of dossier {done.code}",
        state=PaymentState.PAID,
        create_time=timezone.localtime().strftime("%Y%m%d%H%M%S"),
        payer=citizen_a,
        payer_name=citizen_a.full_name,
        paid_at=timezone.now() - dt.timedelta(minutes=5),
    )

    supplement.refresh_from_db()
    other = _submit(citizen_b, version, ba_dinh)
    certified_copy = dossiers.certified_copy_issue(
        officer=leader,
        agency=agency_hk,
        holder=dossiers.Holder(personal_id="001190012345", full_name=citizen_a.full_name),
        document_title="Giấy khai sinh",
        result_code="KQ-GKS",
        scan=_scan_pdf(),
        content_type="application/pdf",
        compared=True,
    )

    complaint = feedback.complaint_submit(
        author=citizen_a, kind="staff", title="Chậm trả kết quả", content="Quá hạn", dossier=done
    )
    triage_complaint = feedback.complaint_submit(
        author=citizen_a, kind="service", title="Cổng chậm", content="Trang tải lâu"
    )
    published = feedback.complaint_submit(
        author=citizen_b, kind="rules", title="Hỏi về lệ phí", content="Lệ phí bao nhiêu?",
        agency=agency_hk,
    )  # fmt: skip
    published = feedback.complaint_answer(
        complaint=published,
        officer=leader,
        answer="Miễn lệ phí đăng ký khai sinh đúng hạn.",
        publish=True,
        public_title="Lệ phí đăng ký khai sinh",
        public_question="Đăng ký khai sinh có mất lệ phí không?",
    )

    world = World(
        certified_copy=certified_copy,
        hanoi=hanoi,
        da_nang=da_nang,
        hoan_kiem=hoan_kiem,
        ba_dinh=ba_dinh,
        agency_hk=agency_hk,
        agency_bd=agency_bd,
        version=version,
        citizen_a=citizen_a,
        citizen_b=citizen_b,
        open=open_,
        supplement=supplement,
        done=done,
        other=other,
        attachment=open_.attachments.get(),
        other_attachment=other.attachments.get(),
        rating=rating,
        payment=payment,
        complaint=complaint,
        triage_complaint=triage_complaint,
        published=published,
        draft=draft_start(user=citizen_a, version=version),
        users=users,
        verified=verified,
    )
    # every key of Hoan Kiem lacking one scope, one with all of them, and Ba Dinh's
    wanted = [(agency_hk, ALL_SCOPES), (agency_bd, ALL_SCOPES)] + [
        (agency_hk, tuple(s for s in ALL_SCOPES if s != missing)) for missing in ALL_SCOPES
    ]
    for agency, scopes in wanted:
        _key, raw = interop.api_key_create(agency=agency, name="agency system", scopes=list(scopes))
        world.keys[(agency.code, frozenset(scopes))] = raw
    return world

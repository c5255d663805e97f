"""Shared fixtures: a small slice of the reference data, the birth registration procedure,
officers of two communes and two citizens."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.models import (
    Agency,
    AgencyKind,
    AgencyLevel,
    Commune,
    Membership,
    OfficerRole,
    Province,
)
from portal.models import User
from procedures.services import DATA_DIR, procedure_import
from tests.plugins import pooler

pytest_plugins = [
    "tests.plugins.clock_shift",
    "tests.fixtures_mocks",
    "tests.plugins.skipped_suites",
]

# The smallest valid PDF that filetype recognises by content.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, django_db_blocker):
    """pytest-django's (the xdist suffix), then: behind a pooler, the test databases are made
    on the server itself (tests/plugins/pooler.py)."""
    with django_db_blocker.unblock():
        pooler.use_direct_server()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's set-up, then the tests go through the pooler, if there is one; the
    databases are dropped on the server itself again (tests/plugins/pooler.py)."""
    with django_db_blocker.unblock():
        pooler.use_pooler()
    yield
    with django_db_blocker.unblock():
        pooler.use_direct_server()


@pytest.fixture(scope="session", autouse=True)
def document_pki(tmp_path_factory):
    """The demo CA and agency keys of this test session, made on first use in a directory of
    the session (certificates valid from five years before to twenty after the moment they
    are made, so a frozen or moved clock stays inside them)."""
    from django.conf import settings

    directory = tmp_path_factory.mktemp("pki")
    settings.DOCUMENT_PKI_DIR = directory
    settings.DOCUMENT_TRUST_ROOTS = []
    return directory


@pytest.fixture
def clock_at(time_machine):
    """`clock_at(2026, 11, 23, 9, 0)` freezes the clock at that moment of Vietnam's time and
    returns it. Call it before creating anything whose time matters (fixtures included): a
    test that depends on a date must not depend on the day it runs."""

    def _at(*args: int) -> dt.datetime:
        moment = dt.datetime(*args, tzinfo=HCM)
        time_machine.move_to(moment, tick=False)
        return moment

    return _at


def pdf_upload(name: str = "giay-chung-sinh.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def assert_safe_download(response, content_type: str, filename: str) -> None:
    """A document handed out as a download: under `filename` (RFC 5987 when not ASCII), its
    type read from the content, never cached, never sniffed, sandboxed."""
    from django.utils.http import content_disposition_header

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == content_disposition_header(True, filename)
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = [directive.strip() for directive in response["Content-Security-Policy"].split(";")]
    assert "sandbox" in policy
    assert "default-src 'none'" in policy


@pytest.fixture
def hanoi(db) -> Province:
    return Province.objects.create(
        code="01", name="Thành phố Hà Nội", division_type="thành phố trung ương", codename="ha_noi"
    )


@pytest.fixture
def hoan_kiem(hanoi) -> Commune:
    return Commune.objects.create(
        code="00070",
        name="Phường Hoàn Kiếm",
        division_type="phường",
        codename="phuong_hoan_kiem",
        province=hanoi,
    )


@pytest.fixture
def ba_dinh(hanoi) -> Commune:
    return Commune.objects.create(
        code="00004",
        name="Phường Ba Đình",
        division_type="phường",
        codename="phuong_ba_dinh",
        province=hanoi,
    )


def _committee(commune: Commune, code: str) -> Agency:
    return Agency.objects.create(
        code=code,
        name=f"Ủy ban nhân dân {commune.name}",
        level=AgencyLevel.COMMUNE,
        kind=AgencyKind.COMMUNE_COMMITTEE,
        province=commune.province,
        commune=commune,
    )


@pytest.fixture
def agency_hk(hoan_kiem) -> Agency:
    return _committee(hoan_kiem, "00070.00.H01")


@pytest.fixture
def agency_bd(ba_dinh) -> Agency:
    return _committee(ba_dinh, "00004.00.H01")


@pytest.fixture
def police_hk(hanoi, hoan_kiem) -> Agency:
    """The commune police of Hoàn Kiếm (residence procedures are routed to it)."""
    return Agency.objects.create(
        code="00070.01.H01",
        name="Công an Phường Hoàn Kiếm",
        level=AgencyLevel.COMMUNE,
        kind=AgencyKind.COMMUNE_POLICE,
        province=hanoi,
        commune=hoan_kiem,
    )


@pytest.fixture
def birth_version(db):
    data = json.loads((DATA_DIR / "1.001193-birth-registration.json").read_text(encoding="utf-8"))
    procedure, _ = procedure_import(data=data)
    return procedure.versions.get(number=1)


def _officer(
    username: str,
    agency: Agency,
    roles=(OfficerRole.RECEPTION, OfficerRole.SPECIALIST, OfficerRole.LEADER),
) -> User:
    user = User.objects.create_user(
        username=username, password="pw-officer-123", full_name=username
    )
    for role in roles:
        Membership.objects.create(user=user, agency=agency, role=role)
    return user


@pytest.fixture
def officer_hk(agency_hk) -> User:
    return _officer("hk.officer", agency_hk)


@pytest.fixture
def officer_bd(agency_bd) -> User:
    return _officer("bd.officer", agency_bd)


def otp_device(user: User):
    """A confirmed authenticator (TOTP) device of an officer; its codes: totp(device.bin_key)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="test", defaults={"confirmed": True}
    )
    return device


@pytest.fixture
def officer_login():
    """`officer_login(client, user)`: an officer signed in with both factors, like
    /backoffice/login/ then the code step. django-otp's documented test recipe: force_login,
    then the verified device's persistent id in the session.

    (`client.login(...)` needs `request=HttpRequest()` since django-axes checks every
    authentication against the lockout; force_login does not.)"""
    from django_otp import DEVICE_ID_SESSION_KEY

    def _login(client, user: User):
        device = otp_device(user)
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return device

    return _login


def _citizen(pid: str, name: str, sub: str, email: str) -> User:
    return User.objects.create_user(
        username=f"sso-{sub}",
        sso_subject=sub,
        personal_id=pid,
        full_name=name,
        email=email,
    )


@pytest.fixture
def citizen_a(db) -> User:
    """Nguyễn Thị Lan, with the subject the mock national SSO gives her."""
    return _citizen(
        "001190012345", "Nguyễn Thị Lan", _sso_subject("001190012345"), "citizen-a@example.vn"
    )


@pytest.fixture
def citizen_b(db) -> User:
    return _citizen(
        "079085001122", "Lê Văn Hùng", _sso_subject("079085001122"), "citizen-b@example.vn"
    )


def _sso_subject(pid: str) -> str:
    from national_mocks import people

    return next(p.sub for p in people._load() if p.identification_number == pid)


BIRTH_DATA = {
    "child": {
        "full_name": "Trần Minh An",
        "sex": "male",
        "date_of_birth": "2026-11-10",
        "ethnicity": "Kinh",
        "nationality": "Việt Nam",
    },
    "applicant": {"relationship": "mother"},
    "mother": {
        "full_name": "Nguyễn Thị Lan",
        "identification_number": "001190012345",
        "date_of_birth": "1990-03-12",
        "ethnicity": "Kinh",
        "nationality": "Việt Nam",
        "residence": "Phường Hoàn Kiếm",
    },
    "father": {
        "full_name": "Trần Văn Minh",
        "identification_number": "001088004321",
        "date_of_birth": "1988-07-02",
        "ethnicity": "Kinh",
        "nationality": "Việt Nam",
        "residence": "Phường Hoàn Kiếm",
        "unknown": False,
    },
    "commune": {
        "commune": "00070",
        "commune_name": "Phường Hoàn Kiếm, Thành phố Hà Nội",
        "place_detail": "Bệnh viện Phụ sản Hà Nội",
    },
}


def submit_birth_registration(
    applicant: User,
    *,
    version,
    commune: Commune,
    key: uuid.UUID | None = None,
    case=None,
    **extra,
):
    """`dossier_submit` of a birth registration (case TH1 unless given, one birth certificate
    attached), without running its outbox; `extra` goes to dossier_submit (language, phone)."""
    from dossiers.services import NewAttachment, dossier_submit

    case = case or version.cases.get(code="TH1")
    return dossier_submit(
        applicant=applicant,
        version=version,
        case=case,
        commune=commune,
        data=BIRTH_DATA,
        subject_name="Trần Minh An",
        attachments=[
            NewAttachment(
                component=case.components.get(code="GCS"),
                file=pdf_upload(),
                content_type="application/pdf",
            )
        ],
        submission_key=key or uuid.uuid4(),
        **extra,
    )


@pytest.fixture
def submit(birth_version, hoan_kiem, django_capture_on_commit_callbacks):
    """Submit a birth registration dossier for a citizen and run its outbox (routing)."""

    def _submit(applicant: User, commune: Commune | None = None, key: uuid.UUID | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            dossier = submit_birth_registration(
                applicant, version=birth_version, commune=commune or hoan_kiem, key=key
            )
        dossier.refresh_from_db()
        return dossier

    return _submit


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits, circuit breakers and the calendar version live in the cache: start clean."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


__all__ = ["PDF_BYTES", "PNG_BYTES", "assert_safe_download", "io", "pdf_upload"]

"""Back-office pages: every page and action scoped by agency (another agency's dossier is a
404), the forms of each action, bulk receive, counter intake, workload, triage and slips; and
the applicant's side of a supplement and a withdrawal."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from dossiers.models import Dossier
from dossiers.services import MissingItem, dossier_receive, dossier_request_supplement
from dossiers.states.business import Status
from tests.conftest import pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(submit, citizen_a, agency_hk, agency_bd):
    return submit(citizen_a)


@pytest.fixture
def received(dossier, officer_hk, agency_hk):
    return dossier_receive(dossier=dossier, officer=officer_hk, agency=agency_hk)


PAGES = [
    ("backoffice:detail", ()),
    ("backoffice:slip", ("01",)),
]


@pytest.mark.parametrize(("name", "extra"), PAGES)
def test_other_agency_gets_404_on_every_dossier_page(
    client, dossier, officer_bd, officer_login, name, extra
):
    officer_login(client, officer_bd)
    assert client.get(reverse(name, args=[dossier.code, *extra])).status_code == 404


@pytest.mark.parametrize(
    "action",
    [
        "receive",
        "process",
        "issue_result",
        "return_result",
        "request_supplement",
        "refuse",
        "stop",
        "extend",
        "assign",
        "transfer",
        "request_payment",
    ],
)
def test_other_agency_gets_404_on_every_action(client, dossier, officer_bd, officer_login, action):
    officer_login(client, officer_bd)
    assert (
        client.post(
            reverse("backoffice:act", args=[dossier.code, action]), {"reason": "x"}
        ).status_code
        == 404
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_other_agency_attachment_is_404(client, dossier, officer_bd, officer_login):
    officer_login(client, officer_bd)
    attachment = dossier.attachments.get()
    assert (
        client.get(reverse("backoffice:attachment", args=[dossier.code, attachment.pk])).status_code
        == 404
    )


def test_bulk_receive_only_receives_my_agency_dossiers(
    client, dossier, submit, citizen_b, ba_dinh, officer_hk, officer_bd, officer_login
):
    other = submit(citizen_b, commune=ba_dinh)
    officer_login(client, officer_hk)
    response = client.post(
        reverse("backoffice:bulk_receive"), {"codes": [dossier.code, other.code]}
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    other.refresh_from_db()
    assert dossier.status == Status.RECEIVED
    assert other.status == Status.SUBMITTED


def test_queue_filters_late_and_shows_deadline_colours(
    client, received, officer_hk, officer_login, settings
):
    import datetime as dt

    Dossier.objects.filter(pk=received.pk).update(due_at=received.due_at - dt.timedelta(days=30))
    officer_login(client, officer_hk)
    page = client.get(reverse("backoffice:queue") + "?deadline=late").content.decode()
    assert received.code in page
    assert "row-late" in page
    assert (
        received.code
        not in client.get(reverse("backoffice:queue") + "?deadline=due_soon").content.decode()
    )


def test_supplement_form_lists_items_and_the_applicant_resubmits(
    client, received, officer_hk, citizen_a, officer_login
):
    officer_login(client, officer_hk)
    url = reverse("backoffice:supplement", args=[received.code])
    bad = client.post(url, {"pick": ["GCS"]})
    assert bad.status_code == 400  # no reason given: the page again, nothing changed
    received.refresh_from_db()
    assert received.status == Status.RECEIVED
    client.post(
        url,
        {
            "pick": ["GCS"],
            "reason_GCS": "bị mờ",
            "other_name_1": "Tờ khai",
            "other_reason_1": "thiếu chữ ký",
        },
    )
    received.refresh_from_db()
    assert received.status == Status.SUPPLEMENT_REQUESTED
    assert received.supplements.get().items == [
        {"component": "GCS", "name": "Giấy chứng sinh do cơ sở y tế cấp", "reason": "bị mờ"},
        {"component": "", "name": "Tờ khai", "reason": "thiếu chữ ký"},
    ]
    slip = client.get(reverse("backoffice:slip", args=[received.code, "02"]))
    assert slip["Content-Type"] == "application/pdf"

    client.force_login(citizen_a)
    assert (
        "bị mờ" in client.get(reverse("dossiers:resubmit", args=[received.code])).content.decode()
    )
    empty = client.post(reverse("dossiers:resubmit", args=[received.code]), {})
    assert empty.status_code == 400
    ok = client.post(
        reverse("dossiers:resubmit", args=[received.code]),
        {"note": "Đã bổ sung", "file_0": pdf_upload("bo-sung.pdf"), "answer_1": "Đã ký"},
    )
    assert ok.status_code == 302
    received.refresh_from_db()
    assert received.status == Status.RECEIVED
    assert client.get(reverse("dossiers:slip", args=[received.code, "02"])).status_code == 200


def test_another_citizen_cannot_resubmit_or_withdraw(
    client, received, officer_hk, agency_hk, citizen_b
):
    dossier_request_supplement(
        dossier=received,
        officer=officer_hk,
        agency=agency_hk,
        items=[MissingItem("Tờ khai", "thiếu")],
    )
    client.force_login(citizen_b)
    assert client.get(reverse("dossiers:resubmit", args=[received.code])).status_code == 404
    assert client.post(reverse("dossiers:withdraw", args=[received.code])).status_code == 404


def test_withdraw_page(client, received, citizen_a):
    client.force_login(citizen_a)
    assert client.get(reverse("dossiers:withdraw", args=[received.code])).status_code == 200
    client.post(reverse("dossiers:withdraw", args=[received.code]), {"reason": "Nộp nhầm"})
    received.refresh_from_db()
    assert received.status == Status.WITHDRAWN


def test_extend_assign_and_transfer_forms(client, received, officer_hk, agency_bd, officer_login):
    officer_login(client, officer_hk)
    new_due = (received.due_at.astimezone().replace(microsecond=0)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        reverse("backoffice:act", args=[received.code, "extend"]),
        {"new_due_at": new_due, "reason": "x"},
    )
    assert not received.extensions.exists()  # not later than the due date: refused
    client.post(
        reverse("backoffice:act", args=[received.code, "extend"]),
        {"new_due_at": "2099-01-05T09:00", "reason": "Chờ xác minh"},
    )
    assert received.extensions.count() == 1
    client.post(
        reverse("backoffice:act", args=[received.code, "assign"]), {"assignee": officer_hk.pk}
    )
    received.refresh_from_db()
    assert received.assigned_to == officer_hk
    client.post(
        reverse("backoffice:act", args=[received.code, "transfer"]),
        {"agency_code": "NOPE", "reason": "x"},
    )
    received.refresh_from_db()
    assert received.competent_agency != agency_bd
    client.post(
        reverse("backoffice:act", args=[received.code, "transfer"]),
        {"agency_code": agency_bd.code.lower(), "reason": "Thuộc Ba Đình"},
    )
    received.refresh_from_db()
    assert received.competent_agency == agency_bd
    assert received.status == Status.TRANSFERRED


def test_counter_intake_page(client, officer_hk, officer_login, hoan_kiem, birth_version):
    officer_login(client, officer_hk)
    assert client.get(reverse("backoffice:counter")).status_code == 200
    response = client.post(
        reverse("backoffice:counter"),
        {
            "procedure": "1.001193",
            "applicant_name": "Đinh Văn Tư",
            "applicant_personal_id": "0010 8000 0111",
            "subject_name": "Đinh Bảo Ngọc",
            "commune_code": hoan_kiem.code,
            "document": pdf_upload("scan.pdf"),
        },
    )
    assert response.status_code == 302
    dossier = Dossier.objects.get(applicant_personal_id="001080000111")
    assert dossier.channel == 1
    assert dossier.status == Status.RECEIVED


def test_workload_counts_only_my_agencies(
    client, received, dossier, officer_hk, officer_bd, officer_login
):
    officer_login(client, officer_bd)
    page = client.get(reverse("backoffice:workload")).content.decode()
    assert "Hoàn Kiếm" not in page
    officer_login(client, officer_hk)
    page = client.get(reverse("backoffice:workload")).content.decode()
    assert "Phường Hoàn Kiếm" in page


def test_workload_counts_the_open_the_late_and_this_months_finished(
    citizen_a, agency_hk, officer_hk
):
    """Open and late from the agency's open dossiers, finished from this month's: a dossier
    finished in an earlier month, or another agency's, does not count; per officer, the open
    dossiers assigned to them."""
    import datetime as dt

    from django.utils import timezone

    from dossiers.selectors import workload
    from tests.factories import DossierFactory

    now = timezone.now()
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0)
    mine = {"applicant": citizen_a, "competent_agency": agency_hk}
    DossierFactory(**mine, received=True, assigned_to=officer_hk)
    DossierFactory(**mine, overdue=True, assigned_to=officer_hk)
    DossierFactory(**mine, supplement_requested=True, due_at=now - dt.timedelta(days=3))
    DossierFactory(**mine, returned=True, processed_at=now)
    DossierFactory(**mine, returned=True, processed_at=month_start - dt.timedelta(days=1))
    DossierFactory(applicant=citizen_a, overdue=True)  # another agency's
    found = workload(user=officer_hk)
    assert found["agencies"] == [{"name": agency_hk.label, "open": 3, "late": 1, "done": 1}]
    assert found["officers"][0] == {"name": officer_hk.display_name, "open": 2, "late": 1}


def test_the_queues_procedure_filter_lists_the_procedures_of_the_agencys_dossiers(
    citizen_a, agency_hk, officer_hk
):
    """Open or finished, the agency's dossiers' procedures, each once, not another agency's;
    the open ones are read again a minute later, the whole history a day later."""
    import json

    from django.core.cache import cache

    from dossiers.selectors import queue_procedures
    from procedures.services import DATA_DIR, procedure_import
    from tests.factories import DossierFactory

    data = json.loads((DATA_DIR / "1.000894-marriage-registration.json").read_text("utf-8"))
    marriage = procedure_import(data=data)[0].versions.get(number=1)
    DossierFactory(applicant=citizen_a, competent_agency=agency_hk, returned=True)
    DossierFactory(applicant=citizen_a, competent_agency=agency_hk, received=True)
    DossierFactory(applicant=citizen_a, procedure_version=marriage)  # another agency's
    assert [code for code, _name in queue_procedures(user=officer_hk)] == ["1.001193"]
    DossierFactory(applicant=citizen_a, competent_agency=agency_hk, procedure_version=marriage)
    cache.delete(f"queue-procedures-3:open:{agency_hk.pk}")  # a minute later
    assert [code for code, _name in queue_procedures(user=officer_hk)] == ["1.000894", "1.001193"]


def test_triage_page_needs_the_permission(
    client, submit, citizen_a, ba_dinh, agency_hk, officer_hk, officer_login
):
    dossier = submit(citizen_a, commune=ba_dinh)  # Ba Dinh has no agency here: triage
    officer_login(client, officer_hk)
    assert client.get(reverse("backoffice:triage")).status_code == 404
    officer_hk.user_permissions.add(Permission.objects.get(codename="triage_dossier"))
    assert dossier.code in client.get(reverse("backoffice:triage")).content.decode()
    client.post(
        reverse("backoffice:triage"),
        {"code": dossier.code, "agency_code": agency_hk.code, "reason": "Gần nhất"},
    )
    dossier.refresh_from_db()
    assert dossier.competent_agency == agency_hk


def test_queue_query_count_does_not_grow_with_rows(
    client, submit, citizen_a, officer_hk, officer_login, django_assert_max_num_queries
):
    for _ in range(3):
        submit(citizen_a)
    officer_login(client, officer_hk)
    client.get(reverse("backoffice:queue"))
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("backoffice:queue"))
    for _ in range(10):
        submit(citizen_a)
    with django_assert_max_num_queries(len(few.captured_queries) + 2):
        client.get(reverse("backoffice:queue"))


def test_triage_needs_the_second_factor(client, submit, citizen_a, ba_dinh, agency_hk, officer_hk):
    dossier = submit(citizen_a, commune=ba_dinh)
    officer_hk.user_permissions.add(Permission.objects.get(codename="triage_dossier"))
    client.force_login(officer_hk)  # password only, no code
    response = client.post(
        reverse("backoffice:triage"),
        {"code": dossier.code, "agency_code": agency_hk.code, "reason": "x"},
    )
    assert response.status_code == 302
    assert "/backoffice/login/" in response["Location"]
    dossier.refresh_from_db()
    assert dossier.competent_agency is None


def test_result_numbers_count_per_agency_and_year(
    submit, citizen_a, citizen_b, officer_hk, agency_hk
):
    from dossiers.services import dossier_issue_result, dossier_start_processing

    numbers = []
    for citizen in (citizen_a, citizen_b):
        dossier = dossier_receive(dossier=submit(citizen), officer=officer_hk, agency=agency_hk)
        dossier = dossier_start_processing(dossier=dossier, officer=officer_hk, agency=agency_hk)
        numbers.append(
            dossier_issue_result(
                dossier=dossier, officer=officer_hk, agency=agency_hk
            ).result_number
        )
    assert numbers[0].startswith("0001/")
    assert numbers[1].startswith("0002/")
    assert numbers[0].endswith("/GKS")


def test_a_reception_officer_cannot_issue_a_result_and_leaves_no_file(
    submit, citizen_a, agency_hk, settings
):
    from agencies.models import Membership, OfficerRole
    from dossiers.permissions import ActionNotPermitted
    from dossiers.services import dossier_issue_result, dossier_start_processing
    from portal.models import User

    both = User.objects.create_user(username="two.roles", password="x")
    for role in (OfficerRole.RECEPTION, OfficerRole.SPECIALIST):
        Membership.objects.create(user=both, agency=agency_hk, role=role)
    dossier = dossier_receive(dossier=submit(citizen_a), officer=both, agency=agency_hk)
    dossier = dossier_start_processing(dossier=dossier, officer=both, agency=agency_hk)
    with pytest.raises(ActionNotPermitted):
        dossier_issue_result(dossier=dossier, officer=both, agency=agency_hk)
    results = settings.MEDIA_ROOT / "results"
    assert not results.exists() or not any(results.rglob("*.pdf"))


def test_queue_counts_each_tab_and_the_late_and_due_soon_open_dossiers(
    client, citizen_a, agency_hk, officer_hk, officer_login
):
    import datetime as dt

    from django.utils import timezone

    from dossiers.backoffice import QUEUES
    from dossiers.selectors import queue_counts
    from tests.factories import DossierFactory

    now = timezone.now()
    mine = {"applicant": citizen_a, "competent_agency": agency_hk}
    DossierFactory(**mine)  # new
    DossierFactory(**mine, received=True)  # in processing, due in 7 days
    DossierFactory(**mine, overdue=True)  # in processing, late
    DossierFactory(**mine, received=True, due_at=now + dt.timedelta(minutes=5))  # due soon
    DossierFactory(**mine, supplement_requested=True, due_at=now - dt.timedelta(days=3))
    DossierFactory(**mine, returned=True)  # finished
    DossierFactory(applicant=citizen_a, overdue=True)  # another agency's: not counted
    # in processing at the workflow's last step (3 of 3), assigned to the officer
    DossierFactory(**mine, in_processing=True, current_step=3, assigned_to=officer_hk)
    counts = queue_counts(
        user=officer_hk,
        queues={
            key: [int(s) for s in statuses]
            for key, (_l, statuses) in QUEUES.items()
            if key != "approval"
        },
    )
    assert counts == {
        "new": 1,
        "processing": 4,
        "supplement": 1,
        "result": 0,
        "done": 1,
        "late": 1,  # the paused one is not late
        "due_soon": 1,
        "approval": 1,  # the others are at the first step
        "mine": 1,
    }
    officer_login(client, officer_hk)
    page = client.get(reverse("backoffice:queue") + "?deadline=late").content.decode()
    assert page.count('class="row-late"') == 1


def test_the_finished_tab_is_counted_once_then_kept_and_counted_up_as_dossiers_finish(
    citizen_a, agency_hk, officer_hk, django_capture_on_commit_callbacks
):
    """The finished dossiers grow with the agency's history: counted once per agency and
    status, then kept, and counted up (not again) when one of the agency's dossiers finishes
    through its transition; another agency's finished dossier does not count."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dossiers.backoffice import QUEUES
    from dossiers.selectors import queue_counts
    from dossiers.services.processing import dossier_refuse
    from tests.factories import DossierFactory

    queues = {k: [int(s) for s in st] for k, (_l, st) in QUEUES.items() if k != "approval"}
    mine = {"applicant": citizen_a, "competent_agency": agency_hk}
    DossierFactory(**mine, returned=True)
    DossierFactory(**mine, refused=True)
    new = DossierFactory(**mine)
    DossierFactory(applicant=citizen_a, returned=True)  # another agency's
    with CaptureQueriesContext(connection) as first:
        assert queue_counts(user=officer_hk, queues=queues)["done"] == 2
    with CaptureQueriesContext(connection) as again:
        assert queue_counts(user=officer_hk, queues=queues)["done"] == 2
    assert len(again) < len(first), "the finished dossiers are not counted again"
    with django_capture_on_commit_callbacks(execute=True):
        dossier_refuse(dossier=new, officer=officer_hk, agency=agency_hk, reason="Thiếu giấy tờ")
    with CaptureQueriesContext(connection) as after:
        counts = queue_counts(user=officer_hk, queues=queues)
    assert (counts["done"], counts["new"]) == (3, 0)
    assert len(after) == len(again)
    cache.clear()  # expired: counted from the table again, the same
    assert queue_counts(user=officer_hk, queues=queues)["done"] == 3


def test_the_finished_count_is_made_again_every_window_and_a_cache_down_fails_nothing(
    citizen_a, agency_hk, officer_hk, django_capture_on_commit_callbacks, monkeypatch
):
    """A count kept wrong (here: a dossier finished behind the cache's back) lasts one window
    at most, however busy the agency; a cache that fails when a dossier finishes does not
    fail the officer's action (its count is made again in the next window)."""
    from dossiers import finished_counts
    from dossiers.backoffice import QUEUES
    from dossiers.selectors import queue_counts
    from dossiers.services.processing import dossier_refuse
    from tests.factories import DossierFactory

    queues = {k: [int(s) for s in st] for k, (_l, st) in QUEUES.items() if k != "approval"}
    now = [1_000_000.0]
    monkeypatch.setattr(finished_counts.time, "time", lambda: now[0])
    mine = {"applicant": citizen_a, "competent_agency": agency_hk}
    DossierFactory(**mine, returned=True)
    assert queue_counts(user=officer_hk, queues=queues)["done"] == 1
    DossierFactory(**mine, returned=True)  # not through a transition: not counted up
    assert queue_counts(user=officer_hk, queues=queues)["done"] == 1
    now[0] += finished_counts.SECONDS
    assert queue_counts(user=officer_hk, queues=queues)["done"] == 2

    def down(*args, **kwargs):
        raise ConnectionError("the cache is down")

    monkeypatch.setattr(finished_counts.cache, "incr", down)
    new = DossierFactory(**mine)
    with django_capture_on_commit_callbacks(execute=True):
        dossier_refuse(dossier=new, officer=officer_hk, agency=agency_hk, reason="Thiếu giấy tờ")
    new.refresh_from_db()
    assert new.status == Status.REFUSED
    now[0] += finished_counts.SECONDS
    assert queue_counts(user=officer_hk, queues=queues)["done"] == 3


# --- Uploaded files: names the server makes, the person's name only shown --------------------

LONG_NAME = "Tờ khai đăng ký khai sinh đã ký lại " * 30 + ".pdf"  # 1,000+ bytes in UTF-8
ATTACHMENT_FILE = re.compile(r"attachments/\d{4}/\d{2}/[0-9a-f]{32}\.(pdf|png|jpg)")
SCRIPT_PDF = b"%PDF-1.7\n1 0 obj<</Type/Catalog/OpenAction<</S/J#61vaScript/JS(app.alert(1))>>>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"


def _asked_for_supplement(received, officer_hk, agency_hk):
    dossier_request_supplement(
        dossier=received,
        officer=officer_hk,
        agency=agency_hk,
        items=[MissingItem("Tờ khai", "thiếu chữ ký")],
    )


def test_a_supplement_with_a_long_name_is_stored_under_a_random_name(
    client, received, officer_hk, agency_hk, citizen_a
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import PDF_BYTES

    _asked_for_supplement(received, officer_hk, agency_hk)
    client.force_login(citizen_a)
    response = client.post(
        reverse("dossiers:resubmit", args=[received.code]),
        {"note": "Đã ký lại", "file_0": SimpleUploadedFile(LONG_NAME, PDF_BYTES)},
    )
    assert response.status_code == 302
    supplement = received.attachments.order_by("-pk").first()
    assert ATTACHMENT_FILE.fullmatch(supplement.file.name)
    assert supplement.original_name.startswith("Tờ khai đăng ký khai sinh")
    assert supplement.original_name.endswith("….pdf")
    assert len(supplement.original_name.encode()) <= 240


def test_a_refused_supplement_file_is_explained_in_vietnamese_and_the_note_is_kept(
    client, received, officer_hk, agency_hk, citizen_a
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _asked_for_supplement(received, officer_hk, agency_hk)
    client.force_login(citizen_a)
    response = client.post(
        reverse("dossiers:resubmit", args=[received.code]),
        {
            "answer_0": "Tôi đã ký lại tờ khai",
            "file_0": SimpleUploadedFile("to-khai.pdf", SCRIPT_PDF),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "nội dung chủ động" in page
    assert "Tôi đã ký lại tờ khai" in page
    received.refresh_from_db()
    assert received.status == Status.SUPPLEMENT_REQUESTED


def test_counter_intake_stores_the_scan_under_a_random_name(
    client, officer_hk, officer_login, hoan_kiem, birth_version
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import PNG_BYTES

    officer_login(client, officer_hk)
    response = client.post(
        reverse("backoffice:counter"),
        {
            "procedure": "1.001193",
            "applicant_name": "Đinh Văn Tư",
            "applicant_personal_id": "0010 8000 0111",
            "subject_name": "Đinh Bảo Ngọc",
            "commune_code": hoan_kiem.code,
            "document": SimpleUploadedFile("scan/../" + "ả" * 300 + ".html", PNG_BYTES),
        },
    )
    assert response.status_code == 302
    scan = Dossier.objects.get(applicant_personal_id="001080000111").attachments.get()
    assert ATTACHMENT_FILE.fullmatch(scan.file.name)
    assert scan.file.name.endswith(".png")
    assert scan.content_type == "image/png"
    assert scan.original_name.endswith("….html")


def test_queue_search_reads_at_most_100_characters(client, dossier, officer_hk, officer_login):
    officer_login(client, officer_hk)
    response = client.get(reverse("backoffice:queue"), {"q": "x" * 100_000})
    assert response.status_code == 200  # SQLite refused the LIKE pattern: a 500
    assert response.context["query"] == "x" * 100
    found = client.get(reverse("backoffice:queue"), {"q": dossier.code[-8:]}).context["rows"]
    assert [row.code for row, _url in found] == [dossier.code]


def _body_classes(html: str) -> list[str]:
    match = re.search(r'<body(?: class="([^"]*)")?>', html)
    assert match is not None, "the page has a body"
    return (match.group(1) or "").split()


@pytest.mark.parametrize(
    ("name", "with_code"),
    [
        ("backoffice:queue", False),
        ("backoffice:workload", False),
        ("backoffice:counter", False),
        ("backoffice:detail", True),
    ],
)
def test_back_office_pages_use_the_desktops_width(
    client, dossier, officer_hk, officer_login, name, with_code
):
    officer_login(client, officer_hk)
    response = client.get(reverse(name, args=[dossier.code] if with_code else []))
    assert response.status_code == 200
    assert "page-wide" in _body_classes(response.content.decode())


def test_triage_uses_the_desktops_width(client, dossier, officer_hk, officer_login):
    officer_hk.user_permissions.add(Permission.objects.get(codename="triage_dossier"))
    officer_login(client, officer_hk)
    response = client.get(reverse("backoffice:triage"))
    assert response.status_code == 200
    assert "page-wide" in _body_classes(response.content.decode())


@pytest.mark.parametrize("name", ["portal:home", "procedures:catalogue", "dossiers:mine"])
def test_citizen_pages_keep_their_reading_column(client, citizen_a, name):
    client.force_login(citizen_a)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "page-wide" not in _body_classes(response.content.decode())


# --- Where each role lands: what awaits them -------------------------------------------------


def _member(username: str, agency, *roles):
    from agencies.models import Membership
    from portal.models import User

    user = User.objects.create_user(username=username, password="x", full_name=username)
    for role in roles:
        Membership.objects.create(user=user, agency=agency, role=role)
    return user


def _current_tab(html: str) -> str:
    match = re.search(r'<a href="\?queue=(\w+)" aria-current="page"', html)
    assert match is not None, "one tab is the current page"
    return match.group(1)


@pytest.fixture
def one_of_each(citizen_a, agency_hk):
    """A new dossier, one in processing at step 1, one at the last step (awaiting approval)."""
    from tests.factories import DossierFactory

    mine = {"applicant": citizen_a, "competent_agency": agency_hk}
    return {
        "new": DossierFactory(**mine),
        "first_step": DossierFactory(**mine, in_processing=True, current_step=1),
        "last_step": DossierFactory(**mine, in_processing=True, current_step=3),
    }


def test_a_leader_lands_on_what_awaits_approval(client, agency_hk, officer_login, one_of_each):
    from agencies.models import OfficerRole

    officer_login(client, _member("hk.leader", agency_hk, OfficerRole.LEADER))
    page = client.get(reverse("backoffice:queue")).content.decode()
    assert _current_tab(page) == "approval"
    assert one_of_each["last_step"].code in page
    assert one_of_each["first_step"].code not in page
    assert one_of_each["new"].code not in page
    # a tab chosen is kept
    chosen = client.get(reverse("backoffice:queue") + "?queue=new").content.decode()
    assert _current_tab(chosen) == "new"
    assert one_of_each["new"].code in chosen


def test_reception_lands_on_the_new_dossiers(client, agency_hk, officer_login, one_of_each):
    from agencies.models import OfficerRole

    officer_login(client, _member("hk.reception", agency_hk, OfficerRole.RECEPTION))
    page = client.get(reverse("backoffice:queue")).content.decode()
    assert _current_tab(page) == "new"
    assert one_of_each["new"].code in page
    assert one_of_each["last_step"].code not in page


def test_a_specialist_lands_on_their_own_dossiers(client, agency_hk, officer_login, one_of_each):
    from agencies.models import OfficerRole
    from dossiers.models import Dossier

    specialist = _member("hk.specialist", agency_hk, OfficerRole.SPECIALIST)
    Dossier.objects.filter(pk=one_of_each["first_step"].pk).update(assigned_to=specialist)
    officer_login(client, specialist)
    page = client.get(reverse("backoffice:queue")).content.decode()
    assert _current_tab(page) == "processing"
    assert 'id="mine" name="mine" value="1" checked' in page
    assert one_of_each["first_step"].code in page
    assert one_of_each["last_step"].code not in page  # in processing, but not theirs


def test_with_several_roles_the_first_queue_holding_dossiers_wins(
    client, agency_hk, officer_hk, officer_login, citizen_a
):
    from tests.factories import DossierFactory

    officer_login(client, officer_hk)  # reception, specialist and leader
    new = DossierFactory(applicant=citizen_a, competent_agency=agency_hk)
    page = client.get(reverse("backoffice:queue")).content.decode()
    assert _current_tab(page) == "new"  # nothing awaits approval
    assert new.code in page
    DossierFactory(
        applicant=citizen_a, competent_agency=agency_hk, in_processing=True, current_step=3
    )
    page = client.get(reverse("backoffice:queue")).content.decode()
    assert _current_tab(page) == "approval"


# --- Approval: the result's preview first, then an explicit confirmation ----------------------


@pytest.fixture
def in_processing(received, officer_hk, agency_hk):
    from dossiers.services import dossier_start_processing

    return dossier_start_processing(dossier=received, officer=officer_hk, agency=agency_hk)


def test_the_approval_shows_the_result_first_and_issues_nothing(
    client, in_processing, officer_hk, officer_login, agency_hk
):
    officer_login(client, officer_hk)
    detail = client.get(reverse("backoffice:detail", args=[in_processing.code])).content.decode()
    approve_url = reverse("backoffice:approve", args=[in_processing.code])
    assert f'href="{approve_url}"' in detail  # a link to the preview, no one-click form
    assert reverse("backoffice:act", args=[in_processing.code, "issue_result"]) not in detail
    response = client.get(approve_url)
    assert response.status_code == 200
    page = response.content.decode()
    for shown in (agency_hk.name.upper(), in_processing.code, "0001/", "/GKS"):
        assert shown in page, shown
    assert in_processing.subject_name in page  # the holder
    assert 'name="confirm"' in page
    in_processing.refresh_from_db()
    assert in_processing.status == Status.IN_PROCESSING
    assert not in_processing.result_file
    assert in_processing.result_number == ""


def test_approving_without_the_confirmation_issues_nothing(
    client, in_processing, officer_hk, officer_login
):
    officer_login(client, officer_hk)
    url = reverse("backoffice:approve", args=[in_processing.code])
    response = client.post(url, {})
    assert response.status_code == 400
    page = response.content.decode()
    assert "error-summary" in page
    assert "Đánh dấu vào ô" in page  # names the fix, in the officer's language
    # the old one-click action only leads to the preview
    old = client.post(reverse("backoffice:act", args=[in_processing.code, "issue_result"]))
    assert old.status_code == 302
    assert old["Location"] == url
    in_processing.refresh_from_db()
    assert in_processing.status == Status.IN_PROCESSING
    assert not in_processing.result_file


def test_approving_with_the_confirmation_issues_the_result(
    client, in_processing, officer_hk, officer_login
):
    officer_login(client, officer_hk)
    expected = client.get(reverse("backoffice:approve", args=[in_processing.code]))
    number = re.search(r"\d{4}/\d{4}/GKS", expected.content.decode()).group(0)
    response = client.post(
        reverse("backoffice:approve", args=[in_processing.code]), {"confirm": "on"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:detail", args=[in_processing.code])
    in_processing.refresh_from_db()
    assert in_processing.status == Status.RESULT_READY
    assert in_processing.result_file
    assert in_processing.result_number == number  # the number the preview announced
    assert in_processing.events.filter(action="result_issued").count() == 1


def test_the_approval_needs_the_csrf_token(in_processing, officer_hk, officer_login):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    officer_login(client, officer_hk)
    response = client.post(
        reverse("backoffice:approve", args=[in_processing.code]), {"confirm": "on"}
    )
    assert response.status_code == 403
    in_processing.refresh_from_db()
    assert in_processing.status == Status.IN_PROCESSING


def test_another_agencys_dossier_cannot_be_approved(
    client, in_processing, officer_bd, officer_login
):
    officer_login(client, officer_bd)
    url = reverse("backoffice:approve", args=[in_processing.code])
    assert client.get(url).status_code == 404
    assert client.post(url, {"confirm": "on"}).status_code == 404
    in_processing.refresh_from_db()
    assert in_processing.status == Status.IN_PROCESSING


def test_only_a_leader_reaches_the_approval(client, in_processing, agency_hk, officer_login):
    from agencies.models import OfficerRole

    specialist = _member("hk.only-specialist", agency_hk, OfficerRole.SPECIALIST)
    officer_login(client, specialist)
    url = reverse("backoffice:approve", args=[in_processing.code])
    detail = reverse("backoffice:detail", args=[in_processing.code])
    assert client.get(url)["Location"] == detail
    assert client.post(url, {"confirm": "on"})["Location"] == detail
    in_processing.refresh_from_db()
    assert in_processing.status == Status.IN_PROCESSING


def test_a_dossier_not_in_processing_has_no_approval(client, received, officer_hk, officer_login):
    officer_login(client, officer_hk)
    response = client.post(reverse("backoffice:approve", args=[received.code]), {"confirm": "on"})
    assert response["Location"] == reverse("backoffice:detail", args=[received.code])
    received.refresh_from_db()
    assert received.status == Status.RECEIVED


def _pager_links(html: str) -> dict[str, str]:
    """The queue's pager: rel ("prev", "next") -> the link's query string, unescaped."""
    import html as html_module

    nav = re.search(r'<nav aria-label="(?:Phân trang|Pages)">(.*?)</nav>', html, re.S)
    if nav is None:
        return {}
    return {
        rel: html_module.unescape(href)
        for href, rel in re.findall(r'<a href="([^"]*)" rel="(prev|next)"', nav.group(1))
    }


def test_the_finished_tab_pages_the_newest_first_without_counting_them(
    client, citizen_a, agency_hk, officer_hk, officer_login, monkeypatch
):
    """The finished dossiers are an agency's whole history: the tab shows the last submitted
    first, a page at a time, and never counts them to number its pages (no "page N of M":
    Previous, the page's number, Next); any page number is answered, none is a 500."""
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from dossiers import backoffice
    from tests.factories import DossierFactory

    monkeypatch.setattr(backoffice, "QUEUE_PAGE_SIZE", 2)
    now = timezone.now()
    finished = [
        DossierFactory(
            applicant=citizen_a,
            competent_agency=agency_hk,
            submitted_at=now - dt.timedelta(days=days),
            **kind,
        ).code
        for days, kind in enumerate(
            [
                {"returned": True},
                {"refused": True},
                {"returned": True},
                {"status": Status.WITHDRAWN},
                {"returned": True},
            ]
        )
    ]
    DossierFactory(applicant=citizen_a, competent_agency=agency_hk)  # new: not finished
    officer_login(client, officer_hk)
    url = reverse("backoffice:queue") + "?queue=done"
    client.get(url)  # the tab's label counted and kept (dossiers.finished_counts)

    def codes(html: str) -> list[str]:
        """The finished dossiers a page lists, in its order."""
        return [code for _at, code in sorted((html.find(c), c) for c in finished if c in html)]

    with CaptureQueriesContext(connection) as captured:
        first = client.get(url).content.decode()
    counted = [
        q["sql"] for q in captured if 'COUNT(*) AS "__count" FROM "dossiers_dossier"' in q["sql"]
    ]
    assert not counted, "the pages are not counted"
    assert codes(first) == finished[:2]
    assert "Trang 1" in first
    assert _pager_links(first) == {"next": "?queue=done&page=2"}
    last = client.get(url + "&page=3").content.decode()
    assert codes(last) == finished[4:]
    assert _pager_links(last) == {"prev": "?queue=done&page=2"}
    beyond = client.get(url + "&page=99")
    assert beyond.status_code == 200
    assert "Không có hồ sơ nào ở trang này." in beyond.content.decode()
    for nonsense in ("abc", "-3", "0", "9" * 30):
        response = client.get(url + "&page=" + nonsense)
        assert response.status_code == 200, nonsense
    assert codes(client.get(url + "&page=x").content.decode()) == finished[:2]


def test_the_queues_pages_keep_its_filters(
    client, citizen_a, agency_hk, officer_hk, officer_login, monkeypatch
):
    """Page 2 of a search, a procedure or "mine" is page 2 of the same list (the pager's links
    keep every parameter of the page and name the tab, also the one the roles chose), counted
    tabs and the finished one alike; an empty page past the last links back to the first."""
    from dossiers import backoffice
    from tests.factories import DossierFactory

    monkeypatch.setattr(backoffice, "QUEUE_PAGE_SIZE", 1)
    named = {"applicant": citizen_a, "competent_agency": agency_hk, "subject_name": "Trần Minh An"}
    for trait in ({}, {}, {"returned": True}, {"returned": True}):
        DossierFactory(**named, **trait)
    other = DossierFactory(applicant=citizen_a, competent_agency=agency_hk, subject_name="Lê Hoa")
    mine = [DossierFactory(**named, received=True, assigned_to=officer_hk) for _ in range(2)]
    DossierFactory(**named, received=True)  # another officer's, or no one's
    officer_login(client, officer_hk)
    queue_url = reverse("backoffice:queue")
    for queue in ("new", "done"):
        html = client.get(queue_url, {"queue": queue, "q": "Minh An", "page": "1"}).content
        assert _pager_links(html.decode()) == {"next": f"?queue={queue}&q=Minh+An&page=2"}, queue
        second = client.get(queue_url, {"queue": queue, "q": "Minh An", "page": "2"}).content
        assert _pager_links(second.decode()) == {"prev": f"?queue={queue}&q=Minh+An&page=1"}
        assert other.code not in second.decode()
    html = client.get(queue_url, {"queue": "processing", "mine": "1"}).content.decode()
    assert _pager_links(html) == {"next": "?queue=processing&mine=1&page=2"}
    second = client.get(queue_url, {"queue": "processing", "mine": "1", "page": "2"})
    assert sum(d.code in second.content.decode() for d in mine) == 1
    landing = client.get(queue_url).content.decode()  # the roles choose the tab: named
    assert _pager_links(landing)["next"].startswith("?queue=")
    empty = client.get(queue_url, {"queue": "done", "page": "40"}).content.decode()
    assert '<a href="?queue=done">Về trang đầu</a>' in empty


def test_another_agencys_officer_sees_none_of_its_finished_dossiers(
    client, citizen_a, agency_hk, officer_bd, officer_login
):
    from tests.factories import DossierFactory

    finished = DossierFactory(applicant=citizen_a, competent_agency=agency_hk, returned=True)
    officer_login(client, officer_bd)
    response = client.get(reverse("backoffice:queue"), {"queue": "done"})
    assert response.status_code == 200
    assert finished.code not in response.content.decode()


def test_the_finished_tabs_index_is_the_finished_statuses():
    """The partial index the finished tab is read from covers exactly the final statuses."""
    from dossiers.models import Dossier
    from dossiers.states.business import FINAL

    (index,) = [i for i in Dossier._meta.indexes if i.name == "dossier_finished_newest"]
    assert dict(index.condition.children) == {
        "status__in": sorted(int(s) for s in FINAL),
        "source_system": "",
    }

"""Notifications: every status change reaches the applicant by e-mail, SMS and in the portal,
in the dossier's language, once; the inbox page; SMS backends, segments and phone numbers."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from dossiers.models import DossierEvent
from dossiers.services import (
    dossier_issue_result,
    dossier_receive,
    dossier_refuse,
    dossier_return_result,
    dossier_start_processing,
)
from dossiers.states.business import Status
from notifications.channels import ChannelRegistry, EmailChannel
from notifications.models import DeliveryState, Notification, NotificationDelivery
from notifications.services import notify_dossier_event
from notifications.wording import event_kind
from portal import sms
from portal.models import OutboxMessage, OutboxStatus
from portal.outbox import outbox_run
from portal.sms.backends.base import BaseSmsBackend
from tests.conftest import submit_birth_registration

pytestmark = pytest.mark.django_db

PHONE = "0912 345 678"
E164 = "+84912345678"


@pytest.fixture(autouse=True)
def _sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def submit_as(birth_version, hoan_kiem, django_capture_on_commit_callbacks):
    """Submit a birth registration in a language, with a phone number, and run its outbox."""

    def _submit(applicant, *, language: str = "vi", phone: str = PHONE):
        with django_capture_on_commit_callbacks(execute=True):
            dossier = submit_birth_registration(
                applicant, version=birth_version, commune=hoan_kiem, language=language, phone=phone
            )
        dossier.refresh_from_db()
        return dossier

    return _submit


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a service and its outbox (the notification handler) as the worker would."""

    def _run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return _run


def _sent(dossier):
    """(e-mails, SMS, inbox notifications) about this dossier so far."""
    emails = [m for m in mail.outbox if dossier.code in m.subject]
    texts = [m for m in sms.outbox if dossier.code in m.body]
    notes = list(Notification.objects.filter(dossier=dossier).order_by("created_at", "id"))
    return emails, texts, notes


def _due(dossier) -> str:
    return timezone.localtime(dossier.due_at).strftime("%d/%m/%Y %H:%M")


# --- Every status change, in the dossier's language -----------------------------------------

JOURNEY = {
    "vi": {
        "submitted": ("Hồ sơ đã được nộp trực tuyến", "DVC: Ho so {code} da duoc nop truc tuyen"),
        "received": (
            "Hồ sơ đã được tiếp nhận",
            "DVC: Ho so {code} da duoc tiep nhan. Han tra: {due}",
        ),
        "processing": ("Hồ sơ đang được giải quyết", "DVC: Ho so {code} dang duoc giai quyet."),
        "result_issued": ("Hồ sơ đã có kết quả", "DVC: Ho so {code} da co ket qua."),
        "returned": ("Đã trả kết quả", "DVC: Ho so {code} da duoc tra ket qua."),
    },
    "en": {
        "submitted": ("Dossier submitted online", "DVC: Dossier {code} was submitted online"),
        "received": ("Dossier received", "DVC: Dossier {code} was received. Due: {due}"),
        "processing": ("Dossier in processing", "DVC: Dossier {code} is being processed."),
        "result_issued": ("Result of your dossier ready", "DVC: Dossier {code} has a result."),
        "returned": ("Result returned", "DVC: The result of dossier {code} was returned."),
    },
}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_each_status_change_sends_one_email_one_sms_one_notification(
    submit_as, run, citizen_a, officer_hk, agency_hk, language
):
    dossier = submit_as(citizen_a, language=language)
    steps = [
        ("submitted", None),
        ("received", dossier_receive),
        ("processing", dossier_start_processing),
        ("result_issued", dossier_issue_result),
        ("returned", dossier_return_result),
    ]
    for count, (kind, service) in enumerate(steps, start=1):
        if service is not None:
            dossier = run(service, dossier=dossier, officer=officer_hk, agency=agency_hk)
        emails, texts, notes = _sent(dossier)
        assert (len(emails), len(texts), len(notes)) == (count, count, count), kind
        title, sms_start = JOURNEY[language][kind]
        due = _due(dossier) if dossier.due_at else ""
        email, text, note = emails[-1], texts[-1], notes[-1]
        assert email.to == ["citizen-a@example.vn"]
        assert email.subject == f"[{dossier.code}] {title}"
        assert note.title == title
        assert note.user == citizen_a
        assert note.event.action == kind
        assert text.to == E164
        assert text.body.startswith(sms_start.format(code=dossier.code, due=due)), text.body
        assert text.segments == 1
        assert text.encoding == "GSM-7"
        assert note.body in email.body  # the same wording on both channels
    # the routing entry that follows the submission is internal: nothing was sent for it
    assert dossier.events.filter(action="routed").exists()
    assert NotificationDelivery.objects.filter(event__action="routed").count() == 0


def test_vietnamese_email_is_in_vietnamese_with_due_date_and_receipt(
    submit_as, run, citizen_a, officer_hk, agency_hk
):
    dossier = submit_as(citizen_a)
    dossier = run(dossier_receive, dossier=dossier, officer=officer_hk, agency=agency_hk)
    email = _sent(dossier)[0][-1]
    assert "Kính gửi ông/bà Nguyễn Thị Lan," in email.body
    assert f"Hồ sơ {dossier.code} (Đăng ký khai sinh) của ông/bà đã được" in email.body
    assert f"Ngày hẹn trả kết quả: {_due(dossier)}." in email.body
    assert "Dear" not in email.body
    assert "/dossiers/" + dossier.code in email.body
    (name, content, mimetype) = email.attachments[0]
    assert (name, mimetype) == (f"{dossier.code}-receipt.pdf", "application/pdf")
    assert content.startswith(b"%PDF")


def test_english_email_is_in_english(submit_as, citizen_a):
    dossier = submit_as(citizen_a, language="en")
    email = _sent(dossier)[0][-1]
    assert "Dear Nguyễn Thị Lan," in email.body
    assert f"Your dossier {dossier.code} (Birth registration) was submitted online" in email.body
    assert "Kính gửi" not in email.body
    assert email.attachments  # the receipt, for "submitted"


def test_refusal_tells_the_reason_on_every_channel(
    submit_as, run, citizen_a, officer_hk, agency_hk
):
    dossier = submit_as(citizen_a)
    run(
        dossier_refuse,
        dossier=dossier,
        officer=officer_hk,
        agency=agency_hk,
        reason="Giấy chứng sinh không rõ",
    )
    emails, texts, notes = _sent(dossier)
    assert "Lý do: Giấy chứng sinh không rõ" in emails[-1].body
    assert "Lý do: Giấy chứng sinh không rõ" in notes[-1].body
    assert notes[-1].title == "Hồ sơ bị từ chối tiếp nhận"
    assert (
        texts[-1].body
        == f"DVC: Ho so {dossier.code} bi tu choi tiep nhan. Xem ly do tren Cong DVC."
    )


# Every kind of status change, from a timeline entry as the services write it.
KINDS = [
    # action, from, to, note, vi title, vi SMS (after the code), text in the vi body
    (
        "received",
        Status.SUBMITTED,
        Status.RECEIVED,
        "",
        "Hồ sơ đã được tiếp nhận",
        "da duoc tiep nhan. Han tra:",
        "Ngày hẹn trả kết quả",
    ),
    (
        "refused",
        Status.SUBMITTED,
        Status.REFUSED,
        "Thiếu giấy chứng sinh",
        "Hồ sơ bị từ chối tiếp nhận",
        "bi tu choi tiep nhan",
        "Lý do: Thiếu giấy chứng sinh",
    ),
    (
        "processing",
        Status.RECEIVED,
        Status.IN_PROCESSING,
        "",
        "Hồ sơ đang được giải quyết",
        "dang duoc giai quyet",
        "đang được Ủy ban nhân dân Phường Hoàn Kiếm giải quyết",
    ),
    (
        "supplement_requested",
        Status.IN_PROCESSING,
        Status.SUPPLEMENT_REQUESTED,
        "Giấy chứng sinh: bản chụp bị mờ.",
        "Yêu cầu bổ sung hồ sơ",
        "can bo sung",
        "Nội dung cần bổ sung:\nGiấy chứng sinh: bản chụp bị mờ.",
    ),
    (
        "resubmitted",
        Status.SUPPLEMENT_REQUESTED,
        Status.IN_PROCESSING,
        "",
        "Đã gửi hồ sơ bổ sung, tiếp tục giải quyết",
        "Da gui bo sung",
        "thời hạn giải quyết tiếp tục được tính",
    ),
    (
        "payment_requested",
        Status.IN_PROCESSING,
        Status.PAYMENT_REQUESTED,
        "Lệ phí: 8.000 VND",
        "Yêu cầu thực hiện nghĩa vụ tài chính",
        "thuc hien nghia vu tai chinh",
        "Lệ phí: 8.000 VND",
    ),
    (
        "payment_confirmed",
        Status.PAYMENT_REQUESTED,
        Status.IN_PROCESSING,
        "",
        "Đã xác nhận thanh toán, tiếp tục giải quyết",
        "da duoc xac nhan",
        "đã được xác nhận",
    ),
    (
        "extended",
        Status.IN_PROCESSING,
        Status.IN_PROCESSING,
        "Cần xác minh thêm",
        "Ngày hẹn trả kết quả mới",
        "Ngay hen tra ket qua moi",
        "xin lỗi",
    ),
    (
        "result_issued",
        Status.IN_PROCESSING,
        Status.RESULT_READY,
        "",
        "Hồ sơ đã có kết quả",
        "da co ket qua",
        "tải kết quả điện tử",
    ),
    (
        "returned",
        Status.RESULT_READY,
        Status.RETURNED,
        "",
        "Đã trả kết quả",
        "da duoc tra ket qua",
        "đánh giá",
    ),
    (
        "withdrawn",
        Status.RECEIVED,
        Status.WITHDRAWN,
        "",
        "Hồ sơ đã được rút",
        "da duoc rut",
        "theo yêu cầu của ông/bà",
    ),
    (
        "stopped",
        Status.IN_PROCESSING,
        Status.STOPPED,
        "Người yêu cầu không bổ sung",
        "Hồ sơ bị dừng xử lý",
        "bi dung xu ly",
        "Lý do: Người yêu cầu không bổ sung",
    ),
    (
        "transferred",
        Status.SUBMITTED,
        Status.TRANSFERRED,
        "",
        "Hồ sơ được chuyển đến cơ quan khác",
        "da duoc chuyen den Uy ban nhan dan Phuong Hoan Kiem",
        "đã được chuyển đến Ủy ban nhân dân Phường Hoàn Kiếm",
    ),
]


@pytest.mark.parametrize(
    ("action", "source", "target", "note", "title", "sms_text", "body_text"),
    KINDS,
    ids=[k[0] for k in KINDS],
)
def test_wording_per_status_in_vietnamese(
    submit_as, citizen_a, agency_hk, action, source, target, note, title, sms_text, body_text
):
    dossier = submit_as(citizen_a)
    dossier.due_at = timezone.now() + timezone.timedelta(days=3)
    dossier.result_number = "12/2026/KS"
    dossier.save()
    event = DossierEvent.objects.create(
        dossier=dossier,
        at=timezone.now(),
        action=action,
        agency=agency_hk,
        from_status=source,
        to_status=target,
        note=note,
    )
    assert notify_dossier_event(event_id=event.pk) is True
    emails, texts, notes = _sent(dossier)
    assert (len(emails), len(texts), len(notes)) == (2, 2, 2)  # "submitted", then this one
    assert notes[-1].title == title
    assert body_text in notes[-1].body
    assert body_text in emails[-1].body
    assert emails[-1].subject == f"[{dossier.code}] {title}"
    assert sms_text in texts[-1].body
    assert texts[-1].body.startswith("DVC: ")
    assert dossier.code in texts[-1].body
    # short and without diacritics: one GSM-7 segment
    assert (texts[-1].encoding, texts[-1].segments) == ("GSM-7", 1), texts[-1].body
    assert bool(emails[-1].attachments) is (action == "received")


@pytest.mark.parametrize(
    ("action", "source", "target"),
    [
        ("routed", None, Status.SUBMITTED),
        ("triage", None, Status.SUBMITTED),
        ("assigned", Status.RECEIVED, Status.RECEIVED),
        ("step", Status.IN_PROCESSING, Status.IN_PROCESSING),
        ("commented", Status.IN_PROCESSING, Status.IN_PROCESSING),
        ("coordination", Status.IN_PROCESSING, Status.WAITING_COORDINATION),
        ("processing", Status.WAITING_COORDINATION, Status.IN_PROCESSING),
    ],
)
def test_internal_entries_are_not_sent(submit_as, citizen_a, agency_hk, action, source, target):
    dossier = submit_as(citizen_a)
    event = DossierEvent.objects.create(
        dossier=dossier,
        at=timezone.now(),
        action=action,
        agency=agency_hk,
        from_status=source,
        to_status=target,
    )
    assert event_kind(event) is None
    assert notify_dossier_event(event_id=event.pk) is False
    assert [len(x) for x in _sent(dossier)] == [1, 1, 1]  # only "submitted"


# --- Idempotency ------------------------------------------------------------------------------


def test_running_the_handler_twice_sends_nothing_twice(submit_as, citizen_a):
    dossier = submit_as(citizen_a)
    event = dossier.events.get(action="submitted")
    assert [len(x) for x in _sent(dossier)] == [1, 1, 1]
    assert notify_dossier_event(event_id=event.pk) is False
    assert notify_dossier_event(event_id=event.pk) is False
    assert [len(x) for x in _sent(dossier)] == [1, 1, 1]
    deliveries = NotificationDelivery.objects.filter(event=event)
    assert sorted(deliveries.values_list("channel", "state")) == [
        ("email", "sent"),
        ("portal", "sent"),
        ("sms", "sent"),
    ]


def test_outbox_message_run_again_after_a_crash_sends_nothing_twice(submit_as, citizen_a):
    dossier = submit_as(citizen_a)
    message = OutboxMessage.objects.get(topic="dossier.notify", status=OutboxStatus.DONE)
    # the worker died after the handler and before the row was marked done: the sweeper
    # makes it pending again and it runs a second time
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.PENDING)
    assert outbox_run(message_id=str(message.id)) is True
    assert [len(x) for x in _sent(dossier)] == [1, 1, 1]


class _GatewayDown(BaseSmsBackend):
    def send_messages(self, messages):
        raise ConnectionError("SMS gateway down")


def test_a_failed_channel_is_retried_alone(submit_as, citizen_a, settings):
    settings.SMS_BACKEND = f"{__name__}._GatewayDown"
    dossier = submit_as(citizen_a)  # the handler raised: the message stays pending
    event = dossier.events.get(action="submitted")
    message = OutboxMessage.objects.get(topic="dossier.notify", payload={"event_id": event.pk})
    assert message.status == OutboxStatus.PENDING
    assert "gateway down" in message.last_error
    assert [len(x) for x in _sent(dossier)] == [1, 0, 1]  # e-mail and inbox went out
    # a retry while the gateway is still down tries the SMS again, and only the SMS
    with pytest.raises(ConnectionError):
        outbox_run(message_id=str(message.id))
    assert [len(x) for x in _sent(dossier)] == [1, 0, 1]
    sms_delivery = NotificationDelivery.objects.get(event=event, channel="sms")
    assert (sms_delivery.state, sms_delivery.attempts) == (DeliveryState.FAILED, 2)
    assert "gateway down" in sms_delivery.last_error

    settings.SMS_BACKEND = "portal.sms.backends.locmem.SmsBackend"
    assert outbox_run(message_id=str(message.id)) is True  # the sweeper's next round
    assert [len(x) for x in _sent(dossier)] == [1, 1, 1]  # only the SMS was sent
    sms_delivery.refresh_from_db()
    assert (sms_delivery.state, sms_delivery.attempts) == (DeliveryState.SENT, 3)
    assert sms_delivery.last_error == ""
    message.refresh_from_db()
    assert message.status == OutboxStatus.DONE


@pytest.mark.parametrize(
    ("claimed_seconds_ago", "texts_sent"),
    [(5, 1), (10_000, 2)],
    ids=["claim-still-in-progress-left-alone", "abandoned-claim-sent-again"],
)
def test_a_send_claimed_by_another_worker(
    submit_as, citizen_a, agency_hk, claimed_seconds_ago, texts_sent
):
    dossier = submit_as(citizen_a)
    event = DossierEvent.objects.create(
        dossier=dossier,
        at=timezone.now(),
        action="received",
        agency=agency_hk,
        from_status=Status.SUBMITTED,
        to_status=Status.RECEIVED,
    )
    # another worker claimed the SMS: still within the task time limit it may be sending now,
    # so the re-run leaves it alone; long after, that worker died and the SMS is sent again
    NotificationDelivery.objects.create(
        event=event,
        channel="sms",
        recipient=E164,
        claimed_at=timezone.now() - dt.timedelta(seconds=claimed_seconds_ago),
    )
    notify_dossier_event(event_id=event.pk)
    emails, texts, notes = _sent(dossier)
    assert (len(emails), len(texts), len(notes)) == (2, texts_sent, 2)


def test_channels_come_from_a_registry_tests_can_build(submit_as, citizen_a, agency_hk):
    dossier = submit_as(citizen_a)
    event = DossierEvent.objects.create(
        dossier=dossier,
        at=timezone.now(),
        action="processing",
        agency=agency_hk,
        from_status=Status.RECEIVED,
        to_status=Status.IN_PROCESSING,
    )
    only_email = ChannelRegistry()
    only_email.register(EmailChannel)
    assert notify_dossier_event(event_id=event.pk, channels=only_email) is True
    assert [len(x) for x in _sent(dossier)] == [2, 1, 1]
    with pytest.raises(ValueError, match="already registered"):
        only_email.register(EmailChannel)


# --- Who is reached ---------------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["", "024 3825 1234"], ids=["no-phone", "landline"])
def test_no_mobile_number_no_sms(submit_as, citizen_a, phone):
    dossier = submit_as(citizen_a, phone=phone)
    assert [len(x) for x in _sent(dossier)] == [1, 0, 1]
    assert not NotificationDelivery.objects.filter(channel="sms").exists()


def test_no_account_no_inbox_notification(submit_as, citizen_a, agency_hk):
    dossier = submit_as(citizen_a)
    dossier.applicant = None  # e.g. a paper dossier registered at the counter
    dossier.save()
    event = DossierEvent.objects.create(
        dossier=dossier,
        at=timezone.now(),
        action="received",
        agency=agency_hk,
        from_status=Status.SUBMITTED,
        to_status=Status.RECEIVED,
    )
    notify_dossier_event(event_id=event.pk)
    assert [len(x) for x in _sent(dossier)] == [2, 2, 1]


# --- The inbox page and the navigation --------------------------------------------------------


def test_inbox_shows_my_notifications_newest_first_and_marks_them_read(
    client, submit_as, run, citizen_a, citizen_b, officer_hk, agency_hk
):
    dossier = submit_as(citizen_a)
    run(dossier_receive, dossier=dossier, officer=officer_hk, agency=agency_hk)
    client.force_login(citizen_a)
    html = client.get("/notifications/").content.decode()
    assert '<html lang="vi">' in html
    assert html.index("Hồ sơ đã được tiếp nhận") < html.index("Hồ sơ đã được nộp trực tuyến")
    assert html.count('<span class="tag">Chưa đọc</span>') == 2
    assert "Ông/bà có 2 thông báo chưa đọc." in html
    assert f'href="{reverse("dossiers:mine_detail", kwargs={"code": dossier.code})}"' in html

    response = client.post("/notifications/")
    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    assert not Notification.objects.filter(user=citizen_a, read_at__isnull=True).exists()
    html = client.get("/notifications/").content.decode()
    assert '<span class="tag">Chưa đọc</span>' not in html
    assert "Đánh dấu tất cả là đã đọc" not in html
    assert "Hồ sơ đã được tiếp nhận" in html  # still listed, as read


def test_another_citizen_sees_none_of_my_notifications(client, submit_as, citizen_a, citizen_b):
    dossier = submit_as(citizen_a)
    client.force_login(citizen_b)
    html = client.get("/notifications/").content.decode()
    assert dossier.code not in html
    assert "Ông/bà chưa có thông báo nào." in html
    # and marking all read as citizen B leaves A's unread
    client.post("/notifications/")
    assert Notification.objects.filter(user=citizen_a, read_at__isnull=True).count() == 1


def test_inbox_needs_a_signed_in_user(client):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_nav_shows_the_unread_count(client, submit_as, run, citizen_a, officer_hk, agency_hk):
    dossier = submit_as(citizen_a)
    run(dossier_receive, dossier=dossier, officer=officer_hk, agency=agency_hk)
    client.force_login(citizen_a)
    nav = re.compile(r'<a href="/notifications/">Thông báo(.*?)</a>')
    match = nav.search(client.get("/").content.decode())
    assert match is not None
    assert (
        match.group(1)
        == ' <span class="tag">2<span class="visually-hidden"> chưa đọc</span></span>'
    )
    client.post("/notifications/")
    match = nav.search(client.get("/").content.decode())
    assert match is not None
    assert match.group(1) == ""  # no count when everything is read


def test_inbox_query_count_does_not_grow_with_notifications(client, submit_as, citizen_a):
    dossier = submit_as(citizen_a)
    client.force_login(citizen_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/notifications/").status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    Notification.objects.bulk_create(
        Notification(user=citizen_a, dossier=dossier, title=f"t{i}", body="b") for i in range(10)
    )
    assert queries() == few


# --- SMS: backends, segments, diacritics --------------------------------------------------------


def test_send_sms_through_the_locmem_backend():
    assert sms.send_sms("0912 345 678", "DVC: test") == 1
    (message,) = sms.outbox
    assert (message.to, message.body, message.sender) == (E164, "DVC: test", "DICHVUCONG")


def test_filebased_backend_writes_one_file_per_message(settings, tmp_path):
    settings.SMS_BACKEND = "portal.sms.backends.filebased.SmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    sms.send_sms("0912345678", "DVC: mot")
    sms.send_sms("0987654321", "DVC: hai")
    files = sorted((tmp_path / "sms").iterdir())  # named by time
    assert len(files) == 2
    first, second = (f.read_text(encoding="utf-8") for f in files)
    assert "To: +84912345678\n" in first
    assert first.endswith("\nDVC: mot\n")
    assert "To: +84987654321\n" in second
    assert sms.outbox == []


def test_console_backend_prints():
    stream = io.StringIO()
    backend = sms.get_connection("portal.sms.backends.console.SmsBackend", stream=stream)
    sms.send_sms("+84912345678", "DVC: xin chao", connection=backend)
    assert "To: +84912345678\nEncoding: GSM-7\nSegments: 1\n\nDVC: xin chao\n" in stream.getvalue()


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),  # the extension table takes two septets
        ("€" * 81, "GSM-7", 2),
        ("ư" * 70, "UCS-2", 1),
        ("ư" * 71, "UCS-2", 2),
        ("ư" * 134, "UCS-2", 2),
        ("ư" * 135, "UCS-2", 3),
        ("Hồ sơ đã được tiếp nhận", "UCS-2", 1),
    ],
)
def test_segments_gsm7_and_ucs2(text, encoding, segments):
    assert sms.sms_encoding(text) == encoding
    assert sms.sms_segments(text) == segments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hồ sơ đã được tiếp nhận", "Ho so da duoc tiep nhan"),
        ("Đăng ký khai sinh", "Dang ky khai sinh"),
        ("Ủy ban nhân dân Phường Hoàn Kiếm", "Uy ban nhan dan Phuong Hoan Kiem"),
        ("Hạn trả: 23/11/2026 16:30", "Han tra: 23/11/2026 16:30"),
    ],
)
def test_strip_diacritics(text, expected):
    assert sms.strip_diacritics(text) == expected
    assert sms.sms_encoding(sms.strip_diacritics(text)) == "GSM-7"


def test_prepare_body_strips_diacritics_unless_unicode_is_allowed(settings):
    text = "DVC: Hồ sơ 00070.00.H01-261121-0001 đã được tiếp nhận. Hạn trả: 23/11/2026 16:30"
    assert sms.prepare_body(text) == (
        "DVC: Ho so 00070.00.H01-261121-0001 da duoc tiep nhan. Han tra: 23/11/2026 16:30"
    )
    assert sms.sms_segments(sms.prepare_body(text)) == 1
    settings.SMS_UNICODE = True
    assert sms.prepare_body(text) == text
    assert sms.sms_segments(text) == 2  # what the diacritics would cost


def test_too_long_body_is_shortened_or_refused():
    long_text = "Ho so " + "rat dai " * 60
    body = sms.prepare_body(long_text)
    assert body.endswith("...")
    assert sms.sms_segments(body) == 2
    with pytest.raises(ValueError, match="segments"):
        sms.send_sms(E164, long_text)
    assert sms.outbox == []


# --- Phone numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912 345 678", "+84912345678"),
        ("0912345678", "+84912345678"),
        ("0912.345.678", "+84912345678"),
        ("0912-345-678", "+84912345678"),
        ("+84 912 345 678", "+84912345678"),
        ("+84912345678", "+84912345678"),
        ("84912345678", "+84912345678"),
        ("0084 912 345 678", "+84912345678"),
        ("+84 0912 345 678", "+84912345678"),
        ("(+84) 912-345-678", "+84912345678"),
        ("912345678", "+84912345678"),
        ("0386 123 456", "+84386123456"),
        ("0567 123 456", "+84567123456"),
        ("0703 123 456", "+84703123456"),
        ("0812 345 678", "+84812345678"),
    ],
)
def test_phone_numbers_normalise_to_e164(raw, expected):
    assert sms.normalise_vn_phone(raw) == expected
    sms.validate_vn_phone(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",
        "0912 345 67",  # a digit short
        "0912 345 6789",  # a digit too many
        "09123456a8",
        "024 3825 1234",  # a landline cannot receive SMS
        "+84 24 3825 1234",
        "0112 345 678",
        "+1 202 555 0100",  # not Vietnamese
        "+8491234567",
    ],
)
def test_invalid_phone_numbers_are_refused(raw):
    with pytest.raises(ValidationError) as excinfo:
        sms.normalise_vn_phone(raw)
    assert excinfo.value.code == "invalid_phone"
    with pytest.raises(ValidationError):
        sms.validate_vn_phone(raw)


mobile_numbers = st.from_regex(r"\A[35789][0-9]{8}\Z")


@given(national=mobile_numbers, separator=st.sampled_from(["", " ", ".", "-"]))
def test_every_way_of_writing_a_mobile_number_gives_the_same_e164(national, separator):
    expected = f"+84{national}"
    grouped = separator.join([national[:3], national[3:6], national[6:]])
    for written in (f"0{grouped}", f"+84{separator}{grouped}", f"84{national}", f"0084{grouped}"):
        assert sms.normalise_vn_phone(written) == expected
    assert sms.normalise_vn_phone(expected) == expected  # idempotent

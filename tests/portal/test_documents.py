"""The printable documents of a dossier: real PDFs, parsed back with pypdf."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from django.utils import translation
from pypdf import PdfReader

from portal import documents
from portal.documents import (
    FeeLine,
    Letterhead,
    Notice,
    NoticeTable,
    ProcessStep,
    ReceiptSlip,
    ReceivedDocument,
    ResultDocument,
    ResultField,
    SlipKind,
    apology_notice,
    process_control_slip,
    refusal_notice,
    render_notice,
    render_receipt_slip,
    render_result_document,
    stop_processing_notice,
    supplement_request,
)

CODE = "000.00.01.H22-251103-0042"
AGENCY = "Ủy ban nhân dân Phường Hoàn Kiếm"
APPLICANT = "Nguyễn Thị Lan"
VERIFY_URL = "https://dichvucong.gov.vn/xac-thuc/3f1e2d4c-8a7b"
# 09:00 UTC is 16:00 in Asia/Ho_Chi_Minh (UTC+7, the project's TIME_ZONE).
DUE = datetime(2025, 11, 5, 9, 0, tzinfo=UTC)
RECEIVED = datetime(2025, 11, 3, 2, 15, tzinfo=UTC)
SUBMITTED = datetime(2025, 11, 3, 1, 30, tzinfo=UTC)


def letterhead(**overrides) -> Letterhead:
    values = {
        "language": "vi",
        "agency_name": AGENCY,
        "parent_agency_name": "UBND Thành phố Hà Nội",
        "place": "Hoàn Kiếm",
        "dossier_code": CODE,
        "issued_at": RECEIVED,
        "signer_name": "Trần Văn Bình",
        "signer_title": "NGƯỜI TIẾP NHẬN",
    }
    values.update(overrides)
    return Letterhead(**values)


def receipt(**overrides) -> ReceiptSlip:
    values = {
        "language": "vi",
        "agency_name": AGENCY,
        "place": "Hoàn Kiếm",
        "dossier_code": CODE,
        "issued_at": RECEIVED,
        "signer_name": "Trần Văn Bình",
        "applicant_name": APPLICANT,
        "applicant_address": "Số 12 ngõ 34 phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội",
        "applicant_phone": "0912345678",
        "applicant_email": "lan@example.vn",
        "procedure_name": "Đăng ký khai sinh",
        "procedure_code": "1.001193",
        "submitted_at": SUBMITTED,
        "received_at": RECEIVED,
        "due_at": DUE,
        "documents": [
            ReceivedDocument("Tờ khai đăng ký khai sinh", originals=1),
            ReceivedDocument("Giấy chứng sinh", originals=1, copies=2),
        ],
        "delivery_method": "Trực tuyến",
        "tracking_url": "https://dichvucong.gov.vn/tra-cuu",
        "fees": [FeeLine("Phí cấp bản sao trích lục", 8000)],
    }
    values.update(overrides)
    return ReceiptSlip(**values)


def result(**overrides) -> ResultDocument:
    values = {
        "language": "vi",
        "agency_name": AGENCY,
        "place": "Hoàn Kiếm",
        "dossier_code": CODE,
        "number": "123/2025/TLKS-BS",
        "issued_at": RECEIVED,
        "signer_name": "Lê Minh Tuấn",
        "signer_title": "PHÓ CHỦ TỊCH",
        "title": "TRÍCH LỤC KHAI SINH",
        "fields": [
            ResultField("Họ, chữ đệm, tên", "NGUYỄN THỊ MAI ANH"),
            ResultField("Nơi sinh", "Bệnh viện Phụ sản Hà Nội"),
        ],
        "verify_url": VERIFY_URL,
    }
    values.update(overrides)
    return ResultDocument(**values)


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def text_of(pdf: bytes) -> str:
    """All pages' text with whitespace runs collapsed (lines wrap where the layout says)."""
    raw = "\n".join(page.extract_text() for page in read(pdf).pages)
    return " ".join(raw.split())


# --- 01 receipt --------------------------------------------------------------------------


def test_receipt_slip_prints_vietnamese_content_with_embedded_glyphs():
    pdf = render_receipt_slip(receipt())
    text = text_of(pdf)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        AGENCY,
        APPLICANT,
        CODE,
        "Tờ khai đăng ký khai sinh",
        "Phí cấp bản sao trích lục",
        "8.000",  # Vietnamese thousands separator
        "05/11/2025 16:00",  # due date, local time
        "03/11/2025 08:30",  # submitted
        "03/11/2025 09:15",  # received
        "Hoàn Kiếm",
        "Trần Văn Bình",
        "https://dichvucong.gov.vn/tra-cuu",
    ):
        assert expected in text, expected
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in read(pdf).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any(name.endswith("+DejaVuSans") for name in fonts)
    assert any(name.endswith("+DejaVuSans-Bold") for name in fonts)


def test_receipt_slip_metadata():
    meta = read(render_receipt_slip(receipt())).metadata
    assert meta.title == SlipKind.RECEIPT.vi_title
    assert meta.author == AGENCY
    assert CODE in meta.subject


def test_receipt_slip_without_reception_explains_the_missing_appointment():
    slip = receipt(language="en", received_at=None, due_at=None)
    text = text_of(render_receipt_slip(slip))
    assert "The appointment date is set when the agency receives the dossier." in text
    assert "Not yet received" in text
    assert "16:00" not in text


def test_receipt_slip_in_english_prints_english_labels():
    text = text_of(render_receipt_slip(receipt(language="en")))
    for label in (
        "RECEIPT AND APPOINTMENT SLIP",
        "Received from:",
        "Appointment for the result:",
        "Documents received",
        "Originals",
        "Copies",
        "Fees and charges",
        "8,000 VND",
        "Page 1 of 1",
    ):
        assert label in text, label
    assert SlipKind.RECEIPT.vi_title not in text
    # The national heading stays in Vietnamese on every document.
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text


def test_labels_go_through_gettext_in_the_document_language(monkeypatch):
    seen = []

    def fake_gettext(message):
        seen.append(translation.get_language())
        return "⟪" + message + "⟫" if "%" not in message else message

    monkeypatch.setattr(documents, "_", fake_gettext)
    with translation.override("en"):
        text = text_of(render_receipt_slip(receipt(language="vi")))
    assert "⟪Received from⟫" in text
    assert "⟪Documents received⟫" in text
    assert seen
    assert set(seen) == {"vi"}


def test_long_component_list_flows_onto_a_second_page_with_footer_numbers():
    many = [ReceivedDocument(f"Giấy tờ số {i}: bản sao có chứng thực", 1, 1) for i in range(60)]
    pdf = render_receipt_slip(receipt(documents=many))
    reader = read(pdf)
    assert len(reader.pages) >= 2
    total = len(reader.pages)
    second = " ".join(reader.pages[1].extract_text().split())
    assert f"Trang 2/{total}" in second  # "Page 2 of N" in the Vietnamese catalogue
    assert CODE in second  # footer on every page
    assert "STT Tên giấy tờ Bản chính Bản sao" in second  # header row repeated
    assert "Giấy tờ số 59" in text_of(pdf)
    assert "Trần Văn Bình" in text_of(pdf)


def test_short_component_list_fits_on_one_page():
    assert len(read(render_receipt_slip(receipt())).pages) == 1


def test_output_is_deterministic():
    assert render_receipt_slip(receipt()) == render_receipt_slip(receipt())
    assert render_result_document(result()) == render_result_document(result())


def test_naive_datetimes_and_unknown_languages_are_refused():
    with pytest.raises(ValueError, match="language"):
        receipt(language="fr")
    with pytest.raises(ValueError, match="naive"):
        render_receipt_slip(receipt(due_at=datetime(2025, 11, 5, 16, 0)))


# --- Electronic result -------------------------------------------------------------------


def test_result_document_prints_fields_signer_and_verification_text():
    pdf = render_result_document(result())
    text = text_of(pdf)
    for expected in (
        "TRÍCH LỤC KHAI SINH",
        "123/2025/TLKS-BS",
        "Họ, chữ đệm, tên",
        "NGUYỄN THỊ MAI ANH",
        "Bệnh viện Phụ sản Hà Nội",
        "Lê Minh Tuấn",
        "PHÓ CHỦ TỊCH",
        AGENCY,
        "03/11/2025 09:15",
        "Quét mã để xác thực văn bản này tại",  # "Scan to verify this document at"
    ):
        assert expected in text, expected
    assert VERIFY_URL in "".join(text.split())
    assert read(pdf).metadata.title == "TRÍCH LỤC KHAI SINH"


def _form_xobjects(pdf: bytes):
    forms = []
    for page in read(pdf).pages:
        xobjects = page["/Resources"].get("/XObject", {})
        for xobject in xobjects.values():
            obj = xobject.get_object()
            if obj.get("/Subtype") == "/Form":
                forms.append(obj)
    return forms


def test_result_document_draws_the_qr_code_as_a_form_xobject():
    forms = _form_xobjects(render_result_document(result()))
    assert len(forms) == 1
    content = forms[0].get_data().decode("latin-1")
    # one filled rectangle per run of dark modules: a real QR code has well over 100
    assert len(re.findall(r"\bre\b", content)) > 100


def test_qr_code_encodes_the_verification_url():
    qr = documents._qr(VERIFY_URL, 100)
    assert qr.value == VERIFY_URL
    other = documents._qr(VERIFY_URL + "x", 100)
    qr.qr.make()
    other.qr.make()
    assert qr.qr.modules != other.qr.modules


@pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="needs poppler-utils and zbar-tools",
)
def test_qr_code_scans_back_to_the_verification_url(tmp_path):
    pdf_path = tmp_path / "result.pdf"
    pdf_path.write_bytes(render_result_document(result()))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", str(pdf_path), str(tmp_path / "page")], check=True
    )
    scanned = subprocess.run(
        ["zbarimg", "-q", "--raw", *sorted(str(p) for p in tmp_path.glob("page*.png"))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert scanned.stdout.strip() == VERIFY_URL


# --- 02-07 notices -----------------------------------------------------------------------


def test_slip_kinds_have_official_titles():
    assert [kind.value for kind in SlipKind] == ["01", "02", "03", "04", "05", "06", "07"]
    assert SlipKind("02").vi_title == "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"
    assert SlipKind.REFUSAL.title_in("en") == "REFUSAL TO RECEIVE AND PROCESS THE DOSSIER"
    assert all(kind.vi_title and kind.en_title for kind in SlipKind)


def test_supplement_request_lists_every_missing_item_with_its_reason():
    items = [
        ("Giấy chứng sinh", "Bản chụp không rõ nét"),
        ("Giấy chứng nhận kết hôn", "Thiếu bản sao có chứng thực"),
        ("Tờ khai", "Chưa ký tên người yêu cầu"),
    ]
    notice = supplement_request(
        letterhead(number="15/PYCBS"),
        applicant_name=APPLICANT,
        procedure_name="Đăng ký khai sinh",
        received_at=RECEIVED,
        items=items,
        deadline=DUE,
    )
    assert notice.kind is SlipKind.SUPPLEMENT_REQUEST
    text = text_of(render_notice(notice))
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    for name, reason in items:
        assert name in text
        assert reason in text
    for expected in (APPLICANT, CODE, "15/PYCBS", "05/11/2025 16:00", "03/11/2025 09:15"):
        assert expected in text, expected


def test_supplement_request_needs_items():
    with pytest.raises(ValueError, match="at least one item"):
        supplement_request(
            letterhead(),
            applicant_name=APPLICANT,
            procedure_name="Đăng ký khai sinh",
            received_at=RECEIVED,
            items=[],
        )


def test_refusal_apology_and_stop_notices_carry_their_reason_and_dates():
    refusal = refusal_notice(
        letterhead(),
        applicant_name=APPLICANT,
        procedure_name="Đăng ký khai sinh",
        reason="Hồ sơ không thuộc thẩm quyền giải quyết.",
    )
    text = text_of(render_notice(refusal))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "Hồ sơ không thuộc thẩm quyền giải quyết." in text

    apology = apology_notice(
        letterhead(),
        applicant_name=APPLICANT,
        procedure_name="Đăng ký khai sinh",
        received_at=RECEIVED,
        old_due_at=DUE,
        new_due_at=datetime(2025, 11, 7, 2, 0, tzinfo=UTC),
        reason="Cần xác minh với cơ quan công an.",
    )
    text = text_of(render_notice(apology))
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "05/11/2025 16:00" in text
    assert "07/11/2025 09:00" in text
    assert "Cần xác minh với cơ quan công an." in text

    stop = stop_processing_notice(
        letterhead(language="en"),
        applicant_name=APPLICANT,
        procedure_name="Đăng ký khai sinh",
        reason="Người yêu cầu rút hồ sơ.",
    )
    text = text_of(render_notice(stop))
    assert "NOTICE OF STOPPING THE PROCESSING OF THE DOSSIER" in text
    assert "Người yêu cầu rút hồ sơ." in text
    assert "is stopped for the following reason" in text


def test_process_control_slip_and_tracking_register():
    control = process_control_slip(
        letterhead(),
        procedure_name="Đăng ký khai sinh",
        steps=[
            ProcessStep(
                "Bộ phận Một cửa",
                "Công chức tư pháp - hộ tịch",
                RECEIVED,
                due_at=DUE,
                note="Đủ hồ sơ",
            )
        ],
    )
    text = text_of(render_notice(control))
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert "Công chức tư pháp - hộ tịch" in text
    assert "05/11/2025 16:00" in text

    register = Notice(
        **documents.letterhead_kwargs(letterhead(dossier_code="")),
        kind=SlipKind.TRACKING_REGISTER,
        landscape=True,
        table=NoticeTable(headers=("Mã hồ sơ", "Người nộp"), rows=[(CODE, APPLICANT)]),
    )
    pdf = render_notice(register)
    page = read(pdf).pages[0]
    assert page.mediabox.width > page.mediabox.height
    text = text_of(pdf)
    assert "SỔ THEO DÕI HỒ SƠ" in text
    assert APPLICANT in text


def test_notice_table_rows_must_match_headers():
    with pytest.raises(ValueError, match="as many cells"):
        NoticeTable(headers=("a", "b"), rows=[("only one",)])


def test_frozen_inputs():
    slip = receipt()
    with pytest.raises(AttributeError):
        slip.applicant_name = "x"  # type: ignore[misc]
    assert isinstance(slip.documents, tuple)
    assert replace(slip, language="en").language == "en"

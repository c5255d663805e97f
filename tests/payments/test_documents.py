"""The payment receipt is a real PDF listing procedure, dossier code, fee lines, payer,
amount, transaction number and time."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from django.utils import timezone

from payments.documents import latest_receipt, payment_receipt_pdf
from payments.models import Payment
from payments.states import PaymentState

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "receipt.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def _paid(dossier, citizen) -> Payment:
    return Payment.objects.create(
        dossier=dossier,
        reference=f"{dossier.code}-01-ABC123",
        attempt=1,
        amount=58000,
        lines=[
            {
                "code": "LP",
                "label": "Lệ phí đăng ký khai sinh",
                "label_en": "Birth registration fee",
                "amount": 50000,
            },
            {"code": "BS", "label": "Phí cấp bản sao trích lục", "label_en": "", "amount": 8000},
        ],
        description="x",
        state=PaymentState.PAID,
        create_time="20261121093000",
        platform_transaction_id="2611215DA18AFE18E467E5",
        payer=citizen,
        payer_name=citizen.full_name,
        method="atm",
        paid_at=dt.datetime(2026, 11, 21, 2, 31, tzinfo=dt.UTC),
    )


def test_receipt_in_vietnamese(fee_dossier, citizen_a, tmp_path):
    payment = _paid(fee_dossier, citizen_a)
    content = payment_receipt_pdf(payment)
    assert content.startswith(b"%PDF")
    text = pdf_text(content, tmp_path)
    for expected in (
        "BIÊN LAI THANH TOÁN TRỰC TUYẾN",
        fee_dossier.code,
        "Đăng ký khai sinh",
        "1.001193",
        "Nguyễn Thị Lan",
        "Lệ phí đăng ký khai sinh",
        "Phí cấp bản sao trích lục",
        "50.000",
        "8.000",
        "58.000",
        "2611215DA18AFE18E467E5",
        "21/11/2026 09:31",
        "Thẻ ATM nội địa",
    ):
        assert expected in text, expected


def test_receipt_in_english(fee_dossier, citizen_a, tmp_path):
    fee_dossier.language = "en"
    fee_dossier.save()
    text = pdf_text(payment_receipt_pdf(_paid(fee_dossier, citizen_a)), tmp_path)
    assert "ONLINE PAYMENT RECEIPT" in text
    assert "Birth registration fee" in text
    assert "Phí cấp bản sao trích lục" in text  # no English label: the Vietnamese one
    assert "58,000" in text


def test_only_a_paid_payment_has_a_receipt(fee_dossier, citizen_a):
    payment = _paid(fee_dossier, citizen_a)
    payment.state = PaymentState.PENDING
    payment.paid_at = None
    with pytest.raises(ValueError, match="paid"):
        payment_receipt_pdf(payment)
    payment.save()
    assert latest_receipt(fee_dossier) is None
    Payment.objects.filter(pk=payment.pk).update(state="paid", paid_at=timezone.now())
    name, content = latest_receipt(fee_dossier)
    assert name == f"{payment.reference}-receipt.pdf"
    assert content.startswith(b"%PDF")

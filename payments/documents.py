"""The receipt of an online payment (PDF), with the layout of the dossier's other slips.

Built with portal.documents' shared layout (heading, key/value table, grid table, footer,
the vendored DejaVu fonts), so it looks like slips 01-07; the fixed labels are translated
into the dossier's language like theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.platypus import Flowable, Paragraph

from dossiers.models import Dossier
from portal.pdf import (
    FeeLine,
    Letterhead,
    build_pdf,
    format_amount,
    format_datetime,
    frame_width,
    grid_table,
    key_value_table,
    letterhead_table,
    markup,
    register_fonts,
    styles,
    title_flowables,
)

from .models import Payment
from .states import PaymentState

RECEIPT_TITLE = {"vi": "BIÊN LAI THANH TOÁN TRỰC TUYẾN", "en": "ONLINE PAYMENT RECEIPT"}
PLATFORM_NAME = "Nền tảng thanh toán trực tuyến quốc gia"


@dataclass(frozen=True, kw_only=True)
class PaymentReceipt(Letterhead):
    procedure_name: str
    procedure_code: str
    payer_name: str
    reference: str
    transaction_id: str
    paid_at: datetime
    method: str = ""
    fees: tuple[FeeLine, ...] = ()


def render_payment_receipt(receipt: PaymentReceipt) -> bytes:
    register_fonts()
    with translation.override(receipt.language):
        st = styles()
        width = frame_width()
        title = RECEIPT_TITLE[receipt.language]
        story: list[Flowable] = [letterhead_table(receipt, width)]
        story += title_flowables(
            title, _("Dossier code: %(code)s") % {"code": receipt.dossier_code}
        )
        total = sum(f.amount for f in receipt.fees)
        rows: list[tuple[str, str | Flowable]] = [
            (_("Payer"), Paragraph(f"<b>{markup(receipt.payer_name)}</b>", st.value)),
            (_("Procedure"), receipt.procedure_name),
            (_("Procedure code"), receipt.procedure_code),
            (_("Dossier code"), receipt.dossier_code),
            (_("Amount paid"), format_amount(total, receipt.language)),
            (_("Paid at"), format_datetime(receipt.paid_at)),
            (_("Payment reference"), receipt.reference),
            (_("Transaction number"), receipt.transaction_id),
            (_("Paid through"), PLATFORM_NAME),
        ]
        if receipt.method:
            rows.append((_("Payment method"), receipt.method))
        story.append(key_value_table(rows, width))
        story.append(Paragraph(markup(_("Fees and charges")), st.section))
        story.append(
            grid_table(
                [_("No."), _("Item"), _("Amount")],
                [
                    [str(i), f.label, format_amount(f.amount, receipt.language)]
                    for i, f in enumerate(receipt.fees, start=1)
                ],
                [width * 0.08, width * 0.62, width * 0.30],
                aligns=("center", "left", "right"),
                total=[
                    Paragraph(f"<b>{markup(_('Total'))}</b>", st.cell_right),
                    "",
                    Paragraph(
                        f"<b>{markup(format_amount(total, receipt.language))}</b>",
                        st.cell_right,
                    ),
                ],
            )
        )
        story.append(
            Paragraph(
                markup(
                    _(
                        "This receipt was issued electronically when the payment platform "
                        "confirmed the payment; it needs no signature or stamp."
                    )
                ),
                st.small,
            )
        )
        return build_pdf(receipt, story, title=title, subject=f"{title} - {receipt.dossier_code}")


METHOD_LABELS = {
    "atm": ("Thẻ ATM nội địa / tài khoản ngân hàng", "Domestic ATM card / bank account"),
    "card": ("Thẻ quốc tế", "International card"),
    "wallet": ("Ví điện tử", "E-wallet"),
}


def payment_receipt_pdf(payment: Payment) -> bytes:
    """The receipt of a paid payment; ValueError for any other state."""
    if payment.state != PaymentState.PAID or payment.paid_at is None:
        raise ValueError("only a paid payment has a receipt")
    dossier = payment.dossier
    language = "en" if (dossier.language or "vi").startswith("en") else "vi"
    procedure = dossier.procedure_version.procedure
    agency = dossier.competent_agency or dossier.target_agency
    fees = tuple(
        FeeLine(
            label=(line.get("label_en") if language == "en" else "") or line["label"],
            amount=int(line["amount"]),
        )
        for line in payment.lines
    )
    method = METHOD_LABELS.get(payment.method)
    return render_payment_receipt(
        PaymentReceipt(
            language=language,
            agency_name=agency.name if agency else "Cổng Dịch vụ công quốc gia",
            dossier_code=dossier.code,
            number=payment.reference,
            issued_at=payment.paid_at,
            procedure_name=procedure.name_en
            if language == "en" and procedure.name_en
            else procedure.name,
            procedure_code=procedure.code,
            payer_name=payment.payer_name,
            reference=payment.reference,
            transaction_id=payment.platform_transaction_id,
            paid_at=payment.paid_at,
            method=(method[1] if language == "en" else method[0]) if method else payment.method,
            fees=fees,
        )
    )


def latest_receipt(dossier: Dossier) -> tuple[str, bytes] | None:
    """(file name, PDF) of the dossier's latest paid payment, for the e-mail saying so."""
    payment = dossier.payments.filter(state=PaymentState.PAID).order_by("-paid_at", "-id").first()
    if payment is None:
        return None
    return f"{payment.reference}-receipt.pdf", payment_receipt_pdf(payment)

"""The e-receipt of a payment (biên lai điện tử thu phí, lệ phí; Decree 123/2020/NĐ-CP) as PDF,
drawn like the receipt of form 01 (fpdf2 with DejaVu Sans, ``dossiers.receipts``)."""

from __future__ import annotations

from django.utils import timezone
from fpdf.enums import Align

from dossiers.models_payments import Payment
from dossiers.payments.fees import format_vnd
from dossiers.receipts import _Receipt, _text

TITLE = "BIÊN LAI THU PHÍ, LỆ PHÍ"
METHODS = {
    "online": "Trực tuyến (nền tảng thanh toán quốc gia)",
    "counter": "Tiền mặt tại bộ phận một cửa",
    "transfer": "Chuyển khoản",
}


def _moment(value) -> str:
    return timezone.localtime(value).strftime("%H:%M:%S %d/%m/%Y") if value else ""


def e_receipt_pdf(*, payment: Payment) -> bytes:
    """The receipt of ``payment`` (paid): who paid what, for which dossier, how and when."""
    dossier = payment.dossier
    agency = dossier.agency
    pdf = _Receipt()
    pdf.set_title(_text(f"{TITLE} - {payment.reference}"))
    pdf.set_author(_text(agency.name))
    pdf.set_creator("Cổng dịch vụ công")
    pdf.set_lang("vi")
    pdf.set_creation_date(timezone.now())
    pdf.add_page()
    pdf.header_block(agency_name=agency.name)
    pdf.write_line(TITLE, align=Align.C, style="B", size=14, height=8)
    pdf.write_line("(Biên lai điện tử)", align=Align.C, size=10, height=5)
    pdf.write_line(f"Số: {payment.receipt_number}", align=Align.C, size=10, height=5)
    pdf.ln(4)
    pdf.field("Đơn vị thu:", agency.name)
    pdf.field("Người nộp:", dossier.applicant_name)
    pdf.field("Mã hồ sơ:", dossier.code or "")
    pdf.field("Thủ tục:", dossier.version.name)
    for line in payment.obligation.lines or []:
        pdf.field(f"{line.get('name') or 'Lệ phí'}:", format_vnd(line.get("amount")))
    pdf.field("Tổng số tiền:", format_vnd(payment.amount))
    pdf.field("Hình thức:", METHODS.get(payment.method, payment.method))
    pdf.field("Mã giao dịch:", payment.reference)
    if payment.external_reference:
        pdf.field("Tham chiếu:", payment.external_reference)
    if payment.account:
        pdf.field("Tài khoản thu:", payment.account)
    pdf.field("Thời gian nộp:", _moment(payment.paid_at))
    refund = getattr(payment, "refund", None) if hasattr(payment, "refund") else None
    if refund is not None:
        pdf.ln(2)
        pdf.field(
            "Đã hoàn trả:",
            f"{format_vnd(refund.amount)} lúc {_moment(refund.at)} — {refund.reason}",
        )
    return bytes(pdf.output())

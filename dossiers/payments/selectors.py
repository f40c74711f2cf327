"""Read paths of fees and payments, for the pages, the receipts and the sync."""

from __future__ import annotations

from dossiers.models import Dossier, Status
from dossiers.models_payments import FeeObligation, FeeStage, Payment, Refund
from dossiers.payments import fees


def obligations_of(dossier: Dossier) -> list[FeeObligation]:
    return list(dossier.obligations.prefetch_related("payments").order_by("requested_at", "id"))


def payments_of(dossier: Dossier) -> list[Payment]:
    return list(dossier.payments.select_related("refund").order_by("created_at", "id"))


def expected_due(dossier: Dossier):
    """What the dossier owes by the catalogue (before any obligation row exists)."""
    return fees.dossier_due(dossier)


def payment_summary(dossier: Dossier) -> dict:
    """Everything the pages show about the dossier's fees (context of templates/payments)."""
    obligations = obligations_of(dossier)
    payments = payments_of(dossier)
    refunds = list(Refund.objects.filter(dossier=dossier).order_by("at", "id"))
    due = next((o for o in obligations if o.state == FeeObligation.State.DUE), None)
    expected = expected_due(dossier)
    upfront_pending = (
        due is None
        and fees.collected_up_front(dossier)
        and dossier.status in (Status.SUBMITTED, Status.RECEIVED)
        and expected.is_due
        and not any(o.stage == FeeStage.AT_SUBMISSION for o in obligations)
    )
    amount_due = due.amount if due else (expected.amount if upfront_pending else 0)
    lines = due.lines if due else (expected.lines if upfront_pending else [])
    paid = [p for p in payments if p.state == Payment.State.PAID]
    refundable = [
        p for p in paid if dossier.status in (Status.REFUSED, Status.WITHDRAWN) and not _refunded(p)
    ]
    return {
        "obligations": obligations,
        "payments": payments,
        "paid_payments": paid,
        "refunds": refunds,
        "due": due,
        "amount_due": amount_due,
        "amount_due_text": fees.format_vnd(amount_due),
        "due_lines": [{**line, "text": fees.format_vnd(line["amount"])} for line in lines],
        "can_pay": bool(amount_due)
        and dossier.status in (Status.SUBMITTED, Status.RECEIVED, Status.FINANCIAL_OBLIGATION),
        "retry": any(
            p.state
            in (
                Payment.State.FAILED,
                Payment.State.ABANDONED,
                Payment.State.EXPIRED,
                Payment.State.PENDING,
            )
            for p in payments
        ),
        "refundable": refundable,
        "catalogue_lines": [
            {**line, "text": fees.format_vnd(line["amount"])} for line in expected.lines
        ],
        "has_fee": bool(expected.lines) or bool(obligations),
    }


def _refunded(payment: Payment) -> bool:
    try:
        return payment.refund is not None
    except Refund.DoesNotExist:
        return False


def fee_status_line(dossier: Dossier) -> str:
    """One Vietnamese line for the receipt (form 01): the amount and whether it is paid."""
    summary = payment_summary(dossier)
    if summary["paid_payments"]:
        total = sum(p.amount for p in summary["paid_payments"])
        methods = {"online": "trực tuyến", "counter": "tại quầy", "transfer": "chuyển khoản"}
        how = ", ".join(
            dict.fromkeys(methods.get(p.method, p.method) for p in summary["paid_payments"])
        )
        return f"{fees.format_vnd(total)} — đã nộp ({how})"
    if summary["amount_due"]:
        return f"{summary['amount_due_text']} — chưa nộp"
    if any(o.state == FeeObligation.State.EXEMPT for o in summary["obligations"]):
        return "Miễn phí, lệ phí"
    return ""


def payment_channel(dossier: Dossier) -> str:
    """KenhThanhToan: how the fees were paid ("online", "counter", "transfer"), the latest
    payment first; "" when none was."""
    method = (
        dossier.payments.filter(state=Payment.State.PAID)
        .order_by("-paid_at", "-id")
        .values_list("method", flat=True)
        .first()
    )
    return method or ""


def open_obligation(dossier: Dossier) -> FeeObligation | None:
    return dossier.obligations.filter(state=FeeObligation.State.DUE).first()


def upfront_settled(dossier: Dossier) -> bool:
    return dossier.obligations.filter(
        stage=FeeStage.AT_SUBMISSION,
        state__in=(FeeObligation.State.PAID, FeeObligation.State.EXEMPT),
    ).exists()


def upfront_unpaid(dossier: Dossier) -> bool:
    """An online dossier whose fee is collected at submission and is not paid yet: the desk
    cannot receive it (the fee is paid before the dossier reaches the agency)."""
    if not fees.collected_up_front(dossier) or upfront_settled(dossier):
        return False
    return fees.dossier_due(dossier).is_due

"""Every change to fees and payments: obligations, online orders, the platform's callbacks,
payments recorded at the desk, refunds, expiry and reconciliation.

Each service is one transaction (the calls to the payment platform happen outside it). A change
of the dossier's own state (status 6 → 4 and the appointment moved by the pause) goes through
the lifecycle (``lifecycle.confirm_payment``); an up-front payment (status 1 or 2) changes no
status and is recorded here only.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import lifecycle
from dossiers.errors import NotPermitted
from dossiers.models import Dossier, Status
from dossiers.models_payments import (
    FeeObligation,
    FeeStage,
    GatewayCallback,
    Payment,
    PaymentAccount,
    PaymentReconciliation,
    Refund,
)
from dossiers.models_work import PaymentMethod
from dossiers.payments import fees
from dossiers.payments.errors import NothingDue, PaymentError
from dossiers.payments.fees import new_reference
from dossiers.payments.gateway import client, local_time, parse_local_time
from dossiers.payments.selectors import open_obligation, upfront_settled, upfront_unpaid  # noqa: F401
from dossiers.payments.signing import verify
from units.models import Role

logger = logging.getLogger("dossiers.payments")

CALLBACK_FIELDS = ("merchant_id", "callback_id", "order_ref", "gateway_txn_id", "dossier_code",
                   "amount", "status", "paid_at", "signature")  # fmt: skip
REFUNDABLE = (Status.REFUSED, Status.WITHDRAWN)
DESK_METHODS = (PaymentMethod.COUNTER, PaymentMethod.TRANSFER)


# --- Obligations -------------------------------------------------------------------------------


def _upfront(locked: Dossier) -> FeeObligation | None:
    """The up-front obligation of ``locked`` (locked by the caller), made when first needed."""
    found = locked.obligations.filter(stage=FeeStage.AT_SUBMISSION).exclude(
        state=FeeObligation.State.CANCELLED
    )
    if found.exists():
        return found.first()
    if locked.status not in (Status.SUBMITTED, Status.RECEIVED):
        return None
    due = fees.dossier_due(locked)
    if not due.is_due:
        return None
    return FeeObligation.objects.create(
        dossier=locked,
        stage=FeeStage.AT_SUBMISSION,
        amount=due.amount,
        lines=due.lines,
        requested_at=locked.submitted_at or timezone.now(),
    )


def _lock(dossier: Dossier) -> Dossier:
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("version", "agency", "reception_agency")
        .get(pk=dossier.pk)
    )


def obligation_for_payment(dossier: Dossier) -> FeeObligation | None:
    """What the applicant can pay now: the obligation asked during processing (status 6), or
    the up-front one of an online dossier (made when first needed)."""
    with transaction.atomic():
        locked = _lock(dossier)
        due = open_obligation(locked)
        if due is not None:
            return due
        if fees.collected_up_front(locked):
            upfront = _upfront(locked)
            if upfront is not None and upfront.state == FeeObligation.State.DUE:
                return upfront
        return None


@transaction.atomic
def obligation_claim_exemption(*, dossier: Dossier, actor, group: str) -> FeeObligation:
    """The applicant belongs to a group the version exempts: the up-front fee is waived; the
    desk checks the proof at reception."""
    locked = _lock(dossier)
    if locked.applicant_id != getattr(actor, "pk", None):
        raise NotPermitted(_("Only the applicant can do this."))
    obligation = _upfront(locked) if fees.collected_up_front(locked) else None
    if obligation is None or obligation.state != FeeObligation.State.DUE:
        raise NothingDue(_("Nothing is due on this dossier."))
    try:
        fees.dossier_due(locked, exemption=group)
    except ValueError as exc:
        raise PaymentError(
            _("This procedure's fees do not exempt that group."), field="group"
        ) from exc
    if obligation.payments.filter(state=Payment.State.PENDING).exists():
        obligation.payments.filter(state=Payment.State.PENDING).update(
            state=Payment.State.ABANDONED
        )
    obligation.state = FeeObligation.State.EXEMPT
    obligation.exemption = group
    obligation.save(update_fields=["state", "exemption"])
    return obligation


# --- Online orders ------------------------------------------------------------------------------


def beneficiary(dossier: Dossier) -> str:
    """The account the fee is paid into: the competent agency's, else the reception desk's."""
    for agency_id in (dossier.agency_id, dossier.reception_agency_id):
        account = PaymentAccount.objects.filter(agency_id=agency_id).first()
        if account is not None:
            return f"{account.bank_code}:{account.account_number}"
    raise PaymentError(
        _("This agency does not take online payments yet: pay at the counter or by transfer.")
    )


def order_start(*, dossier: Dossier, actor, return_url: str, callback_url: str) -> Payment:
    """Create a payment order on the platform for what the applicant owes now; a pending order
    of the same obligation is abandoned (retry). Returns the payment with its ``pay_url``."""
    with transaction.atomic():
        locked = _lock(dossier)
        if locked.applicant_id != getattr(actor, "pk", None):
            raise NotPermitted(_("Only the applicant can do this."))
        obligation = open_obligation(locked)
        if obligation is None and fees.collected_up_front(locked):
            obligation = _upfront(locked)
        if obligation is None or obligation.state != FeeObligation.State.DUE:
            raise NothingDue(_("Nothing is due on this dossier."))
        account = beneficiary(locked)
        abandoned = list(
            obligation.payments.filter(state=Payment.State.PENDING).values_list(
                "reference", flat=True
            )
        )
        obligation.payments.filter(state=Payment.State.PENDING).update(
            state=Payment.State.ABANDONED
        )
        payment = Payment.objects.create(
            obligation=obligation,
            dossier=locked,
            method=PaymentMethod.ONLINE,
            amount=obligation.amount,
            reference=new_reference(),
            account=account,
            expires_at=timezone.now() + dt.timedelta(minutes=settings.PAYMENT_ORDER_TTL_MINUTES),
            recorded_by=actor,
        )
    gateway = client()
    for reference in abandoned:
        try:
            gateway.cancel_order(reference=reference)
        except PaymentError:
            logger.info("could not cancel abandoned order %s", reference)
    try:
        order = gateway.create_order(
            reference=payment.reference,
            dossier_code=locked.code,
            amount=payment.amount,
            account=account,
            description=_("Fees and charges of dossier %(code)s") % {"code": locked.code},
            return_url=return_url,
            callback_url=callback_url,
            expires_at=payment.expires_at,
        )
    except PaymentError:
        Payment.objects.filter(pk=payment.pk, state=Payment.State.PENDING).update(
            state=Payment.State.FAILED, note="order not created"
        )
        raise
    Payment.objects.filter(pk=payment.pk).update(pay_url=order.pay_url)
    payment.pay_url = order.pay_url
    return payment


def _refuse(log: GatewayCallback, outcome: str, detail: str) -> GatewayCallback:
    log.outcome = outcome
    log.save()
    logger.warning(
        "payment callback %s for %s refused: %s (%s)",
        log.callback_id,
        log.reference,
        outcome,
        detail,
    )
    return log


@transaction.atomic
def callback_receive(*, body, remote_addr: str = "") -> GatewayCallback:
    """The platform's result for an order. Accepted only when its signature verifies, the
    order is ours and still payable, and the dossier and amount match; a repeat of an applied
    callback changes nothing. Every callback is kept, refused ones too."""
    data = body if isinstance(body, dict) else {}
    log = GatewayCallback(
        body=data if isinstance(body, dict) else {"raw": str(body)[:2000]},
        callback_id=str(data.get("callback_id", ""))[:64],
        reference=str(data.get("order_ref", ""))[:40],
        remote_addr=remote_addr[:64],
    )
    Outcome = GatewayCallback.Outcome
    if any(data.get(name) in (None, "") for name in CALLBACK_FIELDS if name != "gateway_txn_id"):
        return _refuse(log, Outcome.MALFORMED, "a field is missing")
    if data["merchant_id"] != settings.PAYMENT_MERCHANT_ID or not verify(
        data, settings.PAYMENT_GATEWAY_SECRET
    ):
        return _refuse(log, Outcome.FORGED, "signature")
    if GatewayCallback.objects.filter(callback_id=log.callback_id, applied=True).exists():
        log.outcome = Outcome.DUPLICATE
        log.save()
        logger.info("payment callback %s repeated: nothing changes", log.callback_id)
        return log
    payment = (
        Payment.objects.select_for_update()
        .select_related("dossier", "obligation")
        .filter(reference=log.reference, method=PaymentMethod.ONLINE)
        .first()
    )
    if payment is None:
        return _refuse(log, Outcome.UNKNOWN_ORDER, "no such order")
    log.payment = payment
    if data["dossier_code"] != payment.dossier.code:
        return _refuse(log, Outcome.WRONG_DOSSIER, str(data["dossier_code"]))
    if data["amount"] != payment.amount or isinstance(data["amount"], bool):
        return _refuse(log, Outcome.WRONG_AMOUNT, f"{data['amount']} != {payment.amount}")
    try:
        paid_at = parse_local_time(str(data["paid_at"]))
    except ValueError:
        return _refuse(log, Outcome.MALFORMED, "paid_at")
    if payment.state == Payment.State.PAID:
        if data["status"] == "paid" and data.get("gateway_txn_id") == payment.external_reference:
            log.outcome = Outcome.DUPLICATE
            log.save()
            return log
        return _refuse(log, Outcome.LATE, "the order is paid already")
    if payment.state != Payment.State.PENDING:
        return _refuse(log, Outcome.LATE, f"the order is {payment.state}")
    if data["status"] != "paid":
        payment.state = Payment.State.FAILED
        payment.note = str(data["status"])[:300]
        payment.save(update_fields=["state", "note"])
        log.outcome, log.applied = Outcome.FAILED, True
        log.save()
        return log
    if not data.get("gateway_txn_id"):
        return _refuse(log, Outcome.MALFORMED, "gateway_txn_id")
    if payment.expires_at and paid_at > payment.expires_at:
        return _refuse(log, Outcome.LATE, "paid after the order expired")
    obligation = FeeObligation.objects.select_for_update().get(pk=payment.obligation_id)
    if obligation.state != FeeObligation.State.DUE:
        return _refuse(log, Outcome.LATE, f"the obligation is {obligation.state}")
    _settle(payment, paid_at=paid_at, external_reference=data["gateway_txn_id"])
    log.outcome, log.applied = Outcome.ACCEPTED, True
    log.save()
    return log


def _settle(
    payment: Payment, *, paid_at: dt.datetime, external_reference: str, actor=None
) -> Payment:
    """Mark ``payment`` paid (inside the caller's transaction); at status 6 the lifecycle
    resumes processing and moves the appointment by the pause."""
    payment.state = Payment.State.PAID
    payment.paid_at = paid_at
    payment.external_reference = external_reference
    payment.save(update_fields=["state", "paid_at", "external_reference"])
    dossier = payment.dossier
    if payment.obligation.stage == FeeStage.DURING_PROCESSING:
        lifecycle.confirm_payment(
            dossier=dossier,
            actor=actor or lifecycle.GATEWAY_ACTOR,
            method=payment.method,
            reference=external_reference or payment.reference,
            amount=payment.amount,
            payment=payment,
        )
    else:
        obligation = payment.obligation
        obligation.state = FeeObligation.State.PAID
        obligation.paid_at = paid_at
        obligation.save(update_fields=["state", "paid_at"])
    return payment


# --- At the desk --------------------------------------------------------------------------------


def _desk_roles(actor, dossier: Dossier) -> set[str]:
    return lifecycle.roles_in(actor, dossier.reception_agency) | lifecycle.roles_in(
        actor, dossier.holder_agency or dossier.agency
    )


def payment_record(
    *, dossier: Dossier, actor, method: str, amount: int, reference: str = "", note: str = ""
) -> Payment:
    """The desk records a fee paid at the counter or by transfer, with the same checks as an
    online payment (the amount must be the amount due)."""
    if method not in DESK_METHODS:
        raise PaymentError(_("Choose how the fee was paid."), field="method")
    if dossier.status == Status.FINANCIAL_OBLIGATION:
        done = lifecycle.confirm_payment(
            dossier=dossier, actor=actor, method=method, reference=reference, amount=amount,
            note=note,
        )  # fmt: skip
        return done.payments.filter(state=Payment.State.PAID).latest("paid_at", "id")
    with transaction.atomic():
        locked = _lock(dossier)
        if not _desk_roles(actor, locked) & {Role.RECEIVER, Role.SPECIALIST}:
            raise NotPermitted(_("Only the one-stop desk records payments."))
        obligation = open_obligation(locked) or _upfront(locked)
        if obligation is None or obligation.state != FeeObligation.State.DUE:
            raise NothingDue(_("Nothing is due on this dossier."))
        if amount != obligation.amount:
            raise PaymentError(
                _("The amount due is %(amount)s.") % {"amount": fees.format_vnd(obligation.amount)},
                field="amount",
            )
        obligation.payments.filter(state=Payment.State.PENDING).update(
            state=Payment.State.ABANDONED
        )
        payment = Payment.objects.create(
            obligation=obligation,
            dossier=locked,
            method=method,
            amount=amount,
            reference=new_reference(),
            recorded_by=actor,
            note=note[:300],
        )
        return _settle(payment, paid_at=timezone.now(), external_reference=reference.strip())


@transaction.atomic
def refund_record(
    *, dossier: Dossier, actor, method: str, reference: str = "", reason: str
) -> list[Refund]:
    """Pay back what was paid on a dossier refused or withdrawn after payment."""
    locked = _lock(dossier)
    if locked.status not in REFUNDABLE:
        raise PaymentError(_("A refund is made only for a refused or withdrawn dossier."))
    if Role.RECEIVER not in _desk_roles(actor, locked):
        raise NotPermitted(_("Only the one-stop desk records refunds."))
    if method not in PaymentMethod.values:
        raise PaymentError(_("Choose how the money was paid back."), field="method")
    if not (reason or "").strip():
        raise PaymentError(_("Give the reason."), field="reason")
    paid = list(
        Payment.objects.select_for_update(of=("self",)).filter(
            dossier=locked, state=Payment.State.PAID, refund__isnull=True
        )
    )
    if not paid:
        raise NothingDue(_("Nothing was paid on this dossier, or it was refunded already."))
    now = timezone.now()
    return [
        Refund.objects.create(
            payment=p,
            dossier=locked,
            amount=p.amount,
            method=method,
            reference=reference.strip()[:64],
            reason=reason.strip()[:300],
            recorded_by=actor,
            at=now,
        )
        for p in paid
    ]


# --- Housekeeping -------------------------------------------------------------------------------


def orders_expire(*, now: dt.datetime | None = None) -> int:
    """Pending orders past their expiry: the citizen may start a new one."""
    return Payment.objects.filter(
        state=Payment.State.PENDING, expires_at__lt=now or timezone.now()
    ).update(state=Payment.State.EXPIRED)


def reconcile_day(*, day: dt.date) -> PaymentReconciliation:
    """Compare the online payments accepted here on ``day`` with the platform's statement;
    every difference is listed (for the operators to settle: nothing is changed)."""
    try:
        statement = client().statement(day=day)
    except PaymentError as exc:
        return PaymentReconciliation.objects.create(day=day, error=str(exc))
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    ours = {
        p.reference: p
        for p in Payment.objects.filter(
            method=PaymentMethod.ONLINE,
            state=Payment.State.PAID,
            paid_at__gte=start,
            paid_at__lt=start + dt.timedelta(days=1),
        ).select_related("dossier")
    }
    differences, matched, seen = [], 0, set()
    for line in statement:
        reference = str(line.get("order_ref", ""))
        seen.add(reference)
        payment = ours.get(reference)
        if payment is None:
            payment = Payment.objects.filter(reference=reference).first()
            differences.append(
                {
                    "reference": reference,
                    "problem": "not_paid_here",
                    "ours": payment.state if payment else "unknown",
                    "theirs": line.get("amount"),
                }
            )
        elif line.get("amount") != payment.amount or (
            line.get("gateway_txn_id") != payment.external_reference
        ):
            differences.append(
                {
                    "reference": reference,
                    "problem": "mismatch",
                    "ours": payment.amount,
                    "theirs": line.get("amount"),
                }
            )
        else:
            matched += 1
    for reference, payment in ours.items():
        if reference not in seen:
            differences.append(
                {
                    "reference": reference,
                    "problem": "missing_from_statement",
                    "ours": payment.amount,
                    "theirs": None,
                }
            )
    report = PaymentReconciliation.objects.create(
        day=day, statement_count=len(statement), matched=matched, differences=differences
    )
    if differences:
        logger.warning("payment reconciliation of %s: %d differences", day, len(differences))
    return report


__all__ = [
    "callback_receive",
    "local_time",
    "order_start",
    "orders_expire",
    "payment_record",
    "reconcile_day",
    "refund_record",
]

"""The financial obligation: asking for the fees and confirming their payment."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.channels import legal_channel
from dossiers.errors import TransitionNotAllowed
from dossiers.lifecycle.engine import Change, perform
from dossiers.lifecycle.rules import Action
from dossiers.models import Dossier, Status
from dossiers.models_work import PaymentMethod

logger = logging.getLogger("dossiers.lifecycle")


def request_payment(
    *,
    dossier: Dossier,
    actor,
    amount: int | None = None,
    note: str = "",
    revision: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Ask the applicant to pay the financial obligation (status 6): the clock stops until it
    is paid. The amount is the version's fee lines for the dossier's case and channel, less
    what was paid already; ``amount`` (VND) is stated only for an obligation the catalogue does
    not fix (computed during processing), and must match the catalogue's when it does."""
    from dossiers.models_payments import FeeObligation, FeeStage, Payment
    from dossiers.payments.fees import dossier_due, format_vnd

    if amount is not None and (not isinstance(amount, int) or amount <= 0):
        raise TransitionNotAllowed(_("Enter the amount in đồng."), field="amount")
    now = at or timezone.now()

    def change(locked: Dossier, role: str) -> Change:
        if FeeObligation.objects.filter(dossier=locked, state=FeeObligation.State.DUE).exists():
            raise TransitionNotAllowed(_("A payment is already awaited on this dossier."))
        due = dossier_due(locked)
        paid = sum(
            Payment.objects.filter(dossier=locked, state=Payment.State.PAID).values_list(
                "amount", flat=True
            )
        )
        computed = max(due.amount - paid, 0)
        if computed and amount is not None and amount != computed:
            raise TransitionNotAllowed(
                _("The fees stated for this procedure come to %(amount)s.")
                % {"amount": format_vnd(computed)},
                field="amount",
            )
        final = computed or amount
        if not final:
            raise TransitionNotAllowed(
                _("Nothing is due from the fee list: enter the amount the processing computed."),
                field="amount",
            )
        FeeObligation.objects.create(
            dossier=locked,
            stage=FeeStage.DURING_PROCESSING,
            amount=final,
            lines=due.lines if computed else [{"name": note.strip() or "", "amount": final}],
            requested_at=now,
            old_appointment=locked.appointment_at,
        )
        return Change(
            status=Status.FINANCIAL_OBLIGATION, note=(note or "").strip(), data={"amount": final}
        )

    return perform(
        Action.REQUEST_PAYMENT, dossier=dossier, actor=actor, revision=revision, change=change
    )


def confirm_payment(
    *,
    dossier: Dossier,
    actor,
    method: str,
    note: str = "",
    revision: int | None = None,
    reference: str = "",
    amount: int | None = None,
    payment=None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The obligation is paid: processing resumes at the step it left, and the appointment
    moves by the time the clock stood still (as for a supplement). ``method`` is how it was
    paid (``PaymentMethod``), kept on the event: the online-payment indicator counts the
    dossiers paid "online". ``payment``: the online payment the platform's callback settled
    (else the desk's payment is recorded here, for ``amount`` when given, which must match)."""
    from dossiers.calendar import calendar_for, paused_appointment
    from dossiers.models_payments import FeeObligation, Payment
    from dossiers.payments.fees import format_vnd

    if method not in PaymentMethod.values:
        raise TransitionNotAllowed(_("Choose how the obligation was paid."), field="method")

    def change(locked: Dossier, role: str) -> Change:
        now = at or timezone.now()
        obligation = (
            FeeObligation.objects.select_for_update()
            .filter(dossier=locked, state=FeeObligation.State.DUE)
            .first()
        )
        fields = {}
        if obligation is not None:
            if amount is not None and amount != obligation.amount:
                raise TransitionNotAllowed(
                    _("The amount due is %(amount)s.") % {"amount": format_vnd(obligation.amount)},
                    field="amount",
                )
            settled = payment
            if settled is None:
                obligation.payments.filter(state=Payment.State.PENDING).update(
                    state=Payment.State.ABANDONED
                )
                from dossiers.payments.fees import new_reference

                settled = Payment.objects.create(
                    obligation=obligation,
                    dossier=locked,
                    method=method,
                    amount=obligation.amount,
                    reference=new_reference(),
                    external_reference=reference.strip()[:64],
                    state=Payment.State.PAID,
                    paid_at=now,
                    recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
                    note=(note or "").strip()[:300],
                )
            if obligation.old_appointment:
                obligation.new_appointment = paused_appointment(
                    obligation.old_appointment,
                    obligation.requested_at,
                    max(now, obligation.requested_at),
                    calendar_for(
                        timezone.localtime(obligation.requested_at).date(),
                        timezone.localtime(max(now, obligation.old_appointment)).date(),
                    ),
                    unit=legal_channel(locked).time_unit,
                )
                if locked.appointment_at and obligation.new_appointment > locked.appointment_at:
                    fields["appointment_at"] = obligation.new_appointment
            obligation.state = FeeObligation.State.PAID
            obligation.paid_at = settled.paid_at or now
            obligation.save(update_fields=["state", "paid_at", "new_appointment"])
        data = {"method": method}
        if reference:
            data["reference"] = reference.strip()[:64]
        if amount is not None:
            data["amount"] = amount
        return Change(
            status=Status.IN_PROCESSING,
            note=(note or "").strip(),
            data=data,
            fields=fields or None,
        )

    return perform(
        Action.CONFIRM_PAYMENT, dossier=dossier, actor=actor, revision=revision, change=change
    )

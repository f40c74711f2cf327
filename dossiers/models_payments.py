"""Fees and charges of a dossier and how they were paid (phí, lệ phí, nghĩa vụ tài chính).

An obligation is what the dossier owes, computed from its version's fee lines for its case and
channel (never typed), at submission or when the agency asks during processing (status 6). A
payment is one attempt to settle it: an order on the national payment platform, or a payment
the desk records (cash at the counter, bank transfer). Only ``dossiers.payments.services`` and
the lifecycle write these tables.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dossiers.models_work import PaymentMethod


class FeeStage(models.TextChoices):
    AT_SUBMISSION = "at_submission", _("at submission")
    DURING_PROCESSING = "during_processing", _("during processing")


class FeeObligation(models.Model):
    """What the dossier owes (nghĩa vụ tài chính), with the fee lines it was computed from."""

    class State(models.TextChoices):
        DUE = "due", _("awaiting payment")
        PAID = "paid", _("paid")
        EXEMPT = "exempt", _("exempt")
        CANCELLED = "cancelled", _("cancelled")

    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="obligations"
    )
    stage = models.CharField(_("when"), max_length=20, choices=FeeStage.choices)
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    # [{"name": ..., "amount": ...}] as computed: later catalogue changes do not touch it.
    lines = models.JSONField(default=list)
    exemption = models.CharField(_("exempt group"), max_length=20, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DUE)
    requested_at = models.DateTimeField(_("requested at"))
    # The clock stands still while the citizen pays (status 6), as for a supplement.
    old_appointment = models.DateTimeField(_("appointment before"), null=True, blank=True)
    new_appointment = models.DateTimeField(_("new appointment"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("financial obligation")
        verbose_name_plural = _("financial obligations")
        ordering = ["dossier", "requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"], condition=Q(state="due"), name="obligation_one_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.amount} {self.state}"


class PaymentAccount(models.Model):
    """The account an agency collects fees into (registered with the payment platform)."""

    agency = models.OneToOneField(
        "units.Agency", on_delete=models.CASCADE, related_name="payment_account"
    )
    bank_code = models.CharField(_("bank"), max_length=20)
    account_number = models.CharField(_("account number"), max_length=40)
    account_name = models.CharField(_("account holder"), max_length=200)

    class Meta:
        verbose_name = _("payment account")
        verbose_name_plural = _("payment accounts")

    def __str__(self) -> str:
        return f"{self.bank_code} {self.account_number}"


class Payment(models.Model):
    """One attempt to pay an obligation: an online order, or a payment the desk recorded."""

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting the payment platform")
        PAID = "paid", _("paid")
        FAILED = "failed", _("failed")
        ABANDONED = "abandoned", _("abandoned")
        EXPIRED = "expired", _("expired")

    obligation = models.ForeignKey(FeeObligation, on_delete=models.PROTECT, related_name="payments")
    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="payments"
    )
    method = models.CharField(_("method"), max_length=10, choices=PaymentMethod.choices)
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    # Our transaction reference (mã giao dịch), unique: the payment platform echoes it back.
    reference = models.CharField(_("transaction reference"), max_length=40, unique=True)
    # The platform's transaction id, the bank transfer's or the counter receipt's reference.
    external_reference = models.CharField(_("reference"), max_length=64, blank=True)
    account = models.CharField(_("account"), max_length=80, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    pay_url = models.URLField(max_length=500, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["dossier", "created_at", "id"]
        constraints = [
            # One platform transaction settles one order, never two.
            models.UniqueConstraint(
                fields=["method", "external_reference"],
                condition=Q(method="online") & ~Q(external_reference=""),
                name="payment_unique_gateway_txn",
            ),
            models.UniqueConstraint(
                fields=["obligation"], condition=Q(state="paid"), name="payment_one_paid"
            ),
        ]
        indexes = [models.Index(fields=["state", "paid_at"], name="payment_state_paid")]

    def __str__(self) -> str:
        return self.reference

    @property
    def receipt_number(self) -> str:
        """The e-receipt's number (biên lai điện tử): year and a sequence."""
        year = (self.paid_at or self.created_at).year if (self.paid_at or self.created_at) else 0
        return f"{year}/{self.pk:07d}"


class Refund(models.Model):
    """Money paid back when the dossier was refused or withdrawn after payment."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="refund")
    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="refunds"
    )
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    method = models.CharField(_("method"), max_length=10, choices=PaymentMethod.choices)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.payment_id} {self.amount}"


class GatewayCallback(models.Model):
    """Every result callback the payment platform sent, accepted or refused, as it came."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("accepted")
        FAILED = "failed", _("payment failed, recorded")
        DUPLICATE = "duplicate", _("repeat of an applied callback")
        FORGED = "forged", _("signature does not verify")
        MALFORMED = "malformed", _("malformed")
        UNKNOWN_ORDER = "unknown_order", _("unknown order")
        WRONG_DOSSIER = "wrong_dossier", _("dossier does not match")
        WRONG_AMOUNT = "wrong_amount", _("amount does not match")
        LATE = "late", _("order no longer payable")

    callback_id = models.CharField(max_length=64, blank=True)
    reference = models.CharField(max_length=40, blank=True)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="callbacks"
    )
    body = models.JSONField(default=dict)
    outcome = models.CharField(max_length=15, choices=Outcome.choices)
    # Set on the callbacks that changed something: a repeat of one of them changes nothing.
    applied = models.BooleanField(default=False)
    remote_addr = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment platform callback")
        verbose_name_plural = _("payment platform callbacks")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["callback_id"], condition=Q(applied=True), name="callback_applied_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.outcome}"


class PaymentReconciliation(models.Model):
    """A day's online payments checked against the payment platform's statement."""

    day = models.DateField(_("day"))
    ran_at = models.DateTimeField(_("run at"), auto_now_add=True)
    statement_count = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    # [{"reference": ..., "problem": ..., "ours": ..., "theirs": ...}]
    differences = models.JSONField(default=list)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("payment reconciliation")
        verbose_name_plural = _("payment reconciliations")
        ordering = ["-day", "-ran_at"]

    def __str__(self) -> str:
        return f"{self.day} {len(self.differences)}"

    @property
    def ok(self) -> bool:
        return not self.differences and not self.error

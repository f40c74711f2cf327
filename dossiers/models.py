"""Citizen dossiers (hồ sơ): the dossier, its documents, its immutable events and codes.

Statuses map 1:1 to the national portal's codes (DOMAIN.md). Overdue is derived, never stored.
Only ``dossiers.services`` (and the lifecycle it grows into) writes these tables.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _


class Status(models.IntegerChoices):
    SUBMITTED = 1, _("submitted, awaiting reception")
    RECEIVED = 2, _("received")
    REFUSED = 3, _("refused at reception")
    IN_PROCESSING = 4, _("in processing")
    SUPPLEMENT_REQUESTED = 5, _("supplement requested")
    FINANCIAL_OBLIGATION = 6, _("financial obligation requested")
    WITHDRAWN = 7, _("withdrawn by the applicant")
    STOPPED = 8, _("processing stopped")
    RESULT_READY = 9, _("result ready")
    RETURNED = 10, _("result returned")


OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.RECEIVED,
    Status.IN_PROCESSING,
    Status.SUPPLEMENT_REQUESTED,
    Status.FINANCIAL_OBLIGATION,
)
# At the one-stop desk the reception agency acts; elsewhere the agency holding the dossier.
AT_DESK = (Status.SUBMITTED, Status.RECEIVED, Status.RESULT_READY)


def acting_agency_id(*, status, reception_agency_id, holder_agency_id, agency_id) -> int:
    """The one rule of the acting agency, on plain values (rows read with ``values()``):
    the reception agency at the desk, otherwise the agency holding the dossier for its part,
    otherwise the competent agency. ``Dossier.acting_agency`` is the same on an instance."""
    if status in AT_DESK:
        return reception_agency_id
    return holder_agency_id or agency_id


class Channel(models.IntegerChoices):
    DIRECT = 1, _("at the counter")
    ONLINE = 2, _("online")
    POSTAL = 3, _("by post")


class ApplicantType(models.TextChoices):
    CITIZEN = "citizen", _("citizen")
    BUSINESS = "business", _("business")
    STATE_AGENCY = "state_agency", _("state agency")
    OTHER = "other", _("other organisation")


class ResultDelivery(models.TextChoices):
    COUNTER = "counter", _("at the counter")
    POST = "post", _("by post")
    ONLINE = "online", _("online")


# No 0/O, 1/I/L: the secret is read off paper and typed on a phone.
SECRET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # noqa: S105 (an alphabet)
SECRET_LENGTH = 8


def new_tracking_secret() -> str:
    """The short secret printed on the receipt: with the code, it opens public tracking."""
    return "".join(secrets.choice(SECRET_ALPHABET) for _ in range(SECRET_LENGTH))


class Source(models.TextChoices):
    PORTAL = "portal", _("this portal")
    NATIONAL = "national", _("the National Public Service Portal")


class Step(models.TextChoices):
    """Internal steps under status 4 (đang xử lý), from the procedure's workflow."""

    NONE = "", _("none")
    SPECIALIST = "specialist", _("with the specialist")
    DEPARTMENT_HEAD = "department_head", _("with the department head")
    LEADER = "leader", _("awaiting the leader")
    SIGNATURE = "signature", _("awaiting signature")


STATUS_CSS = {
    5: "status--waiting",
    6: "status--waiting",
    9: "status--applied",
    10: "status--applied",
    3: "status--reverted",
    7: "status--reverted",
    8: "status--reverted",
}


class Dossier(models.Model):
    code = models.CharField(_("dossier code"), max_length=30, unique=True, null=True, blank=True)
    procedure = models.ForeignKey(
        "procedures.Procedure",
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("procedure"),
    )
    # The version it was submitted under: later catalogue changes do not touch it.
    version = models.ForeignKey(
        "procedures.ProcedureVersion", on_delete=models.PROTECT, related_name="dossiers"
    )
    case = models.ForeignKey(
        "procedures.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.PositiveSmallIntegerField(
        _("status"), choices=Status.choices, default=Status.SUBMITTED
    )
    channel = models.PositiveSmallIntegerField(_("channel"), choices=Channel.choices)
    # Reception point, competent agency and implementing level are kept apart (Decree 118).
    reception_agency = models.ForeignKey(
        "units.Agency",
        on_delete=models.PROTECT,
        related_name="received_dossiers",
        verbose_name=_("reception agency"),
    )
    agency = models.ForeignKey(
        "units.Agency",
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("competent agency"),
    )
    level = models.CharField(_("implementing level"), max_length=20)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    applicant_type = models.CharField(
        _("applicant type"),
        max_length=20,
        choices=ApplicantType.choices,
        default=ApplicantType.CITIZEN,
    )
    applicant_name = models.CharField(_("applicant"), max_length=200)
    applicant_id_number = models.CharField(_("identity number"), max_length=20, blank=True)
    applicant_phone = models.CharField(_("phone"), max_length=20, blank=True)
    applicant_email = models.EmailField(_("e-mail"), blank=True)
    applicant_address = models.CharField(_("address"), max_length=300, blank=True)
    applicant_commune = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("applicant's commune"),
    )
    vneid_verified = models.BooleanField(_("verified by VNeID"), default=False)
    result_delivery = models.CharField(
        _("result delivery"),
        max_length=10,
        choices=ResultDelivery.choices,
        default=ResultDelivery.COUNTER,
    )
    tracking_secret = models.CharField(
        _("tracking secret"), max_length=12, default=new_tracking_secret, editable=False
    )
    source = models.CharField(
        _("arrived through"), max_length=10, choices=Source.choices, default=Source.PORTAL
    )
    # Where the dossier stands inside the agency (status 4): step, who holds it, until when.
    step = models.CharField(_("step"), max_length=20, choices=Step.choices, blank=True, default="")
    step_index = models.PositiveSmallIntegerField(null=True, blank=True)
    step_due_at = models.DateTimeField(_("step due"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_dossiers",
        verbose_name=_("handled by"),
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Inter-agency processing (liên thông): the agency holding the dossier for now.
    holder_agency = models.ForeignKey(
        "units.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="held_dossiers",
        verbose_name=_("handed over to"),
    )
    # Bumped by every transition: a page or API call made on an older revision is stale.
    revision = models.PositiveIntegerField(default=0)
    # The appointment given at reception; an extension (form 04) moves appointment_at only.
    original_appointment_at = models.DateTimeField(_("original appointment"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            # The officers' queues: agency, deadline, id (keyset pagination).
            models.Index(fields=["agency", "appointment_at", "id"], name="dossier_queue"),
            models.Index(fields=["procedure", "status"], name="dossier_procedure_status"),
            models.Index(fields=["applicant", "-submitted_at"], name="dossier_applicant"),
            # Queues only ever list open dossiers: partial indexes stay small as years pile up.
            # The agency processing a dossier is COALESCE(holder_agency, agency) (the one it
            # was handed to, else its own; ``dossiers.office.queues.holder``): one range scan per
            # queue in deadline order, and the next page starts inside the range.
            models.Index(
                Coalesce("holder_agency", "agency"),
                F("appointment_at"),
                F("id"),
                condition=Q(status__in=[2, 4, 6]),
                name="dossier_in_hand_queue",
            ),
            models.Index(
                Coalesce("holder_agency", "agency"),
                F("appointment_at"),
                F("id"),
                condition=Q(status=5),
                name="dossier_supplement_queue",
            ),
            models.Index(
                Coalesce("holder_agency", "agency"),
                F("step"),
                F("appointment_at"),
                F("id"),
                condition=Q(status=4),
                name="dossier_step_queue",
            ),
            models.Index(
                Coalesce("holder_agency", "agency"),
                F("appointment_at"),
                F("id"),
                condition=Q(status=4, assignee__isnull=True),
                name="dossier_to_take_queue",
            ),
            models.Index(
                fields=["reception_agency", "appointment_at", "id"],
                condition=Q(status=2, assignee__isnull=True),
                name="dossier_received_to_take",
            ),
            models.Index(
                fields=["reception_agency", "submitted_at", "id"],
                condition=Q(status=1),
                name="dossier_reception_queue",
            ),
            models.Index(
                fields=["reception_agency", "finished_at", "id"],
                condition=Q(status=9),
                name="dossier_return_queue",
            ),
            models.Index(
                fields=["assignee", "appointment_at", "id"],
                condition=Q(status__in=[1, 2, 4, 5, 6, 9]),
                name="dossier_assignee_queue",
            ),
            # The applicant-name search (UPPER(name) LIKE '%…%') has a trigram index on
            # PostgreSQL, made by migration 0011 (SQLite has no trigrams).
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__gte=1, status__lte=10), name="dossier_status_range"
            ),
        ]

    def __str__(self) -> str:
        return self.code or f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def acting_agency_in(self, status: int):
        """The agency whose staff act on the dossier in ``status`` (see ``acting_agency_id``)."""
        if status in AT_DESK:
            return self.reception_agency
        return self.holder_agency or self.agency

    @property
    def acting_agency(self):
        """The agency whose staff act on the dossier now."""
        return self.acting_agency_in(self.status)

    @property
    def status_css(self) -> str:
        """The status label's colour: open (navy), waiting for the citizen (amber), settled
        (green), closed (grey)."""
        return STATUS_CSS.get(self.status, "status--running")


class DossierEvent(models.Model):
    """One step on a dossier's record; never changed or deleted."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        TRANSITION = "transition", _("status changed")
        CLAIMED = "claimed", _("taken in hand")
        ASSIGNED = "assigned", _("assigned")
        FORWARDED = "forwarded", _("forwarded")
        SENT_BACK = "sent_back", _("sent back")
        HANDED_OVER = "handed_over", _("handed over to another agency")
        HANDED_BACK = "handed_back", _("handed back")
        EXTENDED = "extended", _("apology and extension")
        RESULT_ATTACHED = "result_attached", _("result attached")
        REROUTED = "rerouted", _("moved to another agency")
        REROUTE_REVERTED = "reroute_reverted", _("move to another agency undone")

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role"), max_length=20, blank=True)
    agency = models.ForeignKey(
        "units.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    old_status = models.PositiveSmallIntegerField(null=True, blank=True, choices=Status.choices)
    new_status = models.PositiveSmallIntegerField(null=True, blank=True, choices=Status.choices)
    old_step = models.CharField(max_length=20, blank=True, choices=Step.choices)
    new_step = models.CharField(max_length=20, blank=True, choices=Step.choices)
    revision = models.PositiveIntegerField(default=0)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("dossier event")
        verbose_name_plural = _("dossier events")
        ordering = ["dossier", "at", "id"]
        indexes = [models.Index(fields=["dossier", "at"], name="dossier_event_at")]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.kind}"


class CodeSequence(models.Model):
    """The last 4-digit sequence given by an agency on a day (allocated atomically)."""

    agency = models.ForeignKey("units.Agency", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="code_sequence_agency_day")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day} {self.last}"


from dossiers.models_calendar import CalendarDay  # noqa: E402,F401
from dossiers.models_documents import (  # noqa: E402,F401
    DossierDocument,
    DossierDraft,
    DossierRating,
    SupplementRequest,
)
from dossiers.models_payments import (  # noqa: E402,F401
    FeeObligation,
    GatewayCallback,
    Payment,
    PaymentAccount,
    PaymentReconciliation,
    Refund,
)
from dossiers.models_work import (  # noqa: E402,F401
    DeniedAction,
    Extension,
    Notice,
    SavedFilter,
)

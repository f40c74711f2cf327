"""Tables of the reports: index weights (effective-dated), and the rollups the reports read.

``DossierRollup`` holds one row per dossier with the facts every indicator needs, kept current
from the dossier's events by ``reports.rollups``; ``PeriodRollup`` holds the sums of
those facts per (agency, procedure, month), so a province's year is at most
agencies x procedures x 12 rows, never a scan of dossiers. Only ``reports.rollups``
writes the rollups; administrators edit the weights.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class IndexWeight(models.Model):
    """One indicator of the national service index (Decision 766/QĐ-TTg) and its points.

    ``full_at`` is the rate (in %) from which the indicator earns all its points (e.g. 80 for
    digitised components); empty means 100%. Rows are effective-dated: a new decision closes
    the current row (``valid_to``) and adds one, never overwrites it.
    """

    group = models.CharField(_("group"), max_length=30)
    indicator = models.CharField(_("indicator"), max_length=40)
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2)
    full_at = models.DecimalField(
        _("full points from (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        db_table = "dossiers_indexweight"
        verbose_name = _("index weight")
        verbose_name_plural = _("index weights")
        ordering = ["group", "indicator", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "valid_from"], name="index_weight_indicator_from"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="index_weight_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.points} ({self.valid_from})"


class Klass(models.TextChoices):
    """Where a dossier stands against its deadline under the national rule."""

    NOT_RECEIVED = "not_received", _("not received")
    EARLY = "early", _("early")
    ON_TIME = "on_time", _("on time")
    LATE = "late", _("late")
    IN_PROGRESS = "in_progress", _("in progress, on time")
    IN_PROGRESS_LATE = "in_progress_late", _("in progress, overdue")


class DossierRollup(models.Model):
    """The facts of one dossier that the indicators count (derived; rebuilt at will)."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    agency = models.ForeignKey("units.Agency", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    procedure = models.ForeignKey(
        "procedures.Procedure", on_delete=models.PROTECT, related_name="+"
    )
    field = models.ForeignKey("procedures.Field", on_delete=models.PROTECT, related_name="+")
    channel = models.PositiveSmallIntegerField()
    status = models.PositiveSmallIntegerField()
    received_at = models.DateTimeField(null=True)
    # The month (local time, first day) of received_at: the dossier's period.
    month = models.DateField(null=True)
    end_at = models.DateTimeField(null=True)
    deadline = models.DateTimeField(null=True)
    # When it became overdue against the deadline (the deadline itself), if it did.
    late_since = models.DateTimeField(null=True)
    klass = models.CharField(max_length=20, choices=Klass.choices)
    supplements = models.PositiveSmallIntegerField(default=0)
    eligible = models.BooleanField(default=False)
    full_process = models.BooleanField(default=False)
    docs_total = models.PositiveIntegerField(default=0)
    docs_digitised = models.PositiveIntegerField(default=0)
    docs_reused = models.PositiveIntegerField(default=0)
    store_used = models.BooleanField(default=False)
    with_result = models.BooleanField(default=False)
    result_electronic = models.BooleanField(default=False)
    vneid = models.BooleanField(default=False)
    rating = models.CharField(max_length=20, blank=True)
    with_fee = models.BooleanField(default=False)
    paid_online = models.BooleanField(default=False)
    synced = models.BooleanField(default=False)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "dossiers_dossierrollup"
        indexes = [
            models.Index(fields=["province", "received_at"], name="rollup_province_received"),
            models.Index(fields=["agency", "received_at"], name="rollup_agency_received"),
            # What ended in a period (Biểu II.06a's resolved columns, part-month pieces).
            models.Index(fields=["province", "end_at"], name="rollup_province_ended"),
            models.Index(fields=["agency", "end_at"], name="rollup_agency_ended"),
            # The sweep for dossiers whose deadline passes while nothing happens to them.
            models.Index(
                fields=["deadline"], condition=Q(klass="in_progress"), name="rollup_open_deadline"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.klass}"


class PeriodRollup(models.Model):
    """Sums of ``DossierRollup`` per (agency, procedure, month).

    Counters named after the received month count the dossiers received that month; ``ended``
    and ``ended_late`` count by the month processing ended, ``became_late`` by the month the
    deadline passed unmet (what the operational late rate needs for carried-over dossiers).
    """

    agency = models.ForeignKey("units.Agency", on_delete=models.CASCADE, related_name="+")
    procedure = models.ForeignKey(
        "procedures.Procedure", on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField()
    # Denormalised for grouping without joins; they follow the agency and procedure.
    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    field = models.ForeignKey("procedures.Field", on_delete=models.CASCADE, related_name="+")
    received = models.IntegerField(default=0)
    early = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    late = models.IntegerField(default=0)
    in_progress = models.IntegerField(default=0)
    in_progress_late = models.IntegerField(default=0)
    multi_supplement = models.IntegerField(default=0)
    online = models.IntegerField(default=0)
    eligible = models.IntegerField(default=0)
    full_process = models.IntegerField(default=0)
    docs_total = models.IntegerField(default=0)
    docs_digitised = models.IntegerField(default=0)
    docs_reused = models.IntegerField(default=0)
    store_used = models.IntegerField(default=0)
    with_result = models.IntegerField(default=0)
    result_electronic = models.IntegerField(default=0)
    vneid = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    dissatisfied = models.IntegerField(default=0)
    with_fee = models.IntegerField(default=0)
    paid_online = models.IntegerField(default=0)
    synced = models.IntegerField(default=0)
    ended = models.IntegerField(default=0)
    ended_late = models.IntegerField(default=0)
    became_late = models.IntegerField(default=0)

    class Meta:
        db_table = "dossiers_periodrollup"
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "procedure", "month"], name="period_rollup_key"
            )
        ]
        indexes = [
            models.Index(fields=["province", "month"], name="period_rollup_province"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.procedure_id} {self.month:%Y-%m}"


class RollupWatermark(models.Model):
    """How far ``refresh_changed`` has read: the last event id and the last run's time."""

    name = models.CharField(max_length=40, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    last_run_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "dossiers_rollupwatermark"

    def __str__(self) -> str:
        return f"{self.name} {self.last_event_id}"

"""Procedure catalogue (thủ tục hành chính, TTHC): versions, channels, cases, workflows, and the
effective-dated assignments of who settles each procedure where.

A published :class:`ProcedureVersion` never changes: dossiers point at the version they were
received under. Changes make a new draft version that is then published.
"""

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

procedure_code_validator = RegexValidator(
    r"^\d\.\d{6}(\.[A-Z0-9]{1,10})?$",
    _("A procedure code looks like 1.001193 or 1.000948.H38."),
)


class Level(models.TextChoices):
    PROVINCE = "province", _("province level")
    COMMUNE = "commune", _("commune level")
    FORMER_DISTRICT = "former_district", _("former district level")
    MINISTRY = "ministry", _("ministry level")
    OTHER = "other", _("other")


class OnlineLevel(models.TextChoices):
    FULL = "full", _("full-process online")
    PARTIAL = "partial", _("partly online")
    NONE = "none", _("not online")


class SubjectType(models.TextChoices):
    CITIZEN = "citizen", _("citizen")
    BUSINESS = "business", _("business")
    ORGANISATION = "organisation", _("organisation")
    STATE_AGENCY = "state_agency", _("state agency")
    OTHER = "other", _("other")


class ChannelKind(models.TextChoices):
    DIRECT = "direct", _("at the counter")
    ONLINE = "online", _("online")
    POSTAL = "postal", _("by post")


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    DAYS = "days", _("days")
    HOURS = "hours", _("hours")


class FeeCollection(models.TextChoices):
    """When the fees and charges are collected (the procedure's record says which)."""

    AT_SUBMISSION = "at_submission", _("at submission")
    DURING_PROCESSING = "during_processing", _("computed during processing")


class ExemptGroup(models.TextChoices):
    """Groups the law exempts from a procedure's fees and charges."""

    POOR_HOUSEHOLD = "poor_household", _("member of a poor household")
    MERIT = "merit", _("person with meritorious services to the revolution")
    ETHNIC_MINORITY = "ethnic_minority", _("ethnic minority in an extremely disadvantaged commune")
    CHILD = "child", _("child under 16")
    DISABILITY = "disability", _("person with a severe disability")


class WorkflowRole(models.TextChoices):
    RECEIVER = "receiver", _("one-stop receiver")
    SPECIALIST = "specialist", _("specialist")
    DEPARTMENT_HEAD = "department_head", _("department head")
    LEADER = "leader", _("leader (signs)")


class Field(models.Model):
    """A field of procedures (lĩnh vực), e.g. Hộ tịch."""

    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Procedure(models.Model):
    """A procedure by its national code; its content lives in versions."""

    code = models.CharField(
        _("code"), max_length=20, unique=True, validators=[procedure_code_validator]
    )
    # Denormalised from the current published version for listing and search.
    name = models.CharField(_("name"), max_length=1000)
    field = models.ForeignKey(
        Field, on_delete=models.PROTECT, related_name="procedures", verbose_name=_("field")
    )
    online_level = models.CharField(
        _("online level"), max_length=10, choices=OnlineLevel.choices, default=OnlineLevel.NONE
    )
    levels = models.JSONField(_("implementing levels"), default=list)
    former_level = models.CharField(_("level before 1 July 2025"), max_length=20, blank=True)
    search_text = models.CharField(max_length=1100, editable=False)
    current_version = models.OneToOneField(
        "ProcedureVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("current version"),
    )
    is_active = models.BooleanField(_("in force"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProcedureVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        SUPERSEDED = "superseded", _("superseded")

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    name = models.CharField(_("name"), max_length=1000)
    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="+")
    subject_types = models.JSONField(_("subject types"), default=list)
    levels = models.JSONField(_("implementing levels"), default=list)
    online_level = models.CharField(
        _("online level"), max_length=10, choices=OnlineLevel.choices, default=OnlineLevel.NONE
    )
    written_result_required = models.BooleanField(_("written result required"), default=True)
    same_day_cutoff = models.BooleanField(_("15:00 same-day cut-off"), default=False)
    fee_collection = models.CharField(
        _("fees collected"),
        max_length=20,
        choices=FeeCollection.choices,
        default=FeeCollection.AT_SUBMISSION,
    )
    requirements = models.TextField(_("requirements and conditions"), blank=True)
    results = models.TextField(_("results"), blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    publishing_decision = models.CharField(_("publishing decision"), max_length=300, blank=True)
    competent_agency = models.TextField(_("competent agency"), blank=True)
    executing_agency = models.TextField(_("executing agency"), blank=True)
    coordinating_agency = models.TextField(_("coordinating agency"), blank=True)
    steps = models.JSONField(_("execution steps"), default=list)
    former_level = models.CharField(_("level before 1 July 2025"), max_length=20, blank=True)
    source = models.TextField(_("source"), blank=True)
    note = models.TextField(_("note"), blank=True)
    # A stable digest of the content, so a re-import of the same record changes nothing.
    content_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("procedure version")
        verbose_name_plural = _("procedure versions")
        ordering = ["procedure", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="version_unique_number"),
            models.UniqueConstraint(
                fields=["procedure"],
                condition=Q(status="published"),
                name="version_one_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number}"

    def save(self, *args, **kwargs):
        # A published version is what dossiers were received under: only its status (to
        # superseded) and publication time may still be written.
        if self.pk and set(kwargs.get("update_fields") or ["*"]) - {"status", "published_at"}:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored in (self.Status.PUBLISHED, self.Status.SUPERSEDED):
                from procedures.errors import VersionImmutableError

                raise VersionImmutableError()
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status != self.Status.DRAFT


class Channel(models.Model):
    """How a dossier can be submitted (cách thức thực hiện), with its legal time and fees."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="channels")
    kind = models.CharField(_("channel"), max_length=10, choices=ChannelKind.choices)
    processing_time = models.DecimalField(
        _("processing time"), max_digits=6, decimal_places=1, validators=[MinValueValidator(0)]
    )
    time_unit = models.CharField(_("unit"), max_length=15, choices=TimeUnit.choices)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["version", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["version", "kind"], name="channel_unique_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.processing_time} {self.get_time_unit_display()}"


class FeeLine(models.Model):
    """A fee or charge (phí, lệ phí) of a channel, in VND; of one case only when ``case`` is."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="fees")
    case = models.ForeignKey(
        "Case",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="fees",
        verbose_name=_("case"),
    )
    name = models.CharField(_("name"), max_length=200)
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    note = models.TextField(_("note"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("fee line")
        verbose_name_plural = _("fee lines")
        ordering = ["channel", "position"]

    def __str__(self) -> str:
        return f"{self.name}: {self.amount}"


class FeeExemption(models.Model):
    """A group the law exempts from the version's fees and charges, with the legal basis."""

    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="fee_exemptions"
    )
    group = models.CharField(_("exempt group"), max_length=20, choices=ExemptGroup.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("fee exemption")
        verbose_name_plural = _("fee exemptions")
        ordering = ["version", "group"]
        constraints = [
            models.UniqueConstraint(fields=["version", "group"], name="fee_exemption_unique_group")
        ]

    def __str__(self) -> str:
        return self.get_group_display()


class Case(models.Model):
    """A case of a procedure (trường hợp), with its own list of documents."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="cases")
    name = models.CharField(_("name"), max_length=500)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["version", "position"]

    def __str__(self) -> str:
        return self.name


class DocumentComponent(models.Model):
    """A document the applicant must provide (thành phần hồ sơ)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="components")
    name = models.TextField(_("name"))
    originals = models.PositiveSmallIntegerField(_("originals"), default=0)
    copies = models.PositiveSmallIntegerField(_("copies"), default=0)
    form_name = models.CharField(_("form"), max_length=300, blank=True)
    form_file = models.FileField(_("form file"), upload_to="forms/", blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("document component")
        verbose_name_plural = _("document components")
        ordering = ["case", "position"]

    def __str__(self) -> str:
        return self.name[:80]


class WorkflowStep(models.Model):
    """A step of the internal electronic workflow (quy trình nội bộ), with its time budget."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="workflow")
    name = models.CharField(_("name"), max_length=300)
    role = models.CharField(_("role"), max_length=20, choices=WorkflowRole.choices)
    budget_hours = models.DecimalField(
        _("time budget (working hours)"),
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(0)],
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")
        ordering = ["version", "position"]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class Assignment(models.Model):
    """Who settles a procedure, from when to when (effective-dated, never overwritten).

    Either one ``agency``, or every agency of ``level`` within ``scope`` (e.g. all commune
    service centres of a province: level commune, scope = the province). The range is
    half-open: valid on ``valid_from`` and up to the day before ``valid_to``.
    """

    procedure = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("procedure")
    )
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    agency = models.ForeignKey(
        "units.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("agency"),
    )
    scope = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        related_name="procedure_assignments",
        verbose_name=_("area"),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    batch = models.ForeignKey(
        "ReassignmentBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="created_assignments",
    )
    closed_by_batch = models.ForeignKey(
        "ReassignmentBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="closed_assignments",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("implementing assignment")
        verbose_name_plural = _("implementing assignments")
        ordering = ["procedure", "valid_from", "id"]
        indexes = [
            models.Index(fields=["procedure", "valid_from"], name="assignment_proc_from"),
            models.Index(fields=["scope", "level", "valid_to"], name="assignment_scope_level"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="assignment_valid_range",
            ),
        ]

    def __str__(self) -> str:
        target = self.agency or self.scope
        return f"{self.procedure.code} → {self.get_level_display()} {target}"


class ReassignmentBatch(models.Model):
    """One move of procedures from the former district level to communes or the province."""

    class Target(models.TextChoices):
        ALL_COMMUNES = "all_communes", _("all commune service centres of the province")
        CHOSEN_COMMUNES = "chosen_communes", _("chosen communes")
        PROVINCE_AGENCY = "province_agency", _("a province agency")

    class Status(models.TextChoices):
        RUNNING = "running", _("being applied")
        APPLIED = "applied", _("applied")
        REVERTED = "reverted", _("reverted")
        FAILED = "failed", _("failed")

    province = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    procedures = models.ManyToManyField(Procedure, related_name="+", verbose_name=_("procedures"))
    target = models.CharField(_("target"), max_length=20, choices=Target.choices)
    target_agency = models.ForeignKey(
        "units.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_communes = models.ManyToManyField("units.Unit", blank=True, related_name="+")
    effective_on = models.DateField(_("effective on"))
    reason = models.CharField(_("reason (decree or decision)"), max_length=500)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    dossiers_rerouted_at = models.DateTimeField(null=True, blank=True)
    reverted_at = models.DateTimeField(_("reverted at"), null=True, blank=True)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revert_reason = models.CharField(_("reason for reverting"), max_length=500, blank=True)
    # Progress of a batch applied in the background, and what it did.
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("reassignment batch")
        verbose_name_plural = _("reassignment batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.province} {self.effective_on}"


class CatalogueEvent(models.Model):
    """History of every change to the catalogue and its assignments (who, when, what, why)."""

    class Action(models.TextChoices):
        PROCEDURE_CREATED = "procedure_created", _("procedure created")
        VERSION_PUBLISHED = "version_published", _("version published")
        ASSIGNMENT_CREATED = "assignment_created", _("assignment created")
        ASSIGNMENT_CLOSED = "assignment_closed", _("assignment closed")
        IMPORTED = "imported", _("catalogue imported")
        BATCH_APPLIED = "batch_applied", _("reassignment applied")
        BATCH_REVERTED = "batch_reverted", _("reassignment reverted")

    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    procedure = models.ForeignKey(
        Procedure, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    batch = models.ForeignKey(
        ReassignmentBatch, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("catalogue event")
        verbose_name_plural = _("catalogue events")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

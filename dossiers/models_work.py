"""The back office's own records: extensions, the sync outbox, notices, saved filters, denials."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PaymentMethod(models.TextChoices):
    """How a financial obligation was paid (kept on the ``confirm_payment`` event's data).

    Only ONLINE counts for the index's online-payment indicator (Decision 766: dossiers paid
    online / dossiers with fees; ``reports.rollups`` reads it)."""

    ONLINE = "online", _("online (national payment platform or online banking)")
    COUNTER = "counter", _("cash at the counter")
    TRANSFER = "transfer", _("bank transfer")


class Extension(models.Model):
    """An apology and extension (form 04): a new appointment, asked before the old one passed."""

    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="extensions"
    )
    old_appointment = models.DateTimeField(_("appointment before"))
    new_appointment = models.DateTimeField(_("new appointment"))
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id} → {self.new_appointment:%Y-%m-%d}"


class OutboxEntry(models.Model):
    """A change to send to the national portal, written in the transition's own transaction.

    The relay sends a dossier's entries one at a time in revision order (a later version never
    overtakes an earlier one); a committed change is never lost because the entry commits
    with it. Failures are retried from the database (``next_attempt_at``), with backoff; an
    entry the portal rejects as invalid, or that failed too often, is dead-lettered.
    """

    class Kind(models.TextChoices):
        UPSERT = "upsert", _("dossier (DongBoHoSoMC)")
        PROGRESS = "progress", _("progress step (CapNhatTienDoHoSoMC)")

    class State(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        DEAD = "dead", _("dead letter")

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.PROTECT, related_name="outbox")
    revision = models.PositiveIntegerField()
    event = models.OneToOneField(
        "dossiers.DossierEvent", null=True, on_delete=models.PROTECT, related_name="outbox"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.UPSERT)
    # The dossier's fields at this revision (documents and lists are added when sending).
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # Set when the sweep hands the dossier to a worker: not handed again until it expires
    # (a worker killed mid-send, or a broker that lost the message, lets it lapse).
    leased_until = models.DateTimeField(null=True, blank=True)
    # Re-sends after reconciliation found the portal without this revision.
    resends = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sync outbox entry")
        verbose_name_plural = _("sync outbox entries")
        ordering = ["id"]
        indexes = [
            # The head of each dossier's line: its first entry not yet sent.
            models.Index(
                fields=["dossier", "revision"], condition=~Q(state="sent"), name="outbox_unsent"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "revision"], name="outbox_dossier_revision")
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}@{self.revision}"

    @property
    def idempotency_key(self) -> str:
        # The same key on every attempt and re-send: the portal applies a revision once.
        return f"{self.payload.get('MaHoSo', self.dossier_id)}:{self.revision}"


class SyncAttempt(models.Model):
    """One call to the national portal for an outbox entry: the dossier's sync history."""

    entry = models.ForeignKey(OutboxEntry, on_delete=models.CASCADE, related_name="attempts_made")
    at = models.DateTimeField(auto_now_add=True)
    duration_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=20)
    http_status = models.PositiveSmallIntegerField(null=True)
    answer = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["entry", "at"], name="sync_attempt_entry")]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.outcome}"


class ReconciliationRun(models.Model):
    """A comparison of our dossiers with what the national portal holds, and the re-sends."""

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    checked = models.PositiveIntegerField(default=0)
    differences = models.PositiveIntegerField(default=0)
    resent = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.differences}"


class Notice(models.Model):
    """An in-app notice to a staff member (what falls due, what is overdue)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(max_length=30)
    text = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="notice_user")]

    def __str__(self) -> str:
        return self.text[:60]


class SavedFilter(models.Model):
    """An officer's named queue filter (a query string over a queue)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filter"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_filter_user_name")
        ]

    def __str__(self) -> str:
        return self.name


class DeniedAction(models.Model):
    """Every refused attempt to see or act on a dossier (who, what, why): for audits."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=40)
    dossier_code = models.CharField(max_length=30, blank=True)
    reason = models.CharField(max_length=300)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("denied action")
        verbose_name_plural = _("denied actions")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.dossier_code}"

"""The sync's own records: the outbox of changes for the national portal, each call made, and
the reconciliation runs. Tables keep their first names (``dossiers_*``): the models moved here
from ``dossiers`` with state-only migrations, no data copied."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
        db_table = "dossiers_outboxentry"
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
        db_table = "dossiers_syncattempt"
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
        db_table = "dossiers_reconciliationrun"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.differences}"

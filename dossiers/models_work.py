"""The back office's own records: extensions, the sync outbox, notices, saved filters, denials."""

from django.conf import settings
from django.db import models
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

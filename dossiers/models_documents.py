"""Drafts of online submissions and the documents attached to drafts and dossiers.

A draft is saved as the citizen goes, on the server, so it can be resumed from another device;
submitting it makes the dossier and moves its documents over. Files are stored privately and
served only through views that check the viewer.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def document_path(instance, filename: str) -> str:
    # Content-addressed names: no user-chosen path ever reaches the storage.
    return f"dossiers/{instance.sha256[:2]}/{instance.sha256}.{instance.extension}"


class DossierDraft(models.Model):
    """An online submission in progress (not yet a dossier, so not yet on the national record)."""

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dossier_drafts"
    )
    procedure = models.ForeignKey(
        "procedures.Procedure", on_delete=models.CASCADE, related_name="+"
    )
    version = models.ForeignKey(
        "procedures.ProcedureVersion", on_delete=models.PROTECT, related_name="+"
    )
    data = models.JSONField(_("what was typed"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("dossier draft")
        verbose_name_plural = _("dossier drafts")
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "procedure"], name="draft_one_per_procedure"
            )
        ]

    def __str__(self) -> str:
        return f"{self.applicant_id} {self.procedure_id}"


class DossierDocument(models.Model):
    """A file of a draft or a dossier, for one document component of its case (or extra)."""

    draft = models.ForeignKey(
        DossierDraft, null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    component = models.ForeignKey(
        "procedures.DocumentComponent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField(_("file"), upload_to=document_path)
    original_name = models.CharField(_("file name"), max_length=255)
    mime = models.CharField(max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(draft__isnull=False) | Q(dossier__isnull=False),
                name="document_belongs_somewhere",
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class Rating(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("very satisfied")
    SATISFIED = "satisfied", _("satisfied")
    DISSATISFIED = "dissatisfied", _("dissatisfied")


class DossierRating(models.Model):
    """The applicant's rating of the service once the result is ready (one per dossier)."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="rating"
    )
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.rating}"

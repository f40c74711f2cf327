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


class DocumentKind(models.TextChoices):
    SUBMITTED = "submitted", _("submitted with the dossier")
    SUPPLEMENT = "supplement", _("supplement")
    RESULT = "result", _("result")


class DossierDocument(models.Model):
    """A file of a draft or a dossier, for one document component of its case (or extra).

    Dossiers that arrive from the national portal may hold documents by link only
    (``remote_url``) until someone fetches them.
    """

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
    kind = models.CharField(
        _("kind"), max_length=12, choices=DocumentKind.choices, default=DocumentKind.SUBMITTED
    )
    supplement = models.ForeignKey(
        "dossiers.SupplementRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    file = models.FileField(_("file"), upload_to=document_path, blank=True)
    remote_url = models.URLField(_("link"), max_length=500, blank=True)
    # The national index's digitisation flags (DOMAIN.md, sync fields).
    is_digitised = models.BooleanField(_("digitised"), default=False)
    is_reused = models.BooleanField(_("reused digitised data"), default=False)
    from_data_store = models.BooleanField(_("taken from the national data store"), default=False)
    original_name = models.CharField(_("file name"), max_length=255)
    mime = models.CharField(max_length=100, blank=True)
    extension = models.CharField(max_length=10, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(max_length=64, db_index=True, blank=True)
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


class SupplementRequest(models.Model):
    """A request for more documents (form 02): the clock stops until the applicant supplies them.

    The appointment before and after the pause are both kept (the national portal receives
    them); more than one request on a dossier counts it overdue in the national index.
    """

    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="supplement_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey("units.Agency", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("what is missing and why"))
    items = models.JSONField(_("documents asked for"), default=list)
    previous_status = models.PositiveSmallIntegerField()
    requested_at = models.DateTimeField(_("requested at"))
    supplied_at = models.DateTimeField(_("supplied at"), null=True, blank=True)
    note = models.TextField(_("applicant's note"), blank=True)
    old_appointment = models.DateTimeField(_("appointment before"), null=True, blank=True)
    new_appointment = models.DateTimeField(_("appointment after"), null=True, blank=True)

    class Meta:
        verbose_name = _("supplement request")
        verbose_name_plural = _("supplement requests")
        ordering = ["requested_at", "id"]
        constraints = [
            # One open request at a time: the applicant answers the one in front of them.
            models.UniqueConstraint(
                fields=["dossier"],
                condition=Q(supplied_at__isnull=True),
                name="one_open_supplement_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.requested_at:%Y-%m-%d}"

"""Officials' digital signatures (chữ ký số): job positions, certificates, signed results.

A certificate is issued to an official for a job position (vị trí việc làm) of an agency; the
leader's approval of a result signs the result PDF with it. Private keys never leave the
server unencrypted: they are stored encrypted with a key from the environment and are never
shown. In deployment the certificates come from the Government Cipher Committee's CA; here a
CA stand-in of our own (``signatures.ca``) issues them, through the same models.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Authority(models.Model):
    """A certificate authority of the stand-in: the root, and the CA that issues to officials."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    certificate_pem = models.TextField()
    key_encrypted = models.TextField()
    crl_number = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("certificate authority")
        verbose_name_plural = _("certificate authorities")

    def __str__(self) -> str:
        return self.name


class Position(models.Model):
    """A job position (vị trí việc làm) of an agency that signs in its own name."""

    agency = models.ForeignKey("units.Agency", on_delete=models.PROTECT, related_name="positions")
    code = models.CharField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    is_active = models.BooleanField(_("in the current list"), default=True)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="positions",
        verbose_name=_("held by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("job position")
        verbose_name_plural = _("job positions")
        ordering = ["agency", "code"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="position_agency_code")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"


class RevocationReason(models.TextChoices):
    # The RFC 5280 reasons an agency actually uses.
    UNSPECIFIED = "unspecified", _("unspecified")
    KEY_COMPROMISE = "key_compromise", _("key compromised")
    AFFILIATION_CHANGED = "affiliation_changed", _("the holder left the position")
    SUPERSEDED = "superseded", _("replaced by a new certificate")
    CESSATION_OF_OPERATION = "cessation_of_operation", _("the position no longer exists")


class Certificate(models.Model):
    """A signing certificate of an official for a position."""

    serial = models.CharField(_("serial number"), max_length=64, unique=True)
    issuer = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="issued")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("holder"),
    )
    position = models.ForeignKey(
        Position, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("position")
    )
    subject = models.CharField(_("subject"), max_length=500)
    certificate_pem = models.TextField()
    # Empty for a certificate whose key lives on the official's token (external signing).
    key_encrypted = models.TextField(blank=True)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.CharField(
        _("revocation reason"), max_length=30, choices=RevocationReason.choices, blank=True
    )
    renewed_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="renewals"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-not_before", "-id"]
        indexes = [
            models.Index(
                fields=["holder", "position"],
                condition=Q(revoked_at__isnull=True),
                name="certificate_in_force",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} #{self.serial}"


class SignedResult(models.Model):
    """A result document as it left the portal: signed, hashed and validated."""

    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="signed_results"
    )
    document = models.OneToOneField(
        "dossiers.DossierDocument", on_delete=models.PROTECT, related_name="signature"
    )
    source = models.ForeignKey(
        "dossiers.DossierDocument", null=True, on_delete=models.PROTECT, related_name="+"
    )
    certificate = models.ForeignKey(
        Certificate, null=True, blank=True, on_delete=models.PROTECT, related_name="signed"
    )
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    external = models.BooleanField(_("signed outside the portal"), default=False)
    sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField(_("signed at"))
    validation = models.JSONField(_("validation result"), default=dict)
    # What the QR code on the result opens: the public verification page of this result.
    token = models.CharField(max_length=32, unique=True)

    class Meta:
        verbose_name = _("signed result")
        verbose_name_plural = _("signed results")
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.signed_at:%Y-%m-%d}"


class TrustRoot(models.Model):
    """A root certificate that verification trusts (besides the stand-in's own)."""

    name = models.CharField(_("name"), max_length=200)
    certificate_pem = models.TextField(_("certificate (PEM)"))
    is_active = models.BooleanField(_("trusted"), default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("trusted root")
        verbose_name_plural = _("trusted roots")

    def __str__(self) -> str:
        return self.name


class ReissueBatch(models.Model):
    """The replacement of an agency's position list, and the certificates it re-issues."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    agency = models.ForeignKey("units.Agency", on_delete=models.PROTECT, related_name="+")
    positions = models.JSONField(_("the new position list"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("certificate re-issue")
        verbose_name_plural = _("certificate re-issues")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.created_at:%Y-%m-%d}"

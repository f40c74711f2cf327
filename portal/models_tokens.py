"""API clients and their tokens: how systems (provincial systems, the national portal's callbacks,
scripts) call the REST API without a person's session.

A client belongs to one agency and acts as its owner account: a token authenticates as the
owner, so the owner's roles decide what the system may see and do, exactly as for a person. The
token's secret is shown once, when it is issued; only its SHA-256 is kept, with a short public
prefix that names the token in lists and logs.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TokenScope(models.TextChoices):
    """What a token may be used for; ``write`` includes ``read``."""

    READ = "read", _("read (safe requests only)")
    WRITE = "write", _("write (lifecycle actions and submissions)")
    NATIONAL = "national", _("national portal (inbound dossiers)")


class ApiClient(models.Model):
    """A system that calls the API on behalf of one agency (hệ thống kết nối)."""

    name = models.CharField(_("name"), max_length=120)
    agency = models.ForeignKey(
        "units.Agency",
        on_delete=models.PROTECT,
        related_name="api_clients",
        verbose_name=_("agency"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_clients",
        verbose_name=_("owner account"),
        help_text=_("The system acts as this account: its roles decide what the system may do."),
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["agency_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="api_client_name_per_agency")
        ]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """One secret of a client. Never deleted: revoked, so its uses stay explained."""

    client = models.ForeignKey(
        ApiClient, on_delete=models.PROTECT, related_name="tokens", verbose_name=_("API client")
    )
    # The token's first characters (``ptk_`` and its key), shown in lists; looked up by it.
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    secret_hash = models.CharField(_("SHA-256 of the token"), max_length=64)
    # Space-separated, as OAuth writes scopes: "read", "write", "national".
    scopes = models.CharField(_("scopes"), max_length=60)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("issued by"),
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.prefix

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired()


class ApiTokenEvent(models.Model):
    """The audit of a token: issued, revoked, and every refused use (nhật ký sử dụng khóa)."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("issued")
        REVOKED = "revoked", _("revoked")
        REFUSED_REVOKED = "refused_revoked", _("refused: token revoked")
        REFUSED_EXPIRED = "refused_expired", _("refused: token expired")
        REFUSED_SECRET = "refused_secret", _("refused: wrong secret")
        REFUSED_INACTIVE = "refused_inactive", _("refused: client or owner inactive")
        REFUSED_SCOPE = "refused_scope", _("refused: outside the token's scope")

    token = models.ForeignKey(
        ApiToken, on_delete=models.PROTECT, related_name="events", verbose_name=_("API token")
    )
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=10, blank=True)
    path = models.CharField(_("path"), max_length=200, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("API token event")
        verbose_name_plural = _("API token events")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.token_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

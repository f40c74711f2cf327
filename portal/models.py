"""Accounts: the custom user, the citizen profile and the sign-in audit."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.validators import cccd_validator


class User(AbstractUser):
    """Anyone who signs in: a citizen (with a profile) or a staff member (with memberships)."""

    full_name = models.CharField(_("full name"), max_length=200, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or self.username


class IdentityLevel(models.IntegerChoices):
    """Electronic identity levels of VNeID accounts (Decree 69/2024)."""

    LEVEL_1 = 1, _("Level 1")
    LEVEL_2 = 2, _("Level 2")


class CitizenProfile(models.Model):
    """A citizen's identity as the e-ID provider vouches for it (công dân)."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="citizen_profile", verbose_name=_("user")
    )
    cccd = models.CharField(
        _("citizen ID (CCCD) number"), max_length=12, unique=True, validators=[cccd_validator]
    )
    full_name = models.CharField(_("full name"), max_length=200)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    identity_level = models.PositiveSmallIntegerField(
        _("identity level"), choices=IdentityLevel.choices, default=IdentityLevel.LEVEL_1
    )
    vneid_verified = models.BooleanField(_("verified by VNeID"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("citizen profile")
        verbose_name_plural = _("citizen profiles")

    def __str__(self) -> str:
        return f"{self.full_name} ({self.cccd})"


class SignInEvent(models.Model):
    """One step of a sign-in, kept for audit (who, when, from where, what happened)."""

    class Kind(models.TextChoices):
        PASSWORD_OK = "password_ok", _("password accepted")
        PASSWORD_FAILED = "password_failed", _("wrong user name or password")
        LOCKED_OUT = "locked_out", _("account locked after repeated failures")
        OTP_OK = "otp_ok", _("second factor accepted")
        OTP_FAILED = "otp_failed", _("wrong second-factor code")
        OTP_ENROLLED = "otp_enrolled", _("authenticator app enrolled")
        SIGNED_OUT = "signed_out", _("signed out")

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="sign_in_events"
    )
    username = models.CharField(_("user name"), max_length=150)
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("sign-in event")
        verbose_name_plural = _("sign-in events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["username", "-at"], name="signin_username_at")]

    def __str__(self) -> str:
        return f"{self.username} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class IdempotencyKey(models.Model):
    """A client's key for one state-changing request (the API's ``Idempotency-Key`` header, the
    submit form's one-time token): the first request with the key does the work and records its
    result here, in the same transaction; a retry with the key gets that result again.

    The unique constraint is the lock: a concurrent duplicate's insert waits on the first one's
    transaction and then fails, so two requests at once still do the work once."""

    class Scope(models.TextChoices):
        DOSSIER_SUBMISSION = "dossier_submission", _("dossier submission")

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(_("scope"), max_length=40, choices=Scope.choices)
    key = models.UUIDField(_("key"))
    # The primary key of what the first request created (a dossier for submissions).
    result_id = models.BigIntegerField(_("result"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "scope", "key"], name="idempotency_key_once_per_owner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


# API clients and tokens live in their own module; imported here so Django finds them.
from portal.models_tokens import ApiClient, ApiToken, ApiTokenEvent, TokenScope  # noqa: E402, F401

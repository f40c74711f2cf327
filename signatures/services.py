"""Certificates for signing, the signer's second factor, positions and their holders.

``signatures`` knows nothing of dossiers: signing a dossier's result is a lifecycle action
(``dossiers.lifecycle.signing``) that calls ``certificate_for`` and ``signatures.pdf``.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from signatures import ca
from signatures.models import Certificate, Position, RevocationReason


class CertificateRefused(Exception):
    """The signer holds no certificate usable here now; ``message`` says why."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def verification_path(token: str) -> str:
    return reverse("signatures:result", args=[token])


def certificate_for(*, user, agency) -> Certificate:
    """The certificate ``user`` signs with for ``agency`` now; SigningRefused says why not."""
    now = timezone.now()
    candidates = list(
        Certificate.objects.filter(holder=user, position__agency=agency)
        .select_related("position__agency", "issuer__parent", "holder")
        .order_by("-not_before")
    )
    if not candidates:
        raise CertificateRefused(
            _("You hold no signing certificate for a position at %(agency)s.")
            % {"agency": agency.name}
        )
    for certificate in candidates:
        position = certificate.position
        if certificate.revoked_at is not None:
            continue
        if not (certificate.not_before <= now <= certificate.not_after):
            continue
        if not position.is_active or position.holder_id != user.pk:
            continue
        return certificate
    latest = candidates[0]
    if latest.revoked_at is not None:
        reason = _("Your certificate was revoked on %(date)s (%(reason)s).") % {
            "date": timezone.localtime(latest.revoked_at).strftime("%d/%m/%Y"),
            "reason": latest.get_revocation_reason_display(),
        }
    elif latest.not_after < now:
        reason = _("Your certificate expired on %(date)s.") % {
            "date": timezone.localtime(latest.not_after).strftime("%d/%m/%Y")
        }
    elif latest.not_before > now:
        reason = _("Your certificate is not valid yet.")
    else:
        reason = _("You no longer hold the position “%(position)s”.") % {
            "position": latest.position.title
        }
    raise CertificateRefused(reason)


def has_authenticator(user) -> bool:
    """Whether ``user`` has enrolled an authenticator app (signing asks for its code)."""
    from django_otp import devices_for_user

    return any(True for _device in devices_for_user(user, confirmed=True))


def second_factor_ok(user, token: str) -> bool:
    """The leader's one-time code from their authenticator (django-otp devices)."""
    from django_otp import devices_for_user

    token = (token or "").strip().replace(" ", "")
    if not token.isdigit():
        return False
    return any(device.verify_token(token) for device in devices_for_user(user, confirmed=True))


# --- Positions and bulk re-issue ----------------------------------------------------------------


def position_assign(*, position: Position, holder) -> Certificate:
    """Give ``position`` to ``holder``: the previous holder's certificate is revoked and the new
    holder gets one."""
    with transaction.atomic():
        for old in Certificate.objects.filter(position=position, revoked_at__isnull=True):
            ca.revoke(certificate=old, reason=RevocationReason.AFFILIATION_CHANGED)
        position.holder = holder
        position.is_active = True
        position.save(update_fields=["holder", "is_active", "updated_at"])
        return ca.issue(holder=holder, position=position)

"""Signing results, accepting results signed elsewhere, positions and their certificates.

``sign_result`` is the leader's approval of a result at the "awaiting signature" step: it asks
for the leader's second factor, checks the certificate (valid now, not revoked, held for this
position in this agency), signs the result PDF, checks the signed file as anyone would, stores
it with its hash, certificate and verdict, and issues the result (status 9) — one transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import lifecycle
from dossiers.errors import DossierError, NotPermitted
from dossiers.lifecycle import Action
from dossiers.models import Dossier, Status, Step
from dossiers.models_documents import DocumentKind, DossierDocument
from dossiers.uploads import check_upload, store_file
from signatures import ca, pdf
from signatures.models import Certificate, Position, RevocationReason, SignedResult


class SigningRefused(DossierError):
    code = "signing_refused"


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
        raise SigningRefused(
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
    raise SigningRefused(reason)


def has_authenticator(user) -> bool:
    """Whether ``user`` has enrolled an authenticator app (signing asks for its code)."""
    from django_otp import devices_for_user

    return any(True for _device in devices_for_user(user, confirmed=True))


def _second_factor(actor, otp_token: str) -> None:
    """The leader's code, checked once per signing (or batch); SigningRefused says why not."""
    if not has_authenticator(actor):
        raise SigningRefused(
            _(
                "You have not set up an authenticator app yet: signing asks for its code. Set it "
                "up (scan a QR code with your phone), then sign."
            ),
            field="otp_token",
        )
    if not second_factor_ok(actor, otp_token):
        raise SigningRefused(
            _("The code from your authenticator app is wrong or expired."), field="otp_token"
        )


def second_factor_ok(user, token: str) -> bool:
    """The leader's one-time code from their authenticator (django-otp devices)."""
    from django_otp import devices_for_user

    token = (token or "").strip().replace(" ", "")
    if not token.isdigit():
        return False
    return any(device.verify_token(token) for device in devices_for_user(user, confirmed=True))


def _unsigned_result(dossier: Dossier) -> DossierDocument:
    document = (
        dossier.documents.filter(kind=DocumentKind.RESULT, signature__isnull=True)
        .order_by("-uploaded_at", "-id")
        .first()
    )
    if document is None:
        raise SigningRefused(_("Attach the result document first."), field="result")
    return document


def _checked(upload):
    """The same checks as every stored file (a PDF, no scripts, a safe name), as a refusal."""
    try:
        info = check_upload(upload)
    except ValidationError as exc:
        raise SigningRefused(exc.messages[0], field="file") from exc
    if info.mime != "application/pdf":
        raise SigningRefused(_("A result is a PDF file."), field="file")
    return info


def _store(dossier, *, name: str, content: bytes, user) -> DossierDocument:
    upload = SimpleUploadedFile(name, content, "application/pdf")
    info = _checked(upload)
    document = DossierDocument(
        dossier=dossier,
        kind=DocumentKind.RESULT,
        original_name=info.name,
        mime=info.mime,
        extension=info.extension,
        size=info.size,
        sha256=info.sha256,
        uploaded_by=user,
        is_digitised=True,
    )
    store_file(document, upload)
    document.save()
    return document


def _ready_to_sign(dossier: Dossier, user) -> Dossier:
    dossier = Dossier.objects.select_related(
        "agency", "holder_agency", "reception_agency", "version"
    ).get(pk=dossier.pk)
    if dossier.status != Status.IN_PROCESSING or dossier.step != Step.SIGNATURE:
        raise SigningRefused(_("The result is not awaiting signature."))
    lifecycle.check(dossier, user, Action.ISSUE_RESULT)
    return dossier


def sign_result(
    *, dossier: Dossier, actor, otp_token: str, revision: int | None = None
) -> SignedResult:
    """The leader signs the result and issues it (status 9). See the module docstring."""
    try:
        dossier = _ready_to_sign(dossier, actor)
    except NotPermitted as exc:
        lifecycle._log_denial(actor, "sign_result", dossier, str(exc.message))
        raise
    _second_factor(actor, otp_token)
    return sign_and_issue(dossier=dossier, actor=actor, revision=revision)


@dataclass
class BatchOutcome:
    """What a batch signing did: each result signed and issued on its own, each failure named."""

    signed: list[SignedResult] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (dossier code, reason)


def sign_batch(*, dossiers: list[Dossier], actor, otp_token: str) -> BatchOutcome:
    """Ký số hàng loạt: the leader confirms once with the second factor, and each result is
    signed and issued in its own transaction, so one that fails (not awaiting signature, no
    certificate, someone acted first) is named with its reason while the others stay done."""
    _second_factor(actor, otp_token)
    outcome = BatchOutcome()
    for dossier in dossiers:
        try:
            outcome.signed.append(sign_and_issue(dossier=dossier, actor=actor))
        except NotPermitted as exc:
            lifecycle._log_denial(actor, "sign_result", dossier, str(exc.message))
            outcome.failed.append((dossier.code, str(exc.message)))
        except DossierError as exc:
            outcome.failed.append((dossier.code, str(exc.message)))
    return outcome


def sign_and_issue(*, dossier: Dossier, actor, revision: int | None = None) -> SignedResult:
    """The signing itself, once the second factor was checked (``load_demo`` calls it)."""
    dossier = _ready_to_sign(dossier, actor)
    certificate = certificate_for(user=actor, agency=lifecycle.acting_agency(dossier))
    with transaction.atomic():
        source = _unsigned_result(dossier)
        token = secrets.token_urlsafe(16)
        url = f"{settings.SITE_URL.rstrip('/')}{verification_path(token)}"
        with source.file.open("rb") as handle:
            signed = pdf.sign(pdf=handle.read(), certificate=certificate, verification_url=url)
        verdict = pdf.verify(signed)
        if not verdict.valid:  # our own signature must pass our own check
            raise SigningRefused(
                _("The signed file did not verify: %(why)s") % {"why": verdict.reason}
            )
        name = source.original_name.removesuffix(".pdf") + "-da-ky.pdf"
        document = _store(dossier, name=name, content=signed, user=actor)
        result = SignedResult.objects.create(
            dossier=dossier,
            document=document,
            source=source,
            certificate=certificate,
            signer=actor,
            sha256=hashlib.sha256(signed).hexdigest(),
            signed_at=timezone.now(),
            validation=verdict.as_dict(),
            token=token,
        )
        lifecycle.issue_result(dossier=dossier, actor=actor, revision=revision)
    return result


def accept_external(
    *, dossier: Dossier, actor, upload, revision: int | None = None
) -> SignedResult:
    """A result the leader signed elsewhere (USB token software): accepted only if intact,
    chaining to a trusted root, valid at signing time, and signed by this leader."""
    try:
        dossier = _ready_to_sign(dossier, actor)
    except NotPermitted as exc:
        lifecycle._log_denial(actor, "accept_external", dossier, str(exc.message))
        raise
    name = _checked(upload).name
    content = upload.read()
    verdict = pdf.verify(content)
    if not verdict.valid:
        raise SigningRefused(verdict.reason, field="file")
    last = verdict.signatures[-1]
    certificate = Certificate.objects.filter(serial=last.serial).first()
    agency = lifecycle.acting_agency(dossier)
    ours = certificate is not None and certificate.holder_id == actor.pk
    theirs = (
        certificate is None
        and last.signer.casefold() == actor.get_full_name().casefold()
        and last.agency_identifier == agency.identifier
    )
    if not (ours or theirs):
        raise SigningRefused(
            _("The file is signed by %(signer)s, not by you.") % {"signer": last.signer or "?"},
            field="file",
        )
    with transaction.atomic():
        document = _store(dossier, name=name, content=content, user=actor)
        result = SignedResult.objects.create(
            dossier=dossier,
            document=document,
            certificate=certificate,
            signer=actor,
            external=True,
            sha256=hashlib.sha256(content).hexdigest(),
            signed_at=timezone.now(),
            validation=verdict.as_dict(),
            token=secrets.token_urlsafe(16),
        )
        lifecycle.issue_result(dossier=dossier, actor=actor, revision=revision)
    return result


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

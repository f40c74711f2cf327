"""Signing the result: the leader's approval at the "awaiting signature" step.

``sign_result`` asks for the leader's second factor, checks the certificate (valid now, not
revoked, held for this position in this agency; ``signatures.services.certificate_for``), signs
the result PDF (``signatures.pdf``), checks the signed file as anyone would, stores it with its
hash, certificate and verdict, and issues the result (status 9) — one transaction. A result
signed elsewhere (USB token software) is accepted by ``accept_external`` once verified.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.documents import NewDocument, document_add
from dossiers.errors import DossierError, NotPermitted
from dossiers.lifecycle.engine import log_denial
from dossiers.lifecycle.results import issue_result
from dossiers.lifecycle.rules import Action, acting_agency, check
from dossiers.models import Dossier, Status, Step
from dossiers.models_documents import DocumentKind, DossierDocument
from dossiers.uploads import check_upload
from signatures import pdf
from signatures.models import Certificate, SignedResult
from signatures.services import (
    CertificateRefused,
    certificate_for,
    has_authenticator,
    second_factor_ok,
    verification_path,
)


class SigningRefused(DossierError):
    code = "signing_refused"


def second_factor_check(actor, otp_token: str) -> None:
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


def _signed_pdf(content: bytes, *, certificate, verification_url: str) -> bytes:
    """The result signed, or SigningRefused when the attached PDF cannot be signed: the upload
    check accepts any PDF with an object and an end marker, but signing appends to its
    cross-reference table, which a malformed file lacks (found by bench/soak.py: a 500)."""
    from pyhanko.pdf_utils.misc import PdfError

    try:
        return pdf.sign(pdf=content, certificate=certificate, verification_url=verification_url)
    except (PdfError, ValueError) as exc:
        raise SigningRefused(
            _("The attached result is not a PDF that can be signed; attach it again.")
        ) from exc


def _store(dossier, *, name: str, content: bytes, user) -> DossierDocument:
    upload = SimpleUploadedFile(name, content, "application/pdf")
    info = _checked(upload)
    return document_add(
        NewDocument(
            dossier=dossier, kind=DocumentKind.RESULT, upload=upload, info=info, is_digitised=True
        ),
        uploaded_by=user,
    )


def _ready_to_sign(dossier: Dossier, user) -> Dossier:
    dossier = Dossier.objects.select_related(
        "agency", "holder_agency", "reception_agency", "version"
    ).get(pk=dossier.pk)
    if dossier.status != Status.IN_PROCESSING or dossier.step != Step.SIGNATURE:
        raise SigningRefused(_("The result is not awaiting signature."))
    check(dossier, user, Action.ISSUE_RESULT)
    return dossier


def sign_result(
    *, dossier: Dossier, actor, otp_token: str, revision: int | None = None
) -> SignedResult:
    """The leader signs the result and issues it (status 9). See the module docstring."""
    try:
        dossier = _ready_to_sign(dossier, actor)
    except NotPermitted as exc:
        log_denial(actor, "sign_result", dossier, str(exc.message))
        raise
    second_factor_check(actor, otp_token)
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
    second_factor_check(actor, otp_token)
    outcome = BatchOutcome()
    for dossier in dossiers:
        try:
            outcome.signed.append(sign_and_issue(dossier=dossier, actor=actor))
        except NotPermitted as exc:
            log_denial(actor, "sign_result", dossier, str(exc.message))
            outcome.failed.append((dossier.code, str(exc.message)))
        except DossierError as exc:
            outcome.failed.append((dossier.code, str(exc.message)))
    return outcome


def sign_and_issue(*, dossier: Dossier, actor, revision: int | None = None) -> SignedResult:
    """The signing itself, once the second factor was checked (``load_demo`` calls it)."""
    dossier = _ready_to_sign(dossier, actor)
    try:
        certificate = certificate_for(user=actor, agency=acting_agency(dossier))
    except CertificateRefused as exc:
        raise SigningRefused(exc.message) from exc
    with transaction.atomic():
        source = _unsigned_result(dossier)
        token = secrets.token_urlsafe(16)
        url = f"{settings.SITE_URL.rstrip('/')}{verification_path(token)}"
        with source.file.open("rb") as handle:
            content = handle.read()
        signed = _signed_pdf(content, certificate=certificate, verification_url=url)
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
        issue_result(dossier=dossier, actor=actor, revision=revision)
    return result


def accept_external(
    *, dossier: Dossier, actor, upload, revision: int | None = None
) -> SignedResult:
    """A result the leader signed elsewhere (USB token software): accepted only if intact,
    chaining to a trusted root, valid at signing time, and signed by this leader."""
    try:
        dossier = _ready_to_sign(dossier, actor)
    except NotPermitted as exc:
        log_denial(actor, "accept_external", dossier, str(exc.message))
        raise
    name = _checked(upload).name
    content = upload.read()
    verdict = pdf.verify(content)
    if not verdict.valid:
        raise SigningRefused(verdict.reason, field="file")
    last = verdict.signatures[-1]
    certificate = Certificate.objects.filter(serial=last.serial).first()
    agency = acting_agency(dossier)
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
        issue_result(dossier=dossier, actor=actor, revision=revision)
    return result

"""PAdES signing and verification of result PDFs with pyHanko.

``sign`` puts a visible stamp (signer, position, agency, signing time) on the last page and an
RFC 3161 timestamp when ``SIGNATURES_TSA_URL`` is set. ``verify`` reports, for each signature
of a PDF: who signed, in which position and agency, when, whether the bytes are intact, whether
the certificate chains to a trusted root, and its status at signing time and now — a verdict
in plain words, never an exception.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils import timezone
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.stamp import QRStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signatures import ca
from signatures.models import Authority, Certificate, TrustRoot

logger = logging.getLogger("signatures")
FIELD = "KySoKetQua"
# Bottom right of the last page, in points (A4 is 595 x 842).
STAMP_BOX = (300, 40, 570, 130)
STAMP_TEXT = "Ký bởi: %(signer)s\nChức vụ: %(position)s\nCơ quan: %(agency)s\nThời gian ký: %(ts)s"


def _asn1_cert(pem_text: str) -> asn1_x509.Certificate:
    der = ca.load(pem_text).public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(der)


def _font_path() -> Path:
    return Path(getattr(settings, "RECEIPT_FONT_DIR", "/usr/share/fonts/truetype/dejavu")) / (
        "DejaVuSans.ttf"
    )


# Latin, Vietnamese (Latin Extended Additional), combining marks and punctuation.
STAMP_RANGES = ((0x20, 0x24F), (0x300, 0x36F), (0x1E00, 0x1EFF), (0x2000, 0x206F))


@lru_cache(maxsize=1)
def _stamp_font() -> str:
    """A small copy of the font holding only what a Vietnamese stamp needs, made once per
    process: pyHanko subsets the stamp's font on every signature, and subsetting the whole
    DejaVu Sans (with its layout tables) was three quarters of the time of a signature."""
    from fontTools import subset

    source = _font_path()
    target = Path(tempfile.gettempdir()) / f"portal-stamp-{source.stat().st_mtime_ns}.ttf"
    if not target.exists():
        options = subset.Options()
        options.layout_features = []
        options.hinting = False
        options.notdef_outline = True
        font = subset.load_font(str(source), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(
            unicodes=[c for start, end in STAMP_RANGES for c in range(start, end + 1)]
        )
        subsetter.subset(font)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        subset.save_font(font, str(partial), options)
        os.replace(partial, target)
    return str(target)


def _stamp_style() -> QRStampStyle:
    return QRStampStyle(
        stamp_text=STAMP_TEXT,
        timestamp_format="%H:%M:%S %d/%m/%Y (%Z)",
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(_stamp_font()), font_size=8),
        border_width=1,
    )


class _UnsealedSigner(signers.SimpleSigner):
    """pyHanko's signer with the key already loaded: its own reloads the DER key, with the RSA
    consistency check, for every raw signature (three per PDF signature)."""

    def __init__(self, *, key, **kwargs):
        super().__init__(**kwargs)
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism.signature_algo != "rsassa_pkcs1v15":
            return super().sign_raw(data, digest_algorithm)
        return self._key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


def sign(*, pdf: bytes, certificate: Certificate, verification_url: str, reason: str = "") -> bytes:
    """``pdf`` signed (PAdES B-B, or B-T with a timestamp) with ``certificate``'s key."""
    issuer = certificate.issuer
    chain = [_asn1_cert(issuer.certificate_pem)]
    if issuer.parent_id:
        chain.append(_asn1_cert(issuer.parent.certificate_pem))
    key = ca.open_key(certificate.key_encrypted)
    key_der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    signer = _UnsealedSigner(
        key=key,
        signing_cert=_asn1_cert(certificate.certificate_pem),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs(chain),
    )
    position = certificate.position
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=certificate.holder.get_full_name(),
        reason=reason or None,
        location=position.agency.name,
    )
    timestamper = None
    if settings.SIGNATURES_TSA_URL:
        timestamper = timestamps.HTTPTimeStamper(settings.SIGNATURES_TSA_URL, timeout=10)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    last_page = int(writer.root["/Pages"]["/Count"]) - 1
    pdf_signer = signers.PdfSigner(
        meta,
        signer,
        timestamper=timestamper,
        stamp_style=_stamp_style(),
        new_field_spec=fields.SigFieldSpec(FIELD, on_page=last_page, box=STAMP_BOX),
    )
    out = io.BytesIO()
    pdf_signer.sign_pdf(
        writer,
        output=out,
        appearance_text_params={
            "url": verification_url,
            "signer": certificate.holder.get_full_name(),
            "position": position.title,
            "agency": position.agency.name,
        },
    )
    return out.getvalue()


# --- Verification ---------------------------------------------------------------------------------


@dataclass
class SignatureReport:
    signer: str = ""
    position: str = ""
    agency: str = ""
    agency_identifier: str = ""
    serial: str = ""
    signed_at: str = ""
    intact: bool = False
    trusted: bool = False
    covers_whole_file: bool = False
    status_at_signing: str = "unknown"
    status_now: str = "unknown"
    revoked_at: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass
class Verdict:
    valid: bool
    reason: str
    signatures: list[SignatureReport] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "valid": self.valid,
            "reason": self.reason,
            "signatures": [asdict(s) for s in self.signatures],
        }


def trust_roots() -> list[asn1_x509.Certificate]:
    """The stand-in's root plus every root an administrator added."""
    roots = [_asn1_cert(a.certificate_pem) for a in Authority.objects.filter(parent__isnull=True)]
    for root in TrustRoot.objects.filter(is_active=True):
        try:
            roots.append(_asn1_cert(root.certificate_pem))
        except ValueError:
            logger.warning("trusted root %s is not a PEM certificate", root.pk)
    return roots


def _intermediates() -> list[asn1_x509.Certificate]:
    return [_asn1_cert(a.certificate_pem) for a in Authority.objects.filter(parent__isnull=False)]


def _attribute(name: x509.Name, oid) -> str:
    values = name.get_attributes_for_oid(oid)
    return values[0].value if values else ""


def _status(certificate: Certificate | None, moment: dt.datetime, x509_cert) -> str:
    if moment < x509_cert.not_valid_before_utc:
        return "not_yet_valid"
    if moment > x509_cert.not_valid_after_utc:
        return "expired"
    if certificate is not None and certificate.revoked_at and certificate.revoked_at <= moment:
        return "revoked"
    return "good" if certificate is not None else "unknown_revocation"


def verify(pdf: bytes) -> Verdict:
    """Every signature of ``pdf`` checked; a corrupt or unsigned file is a verdict too."""
    from django.utils.translation import gettext as _

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as exc:
        logger.info("unreadable PDF: %s", exc)
        return Verdict(False, _("The file is not a readable PDF."))
    if not embedded:
        return Verdict(False, _("The PDF carries no digital signature."))
    context = ValidationContext(
        trust_roots=trust_roots(),
        other_certs=_intermediates(),
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    reports = []
    for signature in embedded:
        report = SignatureReport()
        try:
            status = validate_pdf_signature(signature, signer_validation_context=context)
        except Exception as exc:
            report.problems.append(_("The signature cannot be read: %(error)s") % {"error": exc})
            reports.append(report)
            continue
        cert_der = status.signing_cert.dump()
        cert = x509.load_der_x509_certificate(cert_der)
        serial = format(cert.serial_number, "x")
        known = (
            Certificate.objects.select_related("position__agency", "holder")
            .filter(serial=serial)
            .first()
        )
        signed_at = status.signer_reported_dt or (
            status.timestamp_validity.timestamp if status.timestamp_validity else None
        )
        report.signer = _attribute(cert.subject, NameOID.COMMON_NAME)
        report.position = _attribute(cert.subject, NameOID.TITLE)
        report.agency = _attribute(cert.subject, NameOID.ORGANIZATION_NAME)
        report.agency_identifier = _attribute(cert.subject, NameOID.ORGANIZATIONAL_UNIT_NAME)
        if known is not None:  # the register has the names in full (X.509 caps them at 64)
            report.signer = known.holder.get_full_name()
            report.position = known.position.title
            report.agency = known.position.agency.name
        report.serial = serial
        report.signed_at = signed_at.isoformat() if signed_at else ""
        report.intact = bool(status.intact and status.valid)
        report.trusted = bool(status.trust_problem_indic is None)
        report.covers_whole_file = status.coverage is not None and (
            status.coverage.name in ("ENTIRE_FILE", "ENTIRE_REVISION")
        )
        now = timezone.now()
        report.status_at_signing = _status(known, signed_at or now, cert)
        report.status_now = _status(known, now, cert)
        if known and known.revoked_at:
            report.revoked_at = known.revoked_at.isoformat()
        if not report.intact:
            report.problems.append(_("The document was changed after it was signed."))
        if not report.trusted:
            report.problems.append(
                _("The certificate does not chain to a trusted root (%(why)s).")
                % {"why": status.trust_problem_indic}
            )
        if report.status_at_signing == "revoked":
            report.problems.append(_("The certificate was revoked before the signing time."))
        if report.status_at_signing == "expired":
            report.problems.append(_("The certificate had expired at the signing time."))
        reports.append(report)
    valid = all(not r.problems for r in reports)
    reason = (
        _("Every signature is valid.")
        if valid
        else "; ".join(p for r in reports for p in r.problems)
    )
    return Verdict(valid, reason, reports)

"""PAdES signing and verification of result PDFs with pyHanko.

``sign`` draws a visible stamp (QR code to the verification page; signer, position, agency,
signing time in Vietnam's time) in the signature block the result reserved (``reserve_field``),
or at the bottom right of the last page of a PDF that reserved none, and adds an RFC 3161
timestamp when ``SIGNATURES_TSA_URL`` is set. ``verify`` reports, for each signature
of a PDF: who signed, in which position and agency, when, whether the bytes are intact, whether
the certificate chains to a trusted root, and its status at signing time and now — a verdict
in plain words, never an exception. The stamp itself is drawn by ``signatures.stamp``.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import asdict, dataclass, field

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils import timezone
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signatures import ca
from signatures.models import Authority, Certificate, TrustRoot
from signatures.stamp import (
    TIME_FORMAT,
    ZONE,
    _stamp_style,
    text_width,  # noqa: F401 - re-exported: the tests measure names with it
)

logger = logging.getLogger("signatures")
FIELD = "KySoKetQua"
# The stamp's box, in points: the generated result reserves a block of this size (an empty
# signature field named FIELD, see ``reserve_field``) under the signatory's title; a PDF without
# one (uploaded, signed elsewhere, older template) gets it at the bottom right of its last page.
STAMP_WIDTH, STAMP_HEIGHT = 232, 100
FALLBACK_MARGIN = 28


def _asn1_cert(pem_text: str) -> asn1_x509.Certificate:
    der = ca.load(pem_text).public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(der)


def reserve_field(pdf: bytes, *, page: int, box: tuple[float, float, float, float]) -> bytes:
    """``pdf`` with an empty signature field ``FIELD`` over ``box`` (points from the bottom
    left) on ``page`` (from 0): the block where the signer's stamp will be drawn. Signing
    software of other vendors shows and fills the same field."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    fields.append_signature_field(writer, fields.SigFieldSpec(FIELD, on_page=page, box=box))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def fallback_box(page_box, *, width: float = STAMP_WIDTH, height: float = STAMP_HEIGHT):
    """The stamp's box at the bottom right of a page whose (crop) box is ``page_box``, inside
    a margin and inside the page whatever its size."""
    left, bottom, right, top = (float(v) for v in page_box)
    left, right = min(left, right), max(left, right)
    bottom, top = min(bottom, top), max(bottom, top)
    margin = min(FALLBACK_MARGIN, (right - left) / 10, (top - bottom) / 10)
    x2, y1 = right - margin, bottom + margin
    x1 = max(left + margin, x2 - width)
    y2 = min(top - margin, y1 + height)
    return (x1, y1, x2, y2)


def _target(writer: IncrementalPdfFileWriter) -> tuple[str, fields.SigFieldSpec | None]:
    """The reserved field when the PDF has one left empty, else a new field at the bottom right
    of the last page."""
    filled = {
        name: value is not None for name, value, _ref in fields.enumerate_sig_fields(writer.prev)
    }
    if filled.get(FIELD) is False:
        return FIELD, None
    name = FIELD if FIELD not in filled else f"{FIELD}{len(filled) + 1}"
    last = int(writer.root["/Pages"]["/Count"]) - 1
    page = writer.prev.find_page_for_modification(last)[0].get_object()
    page_box = _inherited(page, "/CropBox") or _inherited(page, "/MediaBox") or (0, 0, 595, 842)
    return name, fields.SigFieldSpec(name, on_page=last, box=fallback_box(page_box))


def _inherited(node, key: str):
    """A page's attribute, from the page or the page tree above it (PDF 32000 7.7.3.4)."""
    while True:
        if key in node:
            return node[key]
        if "/Parent" not in node:
            return None
        node = node["/Parent"]


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
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    field_name, new_field = _target(writer)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=certificate.holder.get_full_name(),
        reason=reason or None,
        location=position.agency.name,
    )
    timestamper = None
    if settings.SIGNATURES_TSA_URL:
        timestamper = timestamps.HTTPTimeStamper(settings.SIGNATURES_TSA_URL, timeout=10)
    pdf_signer = signers.PdfSigner(
        meta,
        signer,
        timestamper=timestamper,
        stamp_style=_stamp_style(),
        new_field_spec=new_field,
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

    @property
    def signed_at_local(self) -> str:
        """The signing time as the stamp prints it: HH:MM:SS dd/mm/yyyy, in Vietnam's time (the
        API keeps ``signed_at`` in ISO 8601)."""
        if not self.signed_at:
            return ""
        moment = dt.datetime.fromisoformat(self.signed_at)
        return moment.astimezone(ZONE).strftime(TIME_FORMAT)


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

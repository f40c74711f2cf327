"""Verification for anyone, and results signed outside the portal (USB token software)."""

import datetime as dt
import io

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from dossiers.lifecycle import SigningRefused, accept_external, sign_result
from dossiers.models import Dossier, Status
from dossiers.receipts import _Receipt
from signatures import ca, pdf
from signatures.models import Position, TrustRoot
from tests.factories.dossiers import staff_of
from tests.signatures.conftest import otp_code
from units.models import Role

pytestmark = pytest.mark.django_db


def plain_pdf(text="Kết quả") -> bytes:
    doc = _Receipt()
    doc.add_page()
    doc.write_line(text)
    return bytes(doc.output())


def foreign_signed_pdf() -> tuple[bytes, str]:
    """A PDF signed under a root this portal has never seen."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    now = dt.datetime.now(dt.UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Unknown Root")])
    root = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Người lạ")]))
        .issuer_name(name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    der = lambda c: c.public_bytes(serialization.Encoding.DER)  # noqa: E731
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(der(leaf)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            leaf_key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(der(root))]),
    )
    out = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(plain_pdf())),
        signers.PdfSignatureMetadata(field_name="Sig"),
        signer=signer,
        output=out,
    )
    return out.getvalue(), root.public_bytes(serialization.Encoding.PEM).decode()


def test_unsigned_corrupt_and_unknown_root_files_get_a_clear_verdict(db, client):
    unsigned = pdf.verify(plain_pdf())
    corrupt = pdf.verify(b"%PDF-1.7 this is not really a pdf")
    foreign, foreign_root = foreign_signed_pdf()
    untrusted = pdf.verify(foreign)

    assert not unsigned.valid and not unsigned.signatures
    assert not corrupt.valid
    assert not untrusted.valid and untrusted.signatures[0].intact
    assert not untrusted.signatures[0].trusted

    TrustRoot.objects.create(name="Foreign", certificate_pem=foreign_root)
    trusted = pdf.verify(foreign)
    assert trusted.signatures[0].trusted and trusted.signatures[0].status_now == (
        "unknown_revocation"
    )


def test_the_page_and_the_api_answer_in_vietnamese_and_never_500(client):
    page = client.post("/signatures/verify/", {"file": SimpleUploadedFile("a.pdf", b"rubbish")})
    empty = client.post("/signatures/verify/", {})
    api = APIClient().post(
        "/api/v1/signatures/verify",
        {"file": SimpleUploadedFile("a.pdf", plain_pdf())},
        format="multipart",
    )
    missing = APIClient().post("/api/v1/signatures/verify", {}, format="multipart")

    assert page.status_code == 200 and "Chữ ký không hợp lệ" in page.content.decode()
    assert empty.status_code == 400 and "Chọn tệp PDF" in empty.content.decode()
    assert api.status_code == 200 and api.json()["valid"] is False
    assert missing.status_code == 400 and "file" in missing.json()


def test_the_qr_page_of_a_signed_result_shows_signer_position_and_agency(
    awaiting_signature, leader, certificate, client
):
    result = sign_result(dossier=awaiting_signature, actor=leader, otp_token=otp_code(leader))

    page = client.get(f"/signatures/verify/{result.token}/").content.decode()

    assert leader.get_full_name() in page and "Chủ tịch UBND" in page
    assert awaiting_signature.agency.name in page and "Chữ ký hợp lệ" in page


def test_a_result_signed_elsewhere_by_the_leader_is_accepted(
    awaiting_signature, leader, certificate
):
    signed = pdf.sign(pdf=plain_pdf(), certificate=certificate, verification_url="https://x/")

    result = accept_external(
        dossier=awaiting_signature,
        actor=leader,
        upload=SimpleUploadedFile("ky-tren-usb.pdf", signed),
    )

    assert result.external and result.certificate == certificate
    assert Dossier.objects.get(pk=awaiting_signature.pk).status == Status.RESULT_READY


def test_a_result_signed_by_someone_else_or_unsigned_or_untrusted_is_refused(
    awaiting_signature, leader, certificate
):
    other = staff_of(awaiting_signature.agency, Role.SPECIALIST)
    other_position = Position.objects.create(
        agency=awaiting_signature.agency, code="CV1", title="Chuyên viên", holder=other
    )
    someone_else = pdf.sign(
        pdf=plain_pdf(),
        certificate=ca.issue(holder=other, position=other_position),
        verification_url="https://x/",
    )
    foreign, _root = foreign_signed_pdf()
    revision = Dossier.objects.get(pk=awaiting_signature.pk).revision

    for content in (someone_else, plain_pdf(), foreign):
        with pytest.raises(SigningRefused):
            accept_external(
                dossier=awaiting_signature,
                actor=leader,
                upload=SimpleUploadedFile("x.pdf", content),
            )
    dossier = Dossier.objects.get(pk=awaiting_signature.pk)
    assert dossier.status == Status.IN_PROCESSING and dossier.revision == revision

"""Signed results: PAdES by pyHanko, checked by pyHanko and independently by poppler's pdfsig."""

import subprocess

import pytest

from dossiers.errors import NotPermitted
from dossiers.lifecycle import SigningRefused, sign_result
from dossiers.models import Dossier, DossierEvent, Status, Step
from dossiers.models_documents import DocumentKind
from signatures import ca, pdf
from signatures.models import RevocationReason, SignedResult
from tests.factories.dossiers import staff_of
from tests.signatures.conftest import nss_trusting_the_stand_in, otp_code
from units.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def nss(tmp_path):
    """An NSS database trusting only the stand-in's root, for pdfsig."""
    return nss_trusting_the_stand_in(tmp_path)


def pdfsig(path, nss) -> str:
    run = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True, text=True
    )
    return run.stdout + run.stderr


def snapshot(dossier):
    return (
        Dossier.objects.filter(pk=dossier.pk).values_list("status", "step", "revision").get(),
        DossierEvent.objects.filter(dossier=dossier).count(),
        dossier.documents.count(),
        SignedResult.objects.count(),
    )


def test_a_signed_result_validates_in_pyhanko_and_pdfsig_and_a_changed_byte_fails_both(
    awaiting_signature, leader, certificate, nss, tmp_path
):
    result = sign_result(dossier=awaiting_signature, actor=leader, otp_token=otp_code(leader))

    dossier = Dossier.objects.get(pk=awaiting_signature.pk)
    assert (dossier.status, dossier.step) == (Status.RESULT_READY, Step.NONE)
    assert result.certificate == certificate and result.validation["valid"] is True
    signed = result.document.file.open("rb").read()
    assert result.document.kind == DocumentKind.RESULT and len(result.sha256) == 64
    verdict = pdf.verify(signed)
    assert verdict.valid, verdict.reason
    [signature] = verdict.signatures
    assert signature.signer == leader.get_full_name()
    assert signature.position == "Chủ tịch UBND" and signature.agency == dossier.agency.name
    assert signature.status_at_signing == signature.status_now == "good"

    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    report = pdfsig(path, nss)
    assert "Signature is Valid" in report, report
    assert "Certificate is Trusted" in report, report

    # One byte changed inside the signed range (the page content, before the signature).
    changed = bytearray(signed)
    at = signed.index(b"stream") + 40
    changed[at] = changed[at] ^ 0x01
    broken = tmp_path / "changed.pdf"
    broken.write_bytes(bytes(changed))
    assert not pdf.verify(bytes(changed)).valid
    assert "Signature is Valid" not in pdfsig(broken, nss)


def test_a_revoked_certificate_cannot_sign(awaiting_signature, leader, certificate):
    ca.revoke(certificate=certificate, reason=RevocationReason.KEY_COMPROMISE)
    before = snapshot(awaiting_signature)

    with pytest.raises(SigningRefused) as refused:
        sign_result(dossier=awaiting_signature, actor=leader, otp_token=otp_code(leader))

    assert "thu hồi" in str(refused.value.message) or "revoked" in str(refused.value.message)
    assert snapshot(awaiting_signature) == before


def test_an_expired_certificate_or_a_wrong_code_cannot_sign(
    awaiting_signature, leader, certificate
):
    import datetime as dt

    from django.utils import timezone

    before = snapshot(awaiting_signature)
    with pytest.raises(SigningRefused):
        sign_result(dossier=awaiting_signature, actor=leader, otp_token="000000")
    type(certificate).objects.filter(pk=certificate.pk).update(
        not_after=timezone.now() - dt.timedelta(days=1)
    )
    with pytest.raises(SigningRefused):
        sign_result(dossier=awaiting_signature, actor=leader, otp_token=otp_code(leader))
    assert snapshot(awaiting_signature) == before


def test_only_the_leader_holding_the_position_signs(awaiting_signature, leader, certificate):
    specialist = staff_of(awaiting_signature.agency, Role.SPECIALIST)
    before = snapshot(awaiting_signature)

    with pytest.raises(NotPermitted):
        sign_result(dossier=awaiting_signature, actor=specialist, otp_token="123456")
    certificate.position.holder = specialist
    certificate.position.save()
    with pytest.raises(SigningRefused):
        sign_result(dossier=awaiting_signature, actor=leader, otp_token=otp_code(leader))

    assert snapshot(awaiting_signature) == before


def test_a_written_result_cannot_be_issued_unsigned(awaiting_signature, leader):
    from dossiers import lifecycle
    from dossiers.errors import TransitionNotAllowed

    before = snapshot(awaiting_signature)
    with pytest.raises(TransitionNotAllowed):
        lifecycle.issue_result(dossier=awaiting_signature, actor=leader)
    assert snapshot(awaiting_signature) == before

"""A leader with an authenticator and a certificate, and a dossier awaiting their signature."""

import subprocess
from pathlib import Path

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dossiers import lifecycle
from dossiers.models import Step
from signatures import ca
from signatures.models import Position
from tests.dossiers import conftest as dossier_fixtures
from tests.factories.dossiers import staff_of
from units.models import Role

# The demo citizen's dossier awaiting reception, shared with the dossier tests.
applicant = dossier_fixtures.applicant
submitted = dossier_fixtures.submitted


def otp_code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


@pytest.fixture
def leader(submitted):
    user = staff_of(submitted.agency, Role.LEADER)
    TOTPDevice.objects.get_or_create(user=user, name="app", defaults={"confirmed": True})
    return user


@pytest.fixture
def position(leader, submitted):
    return Position.objects.create(
        agency=submitted.agency, code="CT-UBND", title="Chủ tịch UBND", holder=leader
    )


@pytest.fixture
def certificate(leader, position):
    return ca.issue(holder=leader, position=position)


@pytest.fixture
def awaiting_signature(submitted, leader):
    agency = submitted.agency
    d = lifecycle.receive(dossier=submitted, actor=staff_of(agency, Role.RECEIVER))
    d = lifecycle.forward(dossier=d, actor=staff_of(agency, Role.RECEIVER))
    while d.step != Step.LEADER:
        d = lifecycle.forward(dossier=d, actor=staff_of(agency, Role(d.step)))
    d = lifecycle.approve(dossier=d, actor=leader)
    assert d.step == Step.SIGNATURE
    lifecycle.attach_result(dossier=d, actor=leader)
    return d


def nss_trusting_the_stand_in(tmp_path: Path) -> Path:
    """An NSS database trusting only the stand-in CA's root, for poppler's pdfsig."""
    root, issuing = ca.stand_in()
    directory = tmp_path / "nss"
    directory.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"], check=True)
    for name, authority, trust in (("root", root, "CT,C,C"), ("issuing", issuing, ",,")):
        path = tmp_path / f"{name}.crt"
        path.write_text(authority.certificate_pem)
        subprocess.run(
            ["certutil", "-A", "-d", f"sql:{directory}", "-n", name, "-t", trust, "-i", str(path)],
            check=True,
        )
    return directory

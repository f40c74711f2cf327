"""Fixtures of the dossier tests: the demo citizen and a dossier they submitted online."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers.submission import dossier_submit_online
from portal.models import CitizenProfile
from procedures.models import Procedure

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "giay-to.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def applicant(demo):
    return CitizenProfile.objects.get(cccd="068190000123").user


@pytest.fixture
def submitted(applicant):
    """A birth-registration dossier (1.001193) the demo citizen submitted online: status 1."""
    procedure = Procedure.objects.get(code="1.001193")
    case = procedure.current_version.cases.first()
    files = {c.pk: pdf() for c in case.components.all() if c.originals or c.copies}
    return dossier_submit_online(
        applicant=applicant,
        procedure=procedure,
        files=files,
        data={"applicant_commune": "22918", "applicant_phone": "0912345678"},
    )

"""Fixtures of the dossier tests: the demo citizen and a dossier they submitted online, the
demo commune committee of Phường Mũi Né and another commune of the same province."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers.submission import dossier_submit_online
from portal.models import CitizenProfile
from procedures.models import Procedure
from units.models import Agency, AgencyKind, Role

HOME = "229.18.01.H68"

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


@pytest.fixture
def home(demo):
    return Agency.objects.select_related("unit").get(identifier=HOME)


@pytest.fixture
def elsewhere(home):
    """The committee of the other demo commune of Lâm Đồng, with its own demo staff."""
    return (
        Agency.objects.filter(
            unit__parent_id="68",
            kind=AgencyKind.COMMUNE_COMMITTEE,
            memberships__role=Role.RECEIVER,
        )
        .exclude(pk=home.pk)
        .distinct()
        .order_by("identifier")
        .first()
    )

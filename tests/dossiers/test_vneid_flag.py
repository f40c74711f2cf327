"""A dossier is "verified by VNeID" only when it is in the signed-in citizen's own name: VNeID
vouches for the account holder's CCCD, not for one typed on the form."""

import pytest

from dossiers.submission import dossier_submit_online
from portal.models import CitizenProfile
from procedures.models import Procedure
from tests.dossiers.conftest import pdf

pytestmark = pytest.mark.django_db


def submit(applicant, **data):
    procedure = Procedure.objects.get(code="1.001193")
    case = procedure.current_version.cases.first()
    files = {c.pk: pdf() for c in case.components.all() if c.originals or c.copies}
    return dossier_submit_online(
        applicant=applicant,
        procedure=procedure,
        files=files,
        data={"applicant_commune": "22918", "applicant_phone": "0912345678", **data},
    )


@pytest.fixture
def verified_applicant(applicant):
    CitizenProfile.objects.filter(user=applicant).update(vneid_verified=True)
    applicant.refresh_from_db()
    return applicant


def test_a_dossier_in_the_citizen_s_own_name_keeps_the_vneid_flag(verified_applicant):
    own = verified_applicant.citizen_profile.cccd

    assert submit(verified_applicant).vneid_verified is True
    assert submit(verified_applicant, applicant_id_number=own).vneid_verified is True


def test_a_dossier_with_another_typed_cccd_is_not_verified_by_vneid(verified_applicant):
    dossier = submit(verified_applicant, applicant_id_number="001099012345")

    assert dossier.applicant_id_number == "001099012345"
    assert dossier.vneid_verified is False


def test_an_unverified_profile_never_gives_the_flag(applicant):
    CitizenProfile.objects.filter(user=applicant).update(vneid_verified=False)
    applicant.refresh_from_db()

    assert submit(applicant).vneid_verified is False

"""Citizens rate the service once the result is ready (satisfaction in the national index)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers.errors import NotPermitted
from dossiers.models import Dossier, Status
from dossiers.models_documents import DossierRating
from dossiers.models_work import DeniedAction
from dossiers.services import dossier_rate
from dossiers.submission import dossier_submit_online
from portal.models import CitizenProfile
from procedures.models import Procedure

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def applicant():
    return CitizenProfile.objects.get(cccd="068190000123").user


@pytest.fixture
def dossier(applicant):
    procedure = Procedure.objects.get(code="1.001193")
    case = procedure.current_version.cases.first()
    files = {
        c.pk: SimpleUploadedFile("a.pdf", PDF)
        for c in case.components.all()
        if c.originals or c.copies
    }
    return dossier_submit_online(
        applicant=applicant,
        procedure=procedure,
        files=files,
        data={"applicant_commune": "22918", "applicant_phone": "0912345678"},
    )


def test_rating_is_refused_before_the_result_and_allowed_once_after(client, applicant, dossier):
    client.force_login(applicant)

    early = client.post(f"/my/dossiers/{dossier.code}/rate/", {"rating": "satisfied"})
    assert early.status_code == 302 and not DossierRating.objects.exists()

    Dossier.objects.filter(pk=dossier.pk).update(status=Status.RESULT_READY)
    page = client.get(f"/my/dossiers/{dossier.code}/")
    assert 'name="rating"' in page.content.decode()
    done = client.post(
        f"/my/dossiers/{dossier.code}/rate/",
        {"rating": "very_satisfied", "comment": "Nhanh, chu đáo"},
    )
    again = client.post(f"/my/dossiers/{dossier.code}/rate/", {"rating": "dissatisfied"})

    rating = DossierRating.objects.get()
    assert done.status_code == 302 and again.status_code == 302
    assert (rating.rating, rating.comment) == ("very_satisfied", "Nhanh, chu đáo")
    assert "Rất hài lòng" in client.get(f"/my/dossiers/{dossier.code}/").content.decode()


def test_a_missing_choice_is_a_field_error(client, applicant, dossier):
    Dossier.objects.filter(pk=dossier.pk).update(status=Status.RETURNED)
    client.force_login(applicant)

    response = client.post(f"/my/dossiers/{dossier.code}/rate/", {"comment": "giữ lại"})

    assert response.status_code == 400
    assert response.context["rating_form"].errors["rating"]
    assert "giữ lại" in response.content.decode()
    assert not DossierRating.objects.exists()


def test_only_the_applicant_rates(citizen, dossier):
    Dossier.objects.filter(pk=dossier.pk).update(status=Status.RETURNED)

    with pytest.raises(NotPermitted):
        dossier_rate(dossier=dossier, actor=citizen, rating="dissatisfied")

    assert not DossierRating.objects.exists()
    assert DeniedAction.objects.filter(dossier_code=dossier.code, action="rating").count() == 1

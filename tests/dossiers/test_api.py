import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from dossiers.models import Dossier
from dossiers.models_documents import DossierDraft
from portal.models import CitizenProfile
from procedures.models import Procedure

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo", "english")]

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def citizen_api():
    client = APIClient()
    client.force_authenticate(CitizenProfile.objects.get(cccd="068190000123").user)
    return client


def payload(**overrides):
    version = Procedure.objects.get(code="1.001193").current_version
    case = version.cases.first()
    data = {
        "procedure": "1.001193",
        "case": case.pk,
        "applicant_commune": "22918",
        "applicant_phone": "0912345678",
        "result_delivery": "counter",
    }
    for component in case.components.all():
        if component.originals or component.copies:
            data[f"component_{component.pk}"] = _pdf()
    data.update(overrides)
    return data


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("giay-to.pdf", PDF, content_type="application/pdf")


def test_one_shot_submission_creates_the_dossier(citizen_api):
    response = citizen_api.post("/api/v1/dossiers/", payload(), format="multipart")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == 1 and body["procedure"] == "1.001193"
    dossier = Dossier.objects.get(code=body["code"])
    assert dossier.documents.count() >= 1
    listed = citizen_api.get("/api/v1/dossiers/").json()
    assert [d["code"] for d in listed["results"]] == [body["code"]]
    assert citizen_api.get(f"/api/v1/dossiers/{body['code']}/").json()["code"] == body["code"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"applicant_commune": "123"}, "applicant_commune"),
        ({"applicant_commune": "99999"}, "applicant_commune"),
        ({"procedure": "9.999999"}, "procedure"),
        ({"result_delivery": "pigeon"}, "result_delivery"),
        ({"applicant_phone": "", "applicant_email": ""}, "applicant_phone"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_nothing_is_left(citizen_api, overrides, field):
    response = citizen_api.post("/api/v1/dossiers/", payload(**overrides), format="multipart")

    assert response.status_code == 400
    assert field in response.json()
    assert not Dossier.objects.filter(channel=2, applicant__citizen_profile__isnull=False).exists()
    assert not DossierDraft.objects.exists()


def test_a_file_that_is_not_what_it_claims_is_refused(citizen_api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = payload()
    key = next(k for k in data if k.startswith("component_"))
    data[key] = SimpleUploadedFile("giay-to.pdf", b"MZ\x90 not a pdf")

    response = citizen_api.post("/api/v1/dossiers/", data, format="multipart")

    assert response.status_code == 400 and "file" in response.json()
    assert not Dossier.objects.filter(applicant__citizen_profile__cccd="068190000123").exists()


def test_staff_and_anonymous_cannot_submit_and_see_no_dossier():
    staff = APIClient()
    staff.force_authenticate(get_user_model().objects.get(username="receiver.p68"))

    assert staff.post("/api/v1/dossiers/", payload(), format="multipart").status_code == 403
    assert APIClient().get("/api/v1/dossiers/").status_code == 403


def test_a_citizen_sees_only_their_own(citizen_api):
    code = citizen_api.post("/api/v1/dossiers/", payload(), format="multipart").json()["code"]
    other = APIClient()
    other.force_authenticate(CitizenProfile.objects.get(cccd="001301000456").user)

    assert other.get(f"/api/v1/dossiers/{code}/").status_code == 404
    assert other.get("/api/v1/dossiers/").json()["count"] == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"procedure": "\x00¯'"}, "procedure"), ({"applicant_phone": "09\x0012"}, "applicant_phone")],
)
def test_a_null_character_is_a_field_error_never_a_server_error(citizen_api, overrides, field):
    before = Dossier.objects.count()

    response = citizen_api.post("/api/v1/dossiers/", payload(**overrides), format="multipart")

    assert response.status_code == 400
    assert field in response.json()
    assert Dossier.objects.count() == before

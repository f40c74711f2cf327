"""A retried submission returns the first dossier, never a second one (issue 18): the API's
``Idempotency-Key`` header and the submit form's one-time token, sequential and concurrent."""

import threading
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.urls import reverse
from rest_framework.test import APIClient

from dossiers.models import Dossier
from portal.models import CitizenProfile, IdempotencyKey
from procedures.models import Procedure

pytestmark = pytest.mark.usefixtures("demo")

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BIRTH = "1.001193"


def an():
    return CitizenProfile.objects.get(cccd="068190000123").user


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def pdf(name: str = "giay-to.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def components():
    case = Procedure.objects.get(code=BIRTH).current_version.cases.first()
    return case, [c for c in case.components.all() if c.originals or c.copies]


def api_payload() -> dict:
    case, required = components()
    return {
        "procedure": BIRTH,
        "case": case.pk,
        "applicant_commune": "22918",
        "applicant_phone": "0912345678",
        "result_delivery": "counter",
        **{f"component_{c.pk}": pdf() for c in required},
    }


@pytest.mark.django_db
def test_an_api_retry_with_the_same_key_returns_the_first_dossier():
    client, key = api_as(an()), str(uuid.uuid4())

    first = client.post(
        "/api/v1/dossiers/", api_payload(), format="multipart", HTTP_IDEMPOTENCY_KEY=key
    )
    retry = client.post(
        "/api/v1/dossiers/", api_payload(), format="multipart", HTTP_IDEMPOTENCY_KEY=key
    )
    other = client.post(
        "/api/v1/dossiers/",
        api_payload(),
        format="multipart",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )

    assert first.status_code == 201, first.json()
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert other.status_code == 201 and other.json()["code"] != first.json()["code"]
    assert Dossier.objects.filter(applicant=an()).count() == 2
    record = IdempotencyKey.objects.get(key=key)
    assert record.result_id == Dossier.objects.get(code=first.json()["code"]).pk


@pytest.mark.django_db
def test_a_key_is_per_citizen_and_a_refused_submission_does_not_use_it_up(citizen):
    key = str(uuid.uuid4())
    refused = api_as(an()).post(
        "/api/v1/dossiers/",
        {**api_payload(), "applicant_commune": "99999"},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    fixed = api_as(an()).post(
        "/api/v1/dossiers/", api_payload(), format="multipart", HTTP_IDEMPOTENCY_KEY=key
    )
    bad_key = api_as(an()).post(
        "/api/v1/dossiers/", api_payload(), format="multipart", HTTP_IDEMPOTENCY_KEY="again"
    )

    assert refused.status_code == 400 and "applicant_commune" in refused.json()
    assert fixed.status_code == 201
    assert bad_key.status_code == 400 and "Idempotency-Key" in bad_key.json()
    assert Dossier.objects.filter(applicant=an()).count() == 1
    # Another citizen's key of the same value is theirs alone.
    assert not IdempotencyKey.objects.filter(owner=citizen, key=key).exists()


@pytest.mark.django_db(transaction=True)
def test_two_api_requests_at_once_with_one_key_make_one_dossier():
    user, key = an(), str(uuid.uuid4())
    payloads = [api_payload(), api_payload()]
    start = threading.Barrier(2)
    answers, errors = [], []

    def submit(payload):
        try:
            client = api_as(user)
            start.wait()
            response = client.post(
                "/api/v1/dossiers/", payload, format="multipart", HTTP_IDEMPOTENCY_KEY=key
            )
            answers.append((response.status_code, response.json()))
        except BaseException as exc:  # a failure in a thread must fail the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(p,)) for p in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(status for status, _body in answers) == [200, 201]
    assert answers[0][1]["code"] == answers[1][1]["code"]
    assert Dossier.objects.filter(applicant=user).count() == 1


@pytest.mark.django_db
def test_pressing_submit_twice_on_the_page_makes_one_dossier(client):
    user = an()
    client.force_login(user)
    url = reverse("dossiers:submit", args=[BIRTH])
    page = client.get(url)
    token = page.context["submission_token"]
    assert f'name="submission_token" value="{token}"' in page.content.decode()
    _case, required = components()

    def press():
        return client.post(
            url,
            {
                "applicant_name": "Nguyễn Văn An",
                "applicant_id_number": "068190000123",
                "applicant_phone": "0912345678",
                "applicant_province": "68",
                "applicant_commune": "22918",
                "result_delivery": "online",
                "submission_token": str(token),
                "action": "submit",
                **{f"file-{c.pk}": pdf() for c in required},
            },
        )

    first, second = press(), press()

    dossier = Dossier.objects.get(applicant=user)
    detail = reverse("dossiers:detail", args=[dossier.code])
    assert (first.status_code, first["Location"]) == (302, detail)
    assert (second.status_code, second["Location"]) == (302, detail)
    assert Dossier.objects.filter(applicant=user).count() == 1
    shown = client.get(detail)
    told = [str(m) for m in shown.context["messages"]]
    assert told[-1] == f"Hồ sơ này đã được nộp. Mã hồ sơ là {dossier.code}."


@pytest.mark.django_db
def test_after_an_error_page_the_same_token_still_submits_once(client):
    user = an()
    client.force_login(user)
    url = reverse("dossiers:submit", args=[BIRTH])
    token = str(uuid.uuid4())
    _case, required = components()
    form = {
        "applicant_name": "Nguyễn Văn An",
        "applicant_id_number": "068190000123",
        "applicant_phone": "0912345678",
        "applicant_province": "68",
        "applicant_commune": "22918",
        "result_delivery": "online",
        "submission_token": token,
        "action": "submit",
    }

    missing = client.post(url, {**form, "applicant_commune": ""})
    kept = missing.context["submission_token"]
    done = client.post(url, {**form, **{f"file-{c.pk}": pdf() for c in required}})
    again = client.post(url, form)

    assert missing.status_code == 200 and str(kept) == token
    assert done.status_code == 302 and again.status_code == 302
    assert done["Location"] == again["Location"]
    assert Dossier.objects.filter(applicant=user).count() == 1

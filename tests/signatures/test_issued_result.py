"""The citizen is handed one result: the signed PDF, named for people; drafts stay internal, and
the timeline speaks of what happened, not of files or officers' notes."""

from urllib.parse import quote

import pytest
from django.test import Client
from rest_framework.test import APIClient

from dossiers import lifecycle
from dossiers.lifecycle import sign_result
from dossiers.models import Status
from dossiers.models_documents import DocumentKind
from dossiers.tracking import tracking_path
from tests.factories.dossiers import staff_of
from tests.signatures.conftest import otp_code
from units.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(awaiting_signature, leader, certificate, applicant):
    result = sign_result(dossier=awaiting_signature, actor=leader, otp_token=otp_code(leader))
    return result


def owner(applicant) -> Client:
    client = Client()
    client.force_login(applicant)
    return client


def test_the_citizen_sees_only_the_signed_result_under_a_readable_name(signed, applicant):
    dossier = signed.dossier
    results = dossier.documents.filter(kind=DocumentKind.RESULT)
    assert results.count() == 2  # the unsigned draft and the signed result
    draft = results.exclude(pk=signed.document.pk).get()

    page = owner(applicant).get(f"/my/dossiers/{dossier.code}/")
    html = page.content.decode()
    download = owner(applicant).get(f"/my/dossiers/{dossier.code}/documents/{signed.document.pk}/")
    hidden = owner(applicant).get(f"/my/dossiers/{dossier.code}/documents/{draft.pk}/")

    assert page.status_code == 200
    assert page.context["results"] == [signed.document]
    assert f"/documents/{signed.document.pk}/" in html
    assert f"/documents/{draft.pk}/" not in html
    assert draft.original_name not in html and signed.document.original_name not in html
    assert download.status_code == 200
    assert quote(f"Kết quả - {dossier.code}.pdf") in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == signed.document.file.open("rb").read()
    assert hidden.status_code == 404


def test_the_api_lists_the_signed_result_only_and_the_public_record(signed, applicant):
    api = APIClient()
    api.force_authenticate(applicant)

    body = api.get(f"/api/v1/dossiers/{signed.dossier.code}/").json()

    results = [d for d in body["documents"] if d["kind"] == "result"]
    assert [d["id"] for d in results] == [signed.document.pk]
    assert all(e["kind"] in ("submitted", "transition", "extended") for e in body["events"])
    statuses = [e["new_status"] for e in body["events"] if e["kind"] == "transition"]
    assert statuses == [Status.RECEIVED, Status.IN_PROCESSING, Status.RESULT_READY]
    assert all(".pdf" not in e["note"] for e in body["events"])


def test_an_officer_still_sees_every_result_file(signed):
    api = APIClient()
    api.force_authenticate(staff_of(signed.dossier.agency, Role.RECEIVER))

    body = api.get(f"/api/v1/dossiers/{signed.dossier.code}/").json()

    assert len([d for d in body["documents"] if d["kind"] == "result"]) == 2


def test_the_timeline_shows_each_status_once_and_no_file_names(signed, applicant):
    dossier = signed.dossier
    page = owner(applicant).get(f"/my/dossiers/{dossier.code}/")
    tracking = Client().get(tracking_path(dossier))

    events = page.context["events"]
    assert [e.kind for e in events] == ["submitted", "transition", "transition", "transition"]
    assert [e.new_status for e in events[1:]] == [
        Status.RECEIVED,
        Status.IN_PROCESSING,
        Status.RESULT_READY,
    ]
    assert all(e.note == "" for e in events)
    html = page.content.decode()
    for document in dossier.documents.filter(kind=DocumentKind.RESULT):
        assert document.original_name not in html
        assert document.original_name not in tracking.content.decode()
    steps = [s.status for s in tracking.context["tracked"].steps]
    assert steps.count(Status.IN_PROCESSING) == 1


def test_a_refusal_reason_is_shown_to_the_applicant(submitted, applicant):
    receiver = staff_of(submitted.reception_agency, Role.RECEIVER)
    lifecycle.refuse(dossier=submitted, actor=receiver, reason="Thiếu giấy chứng sinh bản chính")

    events = owner(applicant).get(f"/my/dossiers/{submitted.code}/").context["events"]

    assert events[-1].new_status == Status.REFUSED
    assert events[-1].note == "Thiếu giấy chứng sinh bản chính"

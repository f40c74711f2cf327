"""The owner's actions in the API: withdraw, supplement, rating; detail with the timeline."""

import pytest
from rest_framework.test import APIClient

from dossiers import lifecycle
from dossiers.models import Dossier, DossierEvent, Status
from dossiers.models_documents import DocumentKind, DossierDocument, DossierRating
from tests.dossiers.conftest import pdf
from tests.factories.dossiers import receiver_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(applicant):
    client = APIClient()
    client.force_authenticate(applicant)
    return client


def _snapshot(dossier):
    return (
        Dossier.objects.filter(pk=dossier.pk).values_list("status", "updated_at").get(),
        DossierEvent.objects.filter(dossier=dossier).count(),
        DossierDocument.objects.filter(dossier=dossier).count(),
    )


def test_detail_has_timeline_documents_and_secret(api, submitted):
    body = api.get(f"/api/v1/dossiers/{submitted.code}/").json()

    assert body["tracking_secret"] == submitted.tracking_secret
    assert [e["kind"] for e in body["events"]] == ["submitted"]
    assert {d["kind"] for d in body["documents"]} == {"submitted"}
    assert all(
        d["url"].startswith(f"/my/dossiers/{submitted.code}/documents/") for d in body["documents"]
    )


def test_withdraw_then_withdraw_again_is_a_conflict(api, submitted):
    done = api.post(f"/api/v1/dossiers/{submitted.code}/withdraw/", {"reason": "Không cần nữa"})
    before = _snapshot(submitted)
    again = api.post(f"/api/v1/dossiers/{submitted.code}/withdraw/", {})

    assert done.status_code == 200 and done.json()["status"] == Status.WITHDRAWN
    assert again.status_code == 409 and again.json()["code"] == "transition_not_allowed"
    assert _snapshot(submitted) == before


def test_someone_else_cannot_act_on_the_dossier(submitted, citizen):
    other = APIClient()
    other.force_authenticate(citizen)
    before = _snapshot(submitted)

    answers = [
        other.get(f"/api/v1/dossiers/{submitted.code}/").status_code,
        other.post(f"/api/v1/dossiers/{submitted.code}/withdraw/", {}).status_code,
        other.post(
            f"/api/v1/dossiers/{submitted.code}/rating/", {"rating": "satisfied"}
        ).status_code,
        other.post(
            f"/api/v1/dossiers/{submitted.code}/supplement/", {"file": pdf()}, format="multipart"
        ).status_code,
    ]

    assert answers == [404, 404, 404, 404]
    assert _snapshot(submitted) == before


def test_supplement_through_the_api(api, submitted):
    officer = receiver_of(submitted)
    received = lifecycle.receive(dossier=submitted, actor=officer)
    lifecycle.request_supplement(dossier=received, actor=officer, reason="Thiếu giấy khai sinh")
    component = received.case.components.first()

    unknown = api.post(
        f"/api/v1/dossiers/{received.code}/supplement/",
        {"component_999999": pdf()},
        format="multipart",
    )
    assert unknown.status_code == 400 and "component_999999" in unknown.json()
    empty = api.post(f"/api/v1/dossiers/{received.code}/supplement/", {}, format="multipart")
    assert empty.status_code == 400 and "file" in empty.json()

    done = api.post(
        f"/api/v1/dossiers/{received.code}/supplement/",
        {f"component_{component.pk}": pdf("ban-sao.pdf"), "note": "Đã gửi"},
        format="multipart",
    )

    assert done.status_code == 200, done.json()
    body = done.json()
    assert body["status"] == Status.RECEIVED
    assert body["supplement_requests"][0]["supplied_at"] is not None
    supplement = DossierDocument.objects.get(dossier=received, kind=DocumentKind.SUPPLEMENT)
    assert supplement.component == component
    again = api.post(
        f"/api/v1/dossiers/{received.code}/supplement/", {"file": pdf()}, format="multipart"
    )
    assert again.status_code == 409


def test_rating_through_the_api(api, submitted):
    early = api.post(f"/api/v1/dossiers/{submitted.code}/rating/", {"rating": "satisfied"})
    bad = api.post(f"/api/v1/dossiers/{submitted.code}/rating/", {"rating": "meh"})
    Dossier.objects.filter(pk=submitted.pk).update(status=Status.RETURNED)
    done = api.post(
        f"/api/v1/dossiers/{submitted.code}/rating/", {"rating": "dissatisfied", "comment": "Chậm"}
    )

    assert early.status_code == 409 and bad.status_code == 400 and "rating" in bad.json()
    assert done.status_code == 201
    assert DossierRating.objects.get().rating == "dissatisfied"


def test_result_documents_show_only_once_the_result_is_ready(api, client, applicant, submitted):
    result = DossierDocument.objects.create(
        dossier=submitted,
        kind=DocumentKind.RESULT,
        original_name="giay-khai-sinh.pdf",
        mime="application/pdf",
        extension="pdf",
        size=len(pdf().read()),
        sha256="0" * 64,
    )
    result.file.save("result", pdf(), save=True)
    client.force_login(applicant)
    url = f"/my/dossiers/{submitted.code}/documents/{result.pk}/"

    hidden_api = api.get(f"/api/v1/dossiers/{submitted.code}/").json()["documents"]
    hidden_page = client.get(f"/my/dossiers/{submitted.code}/").content.decode()
    hidden_file = client.get(url)
    Dossier.objects.filter(pk=submitted.pk).update(status=Status.RESULT_READY)
    shown_api = api.get(f"/api/v1/dossiers/{submitted.code}/").json()["documents"]
    shown_page = client.get(f"/my/dossiers/{submitted.code}/").content.decode()
    shown_file = client.get(url)

    assert "result" not in {d["kind"] for d in hidden_api}
    assert url not in hidden_page and hidden_file.status_code == 404
    assert "result" in {d["kind"] for d in shown_api}
    # Shown under a name for people, not the file's internal one.
    assert url in shown_page and f"Kết quả - {submitted.code}.pdf" in shown_page
    assert "giay-khai-sinh.pdf" not in shown_page and shown_file.status_code == 200
    assert b"".join(shown_file.streaming_content).startswith(b"%PDF")


def test_the_schema_lists_the_new_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]

    for path in (
        "/api/v1/dossiers/{code}/withdraw/",
        "/api/v1/dossiers/{code}/supplement/",
        "/api/v1/dossiers/{code}/rating/",
        "/api/v1/track/",
        "/api/v1/national/dossiers/",
    ):
        assert path in schema, path

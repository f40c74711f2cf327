import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from procedures.models import Assignment, ReassignmentBatch

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.STAFF_OTP_REQUIRED = False


def client_for(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username=username))
    return client


def payload(client, **overrides):
    report = client.get("/api/v1/reassignments/report/", {"province": "68"}).json()
    data = {
        "province": "68",
        "procedures": [p["code"] for p in report["procedures"]],
        "target": "all_communes",
        "effective_on": "2026-11-23",
        "reason": "Nghị định 151/2025/NĐ-CP",
    }
    data.update(overrides)
    return report, data


def test_report_preview_commit_revert_over_the_api():
    client = client_for("province_admin.p68")
    report, data = payload(client)
    assert report["remaining"] >= 10 and report["total"] > report["remaining"]

    preview = client.post("/api/v1/reassignments/preview/", data, format="json").json()
    created = client.post("/api/v1/reassignments/", data, format="json")
    after = client.get("/api/v1/reassignments/report/", {"province": "68"}).json()

    assert created.status_code == 201
    batch = created.json()
    assert batch["status"] == "applied"
    assert batch["summary"]["assignments_created"] == preview["assignments_to_create"]
    assert batch["summary"]["assignments_closed"] == preview["assignments_to_close"]
    assert batch["progress"] == {
        "done": batch["progress"]["total"],
        "total": batch["progress"]["total"],
    }
    assert after["remaining"] == 0

    reverted = client.post(
        f"/api/v1/reassignments/{batch['id']}/revert/", {"reason": "nhầm"}, format="json"
    )
    assert reverted.status_code == 200 and reverted.json()["status"] == "reverted"
    assert (
        client.get("/api/v1/reassignments/report/", {"province": "68"}).json()["remaining"]
        == report["remaining"]
    )


@pytest.mark.parametrize("username", ["leader.p68", "province_admin.p01"])
def test_others_cannot_reassign_and_nothing_changes(username):
    admin = client_for("province_admin.p68")
    _report, data = payload(admin)
    before = Assignment.objects.count()

    client = client_for(username)
    responses = [
        client.get("/api/v1/reassignments/report/", {"province": "68"}),
        client.post("/api/v1/reassignments/preview/", data, format="json"),
        client.post("/api/v1/reassignments/", data, format="json"),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert Assignment.objects.count() == before
    assert not ReassignmentBatch.objects.exists()


def test_anonymous_is_refused():
    response = APIClient().post("/api/v1/reassignments/", {}, format="json")

    assert response.status_code == 403
    assert not ReassignmentBatch.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"target": "district"}, "target"),
        ({"effective_on": "23/13/2026"}, "effective_on"),
        ({"procedures": []}, "procedures"),
        ({"procedures": ["9.999999"]}, "procedures"),
        ({"target": "province_agency", "target_agency": "000.00.01.H01"}, "target_agency"),
        ({"target": "chosen_communes", "target_communes": ["00004"]}, "target_communes"),
        ({"reason": ""}, "reason"),
    ],
)
def test_bad_input_answers_400_naming_the_field_and_commits_nothing(overrides, field):
    client = client_for("province_admin.p68")
    _report, data = payload(client, **overrides)
    before = Assignment.objects.count()

    response = client.post("/api/v1/reassignments/", data, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert Assignment.objects.count() == before
    assert not ReassignmentBatch.objects.exists()

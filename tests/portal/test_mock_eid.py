import pytest

from portal.models import CitizenProfile, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mock_on(settings):
    settings.EID_MOCK_ENABLED = True


def test_a_new_identity_creates_the_citizen_and_signs_in(client):
    response = client.post(
        "/eid/mock/",
        {
            "cccd": "068190000123",
            "full_name": "Nguyễn Thị Ánh Tuyết",
            "date_of_birth": "12/05/1990",
            "identity_level": "2",
            "phone": "0912345678",
            "next": "/procedures/",
        },
    )

    assert response.status_code == 302 and response["Location"] == "/procedures/"
    profile = CitizenProfile.objects.get(cccd="068190000123")
    assert (profile.full_name, profile.identity_level, profile.vneid_verified) == (
        "Nguyễn Thị Ánh Tuyết",
        2,
        True,
    )
    assert int(client.session["_auth_user_id"]) == profile.user_id
    assert not profile.user.has_usable_password()


def test_picking_a_test_identity_signs_in_as_it(client, citizen):
    profile = citizen.citizen_profile

    response = client.post("/eid/mock/", {"pick": profile.cccd})

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == citizen.pk


def test_a_cccd_that_does_not_match_the_birth_year_is_refused_in_vietnamese(client):
    response = client.post(
        "/eid/mock/",
        {
            "cccd": "068190000123",
            "full_name": "Trần Văn Bình",
            "date_of_birth": "01/01/1985",
            "identity_level": "1",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["cccd"]
    html = response.content.decode()
    assert 'value="Trần Văn Bình"' in html
    assert "_auth_user_id" not in client.session
    assert not CitizenProfile.objects.exists() and not User.objects.exists()


def test_the_mock_is_refused_when_disabled(client, settings):
    settings.EID_MOCK_ENABLED = False

    response = client.post(
        "/eid/mock/",
        {
            "cccd": "068190000123",
            "full_name": "X",
            "date_of_birth": "12/05/1990",
            "identity_level": "2",
        },
    )

    assert response.status_code == 403
    assert not CitizenProfile.objects.exists()


def test_open_redirect_is_refused(client, citizen):
    response = client.post(
        "/eid/mock/", {"pick": citizen.citizen_profile.cccd, "next": "https://evil.example/"}
    )

    assert response["Location"] == "/"


def test_mock_is_off_in_production_by_default():
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if k not in ("EID_MOCK_ENABLED", "DEBUG")}
    env.update({"DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "0"})
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings;"
            " print(settings.EID_MOCK_ENABLED)",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.strip() == "False", out.stderr


def test_citizen_sign_in_goes_to_the_mock_without_oidc(client, settings):
    settings.EID_OIDC_ENABLED = False

    response = client.get("/eid/login/", {"next": "/my/dossiers/"})

    assert response.status_code == 302
    assert response["Location"] == "/eid/mock/?next=%2Fmy%2Fdossiers%2F"


def test_citizen_sign_in_goes_to_vneid_when_configured(client, settings):
    settings.EID_OIDC_ENABLED = True

    response = client.get("/eid/login/", {"next": "/my/dossiers/"})

    assert response["Location"] == "/oidc/authenticate/?next=%2Fmy%2Fdossiers%2F"


def test_pages_for_citizens_send_anonymous_visitors_to_sign_in(client):
    response = client.get("/my/dossiers/")

    assert response.status_code == 302
    assert response["Location"].startswith("/eid/login/?next=")


def test_no_citizen_sign_in_at_all_is_a_clear_refusal(client, settings):
    settings.EID_OIDC_ENABLED = False
    settings.EID_MOCK_ENABLED = False

    assert client.get("/eid/login/").status_code == 403

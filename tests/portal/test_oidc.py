"""Citizen sign-in with VNeID over OpenID Connect, against the stand-in provider over HTTP.

The stand-in (portal/oidc_standin.py) serves on 127.0.0.1 in a thread; the portal's side of
the flow runs in Django's test client and calls the stand-in's token, JWKS and userinfo
endpoints for real.
"""

import datetime as dt
import logging
import os
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.messages import get_messages

from portal.models import CitizenProfile, User
from portal.oidc_standin import DEFAULT_IDENTITY, StandinProvider, generate_key
from tests.factories import CitizenProfileFactory, UserFactory
from tests.factories.portal import PASSWORD

pytestmark = pytest.mark.django_db

BACKEND = "portal.oidc.EidOIDCBackend"
CCCD = DEFAULT_IDENTITY["cccd"]


@pytest.fixture
def provider():
    standin = StandinProvider().start()
    yield standin
    standin.stop()


@pytest.fixture
def oidc(settings, provider):
    """The portal configured for the stand-in, as the OIDC_* variables would configure it."""
    for name, value in provider.settings().items():
        setattr(settings, name, value)
    settings.EID_OIDC_ENABLED = True
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, BACKEND]
    return provider


def sign_in(client, provider, **params):
    """Run the whole flow: portal → stand-in /authorize → portal callback; its response."""
    start = client.get("/oidc/authenticate/", params)
    assert start.status_code == 302
    assert start["Location"].startswith(f"{provider.issuer}/authorize?")

    with requests.Session() as browser:
        browser.trust_env = False  # straight to 127.0.0.1, whatever proxy the machine has
        back = browser.get(start["Location"], allow_redirects=False, timeout=10)
    assert back.status_code == 302
    callback = urlsplit(back.headers["Location"])
    assert (callback.netloc, callback.path) == ("testserver", "/oidc/callback/")
    query = parse_qs(callback.query)
    return client.get("/oidc/callback/", {"code": query["code"][0], "state": query["state"][0]})


def signed_in_user_id(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def assert_refused(client, response):
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_user_id(client) is None
    assert [m.level for m in get_messages(response.wsgi_request)] == [messages.ERROR]


def test_a_citizen_signs_in_and_the_claims_become_the_profile(client, oidc):
    response = sign_in(client, oidc)

    assert response.status_code == 302 and response["Location"] == "/my/dossiers/"
    profile = CitizenProfile.objects.select_related("user").get()
    assert signed_in_user_id(client) == profile.user_id
    assert client.session["_auth_user_backend"] == BACKEND
    assert (profile.cccd, profile.full_name, profile.date_of_birth) == (
        CCCD,
        "Nguyễn Thị Ánh Tuyết",
        dt.date(1990, 5, 12),
    )
    assert (profile.phone, profile.email) == ("0912345678", "tuyet.nguyen@example.vn")
    assert profile.address == "12 Trần Phú, Phường Xuân Hương - Đà Lạt, Lâm Đồng"
    assert (profile.identity_level, profile.vneid_verified) == (2, True)
    assert profile.user.username == f"cccd-{CCCD}"
    assert not profile.user.has_usable_password()
    assert client.get("/my/dossiers/").status_code == 200


@pytest.mark.parametrize(
    ("next_url", "landing"),
    [("/procedures/", "/procedures/"), ("https://evil.example/steal", "/my/dossiers/")],
)
def test_the_citizen_lands_on_a_safe_next(client, oidc, next_url, landing):
    response = sign_in(client, oidc, next=next_url)

    assert response["Location"] == landing


def test_a_second_sign_in_refreshes_the_profile_and_keeps_the_user(client, oidc):
    sign_in(client, oidc)
    user_id = signed_in_user_id(client)
    client.logout()
    oidc.identities[CCCD]["name"] = "Nguyễn Thị Ánh Tuyết Mai"
    oidc.identities[CCCD]["identity_level"] = 1

    response = sign_in(client, oidc)

    assert response["Location"] == "/my/dossiers/"
    assert signed_in_user_id(client) == user_id
    assert User.objects.count() == 1
    profile = CitizenProfile.objects.get()
    assert profile.full_name == "Nguyễn Thị Ánh Tuyết Mai"
    assert (profile.identity_level, profile.vneid_verified) == (1, False)


def test_the_login_hint_picks_the_identity_and_a_missing_level_is_level_1(client, oidc):
    oidc.add_identity({"cccd": "001085001234", "name": "Trần Văn Bình", "birthdate": "1985-02-03"})

    sign_in(client, oidc, login_hint="001085001234")

    profile = CitizenProfile.objects.get()
    assert signed_in_user_id(client) == profile.user_id
    assert (profile.cccd, profile.full_name) == ("001085001234", "Trần Văn Bình")
    assert (profile.identity_level, profile.vneid_verified) == (1, False)
    assert (profile.phone, profile.email, profile.address) == ("", "", "")


def test_the_subject_stands_for_the_cccd_only_when_it_is_one(client, oidc):
    oidc.add_identity({"sub": "079201009876", "name": "Lê Hoàng Nam"}, key="079201009876")

    sign_in(client, oidc, login_hint="079201009876")

    assert CitizenProfile.objects.get().cccd == "079201009876"
    assert signed_in_user_id(client) is not None


def test_a_token_signed_with_another_key_signs_no_one_in(client, oidc, caplog):
    oidc.signing_key = generate_key()

    with caplog.at_level(logging.WARNING, logger="portal.oidc"):
        response = sign_in(client, oidc)

    assert_refused(client, response)
    assert not User.objects.exists() and not CitizenProfile.objects.exists()
    assert "e-ID sign-in refused: JWS token verification failed" in caplog.text


@pytest.mark.parametrize(
    "claims",
    [
        {"cccd": "06819000012"},  # 11 digits
        {"cccd": "999190000123"},  # no such place of birth
        {"cccd": "068190000123", "birthdate": "1985-05-12"},  # birth year disagrees
        {"cccd": 68190000123},  # a number, its leading zero lost
        {"cccd": None},  # absent, and the subject is opaque
    ],
    ids=["short", "place", "birth-year", "number", "absent"],
)
def test_claims_without_a_valid_cccd_sign_no_one_in(client, oidc, caplog, claims):
    identity = {**DEFAULT_IDENTITY, **claims}
    if identity["cccd"] is None:
        del identity["cccd"]
    oidc.add_identity(identity, key="test")

    with caplog.at_level(logging.WARNING):
        response = sign_in(client, oidc, login_hint="test")

    assert_refused(client, response)
    assert not User.objects.exists() and not CitizenProfile.objects.exists()
    assert "e-ID sign-in refused" in caplog.text
    # No personal data in the logs.
    for value in ("06819000012", "999190000123", "068190000123", "Tuyết", "0912345678"):
        assert value not in caplog.text


@pytest.mark.parametrize("kind", ["member", "is_staff"])
def test_a_staff_account_is_never_signed_in_by_e_id(client, oidc, kind, officer_a, caplog):
    staff = officer_a if kind == "member" else UserFactory(is_staff=True)
    profile = CitizenProfileFactory(user=staff, cccd=CCCD, full_name="Cán bộ", phone="")
    users = User.objects.count()

    with caplog.at_level(logging.WARNING):
        response = sign_in(client, oidc)

    assert_refused(client, response)
    assert f"user {staff.pk} is a staff account" in caplog.text
    assert User.objects.count() == users
    profile.refresh_from_db()
    assert (profile.full_name, profile.phone) == ("Cán bộ", "")


def test_a_token_from_another_issuer_is_refused(client, oidc, settings, caplog):
    settings.OIDC_OP_ISSUER = "https://sso.dancuquocgia.example"

    with caplog.at_level(logging.WARNING):
        response = sign_in(client, oidc)

    assert_refused(client, response)
    assert "issuer is not OIDC_OP_ISSUER" in caplog.text
    assert not CitizenProfile.objects.exists()


def test_a_provider_that_does_not_answer_fails_cleanly(client, oidc, settings):
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{oidc.issuer}/no-such-endpoint"

    response = sign_in(client, oidc)

    assert_refused(client, response)
    assert not User.objects.exists()


def test_staff_password_sign_in_still_works_with_the_backend_on(client, oidc, officer_a):
    response = client.post(
        "/accounts/login/", {"username": officer_a.username, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert signed_in_user_id(client) == officer_a.pk
    assert client.session["_auth_user_backend"] != BACKEND


def test_the_oidc_pages_are_off_unless_configured(client, settings):
    settings.EID_OIDC_ENABLED = False

    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/", {"code": "x", "state": "y"}).status_code == 404


def _settings_in_subprocess(tmp_path, **environ) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "DJANGO_SETTINGS"))}
    env.update({"DJANGO_SETTINGS_MODULE": "portal.settings", "VAR_DIR": str(tmp_path), **environ})
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.EID_OIDC_ENABLED, settings.AUTHENTICATION_BACKENDS[-1])"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_backend_is_added_only_when_a_client_id_is_set(tmp_path):
    issuer = "https://sso.example.gov.vn"
    configured = {
        "OIDC_OP_ISSUER": issuer,
        "OIDC_RP_CLIENT_ID": "portal",
        "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{issuer}/authorize",
        "OIDC_OP_TOKEN_ENDPOINT": f"{issuer}/token",
        "OIDC_OP_USER_ENDPOINT": f"{issuer}/userinfo",
        "OIDC_OP_JWKS_ENDPOINT": f"{issuer}/jwks",
    }

    off = _settings_in_subprocess(tmp_path)
    on = _settings_in_subprocess(tmp_path, **configured)
    incomplete = _settings_in_subprocess(tmp_path, **{**configured, "OIDC_OP_JWKS_ENDPOINT": ""})

    assert off.stdout.split() == ["False", "django.contrib.auth.backends.ModelBackend"]
    assert on.stdout.split() == ["True", BACKEND], on.stderr
    assert incomplete.returncode != 0
    assert "OIDC_OP_JWKS_ENDPOINT" in incomplete.stderr

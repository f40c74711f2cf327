"""Limits an attacker cannot turn against other users (issue: one address locking everyone out
behind a proxy; no throttle where it matters).

Behind the TLS proxy every request comes from the proxy's address: the client's address is read
from the trusted proxy chain (``PROXY_COUNT``) by lockout, tracking and the API throttles alike.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from rest_framework.test import APIClient

from dossiers.models import Dossier
from portal.clientip import client_ip
from portal.models import CitizenProfile
from portal.throttles import ScopedThrottle
from procedures.models import Procedure
from tests.factories import MembershipFactory
from tests.factories.portal import PASSWORD

PROXY = "10.9.9.9"  # the TLS proxy: every request's REMOTE_ADDR
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def via_proxy(client_address: str, spoofed: str = "") -> dict:
    chain = f"{spoofed}, {client_address}" if spoofed else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": chain}


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


# --- The client's address -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "198.51.100.7", "203.0.113.5"),  # no proxy: the header is ignored
        (1, PROXY, "198.51.100.7", "198.51.100.7"),
        (1, PROXY, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client's own entry ignored
        (2, PROXY, "6.6.6.6, 198.51.100.7, 10.1.1.1", "198.51.100.7"),
        (2, PROXY, "198.51.100.7", PROXY),  # fewer entries than proxies: not through them all
        (1, PROXY, "not-an-address", PROXY),
        (1, PROXY, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_comes_from_the_trusted_end_of_the_chain(
    settings, proxies, remote, forwarded, expected
):
    settings.PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


# --- Staff sign-in behind the proxy -------------------------------------------------------------


@pytest.fixture
def behind_proxy(settings):
    settings.PROXY_COUNT = 1
    settings.STAFF_OTP_REQUIRED = False


@pytest.fixture
def staff(commune_a):
    return [MembershipFactory(agency__unit=commune_a).user for _ in range(6)]


@pytest.mark.django_db
def test_wrong_passwords_on_many_accounts_from_one_client_lock_nobody_else(
    client, staff, behind_proxy, settings
):
    attacker = "198.51.100.66"
    for user in staff[:5]:
        assert sign_in(client, user.username, "wrong", **via_proxy(attacker)).status_code == 200

    colleague = sign_in(client, staff[5].username, **via_proxy("198.51.100.10"))

    assert colleague.status_code == 302  # signed in: the proxy's address locked nothing


@pytest.mark.django_db
def test_a_locked_account_is_locked_only_from_the_address_that_guessed(
    client, staff, behind_proxy, settings
):
    victim = staff[0]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, victim.username, "wrong", **via_proxy("198.51.100.66"))

    from_attacker = sign_in(client, victim.username, **via_proxy("198.51.100.66"))
    from_owner = sign_in(client, victim.username, **via_proxy("198.51.100.10"))

    assert from_attacker.status_code == 429
    assert from_owner.status_code == 302


@pytest.mark.django_db
def test_a_spoofed_forwarded_header_does_not_escape_the_lockout(client, staff, behind_proxy):
    victim = staff[0]
    for n in range(5):
        sign_in(client, victim.username, "wrong", **via_proxy("198.51.100.66", f"1.2.3.{n}"))

    again = sign_in(client, victim.username, **via_proxy("198.51.100.66", "1.2.3.99"))

    assert again.status_code == 429


@pytest.mark.django_db
def test_one_address_guessing_across_accounts_meets_its_own_higher_limit(
    client, staff, behind_proxy, settings
):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 4
    for user in staff[:4]:
        sign_in(client, user.username, "wrong", **via_proxy("198.51.100.66"))

    refused = sign_in(client, staff[5].username, **via_proxy("198.51.100.66"))
    elsewhere = sign_in(client, staff[4].username, **via_proxy("198.51.100.10"))

    assert refused.status_code == 429
    assert refused["Retry-After"] == str(settings.LOGIN_ADDRESS_WINDOW_SECONDS)
    assert "Quá nhiều lần đăng nhập không thành công" in refused.content.decode()
    assert "_auth_user_id" not in client.session or elsewhere.status_code == 302
    assert elsewhere.status_code == 302


# --- Public tracking behind the proxy ---------------------------------------------------------


@pytest.mark.django_db
def test_one_client_s_tracking_lookups_do_not_block_tracking_for_everyone(client, settings):
    settings.PROXY_COUNT = 1
    settings.TRACKING_RATE_LIMIT = (3, 600)
    query = {"code": "000.00.01.H68-251103-0001", "secret": "ABCDEFGH"}
    for _ in range(3):
        assert client.get("/track/", query, **via_proxy("198.51.100.66")).status_code == 404

    limited = client.get("/track/", query, **via_proxy("198.51.100.66"))
    other = client.get("/track/", query, **via_proxy("198.51.100.10"))

    assert limited.status_code == 429
    assert limited["Retry-After"] == "600"
    assert other.status_code == 404  # looked up, not refused


@pytest.mark.django_db
def test_the_tracking_api_answers_429_with_retry_after_per_client(settings):
    settings.PROXY_COUNT = 1
    settings.TRACKING_RATE_LIMIT = (2, 600)
    api = APIClient()
    body = {"code": "000.00.01.H68-251103-0001", "secret": "ABCDEFGH"}
    for _ in range(2):
        api.post("/api/v1/track/", body, format="json", **via_proxy("198.51.100.66"))

    limited = api.post("/api/v1/track/", body, format="json", **via_proxy("198.51.100.66"))
    other = api.post("/api/v1/track/", body, format="json", **via_proxy("198.51.100.10"))

    assert limited.status_code == 429
    assert limited["Retry-After"] == "600"
    assert limited.json() == {
        "detail": "Có quá nhiều lượt tra cứu từ kết nối của bạn. Vui lòng thử lại sau."
    }
    assert other.status_code == 404


# --- API throttles --------------------------------------------------------------------------


@pytest.fixture
def rates(monkeypatch):
    """Tight scoped rates for one test (DRF reads its rates once, at import)."""

    def tighten(**scopes: str) -> None:
        monkeypatch.setattr(
            ScopedThrottle, "THROTTLE_RATES", {**ScopedThrottle.THROTTLE_RATES, **scopes}
        )

    return tighten


def submission():
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
            data[f"component_{component.pk}"] = SimpleUploadedFile(
                "giay-to.pdf", PDF, content_type="application/pdf"
            )
    return data


@pytest.mark.django_db
def test_submissions_past_the_citizen_s_rate_answer_429_and_create_nothing(demo, rates):
    rates(submission="3/hour")
    api = APIClient()
    api.force_authenticate(CitizenProfile.objects.get(cccd="068190000123").user)
    for _ in range(3):
        assert api.post("/api/v1/dossiers/", submission(), format="multipart").status_code == 201
    before = Dossier.objects.count()

    refused = api.post("/api/v1/dossiers/", submission(), format="multipart")

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["detail"].startswith("Quá nhiều yêu cầu")
    assert Dossier.objects.count() == before
    assert api.get("/api/v1/dossiers/").status_code == 200  # reading is not the submission scope


@pytest.mark.django_db
def test_signature_verification_is_limited_per_address(rates):
    rates(verification="2/minute")
    api = APIClient()
    answers = [
        api.post(
            "/api/v1/signatures/verify",
            {"file": SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")},
            format="multipart",
            REMOTE_ADDR="198.51.100.66",
        ).status_code
        for _ in range(3)
    ]
    other = api.post(
        "/api/v1/signatures/verify",
        {"file": SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")},
        format="multipart",
        REMOTE_ADDR="198.51.100.10",
    )

    assert answers[:2] != [429, 429] and answers[2] == 429
    assert other.status_code != 429


@pytest.mark.django_db
def test_the_national_inbound_endpoint_has_its_own_limit(rates):
    rates(national_inbound="2/minute")
    api = APIClient()
    headers = {"HTTP_AUTHORIZATION": "Bearer test-national-portal-token"}
    answers = [
        api.post("/api/v1/national/dossiers/", {}, format="json", **headers).status_code
        for _ in range(3)
    ]

    assert answers == [400, 400, 429]


@pytest.mark.django_db
def test_anonymous_api_reads_are_throttled_per_address(monkeypatch):
    from portal.throttles import AnonThrottle

    monkeypatch.setattr(
        AnonThrottle, "THROTTLE_RATES", {**AnonThrottle.THROTTLE_RATES, "anon": "2/minute"}
    )
    api = APIClient()
    answers = [api.get("/api/v1/units/", REMOTE_ADDR="198.51.100.66").status_code for _ in range(3)]
    other = api.get("/api/v1/units/", REMOTE_ADDR="198.51.100.10")

    assert answers == [200, 200, 429]
    assert other.status_code == 200

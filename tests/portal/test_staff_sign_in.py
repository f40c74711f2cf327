"""Staff sign-in: password, then a TOTP second factor (outside DEBUG), lockout, audit."""

import pytest
from axes.models import AccessAttempt
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import SignInEvent
from tests.factories.portal import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def otp_required(settings):
    settings.STAFF_OTP_REQUIRED = True


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def current_code(device: TOTPDevice) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:06d}"


def test_staff_without_device_must_enrol_before_the_back_office(client, officer_a, otp_required):
    response = sign_in(client, officer_a.username)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/otp/setup/")
    blocked = client.get("/staff/")
    assert blocked.status_code == 302
    assert blocked["Location"].startswith("/accounts/otp/")
    api = client.get("/api/v1/units/")
    assert api.status_code == 403 and api.json()["code"] == "otp_required"


def test_enrolment_confirms_the_device_and_opens_the_back_office(client, officer_a, otp_required):
    sign_in(client, officer_a.username)
    page = client.get("/accounts/otp/setup/")
    device = TOTPDevice.objects.get(user=officer_a, confirmed=False)
    assert "<svg" in page.content.decode()

    wrong = client.post(
        "/accounts/otp/setup/",
        {"token": "000000" if current_code(device) != "000000" else "111111"},
    )
    assert wrong.status_code == 200
    assert not TOTPDevice.objects.filter(user=officer_a, confirmed=True).exists()

    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # The device throttles after a failure (1 s, doubling); waiting it out is simulated.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)

    done = client.post("/accounts/otp/setup/", {"token": current_code(device), "next": "/staff/"})
    assert done.status_code == 302 and done["Location"] == "/staff/"
    assert TOTPDevice.objects.get(user=officer_a).confirmed is True
    assert client.get("/staff/").status_code == 200
    kinds = list(
        SignInEvent.objects.filter(user=officer_a).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == ["password_ok", "otp_enrolled"]


def test_enrolled_staff_needs_the_current_code(client, officer_a, otp_required):
    device = TOTPDevice.objects.create(user=officer_a, name="phone", confirmed=True)
    response = sign_in(client, officer_a.username)
    assert response["Location"].startswith("/accounts/otp/?next=")

    wrong = client.post(
        "/accounts/otp/", {"token": f"{(int(current_code(device)) + 1) % 10**6:06d}"}
    )
    assert wrong.status_code == 200
    assert "Mã sai hoặc đã hết hạn. Hãy nhập mã hiện tại." in wrong.content.decode()
    assert client.get("/staff/").status_code == 302
    at_once = client.post("/accounts/otp/", {"token": current_code(device)})
    assert "Nhập sai quá nhiều lần" in at_once.content.decode()
    assert client.get("/staff/").status_code == 302

    # The device throttles after a failure (1 s, doubling); waiting it out is simulated.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    ok = client.post("/accounts/otp/", {"token": current_code(device), "next": "/staff/"})
    assert ok.status_code == 302 and ok["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    kinds = list(
        SignInEvent.objects.filter(user=officer_a).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == ["password_ok", "otp_failed", "otp_ok"]  # a throttled try is not checked


def test_malformed_code_gets_a_field_error(client, officer_a, otp_required):
    TOTPDevice.objects.create(user=officer_a, name="phone", confirmed=True)
    sign_in(client, officer_a.username)

    response = client.post("/accounts/otp/", {"token": "12ab56"})

    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert client.get("/staff/").status_code == 302


def test_without_otp_requirement_password_alone_opens_the_back_office(client, officer_a, settings):
    settings.STAFF_OTP_REQUIRED = False

    response = sign_in(client, officer_a.username)

    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_otp_is_required_by_default_when_debug_is_off():
    from django.conf import settings

    assert settings.DEBUG is False
    assert settings.STAFF_OTP_REQUIRED is True


def test_citizens_are_not_asked_for_a_staff_second_factor(client, citizen, otp_required):
    client.force_login(citizen)

    assert client.get("/api/v1/units/").status_code == 200


def test_repeated_wrong_passwords_lock_the_account(client, officer_a, settings):
    settings.STAFF_OTP_REQUIRED = False
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, officer_a.username, "wrong password")
        assert response.status_code == 200

    locked = sign_in(client, officer_a.username, "wrong password")
    with_right_password = sign_in(client, officer_a.username)

    assert locked.status_code == 429
    assert with_right_password.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/staff/").status_code == 302
    assert AccessAttempt.objects.get(username=officer_a.username).failures_since_start >= 5
    kinds = list(
        SignInEvent.objects.filter(username=officer_a.username).values_list("kind", flat=True)
    )
    assert kinds.count("password_failed") == settings.AXES_FAILURE_LIMIT - 1
    assert "locked_out" in kinds
    assert "password_ok" not in kinds


def test_lockout_of_one_account_leaves_another_from_elsewhere_alone(
    client, officer_a, officer_b, settings
):
    settings.STAFF_OTP_REQUIRED = False
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, officer_a.username, "wrong", REMOTE_ADDR="10.0.0.1")

    other = sign_in(client, officer_b.username, REMOTE_ADDR="10.0.0.2")

    assert other.status_code == 302


def test_sign_out_is_recorded(client, officer_a, settings):
    settings.STAFF_OTP_REQUIRED = False
    sign_in(client, officer_a.username)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert SignInEvent.objects.filter(user=officer_a, kind="signed_out").count() == 1
    assert client.get("/staff/").status_code == 302


def test_open_redirect_is_refused(client, officer_a, settings):
    settings.STAFF_OTP_REQUIRED = True
    device = TOTPDevice.objects.create(user=officer_a, name="phone", confirmed=True)
    sign_in(client, officer_a.username)

    response = client.post(
        "/accounts/otp/", {"token": current_code(device), "next": "https://evil.example/"}
    )

    assert response["Location"] == "/staff/"

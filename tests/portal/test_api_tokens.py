"""Systems call the API with scoped, revocable tokens that act as their owner account; people
keep the session with CSRF. Issuing, revoking and refused uses are audited."""

import datetime as dt
import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from dossiers.models import Dossier, DossierEvent, Status
from dossiers.models_work import DeniedAction
from portal import tokens
from portal.models_tokens import ApiClient, ApiToken, ApiTokenEvent, TokenScope
from sync.models import OutboxEntry
from tests.factories.dossiers import new_dossier, staff_of
from units.models import Agency, AgencyKind, Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]
HOME = "229.18.01.H68"
Kind = ApiTokenEvent.Kind


@pytest.fixture
def home():
    return Agency.objects.get(identifier=HOME)


@pytest.fixture
def elsewhere(home):
    """Another commune committee of the same province, with its own receiver."""
    return (
        Agency.objects.filter(unit__parent_id="68", kind=AgencyKind.COMMUNE_COMMITTEE)
        .filter(memberships__role=Role.RECEIVER)
        .exclude(pk=home.pk)
        .distinct()
        .order_by("identifier")
        .first()
    )


@pytest.fixture
def admin68():
    return get_user_model().objects.get(username="province_admin.p68")


@pytest.fixture
def dossier(home):
    return new_dossier(home)


def client_of(agency, admin, name="Hệ thống một cửa"):
    return tokens.api_client_create(
        actor=admin, agency=agency, owner=staff_of(agency, Role.RECEIVER), name=name
    )


def issue(client, admin, *scopes, **kwargs) -> str:
    return tokens.api_token_issue(actor=admin, client=client, scopes=scopes, **kwargs).secret


def caller(secret: str, scheme: str = "Bearer") -> APIClient:
    # CSRF is enforced as in a browser: a token request must pass without it.
    api = APIClient(enforce_csrf_checks=True)
    api.credentials(HTTP_AUTHORIZATION=f"{scheme} {secret}")
    return api


def state(dossier) -> tuple:
    row = Dossier.objects.filter(pk=dossier.pk).values_list("status", "revision").get()
    events = DossierEvent.objects.filter(dossier=dossier).count()
    return row, events, OutboxEntry.objects.filter(dossier=dossier).count()


def events_of(secret: str) -> list[str]:
    token = ApiToken.objects.get(prefix=tokens.token_prefix(secret))
    return list(token.events.order_by("id").values_list("kind", flat=True))


def test_only_the_hash_is_stored_and_issuing_is_audited(home, admin68):
    issued = tokens.api_token_issue(
        actor=admin68, client=client_of(home, admin68), scopes=["read"], note="thử"
    )

    row = ApiToken.objects.filter(pk=issued.token.pk).values().get()
    assert row["secret_hash"] == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret not in {str(v) for v in row.values()}
    assert issued.secret.startswith(row["prefix"]) and len(row["prefix"]) == 14
    event = ApiTokenEvent.objects.get(token=issued.token)
    assert (event.kind, event.actor, event.detail) == (Kind.ISSUED, admin68, "read")


def test_issue_use_refuse_out_of_scope_then_revoke(home, admin68, dossier, english):
    secret = issue(client_of(home, admin68), admin68, "read")
    api = caller(secret)
    before = state(dossier)

    seen = api.get(f"/api/v1/dossiers/{dossier.code}/")
    refused = api.post(f"/api/v1/dossiers/{dossier.code}/receive/", {}, format="json")

    assert seen.status_code == 200 and seen.json()["code"] == dossier.code
    assert refused.status_code == 403
    assert refused.json() == {  # the API answers in Vietnamese first
        "detail": "Phạm vi của mã truy cập API này không cho phép yêu cầu này.",
        "code": "token_scope",
    }
    assert state(dossier) == before
    token = ApiToken.objects.get(prefix=tokens.token_prefix(secret))
    assert token.last_used_at is not None and token.last_used_ip == "127.0.0.1"

    tokens.api_token_revoke(actor=admin68, token=token, reason="máy chủ cũ")
    after = api.get(f"/api/v1/dossiers/{dossier.code}/")

    assert after.status_code == 401 and after.json()["code"] == "token_revoked"
    assert after["WWW-Authenticate"] == 'Bearer realm="api"'
    assert events_of(secret) == [
        Kind.ISSUED,
        Kind.REFUSED_SCOPE,
        Kind.REVOKED,
        Kind.REFUSED_REVOKED,
    ]
    revoked = ApiTokenEvent.objects.get(token=token, kind=Kind.REVOKED)
    assert (revoked.actor, revoked.detail) == (admin68, "máy chủ cũ")


def test_a_write_token_acts_as_its_owner(home, admin68, dossier):
    client = client_of(home, admin68)
    api = caller(issue(client, admin68, "write"), scheme="Token")

    answer = api.post(f"/api/v1/dossiers/{dossier.code}/receive/", {}, format="json")

    assert answer.status_code == 200, answer.content
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED
    event = DossierEvent.objects.filter(dossier=dossier).latest("id")
    assert event.actor == client.owner


def test_the_owners_authorisation_applies(home, elsewhere, admin68, dossier):
    client = client_of(elsewhere, admin68)
    api = caller(issue(client, admin68, "read", "write"))
    before = state(dossier)

    answers = [
        api.get(f"/api/v1/dossiers/{dossier.code}/").status_code,
        api.post(f"/api/v1/dossiers/{dossier.code}/receive/", {}, format="json").status_code,
    ]

    assert answers == [404, 404]
    assert state(dossier) == before
    denied = DeniedAction.objects.filter(dossier_code=dossier.code).order_by("id")
    assert [(d.user, d.action) for d in denied] == [
        (client.owner, "api:retrieve"),
        (client.owner, "api:receive"),
    ]


def test_an_expired_token_answers_401(home, admin68):
    secret = issue(client_of(home, admin68), admin68, "read")
    ApiToken.objects.filter(prefix=tokens.token_prefix(secret)).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )

    answer = caller(secret).get("/api/v1/queues/")

    assert answer.status_code == 401 and answer.json()["code"] == "token_expired"
    assert events_of(secret) == [Kind.ISSUED, Kind.REFUSED_EXPIRED]


def test_a_disabled_owner_answers_401(home, admin68):
    client = client_of(home, admin68)
    secret = issue(client, admin68, "read")
    get_user_model().objects.filter(pk=client.owner_id).update(is_active=False)

    answer = caller(secret).get("/api/v1/queues/")

    assert answer.status_code == 401 and answer.json()["code"] == "token_inactive"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer a b",
        "Token garbage",
        "Bearer ptk_0000000000_" + "A" * 43,  # well-formed, unknown
        "Bearer ptk_\u00e9\u00e9",
        "bearer test-national-portal-token",  # the national portal's token is not an API token
    ],
)
def test_unknown_or_malformed_tokens_answer_401(header):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)

    answer = api.get("/api/v1/queues/")

    assert answer.status_code == 401 and answer.json()["code"] == "token_invalid"
    assert ApiTokenEvent.objects.count() == 0


def test_a_wrong_secret_of_a_real_prefix_is_refused_and_audited_once_a_minute(home, admin68):
    secret = issue(client_of(home, admin68), admin68, "read")
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")

    answers = [caller(forged).get("/api/v1/queues/").status_code for _ in range(3)]

    assert answers == [401, 401, 401]
    assert events_of(secret) == [Kind.ISSUED, Kind.REFUSED_SECRET]
    assert ApiToken.objects.get(prefix=tokens.token_prefix(secret)).last_used_at is None


def test_last_use_is_written_at_most_once_a_minute(home, admin68):
    secret = issue(client_of(home, admin68), admin68, "read")
    token = ApiToken.objects.get(prefix=tokens.token_prefix(secret))
    api = caller(secret)

    api.get("/api/v1/queues/")
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    api.get("/api/v1/queues/")
    second = ApiToken.objects.get(pk=token.pk).last_used_at
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    api.get("/api/v1/queues/")
    third = ApiToken.objects.get(pk=token.pk).last_used_at

    assert first is not None and second == first and third > first


def test_a_session_still_needs_csrf_and_anonymous_answers_stay_403(dossier, citizen):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(citizen)
    before = state(dossier)

    forged = browser.post(f"/api/v1/dossiers/{dossier.code}/withdraw/", {}, format="json")
    anonymous = APIClient().get("/api/v1/queues/")

    assert forged.status_code == 403 and "CSRF" in forged.json()["detail"]
    assert state(dossier) == before
    assert anonymous.status_code == 403 and "WWW-Authenticate" not in anonymous


def test_the_national_scope_pushes_inbound_dossiers_only(home, admin68, dossier):
    client = client_of(home, admin68)
    national = issue(client, admin68, "national")
    reader = issue(client, admin68, "read")
    body = {
        "MaHoSo": f"{HOME}-261120-9001",
        "MaTTHC": "1.001193",
        "MaDonViTiepNhan": HOME,
        "ChuHoSo": "Trần Thị Bích Ngọc",
        "MaXa": "22918",
        "NgayNopHoSo": "20261120083000",
        "TrangThaiHoSo": 1,
        "KenhThucHien": 2,
        "TaiLieuNop": [],
    }

    pushed = caller(national).post("/api/v1/national/dossiers/", body, format="json")
    elsewhere = caller(national).get(f"/api/v1/dossiers/{dossier.code}/")
    out_of_scope = caller(reader).post(
        "/api/v1/national/dossiers/", {**body, "MaHoSo": f"{HOME}-261120-9002"}, format="json"
    )

    assert pushed.status_code == 201, pushed.content
    assert Dossier.objects.filter(code=f"{HOME}-261120-9001").exists()
    assert elsewhere.status_code == 403 and out_of_scope.status_code == 403
    assert not Dossier.objects.filter(code=f"{HOME}-261120-9002").exists()


def test_who_may_issue(home, admin68, english):
    admin01 = get_user_model().objects.get(username="province_admin.p01")
    officer = staff_of(home, Role.RECEIVER)
    superuser = get_user_model().objects.get(username="admin")
    cases = [
        (admin01, officer, "api_client_not_administered"),  # another province's administrator
        (officer, staff_of(home, Role.LEADER), "api_client_not_administered"),
        (admin68, admin68, "api_owner_is_issuer"),
        (admin68, superuser, "api_owner_admin"),
        (admin68, get_user_model().objects.get(username="receiver.p01"), "api_owner_not_in_agency"),
    ]

    codes = []
    for actor, owner, _expected in cases:
        with pytest.raises(tokens.TokenError) as refused:
            tokens.api_client_create(actor=actor, agency=home, owner=owner, name="X")
        codes.append(refused.value.code)

    assert codes == [expected for *_rest, expected in cases]
    assert not ApiClient.objects.exists()
    client = client_of(home, superuser)  # a superuser may issue anywhere
    with pytest.raises(tokens.TokenError):
        issue(client, admin01, "read")
    assert not ApiToken.objects.exists() and not ApiTokenEvent.objects.exists()


def test_the_command_issues_lists_and_revokes(home, capsys):
    from django.core.management import call_command

    owner = staff_of(home, Role.RECEIVER)
    call_command(
        "api_token", "issue", "--agency", HOME, "--client", "Kịch bản", "--owner",
        owner.username, "--scope", "read", "--expires-in-days", "30",
    )  # fmt: skip
    secret = capsys.readouterr().out.strip()
    prefix = tokens.token_prefix(secret)
    used = caller(secret).get("/api/v1/queues/")
    call_command("api_token", "list")
    listed = capsys.readouterr().out
    call_command("api_token", "revoke", prefix, "--reason", "hết dùng")
    capsys.readouterr()

    assert used.status_code == 200
    assert listed.startswith(f"{prefix}\t{HOME}\tKịch bản\t{owner.username}\tread\t")
    assert caller(secret).get("/api/v1/queues/").status_code == 401
    assert events_of(secret) == [Kind.ISSUED, Kind.REVOKED, Kind.REFUSED_REVOKED]
    token = ApiToken.objects.get(prefix=prefix)
    assert token.created_by is None and token.expires_at > timezone.now() + dt.timedelta(days=29)


def test_scopes_are_read_write_and_national():
    assert [s for s in TokenScope.values] == ["read", "write", "national"]
    assert tokens.scope_allows({"read"}, "GET") and not tokens.scope_allows({"read"}, "POST")
    assert tokens.scope_allows({"write"}, "HEAD") and tokens.scope_allows({"write"}, "DELETE")
    assert not tokens.scope_allows({"national"}, "GET")
    assert tokens.scope_allows({"national"}, "POST", required="national")
    assert not tokens.scope_allows({"write"}, "POST", required="national")

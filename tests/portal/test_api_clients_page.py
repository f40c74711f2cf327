"""Province administrators register systems and issue and revoke their tokens on one page, for
their own provinces only; superusers do it in the Django admin. The secret is shown once."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from portal import tokens
from portal.models_tokens import ApiClient, ApiToken, ApiTokenEvent
from tests.factories.dossiers import staff_of
from units.models import Agency, Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]
HOME = "229.18.01.H68"
PAGE = "/staff/api-clients/"


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.STAFF_OTP_REQUIRED = False


def browser(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def api_client_of(identifier: str, admin: str) -> ApiClient:
    agency = Agency.objects.get(identifier=identifier)
    return tokens.api_client_create(
        actor=get_user_model().objects.get(username=admin),
        agency=agency,
        owner=staff_of(agency, Role.RECEIVER),
        name="Hệ thống",
    )


def test_register_issue_use_and_revoke_on_the_page():
    page = browser("province_admin.p68")
    owner = staff_of(Agency.objects.get(identifier=HOME), Role.RECEIVER)

    made = page.post(
        f"{PAGE}new/",
        {"client-name": "Một cửa", "client-agency": Agency.objects.get(identifier=HOME).pk,
         "client-owner": owner.username},
    )  # fmt: skip
    client = ApiClient.objects.get(name="Một cửa")
    issued = page.post(
        f"{PAGE}tokens/",
        {"issue-client": client.pk, "issue-scopes": ["read"], "issue-expires_in_days": "30"},
    )
    token = ApiToken.objects.get(client=client)
    secret = issued.context["issued"].secret
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    used = api.get("/api/v1/queues/")
    listed = page.get(PAGE)
    revoked = page.post(f"{PAGE}tokens/{token.pk}/revoke/")

    assert made.status_code == 302 and client.owner == owner
    assert issued.status_code == 200 and "no-store" in issued["Cache-Control"]
    assert secret.encode() in issued.content and secret.startswith(token.prefix)
    assert used.status_code == 200
    assert token.prefix.encode() in listed.content and secret.encode() not in listed.content
    assert revoked.status_code == 302 and api.get("/api/v1/queues/").status_code == 401
    assert list(token.events.order_by("id").values_list("kind", "actor__username")) == [
        ("issued", "province_admin.p68"),
        ("revoked", "province_admin.p68"),
        ("refused_revoked", None),
    ]


def test_an_administrator_sees_and_acts_on_their_provinces_only():
    theirs = api_client_of("000.00.01.H01", "province_admin.p01")
    other = tokens.api_token_issue(actor=None, client=theirs, scopes=["read"]).token
    page = browser("province_admin.p68")

    listed = page.get(PAGE)
    revoke = page.post(f"{PAGE}tokens/{other.pk}/revoke/")
    issue = page.post(f"{PAGE}tokens/", {"issue-client": theirs.pk, "issue-scopes": ["read"]})

    assert listed.status_code == 200 and other.prefix.encode() not in listed.content
    assert revoke.status_code == 404 and issue.status_code == 400
    other.refresh_from_db()
    assert other.revoked_at is None
    assert ApiToken.objects.filter(client=theirs).count() == 1
    assert list(ApiTokenEvent.objects.values_list("kind", flat=True)) == ["issued"]


def test_staff_who_administer_no_province_are_refused():
    officer = staff_of(Agency.objects.get(identifier=HOME), Role.RECEIVER)
    page = Client()
    page.force_login(officer)

    assert page.get(PAGE).status_code == 403
    assert page.post(f"{PAGE}tokens/", {}).status_code == 403
    assert not ApiToken.objects.exists()


def test_a_superuser_issues_in_the_admin_and_sees_the_secret_once():
    client = api_client_of(HOME, "province_admin.p68")
    admin = browser("admin")

    answer = admin.post(
        "/admin/portal/apitoken/add/",
        {"client": client.pk, "scope_choices": ["read", "write"], "note": "ops"},
        follow=True,
    )

    token = ApiToken.objects.get(client=client)
    shown = [str(m) for m in answer.context["messages"]]
    assert token.scopes == "read write" and token.created_by.username == "admin"
    assert len(shown) >= 1 and any(token.prefix in m for m in shown)
    assert token.secret_hash == tokens.token_hash(shown[0].rsplit(" ", 1)[-1])

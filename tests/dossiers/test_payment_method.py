"""How a financial obligation was paid: required when the payment is confirmed (API, page and
service), kept on the event, sent to the national portal, and counted as online payment only
when it was "online".

Dossiers are the demo citizen's birth registrations (1.001193) at the committee of Phường Mũi
Né (229.18.01.H68), taken to status 6 (financial obligation) by the commune's own staff.
"""

import pytest
from django.db.models import Sum
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from dossiers import lifecycle
from dossiers.errors import TransitionNotAllowed
from dossiers.lifecycle import dossier_submit
from dossiers.models import Dossier, DossierEvent, Status, Step
from procedures.models import Procedure
from reports import rollups, selectors
from reports.models import PeriodRollup
from sync import payload
from sync.models import OutboxEntry
from tests.factories.dossiers import staff_of
from units.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.STAFF_OTP_REQUIRED = False  # the second factor has its own tests


@pytest.fixture
def specialist(home):
    return staff_of(home, Role.SPECIALIST)


def awaiting_payment(home, cccd: str = "068200000111") -> Dossier:
    """A dossier received, in processing and asked to pay 8.000 đ (status 6)."""
    version = Procedure.objects.select_related("current_version").get(code="1.001193")
    version = version.current_version
    submitted = dossier_submit(
        version=version,
        agency=home,
        reception_agency=home,
        level="commune",
        applicant_name="Lê Văn Tám",
        applicant_id_number=cccd,
        applicant_commune=home.unit,
        case=version.cases.first(),
    )
    receiver = staff_of(home, Role.RECEIVER)
    d = lifecycle.receive(dossier=submitted, actor=receiver)
    d = lifecycle.forward(dossier=d, actor=receiver)
    d = lifecycle.request_payment(dossier=d, actor=staff_of(home, Role.SPECIALIST), amount=8000)
    assert d.status == Status.FINANCIAL_OBLIGATION
    return d


def snapshot(dossier: Dossier) -> tuple:
    return (
        Dossier.objects.filter(pk=dossier.pk).values_list("status", "step", "revision").get(),
        DossierEvent.objects.filter(dossier=dossier).count(),
        OutboxEntry.objects.filter(dossier=dossier).count(),
    )


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- The API ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "why"),
    [({}, "missing"), ({"method": ""}, "blank"), ({"method": "post"}, "a return method")],
)
def test_the_api_refuses_a_confirmation_without_a_valid_method(home, specialist, body, why):
    d = awaiting_payment(home)
    before = snapshot(d)

    got = api_as(specialist).post(
        f"/api/v1/dossiers/{d.code}/confirm-payment/",
        {**body, "note": "Đã nộp", "revision": d.revision},
        format="json",
    )

    assert got.status_code == 400, why
    assert list(got.json()) == ["method"]
    assert snapshot(d) == before


@pytest.mark.parametrize("method", ["online", "counter", "transfer"])
def test_the_api_confirms_and_the_event_keeps_the_method(home, specialist, method):
    d = awaiting_payment(home)

    got = api_as(specialist).post(
        f"/api/v1/dossiers/{d.code}/confirm-payment/",
        {"method": method, "revision": d.revision},
        format="json",
    )

    assert got.status_code == 200, got.content
    assert (got.json()["status"], got.json()["step"]) == (Status.IN_PROCESSING, Step.SPECIALIST)
    event = DossierEvent.objects.filter(dossier=d).latest("id")
    assert event.data == {"action": "confirm_payment", "method": method}
    assert (event.old_status, event.new_status) == (Status.FINANCIAL_OBLIGATION, 4)


def test_the_schema_documents_the_payment_methods(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    body = schema["paths"]["/api/v1/dossiers/{code}/confirm-payment/"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    component = schema["components"]["schemas"][ref]
    assert "method" in component["required"]


# --- The service --------------------------------------------------------------------------------


def test_the_service_refuses_an_unknown_method_and_changes_nothing(home, specialist):
    d = awaiting_payment(home)
    before = snapshot(d)

    with pytest.raises(TransitionNotAllowed) as refused:
        lifecycle.confirm_payment(dossier=d, actor=specialist, method="bitcoin")

    assert refused.value.field == "method"
    assert snapshot(d) == before


# --- The page -----------------------------------------------------------------------------------


def page_as(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_the_page_offers_the_methods_with_none_chosen(home, specialist):
    d = awaiting_payment(home)

    page = page_as(specialist).get(f"/office/dossiers/{d.code}/").content.decode()

    form = page[page.index('data-testid="form-confirm_payment"') :]
    form = form[: form.index("</section>")]
    radios = [line for line in form.split("<input") if 'name="method"' in line]
    assert sorted(r.split('value="')[1].split('"')[0] for r in radios) == [
        "counter",
        "online",
        "transfer",
    ]
    assert not any("checked" in r for r in radios)


@pytest.mark.parametrize("method", [None, "", "cash"])
def test_the_page_refuses_a_confirmation_without_a_valid_method(home, specialist, method):
    d = awaiting_payment(home)
    before = snapshot(d)
    data = {"revision": d.revision, "note": "Đã nộp"}
    if method is not None:
        data["method"] = method

    got = page_as(specialist).post(f"/office/dossiers/{d.code}/act/confirm_payment/", data)

    assert got.status_code == 400
    bound = next(f for f in got.context["forms"] if f.action == "confirm_payment")
    assert list(bound.errors) == ["method"]
    assert "Choose how the obligation was paid." in got.content.decode()
    assert "Đã nộp</textarea>" in got.content.decode()  # what was typed is kept
    assert snapshot(d) == before


def test_the_page_confirms_and_the_event_keeps_the_method(home, specialist):
    d = awaiting_payment(home)

    got = page_as(specialist).post(
        f"/office/dossiers/{d.code}/act/confirm_payment/",
        {"revision": d.revision, "method": "transfer", "note": "Chuyển khoản"},
    )

    assert got.status_code == 302
    event = DossierEvent.objects.filter(dossier=d).latest("id")
    assert (event.data["method"], event.note, event.new_status) == (
        "transfer",
        "Chuyển khoản",
        Status.IN_PROCESSING,
    )
    history = page_as(specialist).get(f"/office/dossiers/{d.code}/").content.decode()
    assert "Paid: bank transfer" in history and "Returned" not in history


# --- What the reports and the portal are told ---------------------------------------------------


def test_only_online_payments_count_as_paid_online(home, specialist):
    """Three obligations, paid online, in cash and by transfer: with fees 3, paid online 1."""
    paid = {}
    for number, method in enumerate(("online", "counter", "transfer")):
        d = awaiting_payment(home, cccd=f"06820000011{number}")
        lifecycle.confirm_payment(dossier=d, actor=specialist, method=method)
        paid[method] = d

    rollups.refresh_dossiers([d.pk for d in paid.values()])

    sums = PeriodRollup.objects.filter(agency=home).aggregate(
        received=Sum("received"), with_fee=Sum("with_fee"), paid_online=Sum("paid_online")
    )
    assert sums == {"received": 3, "with_fee": 3, "paid_online": 1}
    scope = selectors.Scope(province="68")
    whole = selectors.Period.year(timezone.localtime(paid["online"].received_at).year)
    counts = selectors.totals(scope, whole)[None]
    assert (counts["with_fee"], counts["paid_online"]) == (3, 1)
    drill = selectors.dossiers_behind(None, selectors.Scope("68", admin=True), whole, "paid_online")
    assert list(drill.values_list("code", flat=True)) == [paid["online"].code]


def test_the_national_portal_is_told_how_it_was_paid(home, specialist):
    d = awaiting_payment(home)
    assert payload.dossier_lists(d.pk)["KenhThanhToan"] == ""

    lifecycle.confirm_payment(dossier=d, actor=specialist, method="online")

    assert payload.dossier_lists(d.pk)["KenhThanhToan"] == "online"

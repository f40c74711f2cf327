"""The platform's callback: accepted once when it verifies; forged, wrong amount, unknown
order, replayed and late callbacks are refused and logged with nothing changed."""

import pytest

from dossiers import lifecycle
from dossiers.models import DossierEvent, Status
from dossiers.models_payments import FeeObligation, GatewayCallback, Payment
from dossiers.payments import services
from dossiers.payments.signing import signed
from tests.factories.dossiers import staff_of
from tests.payments.conftest import SECRET
from tests.payments.helpers import post_callback, snapshot
from units.models import Role

pytestmark = pytest.mark.django_db

URLS = {"return_url": "http://testserver/payments/return/",
        "callback_url": "http://testserver/payments/callback/"}  # fmt: skip


def start(dossier, applicant):
    return services.order_start(dossier=dossier, actor=applicant, **URLS)


def test_a_valid_callback_is_accepted_once(gateway, residence, applicant):
    payment = start(residence, applicant)
    assert payment.amount == 7000 and payment.pay_url.startswith(gateway.url + "/pay/")
    callback = gateway.settle(payment.reference)

    status, body = post_callback(callback)

    assert (status, body["error_code"]) == (200, "00")
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID
    assert payment.external_reference == callback["gateway_txn_id"]
    obligation = payment.obligation
    obligation.refresh_from_db()
    assert (obligation.state, obligation.amount) == (FeeObligation.State.PAID, 7000)
    # The fee is paid before the dossier reaches the agency: the desk can receive it now.
    assert services.upfront_unpaid(residence) is False
    before = snapshot(residence)

    again = post_callback(callback)

    assert again == (200, {"error_code": "02", "message": "duplicate"})
    assert snapshot(residence) == before
    assert GatewayCallback.objects.filter(callback_id=callback["callback_id"]).count() == 2


def test_the_desk_cannot_receive_before_the_fee_is_paid(gateway, residence, applicant):
    desk = staff_of(residence.reception_agency, Role.RECEIVER)
    with pytest.raises(lifecycle.TransitionNotAllowed):
        lifecycle.receive(dossier=residence, actor=desk)
    payment = start(residence, applicant)
    post_callback(gateway.settle(payment.reference))
    assert lifecycle.receive(dossier=residence, actor=desk).status == Status.RECEIVED


@pytest.mark.parametrize(
    ("change", "outcome", "answer"),
    [
        ({"signature": "0" * 64}, "forged", 401),
        ({"amount": 1000}, "wrong_amount", 401),  # re-signed below: the amount is what's wrong
        ({"dossier_code": "000.00.00.H00-000000-0000"}, "wrong_dossier", 401),
        ({"order_ref": "TT000000NOSUCHORDER"}, "unknown_order", 401),
    ],
)
def test_a_bad_callback_is_refused_logged_and_changes_nothing(
    gateway, residence, applicant, change, outcome, answer
):
    payment = start(residence, applicant)
    callback = gateway.settle(payment.reference)
    bad = {**callback, **change}
    if "signature" not in change:
        bad = signed({k: v for k, v in bad.items() if k != "signature"}, SECRET)
        answer = {"wrong_amount": 400, "wrong_dossier": 400, "unknown_order": 404}[outcome]
    before = snapshot(residence)

    status, body = post_callback(bad)

    assert status == answer and body["message"] == outcome
    assert snapshot(residence) == before
    logged = GatewayCallback.objects.get(callback_id=callback["callback_id"])
    assert (logged.outcome, logged.applied) == (outcome, False)
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PENDING


def test_a_callback_signed_with_another_secret_is_forged(gateway, residence, applicant):
    payment = start(residence, applicant)
    callback = gateway.settle(payment.reference)
    forged = signed({k: v for k, v in callback.items() if k != "signature"}, "not-the-secret")
    before = snapshot(residence)
    assert post_callback(forged)[0] == 401
    assert snapshot(residence) == before


def test_a_replayed_callback_with_a_new_id_changes_nothing(gateway, residence, applicant):
    payment = start(residence, applicant)
    callback = gateway.settle(payment.reference)
    post_callback(callback)
    before = snapshot(residence)
    replay = signed(
        {**{k: v for k, v in callback.items() if k != "signature"}, "callback_id": "replayed-1"},
        SECRET,
    )
    status, _body = post_callback(replay)
    assert status == 200  # the same transaction again: already applied
    assert snapshot(residence) == before
    replay2 = signed(
        {**{k: v for k, v in callback.items() if k != "signature"}, "callback_id": "replayed-2",
         "gateway_txn_id": "GWOTHER"},
        SECRET,
    )  # fmt: skip
    status, body = post_callback(replay2)
    assert (status, body["message"]) == (409, "late")
    assert snapshot(residence) == before


def test_a_late_callback_for_an_abandoned_order_is_refused(gateway, residence, applicant):
    first = start(residence, applicant)
    late = gateway.settle(first.reference)  # paid on the platform, but the citizen retried
    second = start(residence, applicant)
    assert Payment.objects.get(pk=first.pk).state == Payment.State.ABANDONED
    before = snapshot(residence)

    status, body = post_callback(late)

    assert (status, body["message"]) == (409, "late")
    assert snapshot(residence) == before
    # The retry still goes through.
    assert post_callback(gateway.settle(second.reference))[0] == 200
    assert Payment.objects.get(pk=second.pk).state == Payment.State.PAID


def test_a_callback_after_the_order_expired_is_refused(gateway, residence, applicant):
    payment = start(residence, applicant)
    callback = gateway.settle(payment.reference)
    Payment.objects.filter(pk=payment.pk).update(expires_at=payment.expires_at.replace(year=2020))
    before = snapshot(residence)
    status, body = post_callback(callback)
    assert (status, body["message"]) == (409, "late")
    assert snapshot(residence) == before


def test_a_declined_payment_can_be_retried(gateway, residence, applicant):
    payment = start(residence, applicant)
    status, body = post_callback(gateway.settle(payment.reference, status="failed"))
    assert (status, body["message"]) == (200, "failed")
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.FAILED
    retry = start(residence, applicant)
    assert retry.reference != payment.reference
    assert post_callback(gateway.settle(retry.reference))[0] == 200
    assert residence.obligations.get().state == FeeObligation.State.PAID
    assert not DossierEvent.objects.filter(dossier=residence, data__action="confirm_payment")


def test_an_unreachable_platform_charges_nothing(settings, residence, applicant):
    settings.PAYMENT_GATEWAY_URL = "http://127.0.0.1:9/"
    settings.PAYMENT_GATEWAY_TIMEOUT = 1
    with pytest.raises(services.PaymentError):
        start(residence, applicant)
    assert list(residence.payments.values_list("state", flat=True)) == ["failed"]

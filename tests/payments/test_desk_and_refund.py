"""The desk records payments at the counter or by transfer, with the same checks, and refunds
what was paid on a dossier refused or withdrawn."""

import pytest

from dossiers import lifecycle
from dossiers.models import Status
from dossiers.models_payments import Payment, Refund
from dossiers.payments import services
from dossiers.payments.errors import NothingDue, PaymentError
from tests.factories.dossiers import staff_of
from tests.payments.helpers import client_of
from units.models import Role

pytestmark = pytest.mark.django_db


def test_a_transfer_recorded_with_the_wrong_amount_is_refused(residence):
    desk = staff_of(residence.reception_agency, Role.RECEIVER)
    with pytest.raises(PaymentError):
        services.payment_record(dossier=residence, actor=desk, method="transfer", amount=10000)
    assert not Payment.objects.filter(dossier=residence).exists()
    payment = services.payment_record(
        dossier=residence, actor=desk, method="transfer", amount=7000, reference="FT2512345"
    )
    assert (payment.state, payment.method, payment.external_reference) == (
        "paid",
        "transfer",
        "FT2512345",
    )
    with pytest.raises(NothingDue):
        services.payment_record(dossier=residence, actor=desk, method="counter", amount=7000)


def test_someone_else_cannot_record_a_payment(residence, applicant):
    with pytest.raises(lifecycle.NotPermitted):
        services.payment_record(dossier=residence, actor=applicant, method="counter", amount=7000)


def test_a_refund_after_the_dossier_is_refused_is_recorded_and_shown(residence, applicant):
    desk = staff_of(residence.reception_agency, Role.RECEIVER)
    services.payment_record(dossier=residence, actor=desk, method="counter", amount=7000)
    with pytest.raises(PaymentError):  # still open: nothing to refund
        services.refund_record(dossier=residence, actor=desk, method="counter", reason="x")
    refused = lifecycle.refuse(dossier=residence, actor=desk, reason="Không thuộc thẩm quyền")
    assert refused.status == Status.REFUSED

    (refund,) = services.refund_record(
        dossier=refused, actor=desk, method="transfer", reference="HT-1", reason="Từ chối"
    )

    assert (refund.amount, refund.method, refund.reference) == (7000, "transfer", "HT-1")
    with pytest.raises(NothingDue):
        services.refund_record(dossier=refused, actor=desk, method="transfer", reason="lần 2")
    assert Refund.objects.filter(dossier=residence).count() == 1
    page = client_of(applicant).get(f"/my/dossiers/{residence.code}/").content.decode()
    assert 'data-testid="refunded"' in page and "7.000 đ" in page


def test_the_work_page_records_a_counter_payment(residence, settings):
    settings.STAFF_OTP_REQUIRED = False
    desk = staff_of(residence.reception_agency, Role.RECEIVER)
    browser = client_of(desk)
    page = browser.get(f"/office/dossiers/{residence.code}/").content.decode()
    assert 'data-testid="record-payment"' in page and "7.000 đ" in page
    answer = browser.post(
        f"/office/dossiers/{residence.code}/payments/record/",
        {"method": "counter", "amount": "7000", "reference": "BL-9"},
    )
    assert answer.status_code == 302
    payment = residence.payments.get()
    assert (payment.state, payment.recorded_by) == ("paid", desk)
    receipt = browser.get(
        f"/office/dossiers/{residence.code}/payments/{payment.reference}/receipt.pdf"
    )
    assert receipt["Content-Type"] == "application/pdf" and receipt.content.startswith(b"%PDF")

"""An obligation asked during processing (status 6): computed from the fee lines, the clock
stands still while the citizen pays and the appointment moves by the pause."""

import datetime as dt

import pytest
from django.utils import timezone

from dossiers import lifecycle
from dossiers.calendar import calendar_for
from dossiers.models import Dossier, DossierEvent, Status
from dossiers.models_payments import FeeObligation, Payment
from dossiers.payments import services
from procedures.models import ProcedureVersion
from tests.factories.dossiers import staff_of
from tests.payments.helpers import post_callback, to_specialist
from units.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def processing(residence):
    """The residence dossier of a version that computes its fees during processing, status 4."""
    ProcedureVersion.objects.filter(pk=residence.version_id).update(
        fee_collection="during_processing"
    )
    return to_specialist(Dossier.objects.get(pk=residence.pk))


def _working_day_after(moment, days):
    local = timezone.localtime(moment)
    calendar = calendar_for(local.date(), local.date() + dt.timedelta(days=40))
    return calendar.add_working_days(local.date(), days)


def test_the_amount_asked_is_the_catalogue_s_never_a_typed_one(processing):
    specialist = staff_of(processing.agency, Role.SPECIALIST)
    with pytest.raises(lifecycle.TransitionNotAllowed) as refused:
        lifecycle.request_payment(dossier=processing, actor=specialist, amount=9999)
    assert refused.value.field == "amount"
    assert Dossier.objects.get(pk=processing.pk).status == Status.IN_PROCESSING
    done = lifecycle.request_payment(dossier=processing, actor=specialist)
    assert done.status == Status.FINANCIAL_OBLIGATION
    obligation = done.obligations.get()
    assert (obligation.amount, obligation.stage, obligation.lines) == (
        7000,
        "during_processing",
        [{"name": "Lệ phí", "amount": 7000}],
    )
    assert obligation.old_appointment == done.appointment_at


def test_paying_online_resumes_processing_and_moves_the_appointment(gateway, processing, applicant):
    specialist = staff_of(processing.agency, Role.SPECIALIST)
    asked_at = processing.received_at + dt.timedelta(minutes=5)
    asked = lifecycle.request_payment(dossier=processing, actor=specialist, at=asked_at)
    old = asked.appointment_at
    payment = services.order_start(
        dossier=asked,
        actor=applicant,
        return_url="http://testserver/payments/return/",
        callback_url="http://testserver/payments/callback/",
    )
    assert post_callback(gateway.settle(payment.reference))[0] == 200

    done = Dossier.objects.get(pk=processing.pk)
    assert (done.status, done.step) == (Status.IN_PROCESSING, "specialist")
    obligation = done.obligations.get()
    assert obligation.state == FeeObligation.State.PAID
    # Paid today: the working days after the request's day up to today are the pause.
    paused = calendar_for(timezone.localtime(asked_at).date()).count_working_days(
        timezone.localtime(asked_at).date(), timezone.localdate()
    )
    assert timezone.localtime(done.appointment_at).date() == _working_day_after(old, paused)
    event = DossierEvent.objects.filter(dossier=done).latest("id")
    assert (event.actor, event.role, event.old_status, event.new_status) == (
        None,
        lifecycle.GATEWAY,
        Status.FINANCIAL_OBLIGATION,
        Status.IN_PROCESSING,
    )
    assert event.data["method"] == "online" and event.data["amount"] == 7000


def test_paid_at_the_counter_two_working_days_later_the_appointment_moves_two(processing):
    specialist = staff_of(processing.agency, Role.SPECIALIST)
    desk = staff_of(processing.reception_agency, Role.RECEIVER)
    asked_at = processing.received_at
    asked = lifecycle.request_payment(dossier=processing, actor=specialist, at=asked_at)
    old = asked.appointment_at
    local = timezone.localtime(asked_at)
    calendar = calendar_for(local.date(), local.date() + dt.timedelta(days=40))
    paid_day = calendar.add_working_days(local.date(), 2)
    paid_at = timezone.make_aware(dt.datetime.combine(paid_day, dt.time(9, 0)))
    with pytest.raises(lifecycle.TransitionNotAllowed):
        lifecycle.confirm_payment(dossier=asked, actor=desk, method="counter", amount=5000)

    done = lifecycle.confirm_payment(
        dossier=asked, actor=desk, method="counter", amount=7000, reference="BL-0001", at=paid_at
    )

    assert done.status == Status.IN_PROCESSING
    assert timezone.localtime(done.appointment_at).date() == calendar.add_working_days(
        timezone.localtime(old).date(), 2
    )
    payment = done.payments.get()
    assert (payment.method, payment.amount, payment.state, payment.external_reference) == (
        "counter",
        7000,
        Payment.State.PAID,
        "BL-0001",
    )

"""The morning round: officers hear what falls due within 2 working days, leaders what is late."""

import datetime as dt

import pytest
from django.utils import timezone

from dossiers import lifecycle
from dossiers.models import Dossier
from dossiers.models_work import Notice
from dossiers.office.deadlines import deadline_round
from tests.factories.dossiers import staff_of
from units.models import Role

pytestmark = pytest.mark.django_db


def test_due_soon_goes_to_the_holder_and_overdue_to_leaders(submitted, mailoutbox):
    agency = submitted.reception_agency
    receiver, specialist = staff_of(agency, Role.RECEIVER), staff_of(agency, Role.SPECIALIST)
    leader = staff_of(agency, Role.LEADER)
    specialist.email, leader.email = "cv@example.vn", "ld@example.vn"
    specialist.save(update_fields=["email"])
    leader.save(update_fields=["email"])
    d = lifecycle.receive(dossier=submitted, actor=receiver)
    d = lifecycle.forward(dossier=d, actor=receiver)
    d = lifecycle.claim(dossier=d, actor=specialist)
    now = timezone.now()
    Dossier.objects.filter(pk=d.pk).update(appointment_at=now + dt.timedelta(hours=3))

    report = deadline_round(now=now)

    assert Notice.objects.filter(user=specialist, kind__startswith="due_soon").count() == 1
    assert "1" in Notice.objects.get(user=specialist).text
    assert not Notice.objects.filter(user=leader, kind__startswith="overdue").exists()
    assert report.notices == 1 and [m.to for m in mailoutbox] == [["cv@example.vn"]]

    Dossier.objects.filter(pk=d.pk).update(appointment_at=now - dt.timedelta(hours=3))
    deadline_round(now=now)
    late = Notice.objects.get(user=leader, kind__startswith="overdue")
    assert "1" in late.text and "overdue" in late.url
    assert len(mailoutbox) == 2

    again = deadline_round(now=now)  # the same morning: nothing more
    assert again.notices == 0 and len(mailoutbox) == 2


def test_settled_and_paused_dossiers_are_not_counted(submitted):
    agency = submitted.reception_agency
    receiver = staff_of(agency, Role.RECEIVER)
    d = lifecycle.receive(dossier=submitted, actor=receiver)
    lifecycle.request_supplement(dossier=d, actor=receiver, reason="Thiếu giấy tờ")
    Dossier.objects.filter(pk=d.pk).update(appointment_at=timezone.now() - dt.timedelta(days=1))

    report = deadline_round()

    assert report.notices == 0 and not Notice.objects.exists()

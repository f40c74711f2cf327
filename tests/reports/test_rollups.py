"""Rollups kept from real dossier histories (driven through ``dossiers.lifecycle``).

Each test works its expected counts out by hand from the history it builds.
"""

import datetime as dt

import pytest
from django.db.models import F, Sum
from django.utils import timezone

from dossiers import lifecycle
from dossiers.models import Dossier, DossierEvent, Status
from reports import rollups
from reports.models import DossierRollup, Klass, PeriodRollup
from tests.dossiers.conftest import pdf
from tests.factories import AgencyFactory
from tests.factories.dossiers import receiver_of
from units.models import AgencyKind

pytestmark = pytest.mark.django_db
COUNTED = ("received", "early", "on_time", "late", "in_progress", "in_progress_late",
           "ended", "ended_late", "became_late")  # fmt: skip


def totals(**filters) -> dict[str, int]:
    got = PeriodRollup.objects.filter(**filters).aggregate(**{n: Sum(n) for n in COUNTED})
    return {name: value for name, value in got.items() if value}


def month(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date().replace(day=1)


@pytest.fixture
def officer(submitted):
    return receiver_of(submitted)


def test_two_supplement_requests_count_the_dossier_overdue(submitted, officer, applicant):
    now = timezone.now()
    d = lifecycle.receive(dossier=submitted, actor=officer, received_at=now)
    for minutes in (1, 3):
        lifecycle.request_supplement(
            dossier=d, actor=officer, reason="Thiếu giấy tờ", at=now + dt.timedelta(minutes=minutes)
        )
        d = lifecycle.supplement(
            dossier=d,
            actor=applicant,
            files=[(None, pdf())],
            at=now + dt.timedelta(minutes=minutes + 1),
        )
    rollups.refresh_changed()
    # Still in processing, well before the appointment, but 2 requests > 1: overdue.
    assert DossierRollup.objects.get(pk=d.pk).klass == Klass.IN_PROGRESS_LATE
    assert totals(agency=d.agency) == {"received": 1, "in_progress_late": 1}

    lifecycle.withdraw(dossier=d, actor=applicant, reason="Không cần nữa")
    rollups.refresh_changed()
    # Ended before the appointment, still overdue: late 1; the time rule saw nothing late
    # (ended 1, ended_late 0, became_late 0).
    assert DossierRollup.objects.get(pk=d.pk).klass == Klass.LATE
    assert totals(agency=d.agency) == {"received": 1, "late": 1, "ended": 1}


def test_in_progress_past_the_appointment_is_late(submitted, officer):
    received = timezone.now() - dt.timedelta(days=30)
    d = lifecycle.receive(dossier=submitted, actor=officer, received_at=received)
    d = lifecycle.forward(dossier=d, actor=officer)
    assert d.status == Status.IN_PROCESSING and d.appointment_at < timezone.now()

    rollups.refresh_changed()

    row = DossierRollup.objects.get(pk=d.pk)
    assert (row.klass, row.late_since, row.end_at) == (
        Klass.IN_PROGRESS_LATE,
        d.appointment_at,
        None,
    )
    # Received month: received 1, in progress overdue 1; the deadline's month: became late 1.
    assert totals(agency=d.agency, month=month(received)) == {
        "received": 1,
        "in_progress_late": 1,
        **({"became_late": 1} if month(d.appointment_at) == month(received) else {}),
    }
    assert totals(agency=d.agency)["became_late"] == 1


def test_an_open_dossier_becomes_late_when_its_deadline_passes_without_an_event(submitted, officer):
    d = lifecycle.receive(dossier=submitted, actor=officer)
    rollups.refresh_changed()
    assert DossierRollup.objects.get(pk=d.pk).klass == Klass.IN_PROGRESS

    # Nothing happens to it; the sweep after its appointment finds it overdue.
    rollups.refresh_changed(now=d.appointment_at + dt.timedelta(minutes=1))

    assert DossierRollup.objects.get(pk=d.pk).klass == Klass.IN_PROGRESS_LATE
    assert totals(agency=d.agency) == {"received": 1, "in_progress_late": 1, "became_late": 1}


def test_withdrawn_counts_by_its_end(submitted, officer, applicant):
    d = lifecycle.receive(dossier=submitted, actor=officer)
    lifecycle.withdraw(dossier=d, actor=applicant)
    d.refresh_from_db()
    # Withdrawn minutes after reception, days before the appointment (3 working days later):
    # early; a month later it is still early (it ended, time passing changes nothing).
    rollups.refresh_changed(now=d.finished_at + dt.timedelta(days=30))

    row = DossierRollup.objects.get(pk=d.pk)
    withdrawn = d.events.get(new_status=Status.WITHDRAWN)
    # End of processing is the withdrawal's event time.
    assert (row.klass, row.end_at) == (Klass.EARLY, withdrawn.at)
    assert totals(agency=d.agency) == {"received": 1, "early": 1, "ended": 1}


def test_withdrawn_after_the_appointment_is_late(submitted, officer, applicant):
    d = lifecycle.receive(
        dossier=submitted, actor=officer, received_at=timezone.now() - dt.timedelta(days=30)
    )
    lifecycle.withdraw(dossier=d, actor=applicant)
    rollups.refresh_changed()

    assert DossierRollup.objects.get(pk=d.pk).klass == Klass.LATE
    # Late by time: ended late 1 (end month), became late 1 (deadline month).
    assert totals(agency=d.agency) == {
        "received": 1,
        "late": 1,
        "ended": 1,
        "ended_late": 1,
        "became_late": 1,
    }


def test_a_rerouted_dossier_is_counted_once_in_its_new_agency(submitted, officer):
    d = lifecycle.receive(dossier=submitted, actor=officer)
    rollups.refresh_changed()
    old = d.agency
    new = AgencyFactory(
        unit=old.unit, kind=AgencyKind.COMMUNE_SERVICE_CENTRE, identifier="991.00.00.X99"
    )

    # As dossiers.lifecycle.rerouting does: a queryset update of the agency and a "rerouted" event.
    Dossier.objects.filter(pk=d.pk).update(agency=new, revision=F("revision") + 1)
    DossierEvent.objects.create(
        dossier=d,
        kind=DossierEvent.Kind.REROUTED,
        agency=new,
        data={"from_agency": old.pk, "to_agency": new.pk},
        revision=d.revision + 1,
    )
    rollups.refresh_changed()
    rollups.refresh_changed()  # twice: idempotent

    assert totals(agency=new) == {"received": 1, "in_progress": 1}
    assert totals(agency=old) == {}
    assert totals(province_id=new.unit.parent_id or new.unit_id)["received"] == 1
    assert DossierRollup.objects.get(pk=d.pk).agency == new


def test_a_late_event_with_an_earlier_time_corrects_the_rollup(submitted, officer):
    received = timezone.now() - dt.timedelta(days=30)
    d = lifecycle.receive(dossier=submitted, actor=officer, received_at=received)
    rollups.refresh_changed()
    assert DossierRollup.objects.get(pk=d.pk).klass == Klass.IN_PROGRESS_LATE

    # The result was ready an hour after reception, but the event arrives only now (e.g. a
    # status synced late from the national portal).
    ready = received + dt.timedelta(hours=1)
    Dossier.objects.filter(pk=d.pk).update(status=Status.RESULT_READY, finished_at=ready)
    event = DossierEvent.objects.create(
        dossier=d, kind=DossierEvent.Kind.TRANSITION, old_status=Status.RECEIVED,
        new_status=Status.RESULT_READY, revision=d.revision + 1,
    )  # fmt: skip
    DossierEvent.objects.filter(pk=event.pk).update(at=ready)
    rollups.refresh_changed()

    row = DossierRollup.objects.get(pk=d.pk)
    assert (row.klass, row.end_at, row.late_since) == (Klass.EARLY, ready, None)
    assert totals(agency=d.agency) == {"received": 1, "early": 1, "ended": 1}


def test_rebuild_gives_what_the_increments_gave(submitted, officer, applicant):
    d = lifecycle.receive(dossier=submitted, actor=officer)
    lifecycle.withdraw(dossier=d, actor=applicant)
    rollups.refresh_changed()
    before = totals(agency=d.agency)

    assert rollups.rebuild() >= 1

    assert totals(agency=d.agency) == before == {"received": 1, "early": 1, "ended": 1}

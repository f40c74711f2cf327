"""The relay against the stand-in national portal over HTTP: order, retries, dead letters,
the circuit breaker and reconciliation."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from dossiers import lifecycle
from sync import relay
from sync.models import OutboxEntry, ReconciliationRun, SyncAttempt
from sync.reconcile import reconcile
from tests.factories.dossiers import staff_of
from units.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def changed(submitted):
    """A dossier with four changes: submitted, received, forwarded, taken in hand."""
    agency = submitted.reception_agency
    d = lifecycle.receive(dossier=submitted, actor=staff_of(agency, Role.RECEIVER))
    d = lifecycle.forward(dossier=d, actor=staff_of(agency, Role.RECEIVER))
    return lifecycle.claim(dossier=d, actor=staff_of(agency, Role.SPECIALIST))


def entries(dossier):
    return list(OutboxEntry.objects.filter(dossier=dossier).order_by("revision"))


def test_every_change_reaches_the_portal_once_in_order(standin, changed):
    sent = relay.process_dossier(changed.pk)

    state = standin.state()
    assert sent == 3  # taking in hand is not a change of the national record
    assert all(e.state == "sent" for e in entries(changed))
    upserts = state["received"][changed.code]
    progress = state["progress"].get(changed.code, [])
    assert upserts == sorted(upserts) and progress == sorted(progress)
    assert sorted(upserts + progress) == [e.revision for e in entries(changed)]
    held = state["dossiers"][changed.code]
    assert held["HoSo"]["TrangThaiHoSo"] == 4 and held["HoSo"]["MaTTHC"] == "1.001193"
    assert held["HoSo"]["NgayHenTra"] and len(held["HoSo"]["NgayHenTra"]) == 14

    again = relay.process_dossier(changed.pk)  # nothing left: nothing sent twice
    assert again == 0 and standin.state()["received"][changed.code] == upserts


def test_a_failing_portal_is_retried_later_and_nothing_overtakes(standin, changed):
    standin.control(fail_rate=1)

    relay.process_dossier(changed.pk)

    first, *later = entries(changed)
    assert first.state == "pending" and first.attempts == 1
    assert first.next_attempt_at > timezone.now()
    assert all(e.attempts == 0 and e.state == "pending" for e in later)  # the line waits
    assert SyncAttempt.objects.get(entry=first).outcome == "retry"
    assert standin.state()["received"] == {}

    standin.control(fail_rate=0)
    OutboxEntry.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
    relay.process_dossier(changed.pk)
    assert all(e.state == "sent" for e in entries(changed))


def test_a_timeout_is_a_retry(standin, changed, settings):
    settings.NATIONAL_PORTAL_READ_TIMEOUT = 0.3
    standin.control(timeout_rate=1, timeout_sleep_s=1)

    relay.process_dossier(changed.pk)

    first = entries(changed)[0]
    assert first.state == "pending" and "timeout" in first.last_error


def test_an_invalid_payload_is_dead_at_once_and_an_administrator_retries_it(standin, changed):
    first = entries(changed)[0]
    OutboxEntry.objects.filter(pk=first.pk).update(payload={**first.payload, "TrangThaiHoSo": 99})

    relay.process_dossier(changed.pk)

    first.refresh_from_db()
    assert first.state == "dead" and first.attempts == 1 and "TrangThaiHoSo" in first.last_error
    assert all(e.state == "pending" for e in entries(changed)[1:])
    OutboxEntry.objects.filter(pk=first.pk).update(payload={**first.payload, "TrangThaiHoSo": 1})
    assert relay.retry_dead(entry_ids=[first.pk], scope=OutboxEntry.objects.all()) == 1
    relay.process_dossier(changed.pk)
    assert all(e.state == "sent" for e in entries(changed))


def test_too_many_failures_dead_letter_the_entry(standin, changed, settings):
    settings.SYNC_MAX_ATTEMPTS = 2
    settings.SYNC_BREAKER_THRESHOLD = 100
    standin.control(fail_rate=1)
    for _ in range(2):
        OutboxEntry.objects.filter(dossier=changed).update(next_attempt_at=timezone.now())
        relay.process_dossier(changed.pk)

    assert entries(changed)[0].state == "dead"


def test_the_circuit_opens_after_repeated_failures(standin, changed, settings):
    settings.SYNC_BREAKER_THRESHOLD = 2
    cache.delete_many([relay.BREAKER_FAILURES, relay.BREAKER_OPEN_UNTIL])
    standin.control(fail_rate=1)
    for _ in range(2):
        OutboxEntry.objects.filter(dossier=changed).update(next_attempt_at=timezone.now())
        relay.process_dossier(changed.pk)
    calls = standin.state()["calls"]

    OutboxEntry.objects.filter(dossier=changed).update(next_attempt_at=timezone.now())
    relay.process_dossier(changed.pk)

    assert standin.state()["calls"] == calls  # open: the portal is left alone
    assert entries(changed)[0].next_attempt_at > timezone.now() + dt.timedelta(seconds=5)
    cache.delete_many([relay.BREAKER_FAILURES, relay.BREAKER_OPEN_UNTIL])


def test_reconciliation_resends_what_the_portal_acknowledged_and_lost(standin, changed):
    standin.control(drop_rate=1)
    relay.process_dossier(changed.pk)
    assert all(e.state == "sent" for e in entries(changed))
    assert changed.code not in standin.state()["dossiers"]

    standin.control(drop_rate=0)
    run = reconcile()

    assert run.checked == 1 and run.differences == 1
    assert run.report["differences"][0]["MaHoSo"] == changed.code
    relay.process_dossier(changed.pk)
    held = standin.state()["dossiers"][changed.code]
    assert held["PhienBan"] == max(e.revision for e in entries(changed) if e.kind == "upsert")
    assert reconcile().differences == 0
    assert ReconciliationRun.objects.count() == 2


def test_the_sweep_leases_each_due_dossier_once(standin, changed, settings):
    from unittest import mock

    with mock.patch("sync.tasks.sync_dossier.delay") as queued:
        first = relay.sweep()
        second = relay.sweep()

    handed = [call.args[0] for call in queued.call_args_list]
    assert first == len(handed) >= 1 and second == 0  # leased: not handed out twice
    assert handed.count(changed.pk) == 1 and len(set(handed)) == len(handed)


def test_administrators_see_backlog_and_retry_dead_letters(client, standin, changed, settings):
    from tests.factories.units import AgencyFactory, MembershipFactory

    settings.STAFF_OTP_REQUIRED = False
    first = entries(changed)[0]
    OutboxEntry.objects.filter(pk=first.pk).update(state="dead", last_error="MaHoSo: missing")
    admin = MembershipFactory(
        agency=AgencyFactory(unit=changed.agency.unit.parent), role=Role.PROVINCE_ADMIN
    ).user
    officer = staff_of(changed.agency, Role.SPECIALIST)

    client.force_login(officer)
    assert client.get("/sync/").status_code == 403
    history = client.get(f"/sync/dossiers/{changed.code}/")
    assert history.status_code == 200 and "MaHoSo: missing" not in history.content.decode()

    client.force_login(admin)
    page = client.get("/sync/").content.decode()
    assert changed.code in page and "MaHoSo: missing" in page
    client.post("/sync/retry/", {"entry": [first.pk]})
    assert OutboxEntry.objects.get(pk=first.pk).state == "pending"
    relay.process_dossier(changed.pk)
    attempts = client.get(f"/sync/dossiers/{changed.code}/").content.decode()
    assert "ok" in attempts

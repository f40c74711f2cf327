"""The set-based rebuild (``rebuild_sql``) gives exactly the rows of the Python reference.

One hand-made history per rule of ``indicators`` (two supplement requests, in progress past
the appointment, withdrawn, re-routed, a late event, online / counter, fees and online payment,
ratings, digitised documents, sync, a paused clock, shifted deadlines, ...). Each test first
checks by hand that the set-based rows say what the history means (expected values worked out
in the comments), then that ``rebuild()`` and ``rebuild(in_python=True)`` (the row-by-row
``refresh_dossiers``) agree on every ``DossierRollup`` and ``PeriodRollup`` row.
"""

import datetime as dt
import itertools

import pytest

from dossiers.models import Channel, Dossier, DossierEvent, Status, new_tracking_secret
from dossiers.models_documents import DocumentKind, DossierDocument, DossierRating
from dossiers.models_documents import SupplementRequest as Supplement
from procedures.models import Channel as CatalogueChannel
from procedures.models import FeeLine, Procedure, ProcedureVersion
from reports import rollups
from reports.indicators import ZONE
from reports.models import DossierRollup, Klass, PeriodRollup
from sync.models import OutboxEntry
from tests.factories import AgencyFactory
from units.models import AgencyKind

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 20, 10, 0, tzinfo=ZONE)
_codes = itertools.count(1)


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=ZONE)


def clone(template: Dossier, **fields) -> Dossier:
    """A copy of ``template`` (no events) with ``fields`` set."""
    d = Dossier.objects.get(pk=template.pk)
    d.pk = None
    d.code = f"T-REBUILD-{next(_codes)}"
    d.tracking_secret = new_tracking_secret()
    d.finished_at = d.returned_at = None
    for name, value in fields.items():
        setattr(d, name, value)
    d.save()
    return d


def event(d: Dossier, new_status, when: dt.datetime, kind=DossierEvent.Kind.TRANSITION, **data):
    e = DossierEvent.objects.create(dossier=d, kind=kind, new_status=new_status, data=data)
    DossierEvent.objects.filter(pk=e.pk).update(at=when)  # ``at`` is set on insert
    return e


def supplement(d: Dossier, requested, supplied=None, old=None, new=None) -> None:
    Supplement.objects.create(
        dossier=d, agency=d.agency, reason="Thiếu giấy tờ", previous_status=Status.IN_PROCESSING,
        requested_at=requested, supplied_at=supplied, old_appointment=old, new_appointment=new,
    )  # fmt: skip


def document(d: Dossier, kind=DocumentKind.SUBMITTED, **flags) -> None:
    DossierDocument.objects.create(dossier=d, kind=kind, original_name="giay-to.pdf", **flags)


@pytest.fixture
def histories(submitted):
    """The hand-made dossiers by name. Unless said otherwise: received 05/01 09:00, due
    (original appointment) 12/01 17:00, agency A, procedure P (eligible for full process)."""
    template = submitted
    version = template.version
    other = Procedure.objects.exclude(pk=template.procedure_id).filter(versions__isnull=False)[0]
    other_version = other.versions.order_by("pk")[0]
    # Published versions refuse edits through save(): set the test's catalogue directly.
    ProcedureVersion.objects.filter(pk=version.pk).update(online_level="full")
    ProcedureVersion.objects.filter(pk=other_version.pk).update(online_level="none")
    # A fee on P's counter channel only.
    FeeLine.objects.filter(channel__version__in=[version, other_version]).delete()
    counter, _ = CatalogueChannel.objects.get_or_create(
        version=version, kind="direct", defaults={"processing_time": 3, "time_unit": "working_days"}
    )
    FeeLine.objects.create(channel=counter, name="Lệ phí", amount=50_000)
    agency_b = AgencyFactory(
        unit=template.agency.unit, kind=AgencyKind.COMMUNE_SERVICE_CENTRE,
        identifier="991.00.00.X98",
    )  # fmt: skip
    agency_c = AgencyFactory(
        unit=template.agency.unit, kind=AgencyKind.COMMUNE_SERVICE_CENTRE,
        identifier="991.00.00.X97",
    )  # fmt: skip
    due = at(1, 12, 17)
    base = {
        "status": Status.IN_PROCESSING,
        "channel": Channel.ONLINE,
        "received_at": at(1, 5),
        "appointment_at": due,
        "original_appointment_at": due,
        "result_delivery": "online",
    }

    def make(name, **fields) -> Dossier:
        d = clone(template, **{**base, **fields})
        made[name] = d
        return d

    made: dict[str, Dossier] = {}
    # Two supplement requests (each supplied, +1 day each): ready 07/01, before any deadline,
    # still late (more than one request); the time rule saw nothing late.
    d = make("two_supplements", status=Status.RESULT_READY, finished_at=at(1, 7))
    supplement(d, at(1, 5, 10), at(1, 5, 11), due, due + dt.timedelta(days=1))
    supplement(d, at(1, 6, 10), at(1, 6, 11), due, due + dt.timedelta(days=1))
    event(d, Status.RESULT_READY, at(1, 7))
    # In processing, received 02/02, due 09/02 17:00, nothing since: overdue on 20/03.
    make("open_past_due", received_at=at(2, 2), appointment_at=at(2, 9, 17),
         original_appointment_at=at(2, 9, 17))  # fmt: skip
    make("open_on_time", received_at=at(3, 18), appointment_at=at(3, 25, 17),
         original_appointment_at=at(3, 25, 17))  # fmt: skip
    # Withdrawn the day after reception: early, counted by its end.
    d = make("withdrawn", status=Status.WITHDRAWN, finished_at=at(1, 6))
    event(d, Status.WITHDRAWN, at(1, 6))
    # Re-routed to agency B; ready on its due day before 17:00: on time, in B only.
    d = make("rerouted", agency=agency_b, status=Status.RESULT_READY, finished_at=at(1, 12, 15))
    event(d, None, at(1, 8), kind=DossierEvent.Kind.REROUTED, from_agency=template.agency_id)
    event(d, Status.RESULT_READY, at(1, 12, 15))
    # A late event: returned 25/02 recorded first, then "ready on 03/02" arriving afterwards.
    d = make("late_event", status=Status.RETURNED, received_at=at(2, 1),
             appointment_at=at(2, 5, 17), original_appointment_at=at(2, 5, 17))  # fmt: skip
    event(d, Status.RETURNED, at(2, 25))
    event(d, Status.RESULT_READY, at(2, 3))
    # Received 28/01 (agency C), due 04/02, ready 03/03: received Jan, late since Feb, ended Mar.
    d = make("three_months", agency=agency_c, status=Status.RESULT_READY,
             received_at=at(1, 28), appointment_at=at(2, 4, 17),
             original_appointment_at=at(2, 4, 17))  # fmt: skip
    event(d, Status.RESULT_READY, at(3, 3))
    # At the counter, fee on P's counter channel, returned without any event: end = finished_at.
    make("counter_fee", channel=Channel.DIRECT, result_delivery="counter",
         status=Status.RETURNED, finished_at=at(1, 8), returned_at=at(1, 9))  # fmt: skip
    # Financial obligation paid online / at the counter (procedure Q: no fee lines).
    for name, method in (("paid_online", "online"), ("paid_counter", "cash")):
        d = make(name, procedure=other, version=other_version)
        event(d, Status.FINANCIAL_OBLIGATION, at(1, 6), action="request_payment", amount=1000)
        event(d, Status.IN_PROCESSING, at(1, 7), action="confirm_payment", method=method)
    d = make("rated_dissatisfied", status=Status.RETURNED, finished_at=at(1, 9))
    DossierRating.objects.create(dossier=d, rating="dissatisfied")
    d = make("rated_satisfied", status=Status.RETURNED, finished_at=at(1, 9))
    DossierRating.objects.create(dossier=d, rating="satisfied")
    # Documents: 3 submitted (digitised; digitised and reused; from the data store), an
    # electronic result (by link); elsewhere a paper-only result.
    d = make("documents")
    document(d, is_digitised=True)
    document(d, is_digitised=True, is_reused=True)
    document(d, from_data_store=True)
    document(d, kind=DocumentKind.RESULT, remote_url="https://dvc.example/kq.pdf")
    document(make("paper_result"), kind=DocumentKind.RESULT)
    for name, states in (("synced", ("sent", "sent")), ("unsynced", ("sent", "pending"))):
        d = make(name)
        for revision, state in enumerate(states, 1):
            OutboxEntry.objects.create(dossier=d, revision=revision, state=state)
    # Awaiting a supplement since 08/02, due 09/02 passed: the clock stands still, not late.
    d = make("paused", status=Status.SUPPLEMENT_REQUESTED, received_at=at(2, 2),
             appointment_at=at(2, 9, 17), original_appointment_at=at(2, 9, 17))  # fmt: skip
    supplement(d, at(2, 8))
    # One supplement moved the deadline 3 days (to 15/01 17:00): ready 14/01, early.
    d = make("shifted", status=Status.RESULT_READY, appointment_at=due + dt.timedelta(days=3))
    supplement(d, at(1, 6), at(1, 7), due, due + dt.timedelta(days=3))
    event(d, Status.RESULT_READY, at(1, 14))
    # No original appointment: the current one (20/01 17:00); ready 20/01 10:00, on time.
    d = make("no_original", status=Status.RESULT_READY, original_appointment_at=None,
             appointment_at=at(1, 20, 17))  # fmt: skip
    event(d, Status.RESULT_READY, at(1, 20, 10))
    # Received only per its event (10/02); due 17/02: overdue now.
    d = make("received_by_event", status=Status.RECEIVED, received_at=None,
             appointment_at=at(2, 17, 17), original_appointment_at=at(2, 17, 17))  # fmt: skip
    event(d, Status.RECEIVED, at(2, 10))
    make("not_received", status=Status.SUBMITTED, received_at=None, appointment_at=None,
         original_appointment_at=None)  # fmt: skip
    d = make("refused", status=Status.REFUSED, received_at=None, appointment_at=None,
             original_appointment_at=None, finished_at=at(1, 5))  # fmt: skip
    event(d, Status.REFUSED, at(1, 5))
    d = make("stopped_late", status=Status.STOPPED, vneid_verified=True)
    event(d, Status.STOPPED, at(1, 15))
    # Two requests, one still awaited: overdue though the clock stands still.
    d = make("two_requests_open", status=Status.SUPPLEMENT_REQUESTED, received_at=at(3, 16),
             appointment_at=at(3, 23, 17), original_appointment_at=at(3, 23, 17))  # fmt: skip
    supplement(d, at(3, 16, 10), at(3, 16, 11), at(3, 23, 17), at(3, 23, 18))
    supplement(d, at(3, 17))
    # Result ready with neither event nor date: processing "ends" now, after the deadline.
    make("ready_without_dates", status=Status.RESULT_READY)
    return {name: d.pk for name, d in made.items()}


ROLLUP_VALUES = [f.attname for f in DossierRollup._meta.concrete_fields if f.name != "refreshed_at"]
PERIOD_VALUES = [f.attname for f in PeriodRollup._meta.concrete_fields if f.name != "id"]


def rows() -> tuple[dict, dict]:
    dossiers = {r["dossier_id"]: r for r in DossierRollup.objects.values(*ROLLUP_VALUES)}
    # A dossier moved out leaves its old period row at zero (``refresh_dossiers`` subtracts,
    # never deletes): such a row reads as no row.
    periods = {
        (r["agency_id"], r["procedure_id"], r["month"]): r
        for r in PeriodRollup.objects.values(*PERIOD_VALUES)
        if any(r[name] for name in rollups.COUNTERS)
    }
    return dossiers, periods


def both_rebuilds(now) -> tuple[tuple[dict, dict], tuple[dict, dict]]:
    rollups.rebuild(now=now, in_python=True)
    reference = rows()
    rollups.rebuild(now=now)
    return reference, rows()


def test_the_histories_are_what_they_claim(histories):
    rollups.rebuild(now=NOW)
    got = {name: DossierRollup.objects.get(pk=pk) for name, pk in histories.items()}

    expected_klass = {
        "two_supplements": Klass.LATE,
        "open_past_due": Klass.IN_PROGRESS_LATE,
        "open_on_time": Klass.IN_PROGRESS,
        "withdrawn": Klass.EARLY,
        "rerouted": Klass.ON_TIME,
        "late_event": Klass.EARLY,
        "three_months": Klass.LATE,
        "counter_fee": Klass.EARLY,
        "paused": Klass.IN_PROGRESS,
        "shifted": Klass.EARLY,
        "no_original": Klass.ON_TIME,
        "received_by_event": Klass.IN_PROGRESS_LATE,
        "not_received": Klass.NOT_RECEIVED,
        "refused": Klass.NOT_RECEIVED,
        "stopped_late": Klass.LATE,
        "two_requests_open": Klass.IN_PROGRESS_LATE,
        "ready_without_dates": Klass.LATE,
    }
    assert {n: got[n].klass for n in expected_klass} == expected_klass
    due = at(1, 12, 17)
    assert (got["two_supplements"].deadline, got["two_supplements"].late_since) == (
        due + dt.timedelta(days=2),
        None,
    )
    assert got["two_supplements"].supplements == 2
    assert (got["open_past_due"].late_since, got["open_past_due"].end_at) == (at(2, 9, 17), None)
    assert (got["paused"].late_since, got["paused"].deadline) == (None, at(2, 9, 17))
    assert got["late_event"].end_at == at(2, 3)
    assert got["counter_fee"].end_at == at(1, 8)
    assert got["shifted"].deadline == due + dt.timedelta(days=3)
    assert got["no_original"].deadline == at(1, 20, 17)
    assert (got["received_by_event"].received_at, got["received_by_event"].month) == (
        at(2, 10),
        dt.date(2026, 2, 1),
    )
    assert got["ready_without_dates"].end_at is None
    assert got["ready_without_dates"].late_since == due
    # Channels, fees and payment.
    assert got["counter_fee"].with_fee and not got["counter_fee"].full_process
    assert got["documents"].full_process and got["documents"].eligible
    assert not got["open_on_time"].with_fee  # online channel: no fee line
    assert (got["paid_online"].with_fee, got["paid_online"].paid_online) == (True, True)
    assert (got["paid_counter"].with_fee, got["paid_counter"].paid_online) == (True, False)
    assert not got["paid_online"].eligible
    # Ratings, documents, sync, VNeID.
    assert (got["rated_dissatisfied"].rating, got["rated_satisfied"].rating) == (
        "dissatisfied",
        "satisfied",
    )
    docs = got["documents"]
    assert (docs.docs_total, docs.docs_digitised, docs.docs_reused, docs.store_used) == (
        3,
        2,
        1,
        True,
    )
    assert (docs.with_result, docs.result_electronic) == (True, True)
    assert (got["paper_result"].with_result, got["paper_result"].result_electronic) == (
        True,
        False,
    )
    assert (got["synced"].synced, got["unsynced"].synced) == (True, False)
    assert got["stopped_late"].vneid


def test_the_period_rows_follow_the_months_of_each_part(histories):
    rollups.rebuild(now=NOW)
    agency_b = DossierRollup.objects.get(pk=histories["rerouted"]).agency_id
    agency_c = DossierRollup.objects.get(pk=histories["three_months"]).agency_id
    counted = ("received", "late", "on_time", "ended", "ended_late", "became_late", "online")

    def by_month(agency):
        return {
            r["month"]: {k: v for k, v in r.items() if k != "month" and v}
            for r in PeriodRollup.objects.filter(agency_id=agency).values("month", *counted)
        }

    # Received in January (late, online), became late in February, ended late in March.
    assert by_month(agency_c) == {
        dt.date(2026, 1, 1): {"received": 1, "late": 1, "online": 1},
        dt.date(2026, 2, 1): {"became_late": 1},
        dt.date(2026, 3, 1): {"ended": 1, "ended_late": 1},
    }
    # The re-routed dossier: once, in its new agency (received, ended on time in January).
    assert by_month(agency_b) == {
        dt.date(2026, 1, 1): {"received": 1, "on_time": 1, "ended": 1, "online": 1}
    }
    # Never-received dossiers are outside every count: of the 25 histories, 23 were received.
    received = DossierRollup.objects.filter(pk__in=histories.values(), received_at__isnull=False)
    assert (len(histories), received.count()) == (25, 23)
    everywhere = DossierRollup.objects.filter(received_at__isnull=False).count()
    assert sum(PeriodRollup.objects.values_list("received", flat=True)) == everywhere


@pytest.mark.parametrize(
    "now",
    [NOW, at(1, 10), at(2, 9, 18)],
    ids=["20-03", "10-01 (before most deadlines)", "09-02 just after a deadline"],
)
def test_set_based_rebuild_gives_the_python_rows(histories, now):
    (python_dossiers, python_periods), (sql_dossiers, sql_periods) = both_rebuilds(now)

    assert len(sql_dossiers) >= len(histories)
    assert sql_dossiers == python_dossiers
    assert sql_periods == python_periods


def test_one_province_rebuilt_set_based_gives_the_same_rows(histories):
    rollups.rebuild(now=NOW, in_python=True)
    everything = rows()
    province = DossierRollup.objects.get(pk=histories["withdrawn"]).province_id

    assert rollups.rebuild(province, now=NOW) == sum(
        1 for r in everything[0].values() if r["province_id"] == province
    )

    assert rows() == everything


def test_a_province_rebuilt_set_based_takes_in_a_dossier_moved_from_another(histories):
    # A dossier of a lone commune (its own province), counted there; then moved into the
    # province of agency A without a refresh. Rebuilding A's province counts it once, in A's.
    far = AgencyFactory(identifier="991.00.00.X96")
    moved = Dossier.objects.get(pk=histories["withdrawn"])
    Dossier.objects.filter(pk=moved.pk).update(agency=far)
    rollups.rebuild(now=NOW)
    assert DossierRollup.objects.get(pk=moved.pk).province_id == far.unit_id
    Dossier.objects.filter(pk=moved.pk).update(agency=moved.agency)
    province = DossierRollup.objects.get(pk=histories["rerouted"]).province_id

    rollups.rebuild(province, now=NOW)
    got = rows()
    rollups.rebuild(now=NOW, in_python=True)

    assert got == rows()
    assert not PeriodRollup.objects.filter(agency=far).exclude(received=0, ended=0).exists()
    assert DossierRollup.objects.get(pk=moved.pk).province_id == province

"""Re-routing is set-based: its statements do not grow with the dossiers, and what it writes
(revisions, events, outbox rows) is what the per-dossier path wrote, field for field."""

import datetime as dt
import re
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from dossiers.models import OPEN_STATUSES, Dossier, DossierEvent, Status
from procedures.selectors import former_district_report
from procedures.services import reassignment_commit, reassignment_revert
from sync import payload
from sync.models import OutboxEntry
from units.models import Agency, AgencyKind, Unit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo", "english")]

TODAY = dt.date(2026, 11, 23)
ZONE = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
def admin_user():
    return get_user_model().objects.get(username="province_admin.p68")


def arguments():
    province = Unit.objects.get(code="68")
    remaining = former_district_report(province=province, on=TODAY).remaining
    return dict(
        province=province,
        procedure_ids=[p.pk for p in remaining],
        target="all_communes",
        effective_on=TODAY,
    )


def held():
    return Dossier.objects.filter(
        agency__kind=AgencyKind.FORMER_DISTRICT_COMMITTEE, status__in=OPEN_STATUSES
    ).order_by("id")


def more_open_dossiers(count: int) -> None:
    """``count`` more open dossiers held by the former districts, copied from the demo's."""
    models = list(Dossier.objects.filter(agency__kind=AgencyKind.FORMER_DISTRICT_COMMITTEE))
    Dossier.objects.bulk_create(
        Dossier(
            code=f"TEST-{i:05d}",
            procedure_id=model.procedure_id,
            version_id=model.version_id,
            status=Status.IN_PROCESSING,
            channel=model.channel,
            reception_agency_id=model.reception_agency_id,
            agency_id=model.agency_id,
            level=model.level,
            applicant_name=f"Người nộp {i}",
            applicant_commune_id=model.applicant_commune_id,
        )
        for i, model in ((i, models[i % len(models)]) for i in range(count))
    )


WRITES = re.compile(
    r'^(UPDATE|INSERT INTO) "?(dossiers_dossier|dossiers_dossierevent|dossiers_outboxentry)\b'
)


def dossier_writes(queries) -> Counter:
    """How many statements wrote each of the dossier's tables."""
    found = (WRITES.match(q["sql"].strip()) for q in queries.captured_queries)
    return Counter(m.groups() for m in found if m)


def statements_to_commit(admin_user, dossiers: int):
    """(statements, writes per table, dossiers moved) of a commit with ``dossiers`` more open
    dossiers; rolled back."""
    with transaction.atomic():
        more_open_dossiers(dossiers)
        with CaptureQueriesContext(connection) as queries:
            batch = reassignment_commit(**arguments(), reason="NĐ 151/2025", actor=admin_user)
        transaction.set_rollback(True)
    moved = batch.summary["dossiers_rerouted"]
    return len(queries.captured_queries), dossier_writes(queries), moved


ONE_PER_TABLE = {
    ("UPDATE", "dossiers_dossier"): 1,
    ("INSERT INTO", "dossiers_dossierevent"): 1,
    ("INSERT INTO", "dossiers_outboxentry"): 1,
}


def test_the_statements_of_a_reassignment_do_not_grow_with_its_dossiers(admin_user):
    few, few_writes, few_moved = statements_to_commit(admin_user, 10)
    many, many_writes, many_moved = statements_to_commit(admin_user, 200)

    assert many_moved - few_moved == 190
    assert many == few
    # Whatever the dossiers and however many agencies receive them: one statement per table.
    assert few_writes == many_writes == ONE_PER_TABLE


def test_a_revert_takes_as_many_statements_for_many_dossiers_as_for_few(admin_user):
    counts = []
    for extra in (10, 200):
        with transaction.atomic():
            more_open_dossiers(extra)
            batch = reassignment_commit(**arguments(), reason="NĐ 151/2025", actor=admin_user)
            with CaptureQueriesContext(connection) as queries:
                reassignment_revert(batch=batch, actor=admin_user, reason="nhầm")
            counts.append(len(queries.captured_queries))
            assert dossier_writes(queries) == ONE_PER_TABLE
            transaction.set_rollback(True)

    assert counts[0] == counts[1]


def varied_dossiers() -> None:
    """Open dossiers whose every field the snapshot carries is set, some unusually."""
    first, second, third, *_rest = held()
    other = Agency.objects.filter(unit_id="68").order_by("id").first()
    late = dt.datetime(2026, 11, 20, 23, 59, 59, 999_999, tzinfo=dt.UTC)  # next day in VN
    Dossier.objects.filter(pk=first.pk).update(
        holder_agency=other,
        applicant_type="business",
        applicant_id_number="0312345678",
        applicant_phone="0912345678",
        applicant_email="a@example.vn",
        applicant_address="12 Lê Lợi",
        vneid_verified=True,
        submitted_at=late,
        received_at=dt.datetime(2026, 11, 21, 8, 0, tzinfo=ZONE),
        appointment_at=dt.datetime(2026, 12, 1, 17, 0, tzinfo=ZONE),
        original_appointment_at=dt.datetime(2026, 11, 30, 17, 0, tzinfo=ZONE),
        step_due_at=dt.datetime(2026, 11, 25, 17, 0, 30, 500_000, tzinfo=ZONE),
        assignee=get_user_model().objects.exclude(username="province_admin.p68").first(),
        claimed_at=late,
        revision=7,
    )
    Dossier.objects.filter(pk=second.pk).update(applicant_type="state_agency", code=None)
    Dossier.objects.filter(pk=third.pk).update(applicant_type="unknown")


def assert_written_as_one_by_one(dossier_ids, *, kind, revisions, batch, actor, note, moves):
    """Each dossier: revision + 1, one ``kind`` event at that revision naming the batch and the
    move, and one outbox row whose payload is ``payload.snapshot`` of the dossier and event."""
    for dossier in Dossier.objects.filter(pk__in=dossier_ids):
        assert dossier.revision == revisions[dossier.pk] + 1
        assert dossier.assignee_id is None and dossier.claimed_at is None
        (event,) = DossierEvent.objects.filter(dossier=dossier, kind=kind)
        old, new = moves[dossier.pk]
        assert dossier.agency_id == new
        assert (event.actor, event.agency_id, event.note, event.revision) == (
            actor,
            new,
            note,
            dossier.revision,
        )
        assert event.data == {"batch": batch.pk, "from_agency": old, "to_agency": new}
        assert (event.role, event.old_status, event.new_status, event.old_step, event.new_step) == (
            "",
            None,
            None,
            "",
            "",
        )
        (entry,) = OutboxEntry.objects.filter(dossier=dossier, revision=dossier.revision)
        assert entry.event == event
        assert entry.kind == payload.kind_of(event) == OutboxEntry.Kind.UPSERT
        assert entry.payload == payload.snapshot(dossier, event)
        assert (entry.state, entry.attempts, entry.resends, entry.leased_until) == (
            OutboxEntry.State.PENDING,
            0,
            0,
            None,
        )


def test_revisions_events_and_outbox_rows_are_those_of_the_per_dossier_path(admin_user):
    varied_dossiers()
    before = {d.pk: (d.revision, d.agency_id) for d in held()}
    outbox_before = OutboxEntry.objects.count()

    batch = reassignment_commit(**arguments(), reason="NĐ 151/2025", actor=admin_user)

    moved = {d.pk: (before[d.pk][1], d.agency_id) for d in Dossier.objects.filter(pk__in=before)}
    assert batch.summary["dossiers_rerouted"] == len(before)
    assert OutboxEntry.objects.count() == outbox_before + len(before)
    assert_written_as_one_by_one(
        before,
        kind=DossierEvent.Kind.REROUTED,
        revisions={pk: revision for pk, (revision, _agency) in before.items()},
        batch=batch,
        actor=admin_user,
        note="NĐ 151/2025",
        moves=moved,
    )
    snapshot = OutboxEntry.objects.filter(dossier_id=min(before)).latest("revision").payload
    assert snapshot["NgayNopHoSo"] == "20261121065959"
    assert snapshot["TienDo"]["HanXuLy"] == "20261125170030"
    assert snapshot["MaDonViXuLyId"] != moved[min(before)][1]  # the holder still holds it

    reassignment_revert(batch=batch, actor=admin_user, reason="nhầm")

    assert OutboxEntry.objects.count() == outbox_before + 2 * len(before)
    assert_written_as_one_by_one(
        before,
        kind=DossierEvent.Kind.REROUTE_REVERTED,
        revisions={pk: revision + 1 for pk, (revision, _agency) in before.items()},
        batch=batch,
        actor=admin_user,
        note="nhầm",
        moves={pk: (new, old) for pk, (old, new) in moved.items()},
    )
    assert {d.pk: d.agency_id for d in Dossier.objects.filter(pk__in=before)} == {
        pk: agency for pk, (_revision, agency) in before.items()
    }

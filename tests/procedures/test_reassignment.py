"""Moving former district-level procedures of the demo province (Lâm Đồng, 68) to communes."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from procedures import hooks
from procedures.errors import AssignmentOverlapError, ReassignmentError
from procedures.models import Assignment, CatalogueEvent, Level, Procedure, ReassignmentBatch
from procedures.selectors import assignments_on, former_district_report
from procedures.services import (
    reassignment_commit,
    reassignment_preview,
    reassignment_reroute_due,
    reassignment_revert,
)
from units.models import Agency, AgencyKind, Unit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo", "english")]

TODAY = dt.date(2026, 11, 23)


class RecordingRerouter:
    """A stand-in for the dossiers app's rerouter: records calls and the open transaction."""

    def __init__(self, per_commune: dict[str, int]):
        self.per_commune = per_commune
        self.rerouted: list[tuple[int, bool]] = []
        self.reverted: list[int] = []

    def count_open(self, *, request):
        return dict(self.per_commune) if request.province_code == "68" else {}

    def reroute(self, *, batch):
        self.rerouted.append((batch.pk, transaction.get_connection().in_atomic_block))
        return sum(self.per_commune.values())

    def revert(self, *, batch):
        self.reverted.append(batch.pk)
        return sum(self.per_commune.values())


@pytest.fixture
def rerouter():
    """Only the recording rerouter has dossiers here: the demo's own are set aside."""
    from dossiers.models import Dossier, DossierEvent
    from sync.models import OutboxEntry

    OutboxEntry.objects.all().delete()
    DossierEvent.objects.all().delete()
    Dossier.objects.all().delete()
    instance = RecordingRerouter({"22918": 3, "24781": 2})
    hooks.register_rerouter(instance)
    yield instance
    hooks.unregister_rerouter(instance)


@pytest.fixture
def province():
    return Unit.objects.get(code="68")


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.get(username="province_admin.p68")


def assignment_state():
    return sorted(
        Assignment.objects.values_list(
            "id",
            "procedure_id",
            "level",
            "scope_id",
            "agency_id",
            "valid_from",
            "valid_to",
            "batch_id",
            "closed_by_batch_id",
        )
    )


def all_to_communes(province, admin_user, on=TODAY):
    remaining = former_district_report(province=province, on=on).remaining
    arguments = dict(
        province=province,
        procedure_ids=[p.pk for p in remaining],
        target=ReassignmentBatch.Target.ALL_COMMUNES,
        effective_on=on,
    )
    return remaining, arguments


def test_moving_every_former_district_procedure_to_all_communes(province, admin_user, rerouter):
    remaining, arguments = all_to_communes(province, admin_user)
    n = len(remaining)
    assert n >= 10
    before = assignment_state()

    preview = reassignment_preview(**arguments)
    batch = reassignment_commit(**arguments, reason="Nghị định 151/2025/NĐ-CP", actor=admin_user)

    # Preview counts equal committed counts.
    assert preview.assignments_to_close == batch.summary["assignments_closed"] == n
    assert preview.assignments_to_create == batch.summary["assignments_created"] == n
    assert (
        preview.commune_count
        == Unit.objects.filter(parent=province).filter(level="commune").count()
        == 124
    )
    assert preview.dossiers_by_commune == {"22918": 3, "24781": 2}
    assert preview.dossier_count == batch.summary["dossiers_rerouted"] == 5
    # Dossiers re-routed by the dossiers app, inside the commit's transaction.
    assert rerouter.rerouted == [(batch.pk, True)]
    # The report now shows nothing left at the former district level ...
    assert former_district_report(province=province, on=TODAY).remaining == []
    # ... the history is kept: who settled it the day before, who settles it now.
    procedure = remaining[0]
    assert [
        a.level
        for a in assignments_on(
            procedure=procedure, on=TODAY - dt.timedelta(days=1), province_code="68"
        )
    ] == [Level.FORMER_DISTRICT]
    assert [
        (a.level, a.scope_id)
        for a in assignments_on(procedure=procedure, on=TODAY, province_code="68")
    ] == [(Level.COMMUNE, "68")]
    event = CatalogueEvent.objects.get(batch=batch, action="batch_applied")
    assert (event.actor, event.reason) == (admin_user, "Nghị định 151/2025/NĐ-CP")
    assert event.data["assignments_created"] == n

    reassignment_revert(batch=batch, actor=admin_user, reason="Nhập nhầm ngày")

    assert assignment_state() == before
    assert len(former_district_report(province=province, on=TODAY).remaining) == n
    assert rerouter.reverted == [batch.pk]
    batch.refresh_from_db()
    assert batch.status == "reverted" and batch.reverted_by == admin_user


def test_target_outside_the_province_is_refused_and_nothing_changes(province, admin_user):
    _remaining, arguments = all_to_communes(province, admin_user)
    hanoi_centre = Agency.objects.get(identifier="000.00.01.H01")
    hanoi_commune = Unit.objects.get(code="00004")
    before = assignment_state()

    with pytest.raises(ReassignmentError, match="is not a province-level agency of Lâm Đồng"):
        reassignment_commit(
            **{**arguments, "target": "province_agency", "target_agency": hanoi_centre},
            reason="x",
            actor=admin_user,
        )
    with pytest.raises(ReassignmentError, match="not in Lâm Đồng: Phường Ba Đình"):
        reassignment_preview(
            **{**arguments, "target": "chosen_communes", "target_communes": [hanoi_commune]}
        )

    assert assignment_state() == before
    assert not ReassignmentBatch.objects.exists()


def test_chosen_communes_and_province_agency_targets(province, admin_user):
    remaining, arguments = all_to_communes(province, admin_user)
    communes = list(Unit.objects.filter(code__in=["22918", "24781"]))
    first, second = [p.pk for p in remaining[:2]], [p.pk for p in remaining[2:4]]
    centre = Agency.objects.get(identifier="000.00.01.H68")

    to_communes = reassignment_commit(
        **{
            **arguments,
            "procedure_ids": first,
            "target": "chosen_communes",
            "target_communes": communes,
        },
        reason="QĐ 1/QĐ-UBND",
        actor=admin_user,
    )
    to_centre = reassignment_commit(
        **{
            **arguments,
            "procedure_ids": second,
            "target": "province_agency",
            "target_agency": centre,
        },
        reason="QĐ 2/QĐ-UBND",
        actor=admin_user,
    )

    assert to_communes.summary["assignments_created"] == 4
    assert sorted(
        Assignment.objects.filter(batch=to_communes).values_list("scope_id", flat=True)
    ) == ["22918", "22918", "24781", "24781"]
    assert list(Assignment.objects.filter(batch=to_centre).values_list("level", "agency_id")) == [
        (Level.PROVINCE, centre.pk),
        (Level.PROVINCE, centre.pk),
    ]
    assert len(former_district_report(province=province, on=TODAY).remaining) == len(remaining) - 4


def test_procedures_not_at_the_former_district_level_are_refused(province, admin_user):
    _remaining, arguments = all_to_communes(province, admin_user)
    birth = Procedure.objects.get(code="1.001193")

    with pytest.raises(ReassignmentError, match="not assigned to the former district level"):
        reassignment_preview(**{**arguments, "procedure_ids": [birth.pk]})


def test_missing_reason_or_date_is_refused(province, admin_user):
    _remaining, arguments = all_to_communes(province, admin_user)

    with pytest.raises(ReassignmentError) as no_reason:
        reassignment_commit(**arguments, reason="  ", actor=admin_user)
    with pytest.raises(ReassignmentError) as no_date:
        reassignment_preview(**{**arguments, "effective_on": None})

    assert (no_reason.value.field, no_date.value.field) == ("reason", "effective_on")
    assert not ReassignmentBatch.objects.exists()


def test_overlapping_range_is_refused_and_nothing_is_committed(province, admin_user):
    remaining, arguments = all_to_communes(province, admin_user)
    Assignment.objects.create(
        procedure=remaining[0],
        level=Level.COMMUNE,
        scope=province,
        valid_from=TODAY + dt.timedelta(days=30),
    )
    before = assignment_state()

    with pytest.raises(AssignmentOverlapError, match=remaining[0].code):
        reassignment_commit(**arguments, reason="NĐ 151", actor=admin_user)

    assert assignment_state() == before
    assert not ReassignmentBatch.objects.exists()


def test_a_future_date_reroutes_dossiers_when_the_day_comes(province, admin_user, rerouter):
    future = timezone.localdate() + dt.timedelta(days=10)
    _remaining, arguments = all_to_communes(province, admin_user, on=future)

    batch = reassignment_commit(**arguments, reason="NĐ 151", actor=admin_user)

    assert rerouter.rerouted == [] and batch.dossiers_rerouted_at is None
    assert reassignment_reroute_due(today=future - dt.timedelta(days=1)) == 0
    assert reassignment_reroute_due(today=future) == 5
    assert reassignment_reroute_due(today=future) == 0  # running twice moves nothing twice
    assert [pk for pk, _ in rerouter.rerouted] == [batch.pk]


def test_only_the_latest_batch_can_be_reverted(province, admin_user):
    remaining, arguments = all_to_communes(province, admin_user)
    first = reassignment_commit(
        **{
            **arguments,
            "procedure_ids": [remaining[0].pk],
            "target": "chosen_communes",
            "target_communes": [Unit.objects.get(code="22918")],
        },
        reason="NĐ 151",
        actor=admin_user,
    )
    reassignment_revert(batch=first, actor=admin_user, reason="nhầm")

    with pytest.raises(ReassignmentError, match="Only an applied reassignment"):
        reassignment_revert(batch=first, actor=admin_user, reason="again")


def test_province_agencies_of_the_demo_are_service_centres():
    assert Agency.objects.filter(unit_id="68", kind=AgencyKind.PROVINCE_SERVICE_CENTRE).count() == 1

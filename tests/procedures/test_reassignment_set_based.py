"""A reassignment to communes chosen one by one checks and writes its assignments set-based:
the same rows as one target at a time, in as many statements for many communes as for few."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from procedures.errors import AssignmentOverlapError
from procedures.models import Assignment, Level, ReassignmentBatch
from procedures.selectors import former_district_report
from procedures.services import reassignment_commit
from units.models import Unit, UnitLevel

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo", "english")]

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def province():
    return Unit.objects.get(code="68")


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.get(username="province_admin.p68")


def to_chosen(province, communes):
    remaining = former_district_report(province=province, on=TODAY).remaining
    return dict(
        province=province,
        procedure_ids=[p.pk for p in remaining],
        target="chosen_communes",
        target_communes=communes,
        effective_on=TODAY,
    )


def communes(province, count: int) -> list[Unit]:
    return list(
        Unit.objects.filter(parent=province, level=UnitLevel.COMMUNE).order_by("code")[:count]
    )


def test_each_procedure_is_assigned_to_each_chosen_commune(province, admin_user):
    chosen = communes(province, 5)
    arguments = to_chosen(province, chosen)

    batch = reassignment_commit(**arguments, reason="QĐ 1/QĐ-UBND", actor=admin_user)

    created = set(
        Assignment.objects.filter(batch=batch).values_list(
            "procedure_id", "level", "scope_id", "agency_id", "valid_from", "valid_to", "note"
        )
    )
    assert created == {
        (pid, Level.COMMUNE, commune.code, None, TODAY, None, "QĐ 1/QĐ-UBND")
        for pid in arguments["procedure_ids"]
        for commune in chosen
    }
    assert (
        batch.summary["assignments_created"] == len(created) == 5 * len(arguments["procedure_ids"])
    )
    assert batch.done == batch.total == len(created) + batch.summary["assignments_closed"]


def statements(province, admin_user, count: int) -> int:
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            reassignment_commit(
                **to_chosen(province, communes(province, count)), reason="NĐ 151", actor=admin_user
            )
        transaction.set_rollback(True)
    return len(queries.captured_queries)


def test_the_statements_do_not_grow_with_the_chosen_communes(province, admin_user):
    assert statements(province, admin_user, 3) == statements(province, admin_user, 40)


def test_an_overlap_on_any_chosen_commune_is_refused_and_nothing_is_committed(province, admin_user):
    chosen = communes(province, 12)
    arguments = to_chosen(province, chosen)
    procedure = former_district_report(province=province, on=TODAY).remaining[-1]
    Assignment.objects.create(
        procedure=procedure,
        level=Level.COMMUNE,
        scope=chosen[7],
        valid_from=TODAY + dt.timedelta(days=30),
    )
    before = sorted(Assignment.objects.values_list("id", "valid_to", "closed_by_batch_id"))

    with pytest.raises(AssignmentOverlapError, match=procedure.code):
        reassignment_commit(**arguments, reason="NĐ 151", actor=admin_user)

    assert sorted(Assignment.objects.values_list("id", "valid_to", "closed_by_batch_id")) == before
    assert not ReassignmentBatch.objects.exists()

"""The queues in the API: ``/api/v1/queues/`` (counts) and ``/api/v1/queues/<name>/`` (a keyset
page), scoped to the caller's agencies like the pages, with field-level errors on bad input.

Dossiers are birth registrations at the demo committee of Phường Mũi Né (``home``) and at the
other demo commune of Lâm Đồng (``elsewhere``).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient

from dossiers import lifecycle
from dossiers.api.office import QueueRowSerializer
from dossiers.models import Dossier, Status
from dossiers.models_calendar import CalendarDay, CalendarDayKind
from dossiers.office.queues import (
    PAGE_SIZE,
    QUEUES,
    due_soon_limit,
    due_soon_limit_kept,
    queue_page,
)
from tests.factories.dossiers import new_dossier, staff_of
from units.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_counts_are_the_callers_agencies_only(home, elsewhere):
    ours = [new_dossier(home).code for _ in range(3)]
    new_dossier(elsewhere)

    body = api_as(staff_of(home, Role.RECEIVER)).get("/api/v1/queues/").json()

    counts = {row["queue"]: row["count"] for row in body}
    assert list(counts) == list(QUEUES)
    assert counts["reception"] == len(ours) and counts["overdue"] == 0
    assert {row["label"] for row in body} >= {"Chờ tiếp nhận", "Quá hạn"}


def test_a_page_lists_the_agencys_dossiers_in_order_and_the_cursor_goes_on(home, elsewhere):
    ours = [new_dossier(home).code for _ in range(PAGE_SIZE + 3)]
    theirs = new_dossier(elsewhere).code
    client = api_as(staff_of(home, Role.RECEIVER))

    first = client.get("/api/v1/queues/reception/").json()
    second = client.get("/api/v1/queues/reception/", {"cursor": first["next"]}).json()

    codes = [row["code"] for row in first["results"] + second["results"]]
    assert codes == ours and theirs not in codes  # oldest submission first, no gap, no repeat
    assert len(first["results"]) == PAGE_SIZE and second["next"] is None
    row = first["results"][0]
    assert row["status"] == Status.SUBMITTED and row["overdue"] is False
    assert row["submitted_at"].endswith("+07:00")  # the portal's time zone
    small = client.get("/api/v1/queues/reception/", {"page_size": 2}).json()
    assert [r["code"] for r in small["results"]] == ours[:2] and small["next"]


def test_search_overdue_flag_and_nothing_of_another_commune(home, elsewhere):
    receiver = staff_of(home, Role.RECEIVER)
    late = lifecycle.receive(dossier=new_dossier(home, name="Phạm Thị Hoa"), actor=receiver)
    Dossier.objects.filter(pk=late.pk).update(appointment_at=timezone.now() - dt.timedelta(days=1))
    foreign = lifecycle.receive(
        dossier=new_dossier(elsewhere, name="Phạm Thị Hoa"),
        actor=staff_of(elsewhere, Role.RECEIVER),
    )
    Dossier.objects.filter(pk=foreign.pk).update(
        appointment_at=timezone.now() - dt.timedelta(days=1)
    )

    body = api_as(staff_of(home, Role.LEADER)).get("/api/v1/queues/overdue/", {"q": "thị hoa"})

    assert body.status_code == 200
    assert [(r["code"], r["overdue"]) for r in body.json()["results"]] == [(late.code, True)]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"cursor": "not-a-cursor"}, "cursor"), ({"page_size": "many"}, "page_size")],
)
def test_bad_parameters_are_a_400_naming_the_field(home, params, field):
    new_dossier(home)

    response = api_as(staff_of(home, Role.RECEIVER)).get("/api/v1/queues/reception/", params)

    assert response.status_code == 400 and field in response.json()


def test_an_unknown_queue_is_404_and_a_citizen_or_stranger_is_refused(home, applicant):
    receiver = api_as(staff_of(home, Role.RECEIVER))

    assert receiver.get("/api/v1/queues/everything/").status_code == 404
    assert api_as(applicant).get("/api/v1/queues/reception/").status_code == 403
    assert api_as(applicant).get("/api/v1/queues/").status_code == 403
    assert APIClient().get("/api/v1/queues/reception/").status_code == 403


def test_the_written_out_rows_equal_what_the_declared_fields_give(home):
    receiver = staff_of(home, Role.RECEIVER)
    received = lifecycle.receive(dossier=new_dossier(home), actor=receiver)  # an appointment
    lifecycle.claim(dossier=received, actor=receiver)  # an assignee
    new_dossier(home)  # no assignee, no appointment
    now = timezone.now()
    rows = queue_page(receiver, "mine", now=now).rows + queue_page(receiver, "reception").rows
    assert len(rows) == 2

    fast = QueueRowSerializer(rows, many=True, context={"now": now}).data
    reference = [
        serializers.Serializer.to_representation(QueueRowSerializer(context={"now": now}), row)
        for row in rows
    ]

    assert [dict(row) for row in fast] == [dict(row) for row in reference]
    assert fast[0]["assignee"] == receiver.username and fast[1]["assignee"] is None
    assert fast[0]["appointment_at"] and fast[1]["appointment_at"] is None


def test_the_kept_due_soon_limit_follows_a_calendar_edit_at_once():
    # Monday 8 March 2027, 09:00 in Hà Nội: two working days on is Wednesday's closing time.
    now = dt.datetime(2027, 3, 8, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    CalendarDay.objects.filter(date__range=("2027-03-08", "2027-03-31")).delete()
    before = due_soon_limit_kept(now)

    holiday = CalendarDay.objects.create(date=dt.date(2027, 3, 9), kind=CalendarDayKind.DAY_OFF)
    during, read = due_soon_limit_kept(now), due_soon_limit(now)
    holiday.delete()
    after = due_soon_limit_kept(now)

    assert before.date() == dt.date(2027, 3, 10)
    assert during.date() == dt.date(2027, 3, 11) and during == read
    assert after == before == due_soon_limit(now)

"""The working-day calendar in the database (dossiers/calendar.py): the seed migration, the
loader and the administrators' rows. The examples are in ``test_calendar.py``.
"""

import importlib
import io
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command

from dossiers.calendar import Calendar, appointment, calendar_for
from dossiers.models_calendar import CalendarDay, CalendarDayKind, CalendarDaySource
from tests.dossiers.calendar_days import DAYS_OFF, WORKING_SATURDAYS, D, W, at
from tests.factories import UserFactory

# --- database: the seed, the loader, the administrators' rows -----------------------------------


def _rows():
    return list(CalendarDay.objects.order_by("date").values_list("date", "kind", "name", "source"))


def _seed_migration():
    return importlib.import_module("dossiers.migrations.0003_seed_calendar")


@pytest.mark.django_db
def test_the_seed_migration_fills_2026_and_2027_and_reverses():
    CalendarDay.objects.all().delete()
    admin_row = CalendarDay.objects.create(
        date=D(2026, 2, 14), kind=CalendarDayKind.WORKING_DAY, name="Làm bù Tết"
    )

    _seed_migration().seed_calendar(django_apps, None)

    rows = {row.date: row for row in CalendarDay.objects.all()}
    assert {d for d in rows if d.year in (2026, 2027) and d != admin_row.date} == (
        DAYS_OFF | WORKING_SATURDAYS
    )
    assert rows[D(2026, 11, 24)].kind == CalendarDayKind.HOLIDAY
    assert rows[D(2026, 8, 22)].kind == CalendarDayKind.WORKING_DAY
    assert rows[D(2026, 8, 31)].kind == CalendarDayKind.DAY_OFF
    assert rows[D(2026, 8, 22)].source == CalendarDaySource.HOLIDAYS_PACKAGE
    assert {d.year for d in rows} == {2025, 2026, 2027, 2028}

    _seed_migration().unseed_calendar(django_apps, None)

    assert _rows() == [
        (D(2026, 2, 14), "working_day", "Làm bù Tết", CalendarDaySource.ADMINISTRATOR)
    ]


@pytest.mark.django_db
def test_load_calendar_twice_changes_nothing():
    CalendarDay.objects.all().delete()
    out = io.StringIO()

    call_command("load_calendar", "--years", "2026", "2027", stdout=out)
    first = list(CalendarDay.objects.order_by("date").values())
    call_command("load_calendar", "--years", "2026", "2027", stdout=out)

    assert list(CalendarDay.objects.order_by("date").values()) == first
    assert len(first) == 30
    assert {(r["date"], r["kind"]) for r in first} >= {
        (D(2026, 11, 24), "holiday"),
        (D(2026, 8, 22), "working_day"),
        (D(2026, 8, 31), "day_off"),
        (D(2027, 5, 3), "holiday"),
    }
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Calendar 2026, 2027: 30 created, 0 updated, 0 removed,")
    assert lines[1] == (
        "Calendar 2026, 2027: 0 created, 0 updated, 0 removed, 30 unchanged, "
        "0 kept (entered by an administrator)."
    )


@pytest.mark.django_db
def test_load_calendar_keeps_administrator_rows_and_refreshes_its_own():
    CalendarDay.objects.all().delete()
    call_command("load_calendar", "--years", "2026", stdout=io.StringIO())
    # An administrator renamed a package holiday (it becomes theirs) and added a swap.
    CalendarDay.objects.filter(date=D(2026, 11, 24)).update(
        name="Ngày Văn hóa Việt Nam (theo thông báo của Bộ Nội vụ)",
        source=CalendarDaySource.ADMINISTRATOR,
    )
    CalendarDay.objects.create(date=D(2026, 12, 31), kind=CalendarDayKind.DAY_OFF, name="Nghỉ bù")
    # A package row the package no longer lists, and one whose name is out of date.
    CalendarDay.objects.create(
        date=D(2026, 3, 3), kind="holiday", name="Old", source=CalendarDaySource.HOLIDAYS_PACKAGE
    )
    CalendarDay.objects.filter(date=D(2026, 9, 1)).update(name="Old name")
    out = io.StringIO()

    call_command("load_calendar", "--years", "2026", stdout=out)

    rows = {r[0]: r[1:] for r in _rows()}
    assert rows[D(2026, 11, 24)] == (
        "holiday",
        "Ngày Văn hóa Việt Nam (theo thông báo của Bộ Nội vụ)",
        "administrator",
    )
    assert rows[D(2026, 12, 31)] == ("day_off", "Nghỉ bù", "administrator")
    assert D(2026, 3, 3) not in rows
    assert rows[D(2026, 9, 1)] == ("holiday", "Quốc khánh", "holidays-package")
    assert out.getvalue() == (
        "Calendar 2026: 0 created, 1 updated, 1 removed, 13 unchanged, 1 kept "
        "(entered by an administrator).\nKept: 2026-11-24\n"
    )


@pytest.mark.django_db
def test_calendar_for_reads_the_rows_and_the_following_year():
    CalendarDay.objects.all().delete()
    call_command("load_calendar", "--years", "2026", "2027", stdout=io.StringIO())
    CalendarDay.objects.create(date=D(2026, 12, 28), kind=CalendarDayKind.DAY_OFF)

    cal = calendar_for(D(2026, 12, 24))

    # Thursday 24/12/2026 + 2 working days: Friday 25, (Monday 28 off) Tuesday 29.
    assert appointment(at(2026, 12, 24, 9), Decimal(2), W, False, cal) == at(2026, 12, 29, 17)
    # 31/12/2026 + 1: Friday 01/01/2027 is a holiday → Monday 04/01/2027.
    assert appointment(at(2026, 12, 31, 9), Decimal(1), W, False, cal) == at(2027, 1, 4, 17)
    assert Calendar.load(years=[2026]).is_working_day(D(2026, 8, 22))
    assert Calendar.load(years=[2027]).is_working_day(D(2026, 8, 31))  # 2026 not loaded


def test_load_calendar_refuses_unlikely_years():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="between 1995 and 2100"):
        call_command("load_calendar", "--years", "26", stdout=io.StringIO())


@pytest.mark.django_db
def test_administrators_add_a_swap_and_the_database_refuses_a_wrong_one(client, english, settings):
    settings.STAFF_OTP_REQUIRED = False  # the second factor has its own tests
    CalendarDay.objects.all().delete()
    call_command("load_calendar", "--years", "2026", stdout=io.StringIO())
    admin = UserFactory(username="calendar-admin", is_staff=True, is_superuser=True)
    client.force_login(admin)

    added = client.post(
        "/admin/dossiers/calendarday/add/",
        {"date": "2026-02-28", "kind": "working_day", "name": "Làm bù"},
    )
    wrong = client.post(
        "/admin/dossiers/calendarday/add/",
        {"date": "2026-03-02", "kind": "working_day", "name": "Thứ Hai?"},
    )
    package_row = CalendarDay.objects.get(date=D(2026, 9, 1))
    delete_package = client.post(
        f"/admin/dossiers/calendarday/{package_row.pk}/delete/", {"post": "yes"}
    )

    assert added.status_code == 302
    assert CalendarDay.objects.get(date=D(2026, 2, 28)).source == "administrator"
    assert wrong.status_code == 200
    assert "Chỉ có thể chuyển thứ Bảy hoặc Chủ nhật thành ngày làm việc." in wrong.content.decode()
    assert not CalendarDay.objects.filter(date=D(2026, 3, 2)).exists()
    assert delete_package.status_code == 403
    assert CalendarDay.objects.filter(pk=package_row.pk).exists()

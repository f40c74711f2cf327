"""The working-day calendar and appointment dates (DOMAIN.md "Dossier", dossiers/calendar.py).

Every expected date below was read off the official 2026 and 2027 calendars by hand; the code
under test never computes an expectation.
"""

import datetime as dt
import importlib
import io
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from dossiers.calendar import (
    DAYS,
    HOURS,
    LOCAL_TZ,
    MORNING_CLOSES,
    OFFICE_CLOSES,
    WORKING_DAYS,
    Calendar,
    add_working_time,
    appointment,
    calendar_for,
    counted_day,
    package_calendar_days,
    paused_appointment,
)
from dossiers.models_calendar import CalendarDay, CalendarDayKind, CalendarDaySource
from tests.factories import UserFactory

D = dt.date
UTC = dt.UTC


def at(year, month, day, hour, minute=0, tz=LOCAL_TZ):
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz)


# The official calendars, written out: days off (holidays, observed days, swapped weekdays) and
# the swapped working Saturday.
DAYS_OFF = {
    D(2026, 1, 1),  # New Year
    D(2026, 2, 16), D(2026, 2, 17), D(2026, 2, 18), D(2026, 2, 19), D(2026, 2, 20),  # Tết
    D(2026, 4, 26), D(2026, 4, 27),  # Hùng Kings (Sunday) and observed Monday
    D(2026, 4, 30), D(2026, 5, 1),
    D(2026, 8, 31),  # Monday off, swapped with Saturday 22/08
    D(2026, 9, 1), D(2026, 9, 2),  # National Day
    D(2026, 11, 24),  # Vietnamese Culture Day
    D(2027, 1, 1),
    D(2027, 2, 4), D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7),  # Tết 2027
    D(2027, 2, 8), D(2027, 2, 9), D(2027, 2, 10),
    D(2027, 4, 16),  # Hùng Kings
    D(2027, 4, 30), D(2027, 5, 1), D(2027, 5, 3),  # 1/5 is a Saturday: observed Monday 3/5
    D(2027, 9, 2), D(2027, 9, 3),
    D(2027, 11, 24),
}  # fmt: skip
WORKING_SATURDAYS = {D(2026, 8, 22)}
OFFICIAL = Calendar(non_working_days=DAYS_OFF, working_days=WORKING_SATURDAYS)


def test_the_package_seed_matches_the_official_calendars():
    days = package_calendar_days([2026, 2027])

    assert {d.date for d in days if d.kind != CalendarDayKind.WORKING_DAY} == DAYS_OFF
    assert {d.date for d in days if d.kind == CalendarDayKind.WORKING_DAY} == WORKING_SATURDAYS
    kinds = {d.date: d.kind for d in days}
    assert kinds[D(2026, 8, 31)] == CalendarDayKind.DAY_OFF
    assert kinds[D(2026, 11, 24)] == CalendarDayKind.HOLIDAY
    names = {d.date: d.name for d in days}
    assert names[D(2026, 8, 31)] == "Ngày nghỉ (thay cho ngày 22/08/2026)"
    assert names[D(2026, 8, 22)] == "Ngày làm việc bù (cho ngày nghỉ 31/08/2026)"
    assert names[D(2026, 11, 24)] == "Ngày Văn hóa Việt Nam"


def test_calendar_basics_on_the_swapped_days():
    assert OFFICIAL.is_working_day(D(2026, 8, 22))  # Saturday made a working day
    assert not OFFICIAL.is_working_day(D(2026, 8, 23))  # an ordinary Sunday
    assert not OFFICIAL.is_working_day(D(2026, 8, 31))  # Monday made a day off
    assert OFFICIAL.is_working_day(D(2026, 8, 28))
    assert OFFICIAL.next_working_day(D(2026, 8, 21)) == D(2026, 8, 22)
    assert OFFICIAL.next_working_day(D(2026, 8, 28)) == D(2026, 9, 3)
    assert OFFICIAL.add_working_days(D(2026, 2, 13), 0) == D(2026, 2, 13)
    assert OFFICIAL.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert OFFICIAL.count_working_days(D(2026, 2, 13), D(2026, 2, 23)) == 1


def test_a_date_cannot_be_both_working_and_not():
    with pytest.raises(ValueError, match="both"):
        Calendar(non_working_days={D(2026, 8, 22)}, working_days={D(2026, 8, 22)})


W, CAL, H = WORKING_DAYS, DAYS, HOURS

# (received at, processing time, unit, 15:00 cut-off, due) — due written out by hand.
CASES = [
    # Ordinary week: received Monday, 3 working days, due Thursday.
    ("plain-monday-3", at(2026, 2, 9, 9), "3", W, False, at(2026, 2, 12, 17)),
    # Tết 2026 (16-20/02).
    ("tet26-friday-1", at(2026, 2, 13, 10), "1", W, False, at(2026, 2, 23, 17)),
    ("tet26-thursday-3", at(2026, 2, 12, 10), "3", W, False, at(2026, 2, 24, 17)),
    ("tet26-received-on-tet-3", at(2026, 2, 17, 9), "3", W, False, at(2026, 2, 26, 17)),
    ("tet26-received-on-tet-0", at(2026, 2, 18, 9), "0", W, False, at(2026, 2, 23, 17)),
    ("tet26-cutoff-15:01-0", at(2026, 2, 13, 15, 1), "0", W, True, at(2026, 2, 23, 17)),
    ("tet26-cutoff-14:59-0", at(2026, 2, 13, 14, 59), "0", W, True, at(2026, 2, 13, 17)),
    # Hùng Kings 2026: Sunday 26/04, observed Monday 27/04; then 30/4 and 1/5.
    ("hung26-friday-1", at(2026, 4, 24, 9), "1", W, False, at(2026, 4, 28, 17)),
    ("30-4-26-wednesday-1", at(2026, 4, 29, 10), "1", W, False, at(2026, 5, 4, 17)),
    ("30-4-26-tuesday-2", at(2026, 4, 28, 10), "2", W, False, at(2026, 5, 4, 17)),
    # The swap: Saturday 22/08/2026 works, Monday 31/08/2026 is off; National Day 01-02/09.
    ("swap26-friday-1", at(2026, 8, 21, 9), "1", W, False, at(2026, 8, 22, 17)),
    ("swap26-saturday-0", at(2026, 8, 22, 9), "0", W, False, at(2026, 8, 22, 17)),
    ("swap26-saturday-1", at(2026, 8, 22, 9), "1", W, False, at(2026, 8, 24, 17)),
    ("national26-friday-1", at(2026, 8, 28, 10), "1", W, False, at(2026, 9, 3, 17)),
    ("national26-cutoff-2", at(2026, 8, 27, 16), "2", W, True, at(2026, 9, 4, 17)),
    # Vietnamese Culture Day, Tuesday 24/11/2026, and the cut-off around it.
    ("culture26-monday-1", at(2026, 11, 23, 10), "1", W, False, at(2026, 11, 25, 17)),
    ("culture26-cutoff-15:01-1", at(2026, 11, 23, 15, 1), "1", W, True, at(2026, 11, 26, 17)),
    ("culture26-cutoff-14:59-1", at(2026, 11, 23, 14, 59), "1", W, True, at(2026, 11, 25, 17)),
    ("culture26-cutoff-15:00-1", at(2026, 11, 23, 15, 0), "1", W, True, at(2026, 11, 25, 17)),
    ("culture26-no-cutoff-16:00", at(2026, 11, 23, 16), "1", W, False, at(2026, 11, 25, 17)),
    ("culture26-sunday-3", at(2026, 11, 22, 10), "3", W, False, at(2026, 11, 27, 17)),
    ("plain-saturday-3", at(2026, 3, 7, 10), "3", W, False, at(2026, 3, 12, 17)),
    ("plain-sunday-0", at(2026, 3, 8, 10), "0", W, False, at(2026, 3, 9, 17)),
    # Same-day results are never due before the receipt: after 17:00 → next working day.
    ("same-day-after-closing", at(2026, 11, 23, 17, 30), "0", W, False, at(2026, 11, 25, 17)),
    ("same-day-days-after-closing", at(2026, 3, 9, 20), "0", CAL, False, at(2026, 3, 10, 17)),
    ("one-day-after-closing", at(2026, 3, 9, 20), "1", W, False, at(2026, 3, 10, 17)),
    # New Year 2027, Tết 2027 (04-10/02), Hùng Kings 2027 (16/04), 30/4-1/5 (observed 03/05).
    ("newyear27-1", at(2026, 12, 31, 10), "1", W, False, at(2027, 1, 4, 17)),
    ("tet27-wednesday-1", at(2027, 2, 3, 10), "1", W, False, at(2027, 2, 11, 17)),
    ("tet27-received-on-tet-5", at(2027, 2, 5, 9), "5", W, False, at(2027, 2, 18, 17)),
    ("hung27-thursday-1", at(2027, 4, 15, 10), "1", W, False, at(2027, 4, 19, 17)),
    ("30-4-27-thursday-1", at(2027, 4, 29, 10), "1", W, False, at(2027, 5, 4, 17)),
    ("30-4-27-cutoff-0", at(2027, 4, 29, 15, 1), "0", W, True, at(2027, 5, 4, 17)),
    ("national27-wednesday-1", at(2027, 9, 1, 10), "1", W, False, at(2027, 9, 6, 17)),
    # Times given in UTC are read in Asia/Ho_Chi_Minh (UTC+7).
    ("utc-morning", at(2026, 3, 9, 2, tz=UTC), "3", W, False, at(2026, 3, 12, 17)),
    ("utc-previous-evening", at(2026, 3, 8, 18, tz=UTC), "1", W, False, at(2026, 3, 10, 17)),
    ("utc-cutoff", at(2026, 3, 9, 8, 30, tz=UTC), "0", W, True, at(2026, 3, 10, 17)),
    # Half days: morning → that afternoon; afternoon → next morning; rounded up to half days.
    ("half-morning", at(2026, 3, 9, 9), "0.5", W, False, at(2026, 3, 9, 17)),
    ("half-afternoon", at(2026, 3, 9, 14), "0.5", W, False, at(2026, 3, 10, 11, 30)),
    ("half-lunch", at(2026, 3, 9, 11, 45), "0.5", W, False, at(2026, 3, 10, 11, 30)),
    ("half-over-tet", at(2026, 2, 13, 14), "0.5", W, False, at(2026, 2, 23, 11, 30)),
    ("half-after-cutoff", at(2026, 3, 9, 15, 30), "0.5", W, True, at(2026, 3, 10, 17)),
    ("half-after-closing", at(2026, 3, 9, 18), "0.5", W, False, at(2026, 3, 10, 17)),
    ("one-and-half-afternoon", at(2026, 3, 9, 14), "1.5", W, False, at(2026, 3, 11, 11, 30)),
    ("0.3-rounds-to-half", at(2026, 3, 9, 9), "0.3", W, False, at(2026, 3, 9, 17)),
    ("1.7-rounds-to-2", at(2026, 3, 9, 9), "1.7", W, False, at(2026, 3, 11, 17)),
    # Calendar days: a due day that is not a working day moves to the next working day.
    ("days-onto-tet", at(2026, 2, 9, 10), "7", CAL, False, at(2026, 2, 23, 17)),
    ("days-onto-swapped-monday", at(2026, 8, 21, 10), "10", CAL, False, at(2026, 9, 3, 17)),
    ("days-onto-observed-hung", at(2026, 4, 17, 10), "10", CAL, False, at(2026, 4, 28, 17)),
    ("days-onto-working-saturday", at(2026, 8, 12, 10), "10", CAL, False, at(2026, 8, 22, 17)),
    ("days-received-saturday", at(2026, 3, 7, 10), "15", CAL, False, at(2026, 3, 24, 17)),
    ("days-after-cutoff", at(2026, 11, 23, 15, 30), "1", CAL, True, at(2026, 11, 26, 17)),
    # Working hours: 07:30-11:30 and 13:30-17:00 on working days.
    ("hours-over-lunch", at(2026, 3, 9, 10), "4", H, False, at(2026, 3, 9, 16)),
    ("hours-to-the-end-of-morning", at(2026, 3, 9, 7, 30), "4", H, False, at(2026, 3, 9, 11, 30)),
    ("hours-over-the-evening", at(2026, 3, 9, 16), "8", H, False, at(2026, 3, 10, 16, 30)),
    ("hours-over-tet", at(2026, 2, 13, 16), "2", H, False, at(2026, 2, 23, 8, 30)),
    ("hours-received-saturday", at(2026, 3, 7, 10), "4", H, False, at(2026, 3, 9, 11, 30)),
    ("hours-after-cutoff", at(2026, 3, 9, 15, 1), "2", H, True, at(2026, 3, 10, 9, 30)),
    ("hours-received-at-lunch", at(2026, 3, 9, 12), "1", H, False, at(2026, 3, 9, 14, 30)),
    ("hours-received-early", at(2026, 3, 9, 6), "0.5", H, False, at(2026, 3, 9, 8)),
    ("hours-over-national-day", at(2026, 8, 28, 16), "8", H, False, at(2026, 9, 3, 16, 30)),
    ("hours-onto-working-saturday", at(2026, 8, 21, 16, 30), "1", H, False, at(2026, 8, 22, 8)),
]


@pytest.mark.parametrize(
    ("received", "time", "unit", "cutoff", "due"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_appointment_on_the_official_calendar(received, time, unit, cutoff, due):
    result = appointment(received, Decimal(time), unit, cutoff, OFFICIAL)

    assert result == due
    assert result.tzinfo == LOCAL_TZ
    assert (result.date(), result.time()) == (due.date(), due.time())


def d26(month, day, hour, minute=0):
    return at(2026, month, day, hour, minute)


# (unit, appointment, supplement requested, supplement received, new appointment), by hand.
PAUSES = [
    # Requested Tuesday, supplied Friday: Wed, Thu, Fri lost; Thu 12/02 moves over Tết.
    ("tet26", W, d26(2, 12, 17), d26(2, 10, 10), d26(2, 13, 9), d26(2, 24, 17)),
    # Requested Friday 13/02, supplied Monday 23/02: only Monday 23/02 was a working day lost.
    ("over-tet26", W, d26(2, 24, 17), d26(2, 13, 9), d26(2, 23, 8), d26(2, 25, 17)),
    ("same-day", W, d26(2, 12, 17), d26(2, 10, 9), d26(2, 10, 16), d26(2, 12, 17)),
    # Requested Friday, supplied Saturday (an ordinary weekend): nothing lost.
    ("weekend", W, d26(3, 12, 17), d26(3, 6, 16), d26(3, 7, 10), d26(3, 12, 17)),
    # Supplied on the working Saturday 22/08/2026: one working day lost.
    ("saturday", W, d26(8, 27, 17), d26(8, 21, 16), d26(8, 22, 10), d26(8, 28, 17)),
    # 28/08 → 03/09 loses only Thu 03/09 (31/08 off, 01-02/09 National Day); 04/09 → 07/09.
    ("national26", W, d26(9, 4, 17), d26(8, 28, 10), d26(9, 3, 9), d26(9, 7, 17)),
    # A half-day appointment keeps its 11:30.
    ("half-day", W, d26(3, 10, 11, 30), d26(3, 9, 15), d26(3, 10, 9), d26(3, 11, 11, 30)),
    # Hours: 10:00-11:30 and 13:30-14:30 lost = 2.5 h, from 16:00 Monday → 09:00 Tuesday.
    ("hours", H, d26(3, 9, 16), d26(3, 9, 10), d26(3, 9, 14, 30), d26(3, 10, 9)),
    # Over Tết: Fri 13/02 16:00-17:00 and Mon 23/02 07:30-08:30 lost = 2 h; 10:00 → 14:00.
    ("hours-tet", H, d26(2, 24, 10), d26(2, 13, 16), d26(2, 23, 8, 30), d26(2, 24, 14)),
    ("days", CAL, d26(2, 23, 17), d26(2, 9, 10), d26(2, 12, 10), d26(2, 26, 17)),
    # Calendar days: 28/08 + 3 = Monday 31/08 (off) → Thursday 03/09.
    ("days-onto-off", CAL, d26(8, 28, 17), d26(8, 1, 10), d26(8, 4, 9), d26(9, 3, 17)),
]


@pytest.mark.parametrize(
    ("unit", "due", "paused", "resumed", "new_due"),
    [p[1:] for p in PAUSES],
    ids=[p[0] for p in PAUSES],
)
def test_a_supplement_pause_moves_the_appointment(unit, due, paused, resumed, new_due):
    assert paused_appointment(due, paused, resumed, OFFICIAL, unit=unit) == new_due


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="aware"):
        appointment(dt.datetime(2026, 3, 9, 9), Decimal(1), W, False, OFFICIAL)
    with pytest.raises(ValueError, match="negative"):
        appointment(at(2026, 3, 9, 9), Decimal(-1), W, False, OFFICIAL)
    with pytest.raises(ValueError, match="unit"):
        appointment(at(2026, 3, 9, 9), Decimal(1), "weeks", False, OFFICIAL)
    with pytest.raises(ValueError, match="before"):
        paused_appointment(at(2026, 3, 9, 17), at(2026, 3, 9, 10), at(2026, 3, 9, 9), OFFICIAL)
    with pytest.raises(ValueError, match="No working day"):
        Calendar(
            non_working_days={D(2026, 1, 1) + dt.timedelta(days=i) for i in range(400)}
        ).next_working_day(D(2025, 12, 31))


# --- properties ----------------------------------------------------------------------------------

DATES = st.dates(D(2026, 1, 1), D(2027, 12, 31))


def _calendar(off, on):
    working = {d for d in on if d.weekday() >= 5} - off
    return Calendar(non_working_days=off, working_days=working)


CALENDARS = st.one_of(
    st.just(OFFICIAL),
    st.builds(_calendar, st.sets(DATES, max_size=60), st.sets(DATES, max_size=15)),
)
MOMENTS = st.datetimes(
    min_value=dt.datetime(2026, 1, 1),
    max_value=dt.datetime(2027, 6, 30, 23, 59),
    timezones=st.sampled_from([LOCAL_TZ, UTC]),
)
WHOLE = st.integers(min_value=0, max_value=60)
TENTHS = st.integers(min_value=0, max_value=300).map(lambda n: Decimal(n) / 10)
UNITS = st.sampled_from([W, CAL, H])
PROPERTY = settings(deadline=None, max_examples=150)


def _in_office_hours(moment):
    t = moment.time()
    return dt.time(7, 30) < t <= dt.time(11, 30) or dt.time(13, 30) < t <= dt.time(17, 0)


@PROPERTY
@given(CALENDARS, MOMENTS, WHOLE, st.sampled_from([W, CAL]), st.booleans())
def test_day_appointments_are_working_days_at_office_closing(cal, received, n, unit, cutoff):
    due = appointment(received, Decimal(n), unit, cutoff, cal)

    assert due.tzinfo == LOCAL_TZ
    assert due.time() == OFFICE_CLOSES
    assert cal.is_working_day(due.date())


@PROPERTY
@given(CALENDARS, MOMENTS, TENTHS, st.booleans())
def test_half_day_appointments_end_a_morning_or_an_afternoon(cal, received, time, cutoff):
    due = appointment(received, time, W, cutoff, cal)

    assert due.time() in (MORNING_CLOSES, OFFICE_CLOSES)
    assert cal.is_working_day(due.date())


@PROPERTY
@given(CALENDARS, MOMENTS, st.integers(min_value=1, max_value=200), st.booleans())
def test_hour_appointments_fall_inside_office_hours_of_a_working_day(cal, received, n, cutoff):
    due = appointment(received, Decimal(n) / 4, H, cutoff, cal)

    assert cal.is_working_day(due.date())
    assert _in_office_hours(due)


@PROPERTY
@given(CALENDARS, MOMENTS, TENTHS, UNITS, st.booleans())
def test_the_appointment_is_never_before_receipt(cal, received, time, unit, cutoff):
    assert appointment(received, time, unit, cutoff, cal) >= received


@PROPERTY
@given(CALENDARS, MOMENTS, TENTHS, TENTHS, UNITS, st.booleans())
def test_more_processing_time_is_never_an_earlier_appointment(cal, received, a, b, unit, cutoff):
    shorter, longer = sorted([a, b])

    assert appointment(received, shorter, unit, cutoff, cal) <= appointment(
        received, longer, unit, cutoff, cal
    )


@PROPERTY
@given(CALENDARS, MOMENTS, st.integers(min_value=0, max_value=59), UNITS, st.booleans())
def test_one_more_whole_unit_is_never_earlier(cal, received, n, unit, cutoff):
    assert appointment(received, Decimal(n + 1), unit, cutoff, cal) >= appointment(
        received, Decimal(n), unit, cutoff, cal
    )


@PROPERTY
@given(CALENDARS, MOMENTS, WHOLE, st.booleans())
def test_half_a_day_more_lies_between_whole_days(cal, received, n, cutoff):
    half = appointment(received, Decimal(n) + Decimal("0.5"), W, cutoff, cal)

    assert appointment(received, Decimal(n), W, cutoff, cal) <= half
    assert half <= appointment(received, Decimal(n + 1), W, cutoff, cal)


@PROPERTY
@given(CALENDARS, DATES, WHOLE, WHOLE)
def test_adding_n_then_m_working_days_is_adding_n_plus_m(cal, day, n, m):
    assert cal.add_working_days(cal.add_working_days(day, n), m) == cal.add_working_days(day, n + m)


@PROPERTY
@given(CALENDARS, MOMENTS, st.integers(min_value=1, max_value=60), st.booleans())
def test_n_minus_one_working_days_lie_strictly_between_counted_and_due_day(
    cal, received, n, cutoff
):
    counted = counted_day(received, same_day_cutoff=cutoff, calendar=cal)
    due = appointment(received, Decimal(n), W, cutoff, cal).date()

    between = [
        counted + dt.timedelta(days=i)
        for i in range(1, (due - counted).days)
        if cal.is_working_day(counted + dt.timedelta(days=i))
    ]
    assert cal.is_working_day(counted)
    assert counted < due
    assert len(between) == n - 1


@PROPERTY
@given(CALENDARS, MOMENTS, st.booleans())
def test_zero_working_days_is_due_on_the_counted_day(cal, received, cutoff):
    due = appointment(received, Decimal(0), W, cutoff, cal)

    counted = counted_day(received, same_day_cutoff=cutoff, calendar=cal)
    local = received.astimezone(LOCAL_TZ)
    if counted == local.date() and local.time() > OFFICE_CLOSES:
        assert due.date() == cal.next_working_day(counted)  # never due before the receipt
    else:
        assert due.date() == counted


@PROPERTY
@given(
    CALENDARS,
    MOMENTS,
    TENTHS,
    UNITS,
    st.booleans(),
    MOMENTS,
    st.integers(min_value=0, max_value=30 * 24 * 60),
)
def test_a_pause_never_moves_the_appointment_earlier(
    cal, received, time, unit, cutoff, paused, minutes
):
    due = appointment(received, time, unit, cutoff, cal)
    resumed = paused + dt.timedelta(minutes=minutes)

    moved = paused_appointment(due, paused, resumed, cal, unit=unit)

    assert moved >= due
    if unit != H:
        assert moved.time() == due.time()
        assert cal.is_working_day(moved.date())


@PROPERTY
@given(CALENDARS, MOMENTS, st.integers(min_value=0, max_value=100), st.integers(0, 100))
def test_working_hours_add_up(cal, start, a, b):
    quarter = dt.timedelta(minutes=15)
    once = add_working_time(start, (a + b) * quarter, cal)
    twice = add_working_time(add_working_time(start, a * quarter, cal), b * quarter, cal)

    assert once == twice


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

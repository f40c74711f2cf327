"""Properties of the working-day calendar and appointment dates (dossiers/calendar.py), on the
official calendars and on random ones (hypothesis). The examples are in ``test_calendar.py``.
"""

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from dossiers.calendar import (
    LOCAL_TZ,
    MORNING_CLOSES,
    OFFICE_CLOSES,
    Calendar,
    add_working_time,
    appointment,
    counted_day,
    paused_appointment,
)
from tests.dossiers.calendar_days import CAL, OFFICIAL, UTC, D, H, W

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

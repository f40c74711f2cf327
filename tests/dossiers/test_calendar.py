"""The working-day calendar and appointment dates (DOMAIN.md "Dossier", dossiers/calendar.py).

Every expected date below was read off the official 2026 and 2027 calendars by hand; the code
under test never computes an expectation.

This module: examples on the official calendars. Properties are in
``test_calendar_properties.py``, the database rows in ``test_calendar_db.py``.
"""

import datetime as dt
from decimal import Decimal

import pytest

from dossiers.calendar import (
    LOCAL_TZ,
    Calendar,
    appointment,
    package_calendar_days,
    paused_appointment,
)
from dossiers.models_calendar import CalendarDayKind
from tests.dossiers.calendar_days import (
    CAL,
    DAYS_OFF,
    OFFICIAL,
    UTC,
    WORKING_SATURDAYS,
    D,
    H,
    W,
    at,
)


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

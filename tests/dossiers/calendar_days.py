"""The official 2026 and 2027 calendars written out by hand, for the calendar tests
(``test_calendar*.py``), and short names for dates, moments and time units.
"""

import datetime as dt

from dossiers.calendar import DAYS, HOURS, LOCAL_TZ, WORKING_DAYS, Calendar

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


W, CAL, H = WORKING_DAYS, DAYS, HOURS

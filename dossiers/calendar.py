"""The working-day calendar and the appointment date of a dossier (hẹn trả kết quả).

The rules, from DOMAIN.md "Dossier" (appointment date, counting convention, clock pauses):

* A working day is Monday-Friday, minus public holidays and the weekdays a swap made a day off,
  plus the weekend days a swap made a working day. Only those exceptions are data
  (``CalendarDay`` rows, seeded from the ``holidays`` package, swaps added by administrators);
  :class:`Calendar` is the model-free view of them that every function here takes.
* Times are read in Asia/Ho_Chi_Minh. The office day is 07:30-11:30 and 13:30-17:00.
* Counting convention: a dossier received on a working day (before the 15:00 cut-off, where the
  procedure has one) counts as received that day; one received on a non-working day, or after the
  cut-off, counts as received at the start of the next working day. That day is the *counted day*.
* ``working_days``: due at the end (17:00) of the Nth working day after the counted day
  (received Monday, 3 working days: due Thursday 17:00); 0 working days: due the counted day.
* The appointment is never before the receipt: a same-day result (0 days) for a dossier that
  counts on its receipt day but arrived after 17:00 (possible without the cut-off) is due at
  17:00 of the next working day. With N ≥ 1 the convention above never needs this.
* Fractional working days (the catalogue has one decimal) count in half days. The time is first
  rounded up to a whole number of half days (0.3 → 0.5, 1.7 → 2). A whole number keeps the rules
  above. N and a half days: the office day has two halves (morning until 11:30, afternoon until
  17:00); the dossier counts in the half it was received in (before 11:30: morning; from 11:30:
  afternoon; from 17:00, or counted on the next working day: the next working day's morning) and
  is due at the end of the (2N+1)th half after it. So 0.5 day: received in the morning, due 17:00
  the same day; received in the afternoon, due 11:30 the next working day. The result is never
  earlier than N days' and never later than N+1 days' appointment.
* ``days`` (calendar days): the time is rounded up to whole days and added to the counted day;
  a due day that is not a working day moves to the next working day; due at 17:00 (and, as
  above, 0 days after 17:00 is due the next working day).
* ``hours``: working hours inside the office day on working days, counted from the moment of
  receipt (from 07:30 of the next working day when received on a non-working day or after the
  cut-off; a receipt outside the office hours of a working day starts at the next opening).
  0 hours: due at that moment.
* Clock pauses (a supplement request until the supplement arrives) move the appointment by the
  time that elapsed during the pause, measured in the procedure's own unit: see
  :func:`paused_appointment`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db import transaction

from dossiers.models_calendar import CalendarDay, CalendarDayKind, CalendarDaySource

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SAME_DAY_CUTOFF = dt.time(15, 0)
OFFICE_OPENS = dt.time(7, 30)
MORNING_CLOSES = dt.time(11, 30)
AFTERNOON_OPENS = dt.time(13, 30)
OFFICE_CLOSES = dt.time(17, 0)
OFFICE_PERIODS = ((OFFICE_OPENS, MORNING_CLOSES), (AFTERNOON_OPENS, OFFICE_CLOSES))

# Processing-time units (the values of procedures.models.TimeUnit).
WORKING_DAYS = "working_days"
DAYS = "days"
HOURS = "hours"
UNITS = (WORKING_DAYS, DAYS, HOURS)

# No real calendar goes a year without a working day: beyond that the data is wrong.
MAX_DAYS_WITHOUT_WORK = 366


@dataclass(frozen=True)
class Calendar:
    """Which days are working days: Monday-Friday, with exceptions both ways.

    ``non_working_days``: dates that are not working days (holidays, weekdays made a day off).
    ``working_days``: weekend dates made working days by a swap (weekdays listed there change
    nothing). A date may not be in both.
    """

    non_working_days: frozenset[dt.date] = field(default_factory=frozenset)
    working_days: frozenset[dt.date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "non_working_days", frozenset(self.non_working_days))
        object.__setattr__(self, "working_days", frozenset(self.working_days))
        if both := self.non_working_days & self.working_days:
            raise ValueError(f"Dates both working and non-working: {sorted(both)}")

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[dt.date, str]]) -> Calendar:
        """Build from ``(date, kind)`` pairs as stored in ``CalendarDay``."""
        off: set[dt.date] = set()
        on: set[dt.date] = set()
        for day, kind in rows:
            (on if kind == CalendarDayKind.WORKING_DAY else off).add(day)
        return cls(non_working_days=frozenset(off), working_days=frozenset(on))

    @classmethod
    def load(cls, *, years: Iterable[int] | None = None) -> Calendar:
        """Read the ``CalendarDay`` rows of these years (all rows when None): one query."""
        rows = CalendarDay.objects.all()
        if years is not None:
            rows = rows.filter(date__year__in=sorted(set(years)))
        return cls.from_rows(rows.values_list("date", "kind"))

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.non_working_days:
            return False
        if day.weekday() >= 5:
            return day in self.working_days
        return True

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        for offset in range(1, MAX_DAYS_WITHOUT_WORK + 1):
            candidate = day + dt.timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"No working day in the year after {day.isoformat()}")

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The Nth working day after ``day`` (``day`` itself when n is 0)."""
        if n < 0:
            raise ValueError("n must not be negative")
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def count_working_days(self, after: dt.date, through: dt.date) -> int:
        """How many working days d with ``after`` < d ≤ ``through``."""
        return sum(
            1
            for offset in range(1, (through - after).days + 1)
            if self.is_working_day(after + dt.timedelta(days=offset))
        )


def calendar_for(start: dt.date, end: dt.date | None = None) -> Calendar:
    """The calendar for dates from ``start`` to ``end``, read from the database on each call.

    It holds the rows of the years from ``start`` to ``end`` and of the year after, so that a
    deadline counted from a date in the range and running into the next year sees that year's
    holidays. The table is small: one query. Callers computing many appointments load one
    Calendar and pass it to each call.
    """
    last = (end or start).year + 1
    return Calendar.load(years=range(start.year, last + 1))


# --- appointment ---------------------------------------------------------------------------------


def _local(moment: dt.datetime, name: str) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return moment.astimezone(LOCAL_TZ)


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=LOCAL_TZ)


def _decimal(value: Decimal | int | str) -> Decimal:
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite() or number < 0:
        raise ValueError("processing time must be a finite number, not negative")
    return number


def counts_on_receipt_day(
    received_at: dt.datetime, *, same_day_cutoff: bool, calendar: Calendar
) -> bool:
    """Whether the dossier counts as received on the (local) day it arrived."""
    local = _local(received_at, "received_at")
    if not calendar.is_working_day(local.date()):
        return False
    return not (same_day_cutoff and local.time() > SAME_DAY_CUTOFF)


def counted_day(received_at: dt.datetime, *, same_day_cutoff: bool, calendar: Calendar) -> dt.date:
    """The working day a dossier counts as received on (DOMAIN.md counting convention)."""
    day = _local(received_at, "received_at").date()
    if counts_on_receipt_day(received_at, same_day_cutoff=same_day_cutoff, calendar=calendar):
        return day
    return calendar.next_working_day(day)


def add_working_time(
    moment: dt.datetime, duration: dt.timedelta, calendar: Calendar
) -> dt.datetime:
    """The moment after ``duration`` of office hours on working days, counted from ``moment``.

    A zero duration returns ``moment`` (in local time). Otherwise counting starts at ``moment`` if
    it is inside office hours of a working day, else at the next opening; a period's closing time
    belongs to it, so 4 hours from 07:30 end at 11:30, not 13:30.
    """
    local = _local(moment, "moment")
    if duration <= dt.timedelta(0):
        return local
    remaining = duration
    day = local.date()
    for _ in range(MAX_DAYS_WITHOUT_WORK * 100):
        if calendar.is_working_day(day):
            for opens, closes in OFFICE_PERIODS:
                period_end = _at(day, closes)
                if local >= period_end:
                    continue
                begin = max(local, _at(day, opens))
                available = period_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day = calendar.next_working_day(day)
        local = _at(day, OFFICE_OPENS)
    raise ValueError("working time too long to count")  # pragma: no cover - guard


def working_time_between(start: dt.datetime, end: dt.datetime, calendar: Calendar) -> dt.timedelta:
    """The office hours on working days that lie between ``start`` and ``end``."""
    start, end = _local(start, "start"), _local(end, "end")
    total = dt.timedelta(0)
    day = start.date()
    while day <= end.date():
        if calendar.is_working_day(day):
            for opens, closes in OFFICE_PERIODS:
                overlap = min(end, _at(day, closes)) - max(start, _at(day, opens))
                if overlap > dt.timedelta(0):
                    total += overlap
        day += dt.timedelta(days=1)
    return total


def _hours(value: Decimal) -> dt.timedelta:
    microseconds = (value * 3_600_000_000).to_integral_value(rounding=ROUND_CEILING)
    return dt.timedelta(microseconds=int(microseconds))


def appointment(
    received_at: dt.datetime,
    processing_time: Decimal | int | str,
    unit: str,
    same_day_cutoff: bool,
    calendar: Calendar,
) -> dt.datetime:
    """The appointment for the result, an aware datetime in Asia/Ho_Chi_Minh.

    Follows the module's rules (DOMAIN.md "Dossier", counting convention): the counted day, then
    ``working_days`` (end of the Nth working day after it; half days as described above),
    ``days`` (calendar days, moved to the next working day) or ``hours`` (office hours).
    """
    time = _decimal(processing_time)
    local = _local(received_at, "received_at")
    on_receipt_day = counts_on_receipt_day(
        received_at, same_day_cutoff=same_day_cutoff, calendar=calendar
    )
    day = local.date() if on_receipt_day else calendar.next_working_day(local.date())

    if unit == HOURS:
        start = local if on_receipt_day else _at(day, OFFICE_OPENS)
        return add_working_time(start, _hours(time), calendar)

    if unit == DAYS:
        due = day + dt.timedelta(days=int(time.to_integral_value(rounding=ROUND_CEILING)))
        if not calendar.is_working_day(due):
            due = calendar.next_working_day(due)
        return _not_before(_at(due, OFFICE_CLOSES), local, calendar)

    if unit != WORKING_DAYS:
        raise ValueError(f"Unknown processing-time unit {unit!r}; expected one of {UNITS}")

    halves = int((time * 2).to_integral_value(rounding=ROUND_CEILING))
    whole, half = divmod(halves, 2)
    if not half:
        return _not_before(
            _at(calendar.add_working_days(day, whole), OFFICE_CLOSES), local, calendar
        )
    # Half days of the counted day: 0 = morning, 1 = afternoon, 2 = after closing (the next
    # working day's morning); due at the end of the half that is 2N+1 halves later.
    received_half = 0
    if on_receipt_day and local.time() >= OFFICE_CLOSES:
        received_half = 2
    elif on_receipt_day and local.time() >= MORNING_CLOSES:
        received_half = 1
    days_later, due_half = divmod(received_half + 2 * whole + 1, 2)
    due_time = OFFICE_CLOSES if due_half else MORNING_CLOSES
    return _at(calendar.add_working_days(day, days_later), due_time)


def _not_before(due: dt.datetime, received: dt.datetime, calendar: Calendar) -> dt.datetime:
    """A due moment before the receipt (same day, received after closing) → next working day."""
    if due >= received:
        return due
    return _at(calendar.next_working_day(due.date()), due.time())


def paused_appointment(
    appointment: dt.datetime,
    paused_from: dt.datetime,
    resumed_at: dt.datetime,
    calendar: Calendar,
    *,
    unit: str = WORKING_DAYS,
) -> dt.datetime:
    """The appointment moved by a clock pause (DOMAIN.md: supplement requested until supplied).

    The pause is measured in the procedure's unit and the appointment moves by that much, keeping
    its time of day:

    * ``working_days``: the working days after the day of the request up to and including the day
      the supplement arrived (requested Monday, supplied Wednesday: 2; supplied the same day, or
      requested Friday and supplied on Saturday: 0). The appointment moves that many working days.
    * ``days``: the calendar days between those two dates; a new due day that is not a working day
      moves to the next working day.
    * ``hours``: the office hours that elapsed during the pause, added to the appointment as in
      :func:`add_working_time`.

    A pause never moves the appointment earlier; a zero pause leaves it unchanged.
    """
    due = _local(appointment, "appointment")
    start = _local(paused_from, "paused_from")
    end = _local(resumed_at, "resumed_at")
    if end < start:
        raise ValueError("resumed_at is before paused_from")

    if unit == HOURS:
        return add_working_time(due, working_time_between(start, end, calendar), calendar)
    if unit == DAYS:
        lost = (end.date() - start.date()).days
        if not lost:
            return due
        day = due.date() + dt.timedelta(days=lost)
        if not calendar.is_working_day(day):
            day = calendar.next_working_day(day)
        return _at(day, due.time())
    if unit != WORKING_DAYS:
        raise ValueError(f"Unknown processing-time unit {unit!r}; expected one of {UNITS}")
    lost = calendar.count_working_days(start.date(), end.date())
    if not lost:
        return due
    return _at(calendar.add_working_days(due.date(), lost), due.time())


# --- seeding from the holidays package -----------------------------------------------------------


class PackageDay(NamedTuple):
    date: dt.date
    kind: str
    name: str


def package_calendar_days(years: Iterable[int]) -> list[PackageDay]:
    """The exceptions ``holidays.VN`` knows for these years, with Vietnamese names, by date.

    Holidays and their observed days are ``holiday``; a weekday given as a day off in exchange for
    a working weekend day (the package's "substituted" days) is ``day_off``; that weekend day,
    which the package lists in ``weekend_workdays``, is ``working_day``. The neighbouring years
    are read too, so a swap across New Year is found from either side; only dates in the given
    years are returned.
    """
    import holidays

    wanted = sorted(set(years))
    if not wanted:
        return []
    vn = holidays.VN(years=range(wanted[0] - 1, wanted[-1] + 2), language="vi")
    substituted = vn.tr(vn.substituted_label).split("%s")[0]
    date_format = vn.tr(vn.substituted_date_format)
    days: dict[dt.date, PackageDay] = {}
    swapped_for: dict[dt.date, dt.date] = {}  # working weekend day -> the weekday given off
    for day, name in vn.items():
        swaps = [part for part in name.split("; ") if part.startswith(substituted)]
        for workday in vn.weekend_workdays:
            if any(workday.strftime(date_format) in part for part in swaps):
                swapped_for[workday] = day
        if day.year not in wanted:
            continue
        kind = CalendarDayKind.DAY_OFF if swaps and day.weekday() < 5 else CalendarDayKind.HOLIDAY
        days[day] = PackageDay(day, str(kind), name[:200])
    for day in vn.weekend_workdays:
        if day.year in wanted and day.weekday() >= 5 and day not in days:
            name = "Ngày làm việc bù"
            if day in swapped_for:
                name += f" (cho ngày nghỉ {swapped_for[day].strftime(date_format)})"
            days[day] = PackageDay(day, str(CalendarDayKind.WORKING_DAY), name)
    return sorted(days.values())


@dataclass
class SeedReport:
    created: list[dt.date] = field(default_factory=list)
    updated: list[dt.date] = field(default_factory=list)
    removed: list[dt.date] = field(default_factory=list)
    kept_administrator: list[dt.date] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)


def calendar_days_seed(*, years: Iterable[int], model=None) -> SeedReport:
    """(Re)seed the package's exceptions for these years, in one transaction; idempotent.

    Rows an administrator entered (or changed) are never touched, even on a package date. Rows
    the package seeded earlier are updated to the package's current kind and name, and removed
    when the package no longer lists their date. ``model`` is ``CalendarDay`` or, in a data
    migration, its historical version.
    """
    model = model or CalendarDay
    wanted_years = sorted(set(years))
    report = SeedReport()
    package = {day.date: day for day in package_calendar_days(wanted_years)}
    with transaction.atomic():
        existing = {
            row.date: row
            for row in model.objects.select_for_update().filter(date__year__in=wanted_years)
        }
        for day, entry in package.items():
            row = existing.get(day)
            if row is None:
                model.objects.create(
                    date=day,
                    kind=entry.kind,
                    name=entry.name,
                    source=CalendarDaySource.HOLIDAYS_PACKAGE,
                )
                report.created.append(day)
            elif row.source != CalendarDaySource.HOLIDAYS_PACKAGE:
                report.kept_administrator.append(day)
            elif (row.kind, row.name) != (entry.kind, entry.name):
                row.kind, row.name = entry.kind, entry.name
                row.save(update_fields=["kind", "name"])
                report.updated.append(day)
            else:
                report.unchanged += 1
        stale = [
            day
            for day, row in existing.items()
            if row.source == CalendarDaySource.HOLIDAYS_PACKAGE and day not in package
        ]
        if stale:
            model.objects.filter(date__in=stale).delete()
            report.removed.extend(sorted(stale))
    return report

"""``bench.generate``: time, the working-day calendar as flat lists in epoch seconds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bench.generator.common import (
    AFTERNOON_OPENS,
    CLOSES,
    DAY,
    MORNING_CLOSES,
    OPENS,
    TZ,
)
from dossiers.calendar import HOURS, Calendar, appointment, paused_appointment

# --- time -------------------------------------------------------------------------------------

EPOCH = dt.date(1970, 1, 1).toordinal()
HMS = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]
CUTOFF = 15 * 3600
# Receipt times that give the same appointment for day-counted procedures (dossiers.calendar:
# the 11:30 half-day split, the 15:00 cut-off, 17:00 closing), with a representative of each.
BUCKET_TIMES = (32400, 50400, 57600, CLOSES, 64800)


def _bucket(seconds: int) -> int:
    if seconds < MORNING_CLOSES:
        return 0
    if seconds <= CUTOFF:
        return 1
    if seconds < CLOSES:
        return 2
    return 3 if seconds == CLOSES else 4


def _aware(t: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, dt.UTC)


class _Clock:
    """The working-day calendar as flat lists over the period, for per-dossier arithmetic in
    epoch seconds; appointments themselves come from ``dossiers.calendar``, memoised."""

    def __init__(self, first: dt.date, last: dt.date, legal: list[tuple[Decimal, str, bool]]):
        self.calendar = Calendar.load(years=range(first.year, last.year + 1))
        self.day0 = first.toordinal() - EPOCH
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        self.working = [self.calendar.is_working_day(day) for day in days]
        self.next_working = [0] * len(days)
        following = len(days)
        for i in range(len(days) - 1, -1, -1):
            self.next_working[i] = following
            if self.working[i]:
                following = i
        self.dates = [day.isoformat() for day in days]
        self.yymmdd = [day.strftime("%y%m%d") for day in days]
        self.legal = legal
        self.memo: dict[tuple[int, int, int], int] = {}

    def ts(self, t: int | None) -> str:
        """COPY text of a UTC epoch second."""
        if t is None:
            return r"\N"
        day, seconds = divmod(t, DAY)
        return f"{self.dates[day - self.day0]} {HMS[seconds]}+00"

    def office(self, t: int, jitter: int) -> int:
        """``t`` if the one-stop desk is open then, else its next opening plus ``jitter`` s."""
        day, seconds = divmod(t + TZ, DAY)
        i = day - self.day0
        if self.working[i]:
            if seconds < OPENS:
                return t - seconds + OPENS + jitter
            if seconds < MORNING_CLOSES:
                return t
            if seconds < AFTERNOON_OPENS:
                return t - seconds + AFTERNOON_OPENS + jitter
            if seconds < CLOSES:
                return t
        return (self.day0 + self.next_working[i]) * DAY - TZ + OPENS + jitter

    def appointment(self, received: int, legal: int) -> int:
        """The appointment of a dossier received at ``received`` under legal time ``legal``."""
        time_, unit, cutoff = self.legal[legal]
        if unit == HOURS:  # counted to the minute of receipt: nothing to share
            return int(
                appointment(_aware(received), time_, unit, cutoff, self.calendar).timestamp()
            )
        day, seconds = divmod(received + TZ, DAY)
        bucket = _bucket(seconds)
        key = (legal, day, bucket)
        moment = day * DAY - TZ + BUCKET_TIMES[bucket]
        due = self.memo.get(key)
        if due is None:
            due = int(appointment(_aware(moment), time_, unit, cutoff, self.calendar).timestamp())
            self.memo[key] = due
        return due

    def paused(self, due: int, start: int, end: int, legal: int) -> int:
        """The appointment moved by a supplement pause from ``start`` to ``end``."""
        unit = self.legal[legal][1]
        moved = paused_appointment(
            _aware(due), _aware(start), _aware(end), self.calendar, unit=unit
        )
        return int(moved.timestamp())

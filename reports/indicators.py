"""Every formula of the reports, in one place, over plain facts (no database here).

Sources: Decision 766/QĐ-TTg (23 Jun 2023) on the set of indicators that direct, run and
assess the quality of services to citizens and businesses (the national service index), and
DOMAIN.md ("Dossier": the on-time rule and clock pauses; "Service index": groups, points,
thresholds; the operational on-time rate provinces use). The points and thresholds are not
here: they are effective-dated rows of ``IndexWeight`` (see :data:`DEFAULT_WEIGHTS` for the
table they were seeded from).

Choices made where the sources leave room (each is repeated on its function):

* **Deadline** of the national rule: the appointment given at reception, moved by the time the
  clock stood still for supplements (DOMAIN.md "clock pauses"), but *not* by apology-and-
  extension (form 04): "the original appointment is kept" and the index counts against it.
* **Early / on time / late**: late iff end of processing > deadline; early iff it ended on a
  calendar day (Asia/Ho_Chi_Minh) before the deadline's day; on time otherwise (same day, not
  after the deadline's time).
* **More than one supplement request** makes a dossier late whatever its dates.
* **Open dossiers**: late once the deadline has passed (unless the clock is paused awaiting a
  supplement); else "in progress" (counted with the on-time ones for processing progress).
* **Population** of a period: dossiers *received* in it (local month of ``received_at``).
  Dossiers never received (awaiting reception, refused or withdrawn at the desk) are outside
  every rate.
* Rates are percentages rounded to 2 decimals; a score is ``points x rate / 100`` (2 decimals),
  or all the points once the rate reaches the indicator's ``full_at``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from dossiers.models import Channel, Status
from reports.models import Klass

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
OPEN = (
    Status.SUBMITTED,
    Status.RECEIVED,
    Status.IN_PROCESSING,
    Status.SUPPLEMENT_REQUESTED,
    Status.FINANCIAL_OBLIGATION,
)
ENDING = (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class DossierFacts:
    """What the indicators need to know of one dossier (built by ``reports.rollups``)."""

    status: int
    channel: int
    received_at: dt.datetime | None
    appointment_at: dt.datetime | None = None
    original_appointment_at: dt.datetime | None = None
    # End of processing (see :func:`end_of_processing`); None while processing goes on.
    end_at: dt.datetime | None = None
    # How far each completed supplement moved the appointment (new - old).
    supplement_shifts: tuple[dt.timedelta, ...] = ()
    supplements: int = 0
    # A supplement is awaited now: the clock stands still.
    paused: bool = False
    eligible: bool = False  # its procedure is eligible for full-process online service
    result_delivery: str = ""
    docs_total: int = 0
    docs_digitised: int = 0
    docs_reused: int = 0
    store_used: bool = False
    with_result: bool = False
    result_electronic: bool = False
    vneid: bool = False
    rating: str = ""
    with_fee: bool = False
    paid_online: bool = False
    synced: bool = False


# --- The on-time rule (DOMAIN.md "Dossier") -----------------------------------------------------


def end_of_processing(transitions: Iterable[tuple[int | None, dt.datetime]]) -> dt.datetime | None:
    """End of processing from a dossier's events ``(new_status, at)``: the first time it
    reached result ready (9), else result returned (10), else stopped / refused / withdrawn
    (8, 3, 7). DOMAIN.md: "End of processing = the first of: result ready (9), else result
    returned (10), else stopped / refused / withdrawn". Order of arrival does not matter (a
    late event with an earlier time counts by its time)."""
    firsts: dict[int, dt.datetime] = {}
    for status, at in transitions:
        if status is None:
            continue
        if status not in firsts or at < firsts[status]:
            firsts[status] = at
    for wanted in (Status.RESULT_READY, Status.RETURNED):
        if wanted in firsts:
            return firsts[wanted]
    ends = [firsts[s] for s in ENDING if s in firsts]
    return min(ends) if ends else None


def deadline(facts: DossierFacts) -> dt.datetime | None:
    """The deadline the national index counts against: the original appointment plus the time
    supplements paused the clock (DOMAIN.md: clock pauses; form 04 keeps the original
    appointment). Falls back to the current appointment when no original is recorded."""
    if facts.original_appointment_at is None:
        return facts.appointment_at
    return facts.original_appointment_at + sum(facts.supplement_shifts, dt.timedelta())


def classify(facts: DossierFacts, now: dt.datetime) -> str:
    """The dossier's class under the national rule (Decision 766, processing progress):
    early / on time / late when processing has ended, in progress or in progress overdue when
    not. More than one supplement request → late. See the module docstring for early."""
    if facts.received_at is None:
        return Klass.NOT_RECEIVED
    due = deadline(facts)
    if facts.end_at is None and facts.status in OPEN:
        if facts.supplements > 1:
            return Klass.IN_PROGRESS_LATE
        if due is not None and not facts.paused and now > due:
            return Klass.IN_PROGRESS_LATE
        return Klass.IN_PROGRESS
    if facts.supplements > 1:
        return Klass.LATE
    end = facts.end_at or now
    if due is None or facts.paused:
        return Klass.ON_TIME
    if end > due:
        return Klass.LATE
    if end.astimezone(ZONE).date() < due.astimezone(ZONE).date():
        return Klass.EARLY
    return Klass.ON_TIME


def is_on_time(facts: DossierFacts, now: dt.datetime) -> bool | None:
    """DOMAIN.md: "On time iff end of processing ≤ appointment date" (early counts on time; an
    open dossier is on time until its deadline passes). None for a dossier never received."""
    klass = classify(facts, now)
    if klass == Klass.NOT_RECEIVED:
        return None
    return klass in (Klass.EARLY, Klass.ON_TIME, Klass.IN_PROGRESS)


def late_since(facts: DossierFacts, now: dt.datetime) -> dt.datetime | None:
    """When the deadline passed unmet (for the operational late rate, which is about time
    only, not the supplement-count rule): the deadline, if processing ended after it or is
    still going on past it (clock not paused); else None."""
    due = deadline(facts)
    if facts.received_at is None or due is None or facts.paused:
        return None
    end = facts.end_at if facts.end_at is not None else (None if facts.status in OPEN else now)
    if end is None:
        return due if now > due else None
    return due if end > due else None


def is_full_process(facts: DossierFacts) -> bool:
    """Full-process online (toàn trình, Decree 42/2022): submitted online for a procedure
    eligible for it, with the result returned online or by post."""
    return (
        facts.channel == Channel.ONLINE
        and facts.eligible
        and facts.result_delivery in ("online", "post")
    )


# --- Rates and scores ---------------------------------------------------------------------------


def rate(numerator: int, denominator: int) -> Decimal | None:
    """A percentage rounded to 2 decimals (DOMAIN.md: "rates to 2 decimals"); None without a
    denominator."""
    if not denominator:
        return None
    return (HUNDRED * numerator / Decimal(denominator)).quantize(CENT, ROUND_HALF_UP)


def score(points: Decimal, value: Decimal | None, full_at: Decimal | None = None) -> Decimal | None:
    """DOMAIN.md: "Score = max x rate unless a threshold gives full points earlier"."""
    if value is None:
        return None
    if value >= (full_at if full_at is not None else HUNDRED):
        return Decimal(points).quantize(CENT)
    return (Decimal(points) * value / HUNDRED).quantize(CENT, ROUND_HALF_UP)


def needed_for_full(numerator: int, denominator: int, full_at: Decimal | None) -> int:
    """How many more dossiers must count in the numerator (the denominator unchanged) for the
    rate to reach ``full_at`` (100% when None): ceil(target x denominator) - numerator."""
    if not denominator:
        return 0
    target = (full_at if full_at is not None else HUNDRED) / HUNDRED
    return max(0, math.ceil(target * denominator) - numerator)


def operational_on_time_rate(
    *, received: int, carried_over: int, late_resolved: int, late_in_progress: int
) -> Decimal | None:
    """The operational rate provinces use (DOMAIN.md "Service index", last paragraph):
    late rate = (late in progress + late resolved) / (received this period + carried over);
    on-time rate = 100% - late rate."""
    late = rate(late_resolved + late_in_progress, received + carried_over)
    return None if late is None else HUNDRED - late


# --- The index (Decision 766/QĐ-TTg, DOMAIN.md table) -------------------------------------------

GROUPS = (
    ("transparency", "Transparency"),
    ("progress", "Processing progress"),
    ("online", "Online services"),
    ("digitisation", "Digitisation"),
    ("satisfaction", "Satisfaction"),
    ("payment", "Online payment"),
)

# (group, indicator, points, full_at %): DOMAIN.md's "current dashboard weights, 100 points".
# The migration seeds ``IndexWeight`` from a frozen copy; reports read the table, not this.
DEFAULT_WEIGHTS = (
    ("transparency", "published_on_time", 6, None),
    ("transparency", "made_public_on_time", 4, None),
    ("transparency", "published_complete", 2, None),
    ("transparency", "synced", 6, None),
    ("progress", "progress", 20, None),
    ("online", "full_process", 12, None),
    ("digitisation", "result_electronic", 6, None),
    ("digitisation", "components_digitised", 4, 80),
    ("digitisation", "certified_copies", 2, None),
    ("digitisation", "reused_data", 2, 80),
    ("digitisation", "data_store", 4, None),
    ("digitisation", "population_data_dossiers", 2, None),
    ("digitisation", "population_data_procedures", 2, None),
    ("satisfaction", "feedback_on_time", 6, None),
    ("satisfaction", "feedback_satisfaction", 6, None),
    ("satisfaction", "dossier_satisfaction", 6, 90),
    ("payment", "online_payment", 10, None),
)


def _ratio(num: str, den: str):
    return lambda t: (t.get(num, 0), t.get(den, 0))


# How each indicator's numerator and denominator come from a group's totals (the counters of
# ``PeriodRollup``). Indicators this portal holds no data for (publication of procedures,
# certified copies, feedback) are absent: they are reported as "no data", never as zero.
RATIOS = {
    # Transparency: dossiers synced to the national portal / dossiers received.
    "synced": _ratio("synced", "received"),
    # Processing progress: resolved or in progress early/on time / received and processed.
    "progress": lambda t: (
        t.get("early", 0) + t.get("on_time", 0) + t.get("in_progress", 0),
        t.get("received", 0),
    ),
    # Online services: full-process dossiers / dossiers of procedures eligible for it.
    "full_process": _ratio("full_process", "eligible"),
    # Digitisation: electronic results / dossiers with a result; digitised and reused
    # documents / documents submitted; dossiers using the national data store or population
    # data (VNeID-verified) / dossiers; procedures with population data / procedures.
    "result_electronic": _ratio("result_electronic", "with_result"),
    "components_digitised": _ratio("docs_digitised", "docs_total"),
    "reused_data": _ratio("docs_reused", "docs_total"),
    "data_store": _ratio("store_used", "received"),
    "population_data_dossiers": _ratio("vneid", "received"),
    "population_data_procedures": _ratio("procedures_vneid", "procedures"),
    # Online payment: dossiers paid online / dossiers with fees.
    "online_payment": _ratio("paid_online", "with_fee"),
}


def dossier_satisfaction(totals: Mapping[str, int]) -> tuple[Decimal | None, int, int]:
    """Decision 766 satisfaction indicator: 100% - (overdue rate + dissatisfied rate), both
    over the dossiers received in the period; overdue = late + in progress overdue. Returns
    (rate, bad dossiers, received); the rate is never below 0."""
    received = totals.get("received", 0)
    bad = totals.get("late", 0) + totals.get("in_progress_late", 0) + totals.get("dissatisfied", 0)
    if not received:
        return None, bad, received
    overdue = rate(totals.get("late", 0) + totals.get("in_progress_late", 0), received)
    dissatisfied = rate(totals.get("dissatisfied", 0), received)
    return max(Decimal(0), HUNDRED - overdue - dissatisfied), bad, received


@dataclass(frozen=True)
class Weight:
    group: str
    indicator: str
    points: Decimal
    full_at: Decimal | None = None


@dataclass
class IndicatorScore:
    group: str
    indicator: str
    points: Decimal
    full_at: Decimal | None
    numerator: int | None
    denominator: int | None
    rate: Decimal | None
    score: Decimal | None
    # What it takes to reach full points: more dossiers in the numerator (or, for dossier
    # satisfaction, fewer overdue or dissatisfied dossiers).
    needed: int = 0
    has_data: bool = True

    @property
    def missing_points(self) -> Decimal:
        return self.points - (self.score or Decimal(0)) if self.has_data else Decimal(0)


@dataclass
class GroupScore:
    group: str
    points: Decimal
    score: Decimal
    indicators: list[IndicatorScore] = field(default_factory=list)

    @property
    def scored_points(self) -> Decimal:
        """The points of the indicators with data (the others cannot be scored here)."""
        return sum((i.points for i in self.indicators if i.has_data), Decimal(0))


def indicator_score(weight: Weight, totals: Mapping[str, int]) -> IndicatorScore:
    """One indicator's rate, score and what it takes to reach full points."""
    full_at = weight.full_at
    if weight.indicator == "dossier_satisfaction":
        value, bad, received = dossier_satisfaction(totals)
        allowed = math.floor((HUNDRED - (full_at or HUNDRED)) / HUNDRED * received)
        return IndicatorScore(
            weight.group,
            weight.indicator,
            weight.points,
            full_at,
            received - bad if received else None,
            received or None,
            value,
            score(weight.points, value, full_at),
            needed=max(0, bad - allowed),
            has_data=value is not None,
        )
    ratio = RATIOS.get(weight.indicator)
    if ratio is None:
        return IndicatorScore(
            weight.group, weight.indicator, weight.points, full_at, None, None, None, None,
            has_data=False,
        )  # fmt: skip
    numerator, denominator = ratio(totals)
    value = rate(numerator, denominator)
    return IndicatorScore(
        weight.group,
        weight.indicator,
        weight.points,
        full_at,
        numerator,
        denominator,
        value,
        score(weight.points, value, full_at),
        needed=needed_for_full(numerator, denominator, full_at),
        has_data=value is not None,
    )


def index_scores(weights: Iterable[Weight], totals: Mapping[str, int]) -> list[GroupScore]:
    """The index per group for one set of totals: each indicator scored, groups summed.

    DOMAIN.md: ≥ 90 excellent, < 50 weak (see :func:`grade`)."""
    groups: dict[str, GroupScore] = {}
    for weight in weights:
        item = indicator_score(weight, totals)
        group = groups.setdefault(weight.group, GroupScore(weight.group, Decimal(0), Decimal(0)))
        group.points += weight.points
        group.score += item.score or Decimal(0)
        group.indicators.append(item)
    order = [g for g, _label in GROUPS]
    return sorted(groups.values(), key=lambda g: order.index(g.group) if g.group in order else 99)


def grade(total: Decimal) -> str:
    """DOMAIN.md: "≥ 90 excellent, < 50 weak"."""
    if total >= 90:
        return "excellent"
    if total < 50:
        return "weak"
    return "fair"

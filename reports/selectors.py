"""Read paths of the reports: indicators per group and period, the index, rankings, drill-down.

A period is cut into whole months, read from ``PeriodRollup`` (a province's year is at most
agencies x procedures x 12 rows), and the partial months at its ends, read from
``DossierRollup`` through its (province, received_at) and (agency, received_at) indexes.
Who sees what is :func:`report_scope`, used by the API and the pages alike (it and the periods
live in ``reports.scope``, re-exported here).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from dossiers.models import Dossier
from reports import indicators
from reports.models import DossierRollup, IndexWeight, Klass, PeriodRollup
from reports.rollups import COUNTERS
from reports.scope import (
    Period,
    Scope,
    _next_month,
    _start,
    report_scope,  # noqa: F401 - re-exported: the API and pages call it here
)
from units.models import Unit, UnitLevel

GROUP_BY = {
    "agency": ("agency_id", "agency__name"),
    "commune": ("unit_id", "unit__name"),
    "province": ("province_id", "province__name"),
    "procedure": ("procedure_id", "procedure__name"),
    "field": ("field_id", "field__name"),
}
RECEIVED_ANCHORED = [c for c in COUNTERS if c not in ("ended", "ended_late", "became_late")]


# --- Totals -------------------------------------------------------------------------------------


def _received_aggregates() -> dict:
    flags = ("eligible", "full_process", "store_used", "with_result", "result_electronic",
             "vneid", "with_fee", "paid_online", "synced")  # fmt: skip
    out = {
        "received": Count("pk"),
        "multi_supplement": Count("pk", filter=Q(supplements__gt=1)),
        "online": Count("pk", filter=Q(channel=2)),
        "docs_total": Sum("docs_total"),
        "docs_digitised": Sum("docs_digitised"),
        "docs_reused": Sum("docs_reused"),
        "rated": Count("pk", filter=~Q(rating="")),
        "dissatisfied": Count("pk", filter=Q(rating="dissatisfied")),
    }
    for klass in (Klass.EARLY, Klass.ON_TIME, Klass.LATE, Klass.IN_PROGRESS,
                  Klass.IN_PROGRESS_LATE):  # fmt: skip
        out[str(klass)] = Count("pk", filter=Q(klass=klass))
    for flag in flags:
        out[flag] = Count("pk", filter=Q(**{flag: True}))
    return out


def _add(into: dict, key_name: str, rows) -> None:
    for row in rows:
        key = row.pop(key_name)
        counter = into.setdefault(key, Counter())
        for name, value in row.items():
            counter[name] += value or 0


def totals(scope: Scope, period: Period, group_by: str | None = None) -> dict:
    """The counters of ``COUNTERS`` per group (or one group ``None``) over ``period``."""
    key = GROUP_BY[group_by][0] if group_by else None
    key_name = key or "_all"
    out: dict = {}
    whole, pieces = period.split()

    if whole:
        qs = PeriodRollup.objects.filter(scope.filter(), month__gte=whole[0], month__lte=whole[1])
        rows = (
            qs.values(key).annotate(**{c: Sum(c) for c in COUNTERS})
            if key
            else [qs.aggregate(**{c: Sum(c) for c in COUNTERS}) | {"_all": None}]
        )
        _add(out, key_name, rows)
    for start, end in pieces:
        base = DossierRollup.objects.filter(scope.filter())
        for extra, aggregates in (
            (Q(received_at__gte=start, received_at__lt=end), _received_aggregates()),
            (
                Q(received_at__isnull=False, end_at__gte=start, end_at__lt=end),
                {
                    "ended": Count("pk"),
                    "ended_late": Count("pk", filter=Q(late_since__isnull=False)),
                },
            ),
            (Q(late_since__gte=start, late_since__lt=end), {"became_late": Count("pk")}),
        ):
            qs = base.filter(extra)
            rows = (
                qs.values(key).annotate(**aggregates)
                if key
                else [qs.aggregate(**aggregates) | {"_all": None}]
            )
            _add(out, key_name, rows)
    return out if key else {None: out.get(None, Counter())}


def _procedure_counts(scope: Scope, period: Period, group_by: str | None) -> dict:
    """Per group: procedures with dossiers, and those with population data (VNeID)."""
    key = GROUP_BY[group_by][0] if group_by else None
    whole, pieces = period.split()
    seen: dict = defaultdict(lambda: [set(), set()])
    if whole:
        qs = PeriodRollup.objects.filter(
            scope.filter(), month__gte=whole[0], month__lte=whole[1], received__gt=0
        )
        fields = [key, "procedure_id"] if key else ["procedure_id"]
        for row in qs.values(*fields).annotate(v=Sum("vneid")):
            entry = seen[row[key] if key else None]
            entry[0].add(row["procedure_id"])
            if row["v"]:
                entry[1].add(row["procedure_id"])
    for start, end in pieces:
        qs = DossierRollup.objects.filter(
            scope.filter(), received_at__gte=start, received_at__lt=end
        )
        fields = [key, "procedure_id", "vneid"] if key else ["procedure_id", "vneid"]
        for row in qs.values(*fields).distinct():
            entry = seen[row[key] if key else None]
            entry[0].add(row["procedure_id"])
            if row["vneid"]:
                entry[1].add(row["procedure_id"])
    return {k: (len(v[0]), len(v[1])) for k, v in seen.items()}


def _cumulative(scope: Scope, before: dt.date, group_by: str | None) -> dict:
    """``received``, ``ended``, ``ended_late``, ``became_late`` of everything before a day."""
    key = GROUP_BY[group_by][0] if group_by else None
    wanted = ("received", "ended", "ended_late", "became_late")
    out: dict = {}
    qs = PeriodRollup.objects.filter(scope.filter(), month__lt=before.replace(day=1))
    rows = (
        qs.values(key).annotate(**{c: Sum(c) for c in wanted})
        if key
        else [qs.aggregate(**{c: Sum(c) for c in wanted}) | {"_all": None}]
    )
    _add(out, key or "_all", rows)
    if before.day != 1:
        piece = Period(before.replace(day=1), before - dt.timedelta(days=1))
        for k, counter in totals(scope, piece, group_by).items():
            out.setdefault(k, Counter()).update({c: counter.get(c, 0) for c in wanted})
    return out


@dataclass
class Row:
    key: object
    label: str
    totals: Counter
    rates: dict = field(default_factory=dict)
    operational: dict = field(default_factory=dict)
    index: list = field(default_factory=list)
    index_total: Decimal = Decimal(0)
    rank: int | None = None


def _labels(group_by: str | None, keys) -> dict:
    if not group_by:
        return {None: ""}
    from procedures.models import Field, Procedure
    from units.models import Agency

    model, name = {
        "agency": (Agency, "name"),
        "commune": (Unit, "name"),
        "province": (Unit, "name"),
        "procedure": (Procedure, "name"),
        "field": (Field, "name"),
    }[group_by]
    return dict(model.objects.filter(pk__in=list(keys)).values_list("pk", name))


def weights_for(day: dt.date) -> list[indicators.Weight]:
    """The index weights in force on ``day`` (effective-dated ``IndexWeight`` rows)."""
    rows = IndexWeight.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day), valid_from__lte=day
    ).order_by("group", "indicator", "-valid_from")
    seen, out = set(), []
    for w in rows:
        if w.indicator in seen:
            continue
        seen.add(w.indicator)
        out.append(indicators.Weight(w.group, w.indicator, w.points, w.full_at))
    return out


def report(scope: Scope, period: Period, group_by: str | None = None) -> list[Row]:
    """Indicators per group over ``period``: counts, rates, the operational on-time rate and
    the index score per group with what it takes to reach full points."""
    sums = totals(scope, period, group_by)
    procedures = _procedure_counts(scope, period, group_by)
    before = _cumulative(scope, period.first, group_by)
    through = _cumulative(scope, period.last + dt.timedelta(days=1), group_by)
    labels = _labels(group_by, sums.keys())
    weights = weights_for(min(period.last, dt.date.today()))
    rows = []
    for key, counter in sums.items():
        counter["procedures"], counter["procedures_vneid"] = procedures.get(key, (0, 0))
        b, t = before.get(key, Counter()), through.get(key, Counter())
        carried = b.get("received", 0) - b.get("ended", 0)
        late_in_progress = t.get("became_late", 0) - t.get("ended_late", 0)
        operational = {
            "received": counter.get("received", 0),
            "carried_over": carried,
            "late_resolved": counter.get("ended_late", 0),
            "late_in_progress": late_in_progress,
            "on_time_rate": indicators.operational_on_time_rate(
                received=counter.get("received", 0),
                carried_over=carried,
                late_resolved=counter.get("ended_late", 0),
                late_in_progress=late_in_progress,
            ),
        }
        index = indicators.index_scores(weights, counter)
        rates = {
            "on_time": indicators.rate(
                counter["early"] + counter["on_time"] + counter["in_progress"], counter["received"]
            ),
            "online": indicators.rate(counter["online"], counter["received"]),
            "full_process": indicators.rate(counter["full_process"], counter["eligible"]),
            "digitised": indicators.rate(counter["docs_digitised"], counter["docs_total"]),
            "satisfaction": indicators.dossier_satisfaction(counter)[0],
            "paid_online": indicators.rate(counter["paid_online"], counter["with_fee"]),
            "synced": indicators.rate(counter["synced"], counter["received"]),
        }
        rows.append(
            Row(
                key=key,
                label=labels.get(key, str(key or "")),
                totals=counter,
                rates=rates,
                operational=operational,
                index=index,
                index_total=sum((g.score for g in index), Decimal(0)),
            )
        )
    return rows


def ranking(scope: Scope, period: Period, level: str = "commune") -> list[Row]:
    """Communes or agencies ranked by their index score (ties share a rank)."""
    rows = sorted(report(scope, period, level), key=lambda r: (-r.index_total, r.label))
    rank, previous = 0, None
    for position, row in enumerate(rows, start=1):
        if row.index_total != previous:
            rank, previous = position, row.index_total
        row.rank = rank
    return rows


# --- Drill-down -------------------------------------------------------------------------------

DRILL = {
    "received": Q(),
    "early": Q(klass=Klass.EARLY),
    "on_time": Q(klass=Klass.ON_TIME),
    "late": Q(klass=Klass.LATE),
    "in_progress": Q(klass=Klass.IN_PROGRESS),
    "in_progress_late": Q(klass=Klass.IN_PROGRESS_LATE),
    "overdue": Q(klass__in=(Klass.LATE, Klass.IN_PROGRESS_LATE)),
    "multi_supplement": Q(supplements__gt=1),
    "online": Q(channel=2),
    "eligible": Q(eligible=True),
    "full_process": Q(full_process=True),
    "not_full_process": Q(eligible=True, full_process=False),
    "store_used": Q(store_used=True),
    "with_result": Q(with_result=True),
    "result_electronic": Q(result_electronic=True),
    "vneid": Q(vneid=True),
    "rated": ~Q(rating=""),
    "dissatisfied": Q(rating="dissatisfied"),
    "with_fee": Q(with_fee=True),
    "paid_online": Q(paid_online=True),
    "not_paid_online": Q(with_fee=True, paid_online=False),
    "synced": Q(synced=True),
    "not_synced": Q(synced=False),
}


def dossiers_behind(
    user, scope: Scope, period: Period, indicator: str, filters: dict | None = None
) -> QuerySet[Dossier]:
    """The dossiers behind a number: received in ``period``, in ``scope``, matching the
    indicator (and group filters such as ``agency_id``). Non-administrators see only what
    ``dossier_visible_to`` lets them see."""
    from dossiers.selectors import dossier_visible_to

    if indicator not in DRILL:
        raise KeyError(indicator)
    end = _start(period.last + dt.timedelta(days=1))
    rollup = DossierRollup.objects.filter(
        scope.filter(), DRILL[indicator], received_at__gte=_start(period.first), received_at__lt=end
    ).filter(**(filters or {}))
    base = Dossier.objects.all() if scope.admin else dossier_visible_to(user)
    return (
        base.filter(pk__in=rollup.values("dossier_id"))
        .select_related("procedure", "agency")
        .order_by("received_at", "id")
    )


def public_scope(province: str) -> Scope:
    """The published statistics: a province's aggregates, open to anyone."""
    if not Unit.objects.filter(code=province, level=UnitLevel.PROVINCE).exists():
        raise Http404("unknown province")
    return Scope(province=province)


# --- Monthly trend ------------------------------------------------------------------------------


def monthly(scope: Scope, period: Period) -> list[dict]:
    """Received and on-time (early, on time, in progress on time) per month that ``period``
    touches, whole months, from ``PeriodRollup`` only: one grouped read of at most agencies x
    procedures x months rows, cheap enough for every page load. Months without a dossier are
    there with zeros, so a chart shows the gap."""
    first, last = period.first.replace(day=1), period.last.replace(day=1)
    found = {
        row["month"]: row
        for row in PeriodRollup.objects.filter(scope.filter(), month__gte=first, month__lte=last)
        .values("month")
        .annotate(
            received=Sum("received"),
            early=Sum("early"),
            on_time=Sum("on_time"),
            in_progress=Sum("in_progress"),
        )
    }
    out, month = [], first
    while month <= last:
        row = found.get(month) or {}
        received = row.get("received") or 0
        on_time = sum(row.get(k) or 0 for k in ("early", "on_time", "in_progress"))
        out.append(
            {
                "month": month,
                "received": received,
                "on_time": on_time,
                "on_time_rate": indicators.rate(on_time, received),
            }
        )
        month = _next_month(month)
    return out


# --- The provincial report form (Biểu II.06a, Circular 01/2020/TT-VPCP) -----------------------

II06A_COLUMNS = ("received", "online", "carried_over", "resolved", "early", "on_time", "late",
                 "open", "open_on_time", "open_late")  # fmt: skip


def resolution_by_field(scope: Scope, period: Period) -> dict:
    """Per field (lĩnh vực): the counts of Biểu II.06a over ``period``.

    Received in the period and online among them come from :func:`totals`; carried over from
    the previous period is what was received and not ended before ``period.first``; in
    progress at the end of the period is received minus ended through its last day, overdue
    among them those whose deadline passed unmet by then (the time rule of the operational
    rate). Resolved in the period are the dossiers whose processing ended in it, by their
    class under the national rule (early, on time, late); their end is not in
    ``PeriodRollup`` by class, so they are counted from ``DossierRollup`` by ``end_at``.
    Keys are field ids; values have every name of ``II06A_COLUMNS``.
    """
    received = totals(scope, period, "field")
    before = _cumulative(scope, period.first, "field")
    through = _cumulative(scope, period.last + dt.timedelta(days=1), "field")
    ended = (
        DossierRollup.objects.filter(
            scope.filter(),
            received_at__isnull=False,
            end_at__gte=_start(period.first),
            end_at__lt=_start(period.last + dt.timedelta(days=1)),
        )
        .values("field_id", "klass")
        .annotate(n=Count("pk"))
    )
    by_class: dict = defaultdict(Counter)
    for row in ended:
        by_class[row["field_id"]][row["klass"]] += row["n"]
    out = {}
    for key in set(received) | set(before) | set(through) | set(by_class):
        r, b, t, e = (x.get(key, Counter()) for x in (received, before, through, by_class))
        counts = {
            "received": r.get("received", 0),
            "online": r.get("online", 0),
            "carried_over": b.get("received", 0) - b.get("ended", 0),
            "early": e.get(Klass.EARLY, 0),
            "on_time": e.get(Klass.ON_TIME, 0),
            "late": e.get(Klass.LATE, 0),
            "open": t.get("received", 0) - t.get("ended", 0),
            "open_late": t.get("became_late", 0) - t.get("ended_late", 0),
        }
        counts["resolved"] = counts["early"] + counts["on_time"] + counts["late"]
        counts["open_on_time"] = counts["open"] - counts["open_late"]
        if any(counts.values()):
            out[key] = counts
    return out


def field_names(ids) -> dict:
    """Names of fields (lĩnh vực) by id."""
    return _labels("field", ids)

"""A leader's dashboard of an agency: counts by status, the month's on-time rate, what is
overdue, and who holds how much.

The on-time rate is the operational formula provinces use (DOMAIN.md, "Service index"):
late rate = (late in progress + late resolved) / (received this period + carried over);
on-time rate = 100% - late rate. Overdue is derived from the appointment, never stored.

The figures (counts, rate, workload) are for every viewer of the agencies. The overdue table
names applicants and links to the work page only for the dossiers the viewer may open
(``dossier_visible_to``: a working role at the dossier's agency); the other overdue dossiers
are shown as a count per agency, without codes, names or links. A province administrator sees
statistics, not files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils import timezone

from dossiers.models import Dossier, Status
from dossiers.office.queues import IN_HAND
from dossiers.selectors import dossier_visible_to

RESOLVED = (
    Status.RESULT_READY,
    Status.RETURNED,
    Status.REFUSED,
    Status.WITHDRAWN,
    Status.STOPPED,
)
OPEN = (*IN_HAND, Status.SUPPLEMENT_REQUESTED, Status.SUBMITTED)


@dataclass
class Workload:
    user_id: int
    name: str
    open: int
    overdue: int


@dataclass
class OverdueCount:
    """Overdue dossiers of an agency that the viewer may not open: a number, nothing more."""

    agency: str
    count: int


@dataclass
class Dashboard:
    by_status: dict[int, int]
    period_start: dt.datetime
    received: int
    carried_over: int
    late_resolved: int
    late_in_progress: int
    on_time_rate: float | None
    overdue: list[Dossier]  # those the viewer may open, with names and links
    overdue_elsewhere: list[OverdueCount]  # the others, counted per agency
    workload: list[Workload]


def month_start(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def agency_dashboard(agency_ids: list[int], *, viewer, now: dt.datetime | None = None) -> Dashboard:
    """The dashboard of the agencies ``agency_ids`` (a leader's, or a province's) this month,
    as ``viewer`` may read it (see the module's docstring)."""
    now = now or timezone.now()
    start = month_start(now)
    mine = Dossier.objects.filter(Q(agency_id__in=agency_ids) | Q(holder_agency_id__in=agency_ids))
    by_status = dict(
        mine.filter(status__in=OPEN)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    by_status.update(
        mine.filter(status__in=RESOLVED, finished_at__gte=start)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    # The period's population: received this month, or received earlier and still open at its
    # start (carried over).
    counted = mine.filter(received_at__isnull=False, received_at__lt=now)
    figures = counted.aggregate(
        received=Count("id", filter=Q(received_at__gte=start)),
        carried_over=Count(
            "id",
            filter=Q(received_at__lt=start)
            & (Q(finished_at__isnull=True) | Q(finished_at__gte=start)),
        ),
        late_resolved=Count(
            "id",
            filter=Q(finished_at__gte=start, finished_at__lt=now)
            & Q(finished_at__gt=F("appointment_at"))
            & Q(status__in=RESOLVED),
        ),
        late_in_progress=Count(
            "id",
            filter=Q(status__in=OPEN, appointment_at__lt=now)
            & ~Q(status=Status.SUPPLEMENT_REQUESTED),
        ),
    )
    population = figures["received"] + figures["carried_over"]
    late = figures["late_resolved"] + figures["late_in_progress"]
    rate = round(100 - 100 * late / population, 2) if population else None
    late = mine.filter(status__in=IN_HAND, appointment_at__lt=now)
    opened = dossier_visible_to(viewer).values("pk")
    overdue = list(
        late.filter(pk__in=opened)
        .select_related("procedure", "assignee")
        .order_by("appointment_at", "id")[:50]
    )
    overdue_elsewhere = [
        OverdueCount(agency=row["agency__name"], count=row["n"])
        for row in late.exclude(pk__in=opened)
        .values("agency__name")
        .annotate(n=Count("id"))
        .order_by("-n", "agency__name")
    ]
    rows = (
        mine.filter(status__in=OPEN, assignee__isnull=False)
        .values("assignee_id", "assignee__full_name", "assignee__username")
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=Q(status__in=IN_HAND, appointment_at__lt=now)),
        )
        .order_by("-open")
    )
    workload = [
        Workload(
            user_id=row["assignee_id"],
            name=row["assignee__full_name"] or row["assignee__username"],
            open=row["open"],
            overdue=row["overdue"],
        )
        for row in rows
    ]
    return Dashboard(
        by_status=by_status,
        period_start=start,
        received=figures["received"],
        carried_over=figures["carried_over"],
        late_resolved=figures["late_resolved"],
        late_in_progress=figures["late_in_progress"],
        on_time_rate=rate,
        overdue=overdue,
        overdue_elsewhere=overdue_elsewhere,
        workload=workload,
    )

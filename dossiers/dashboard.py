"""A leader's dashboard of an agency: counts by status, the month's on-time rate, what is
overdue, and who holds how much.

The on-time rate is the operational formula provinces use (DOMAIN.md, "Service index"):
late rate = (late in progress + late resolved) / (received this period + carried over);
on-time rate = 100% - late rate. Overdue is derived from the appointment, never stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils import timezone

from dossiers.models import Dossier, Status
from dossiers.queues import IN_HAND

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
class Dashboard:
    by_status: dict[int, int]
    period_start: dt.datetime
    received: int
    carried_over: int
    late_resolved: int
    late_in_progress: int
    on_time_rate: float | None
    overdue: list[Dossier]
    workload: list[Workload]


def month_start(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def agency_dashboard(agency_ids: list[int], *, now: dt.datetime | None = None) -> Dashboard:
    """The dashboard of the agencies ``agency_ids`` (a leader's, or a province's) this month."""
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
    overdue = list(
        mine.filter(status__in=IN_HAND, appointment_at__lt=now)
        .select_related("procedure", "assignee")
        .order_by("appointment_at", "id")[:50]
    )
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
        workload=workload,
    )

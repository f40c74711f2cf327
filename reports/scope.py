"""Who sees which figures (:class:`Scope`, :func:`report_scope`, used by the API and the pages
alike) and the periods the reports cover (:class:`Period`: whole months, and the partial months
at its ends). Re-exported by ``reports.selectors``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from reports.indicators import ZONE
from units.models import Membership, Role, Unit, UnitLevel

# --- Who sees what ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a report may cover: a province, and within it all agencies or only some."""

    province: str
    agency_ids: tuple[int, ...] | None = None  # None: every agency of the province
    admin: bool = False

    def filter(self) -> Q:
        q = Q(province_id=self.province)
        if self.agency_ids is not None:
            q &= Q(agency_id__in=self.agency_ids)
        return q


def _province_of(unit: Unit) -> str:
    return unit.code if unit.level == UnitLevel.PROVINCE else (unit.parent_id or unit.code)


def report_scope(user, province: str | None = None) -> Scope:
    """The scope of ``user``'s reports in ``province`` (their own when not given).

    Operators (``is_staff``) and province administrators see the whole province; anyone
    else working in agencies sees only their agencies' aggregates. 404 for an unknown
    province, 403 for a province (or a user) outside the reports.
    """
    if province and not Unit.objects.filter(code=province, level=UnitLevel.PROVINCE).exists():
        raise Http404("unknown province")
    if not user.is_authenticated:
        raise PermissionDenied
    memberships = list(
        Membership.objects.filter(user=user, is_active=True).select_related(
            "agency__unit", "agency__unit__parent"
        )
    )
    admin_of = {_province_of(m.agency.unit) for m in memberships if m.role == Role.PROVINCE_ADMIN}
    if user.is_staff and province:
        return Scope(province=province, admin=True)
    if (province and province in admin_of) or (not province and admin_of):
        return Scope(province=province or sorted(admin_of)[0], admin=True)
    agencies: dict[str, set[int]] = defaultdict(set)
    for m in memberships:
        agencies[_province_of(m.agency.unit)].add(m.agency_id)
    if not agencies:
        raise PermissionDenied
    chosen = province or sorted(agencies)[0]
    if chosen not in agencies:
        raise PermissionDenied
    return Scope(province=chosen, agency_ids=tuple(sorted(agencies[chosen])))


# --- Periods ------------------------------------------------------------------------------------


def _start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZONE)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Period:
    """Days ``first`` to ``last`` inclusive (local dates)."""

    first: dt.date
    last: dt.date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = dt.date(year, month, 1)
        return cls(first, _next_month(first) - dt.timedelta(days=1))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = dt.date(year, 3 * quarter - 2, 1)
        return cls(first, Period.month(year, 3 * quarter).last)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    def split(self) -> tuple[tuple[dt.date, dt.date] | None, list[tuple[dt.datetime, dt.datetime]]]:
        """Whole months (first and last month) and the partial pieces as [start, end)."""
        first_whole = self.first if self.first.day == 1 else _next_month(self.first)
        end = self.last + dt.timedelta(days=1)
        last_whole_end = end.replace(day=1)
        if first_whole >= last_whole_end:
            return None, [(_start(self.first), _start(end))]
        pieces = []
        if self.first < first_whole:
            pieces.append((_start(self.first), _start(first_whole)))
        if last_whole_end < end:
            pieces.append((_start(last_whole_end), _start(end)))
        last_month = (last_whole_end - dt.timedelta(days=1)).replace(day=1)
        return (first_whole, last_month), pieces

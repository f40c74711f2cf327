"""A year of demo dossiers in every commune and agency of the demo provinces, for the reports.

``make run`` shows an index, charts, a ranking of communes and agencies, Biểu II.06a and public
statistics: they need a history, not the handful of dossiers the lifecycle demo walks through.
Walking thousands of dossiers through the services would take minutes, so each dossier's life is
simulated here and written in bulk, as the lifecycle would have left it: its events (the same
transitions, statuses 1 → 10), appointments counted in working days from the calendar
(``bench.generate``'s memoised clock over ``dossiers.calendar``), supplement pauses that move
the appointment, ``finished_at`` at the end of processing, ratings, one pending sync entry per
dossier for the national portal (sent once the server runs), and code numbers taken from each
agency's daily sequence so that later submissions continue after them.

Every agency has its own lateness (a few are often late, most rarely): the ranking has
something to rank. Fees (``demo_simulation.payment_history``): online dossiers of procedures
with a fee pay it through the payment platform at submission (some at the counter after
all), counter dossiers pay at the counter, obligations asked during processing are paid online,
at the counter or by transfer, and a dossier refused or withdrawn after payment is mostly
refunded: its obligations, payments and refunds are written with it.

The simulation is ``portal.demo_simulation``, the bulk writing ``portal.demo_history_write``.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_left
from collections import defaultdict
from decimal import Decimal
from itertools import accumulate

from django.utils import timezone

from dossiers.models import Channel, DossierEvent, Step
from portal.demo_history_write import _write
from portal.demo_simulation import (
    CHANNEL_SHARES,
    KINDS,
    TZ,
    _clock,
    _Place,
    _Plan,
    _Procedure,
    _Simulation,
    _weights,
)
from procedures.models import Assignment, Level, Procedure
from units.models import Agency, AgencyKind, Unit, UnitLevel


def _scope(provinces: tuple[str, ...], on: dt.date):
    """The demo provinces' communes, agencies and the procedures assigned there."""
    places: list[_Place] = []
    centres, departments = {}, defaultdict(list)
    for agency in Agency.objects.filter(unit_id__in=provinces, is_active=True).order_by(
        "identifier"
    ):
        if agency.kind == AgencyKind.PROVINCE_SERVICE_CENTRE:
            centres[agency.unit_id] = agency.pk
        elif agency.kind == AgencyKind.PROVINCE_DEPARTMENT:
            departments[agency.unit_id].append(agency.pk)
    committees = dict(
        Agency.objects.filter(
            unit__parent_id__in=provinces, kind=AgencyKind.COMMUNE_COMMITTEE, is_active=True
        ).values_list("unit_id", "pk")
    )
    for unit in Unit.objects.filter(
        parent_id__in=provinces, level=UnitLevel.COMMUNE, valid_to__isnull=True
    ).order_by("code"):
        places.append(_Place(unit.pk, unit.name, unit.parent_id, committees.get(unit.pk)))
    assigned = set(
        Assignment.objects.filter(scope_id__in=provinces, valid_from__lte=on)
        .exclude(valid_to__lte=on)
        .filter(level__in=(Level.COMMUNE, Level.PROVINCE))
        .values_list("procedure_id", flat=True)
    )
    return places, centres, departments, assigned


def _procedures(assigned: set[int]) -> tuple[list[_Procedure], list]:
    from dossiers.lifecycle import processing_path

    legal: dict[tuple, int] = {}
    out = []
    for procedure in (
        Procedure.objects.filter(pk__in=assigned, current_version__isnull=False)
        .select_related("current_version")
        .prefetch_related("current_version__channels__fees", "current_version__workflow")
        .order_by("code")
    ):
        version = procedure.current_version
        times, fee, fees = {}, 0, {}
        for channel in version.channels.all():
            number = {v: k for k, v in KINDS.items()}.get(channel.kind)
            if number is None:
                continue
            key = (Decimal(channel.processing_time), channel.time_unit, version.same_day_cutoff)
            times[number] = legal.setdefault(key, len(legal))
            fee = max([fee, *(line.amount for line in channel.fees.all())])
            fees[number] = sum(line.amount for line in channel.fees.all() if line.case_id is None)
        if not times:
            continue
        level = Level.COMMUNE if Level.COMMUNE in procedure.levels else Level.PROVINCE
        steps = [s.step for s in processing_path(version)]
        leader = steps.index(Step.LEADER) if Step.LEADER in steps else len(steps) - 1
        out.append(_Procedure(procedure.pk, version.pk, level, times, fee, leader, fees))
    return out, list(legal)


def demo_history(
    *, dossiers: int = 4000, provinces: tuple[str, ...] = ("68", "01"), seed: int = 766
) -> int:
    """About a year of ``dossiers`` in the ``provinces`` (their communes, service centres and
    departments), written in bulk; returns how many (0 when already there)."""
    if DossierEvent.objects.filter(kind=DossierEvent.Kind.SUBMITTED, data__demo="history").exists():
        return 0
    rng = random.Random(seed)
    today = timezone.localdate()
    since = today - dt.timedelta(days=365)
    places, centres, departments, assigned = _scope(provinces, today)
    places = [p for p in places if p.committee is not None and p.province in centres]
    procedures, legal = _procedures(assigned)
    commune_level = [p for p in procedures if p.level == Level.COMMUNE]
    province_level = [p for p in procedures if p.level == Level.PROVINCE]
    if not places or not commune_level or dossiers <= 0:
        return 0
    clock = _clock(since - dt.timedelta(days=7), today + dt.timedelta(days=400), legal)
    agencies = {p.committee for p in places} | set(centres.values())
    agencies |= {a for ids in departments.values() for a in ids}
    # Most agencies are rarely late, a few often: the ranking has something to show.
    lateness = {a: min(0.6, rng.betavariate(1.1, 11)) for a in sorted(agencies)}
    now = int(timezone.now().timestamp())
    sim = _Simulation(clock, rng, now, lateness)
    commune_weights = _weights(len(commune_level), rng)
    province_weights = _weights(len(province_level), rng) if province_level else []
    place_weights = list(accumulate(rng.lognormvariate(0, 0.6) for _ in places))
    working = [
        d for d in range((today - since).days) if clock.working[d + 7]
    ]  # day offsets from ``since`` (the clock starts a week before)
    plans: list[_Plan] = []
    for _ in range(dossiers):
        place = places[bisect_left(place_weights, rng.random() * place_weights[-1])]
        if province_level and rng.random() < 0.15:
            procedure = province_level[
                bisect_left(province_weights, rng.random() * province_weights[-1])
            ]
            reception = centres[place.province]
            agency = reception
            if departments[place.province] and procedure.id % 2:
                agency = departments[place.province][0]
        else:
            procedure = commune_level[
                bisect_left(commune_weights, rng.random() * commune_weights[-1])
            ]
            reception = agency = place.committee
        channel = _channel(procedure, rng)
        day = since + dt.timedelta(days=working[int(rng.random() * len(working))])
        seconds = 7 * 3600 + 30 * 60 + int(rng.random() * 9 * 3600)  # local office day
        if channel == Channel.ONLINE and rng.random() < 0.1:
            seconds = 19 * 3600 + int(rng.random() * 3 * 3600)  # in the evening, online
        start = int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp()) - TZ + seconds
        plan = _Plan(procedure, channel, reception, agency, place, [], None, None)
        sim.life(plan, start)
        sim.cut(plan)
        if plan.events:
            plans.append(plan)
    # Newest first: the sync relay sends by dossier id, so the recent months (what the
    # national self-check compares first) reach the stand-in first.
    plans.sort(key=lambda p: p.events[0][0], reverse=True)
    _write(plans, rng)
    return len(plans)


def _channel(procedure: _Procedure, rng: random.Random) -> int:
    x = rng.random()
    for channel, share in CHANNEL_SHARES:
        if x < share and channel in procedure.legal:
            return channel
        x -= share
    return next(iter(procedure.legal))

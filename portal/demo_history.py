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
something to rank. Fees (:func:`payment_history`): online dossiers of procedures with a fee pay
it through the payment platform at submission (some at the counter after all), counter
dossiers pay at the counter, obligations asked during processing are paid online, at the
counter or by transfer, and a dossier refused or withdrawn after payment is mostly refunded:
its obligations, payments and refunds are written with it.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_left
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate

from django.db import transaction
from django.utils import timezone

from dossiers import lifecycle
from dossiers.documents import NewDocument, documents_add
from dossiers.models import (
    ApplicantType,
    Channel,
    CodeSequence,
    Dossier,
    DossierEvent,
    ResultDelivery,
    Status,
    Step,
)
from dossiers.models_documents import (
    DocumentKind,
    DossierDocument,
    DossierRating,
    Rating,
    SupplementRequest,
)
from procedures.models import Assignment, Level, Procedure
from units.models import Agency, AgencyKind, Unit, UnitLevel

DAY = 86400
TZ = 7 * 3600
MARKER = {"demo": "history"}  # on each generated dossier's first event: generated only once
KINDS = {Channel.DIRECT: "direct", Channel.ONLINE: "online", Channel.POSTAL: "postal"}
CHANNEL_SHARES = ((Channel.ONLINE, 0.55), (Channel.DIRECT, 0.40), (Channel.POSTAL, 0.05))
P_REFUSED, P_WITHDRAWN_EARLY, P_WITHDRAWN = 0.02, 0.01, 0.01
P_SUPPLEMENT, P_SECOND_SUPPLEMENT, P_SUPPLEMENT_UNANSWERED = 0.10, 0.15, 0.10
P_FINANCIAL, P_STOPPED, P_NOT_COLLECTED, P_RATED = 0.06, 0.01, 0.04, 0.45
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hùng", "Lan", "Minh", "Nam", "Thảo", "Tú")
MIDDLE = ("Văn", "Thị", "Đức", "Thu", "Minh", "Ngọc")
REFUSAL = "Hồ sơ không thuộc thẩm quyền giải quyết."
SUPPLEMENT_REASON = "Bản sao giấy tờ tùy thân không rõ, đề nghị bổ sung."
STOP_NOTE = "Người nộp không bổ sung hồ sơ theo yêu cầu."
WITHDRAW_NOTE = "Người nộp xin rút hồ sơ."


@dataclass
class _Procedure:
    id: int
    version_id: int
    level: str
    legal: dict[int, int]  # channel → index into the clock's legal times
    fee: int
    leader_index: int  # the leader's place in the internal path (``processing_path``)
    # Channel → the amount of its fee lines (of every case).
    fees: dict[int, int] = field(default_factory=dict)


@dataclass
class _Place:
    commune: int  # Unit pk (its code)
    name: str
    province: str
    committee: int | None  # the commune's People's Committee


@dataclass
class _Plan:
    """One dossier's simulated life, cut at ``now``."""

    procedure: _Procedure
    channel: int
    reception: int
    agency: int
    place: _Place
    events: list[tuple]  # (at, old, new, role, agency, note, data)
    first_due: int | None
    due: int | None
    supplements: list[tuple] = field(default_factory=list)  # (requested, supplied, old, new)
    rating: str = ""
    # (stage, at, method, amount, refunded_at or None), for the payment tables.
    payments: list[tuple] = field(default_factory=list)


P_PAID_ONLINE, P_REFUNDED = 0.85, 0.7


def payment_history(plan: _Plan, rng: random.Random, *, at: int, stage: str) -> dict:
    """How the dossier's fee was paid at ``at``: online for most online dossiers (the payment
    platform), at the counter for counter dossiers, any way for an obligation asked during
    processing. Records the payment on the plan; returns the data of the ``confirm_payment``
    event (used when the payment resumes processing, status 6 → 4)."""
    online = plan.channel == Channel.ONLINE
    x = rng.random()
    if stage == "during_processing":
        method = "online" if x < 0.6 else "counter" if x < 0.85 else "transfer"
        amount = plan.procedure.fee
    else:
        method = "online" if online and x < P_PAID_ONLINE else "counter"
        amount = plan.procedure.fees.get(plan.channel, 0)
    if amount > 0:
        plan.payments.append([stage, at, method, amount, None])
    return {"action": "confirm_payment", "method": method}


def _refund(plan: _Plan, rng: random.Random, at: int) -> None:
    """A dossier refused or withdrawn after its fee was paid gets its money back, mostly."""
    for payment in plan.payments:
        if payment[4] is None and rng.random() < P_REFUNDED:
            payment[4] = at + int(DAY * (0.5 + rng.random() * 3))


def _clock(first: dt.date, last: dt.date, legal: list):
    # The bench's clock: working days as flat lists, appointments memoised through
    # dossiers.calendar (the same rules as every received dossier).
    from bench.generate import _Clock

    return _Clock(first, last, legal)


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


class _Simulation:
    def __init__(self, clock, rng: random.Random, now: int, lateness: dict[int, float]):
        self.clock, self.rng, self.now, self.lateness = clock, rng, now, lateness

    def office(self, t: int) -> int:
        return self.clock.office(t, int(self.rng.random() * 1800))

    def life(self, plan: _Plan, t: int) -> None:
        """The dossier's whole life from its submission at ``t`` (epoch seconds, UTC)."""
        r, clock, legal = self.rng.random, self.clock, plan.procedure.legal[plan.channel]
        events = plan.events
        desk, agency = plan.reception, plan.agency
        who = "receiver" if plan.channel == Channel.DIRECT else "applicant"
        events.append((t, None, Status.SUBMITTED, who, desk, "", MARKER))
        fate = r()
        if plan.procedure.fees.get(plan.channel):
            payment_history(plan, self.rng, at=t + 60 + int(r() * 600), stage="at_submission")
        if plan.channel == Channel.DIRECT:
            t += 120 + int(r() * 900)
        else:
            t = self.office(t + 900 + int(r() * r() * 2 * DAY))
        if fate < P_REFUSED:
            events.append((t, 1, Status.REFUSED, "receiver", desk, REFUSAL, {"action": "refuse"}))
            _refund(plan, self.rng, t)
            return
        if fate < P_REFUSED + P_WITHDRAWN_EARLY and plan.channel != Channel.DIRECT:
            events.append((t, 1, Status.WITHDRAWN, "applicant", desk, WITHDRAW_NOTE, {}))
            _refund(plan, self.rng, t)
            return
        events.append((t, 1, Status.RECEIVED, "receiver", desk, "", {"action": "receive"}))
        received = t
        plan.first_due = plan.due = clock.appointment(t, legal)
        t = self.office(t + 300 + int(r() * r() * 4 * 3600))
        if fate > 1 - P_WITHDRAWN:
            events.append((t, 2, Status.WITHDRAWN, "applicant", desk, WITHDRAW_NOTE, {}))
            return
        events.append((t, 2, Status.IN_PROCESSING, "receiver", desk, "", {"action": "forward"}))
        late = r() < self.lateness[agency]
        rounds = (r() < P_SUPPLEMENT) * (1 + (r() < P_SECOND_SUPPLEMENT))
        for _round in range(rounds):
            t = self.office(max(t + 600, t + int((plan.due - t) * (0.1 + r() * 0.3))))
            events.append(
                (t, 4, Status.SUPPLEMENT_REQUESTED, "specialist", agency, SUPPLEMENT_REASON,
                 {"action": "request_supplement"})
            )  # fmt: skip
            if r() < P_SUPPLEMENT_UNANSWERED:
                plan.supplements.append((t, None, plan.due, None))
                stop = self.office(t + 30 * DAY)
                events.append((stop, 5, Status.STOPPED, "leader", agency, STOP_NOTE, {}))
                return
            answered = self.office(t + int(DAY * (0.2 + r() * r() * 10)))
            moved = clock.paused(plan.due, t, answered, legal)
            plan.supplements.append((t, answered, plan.due, moved))
            plan.due, t = moved, answered
            events.append((t, 5, Status.IN_PROCESSING, "applicant", agency, "", {}))
        if plan.procedure.fee and r() < P_FINANCIAL:
            t = self.office(max(t + 600, t + int((plan.due - t) * (0.2 + r() * 0.4))))
            request = {"action": "request_payment", "amount": plan.procedure.fee}
            events.append((t, 4, Status.FINANCIAL_OBLIGATION, "specialist", agency, "", request))
            t = self.office(t + int(DAY * (0.1 + r() * 3)))
            paid = payment_history(plan, self.rng, at=t, stage="during_processing")
            events.append((t, 6, Status.IN_PROCESSING, "receiver", desk, "", paid))
        share = 1.05 + r() * 0.9 if late else 0.2 + r() * 0.75
        t = self.office(max(received + int((plan.due - received) * share), t + 1800))
        if r() < P_STOPPED:
            events.append((t, 4, Status.STOPPED, "leader", agency, STOP_NOTE, {"action": "stop"}))
            return
        events.append((t, 4, Status.RESULT_READY, "leader", agency, "", {"action": "issue"}))
        if r() < 0.45:
            x = r() - (0.25 if late else 0)
            plan.rating = (
                Rating.DISSATISFIED if x < 0.06
                else Rating.VERY_SATISFIED if x < 0.45 else Rating.SATISFIED
            )  # fmt: skip
        if r() < P_NOT_COLLECTED:
            return
        t = self.office(t + int(r() * r() * 8 * DAY))
        events.append((t, 9, Status.RETURNED, "receiver", desk, "", {"action": "return"}))

    def cut(self, plan: _Plan) -> None:
        """Keep what had happened by now: the dossier's status is where its life had got."""
        plan.events = [e for e in plan.events if e[0] <= self.now]
        ended = {e[2] for e in plan.events}
        plan.supplements = [
            (req, sup if sup and sup <= self.now else None, old, new if sup and sup <= self.now
             else None)
            for req, sup, old, new in plan.supplements
            if req <= self.now
        ]  # fmt: skip
        if not ({Status.RESULT_READY, Status.RETURNED} & ended):
            plan.rating = ""
        plan.payments = [
            [stage, at, method, amount, back if back and back <= self.now else None]
            for stage, at, method, amount, back in plan.payments
            if at <= self.now
        ]


def _weights(n: int, rng: random.Random) -> list[float]:
    """A few procedures (birth registration, certified copies) take most dossiers: Zipf."""
    order = list(range(n))
    rng.shuffle(order)
    weights = [0.0] * n
    for rank, index in enumerate(order):
        weights[index] = 1 / (rank + 1) ** 0.9
    return list(accumulate(weights))


def _aware(t: int | None) -> dt.datetime | None:
    return None if t is None else dt.datetime.fromtimestamp(t, dt.UTC)


@contextmanager
def _keeping_times(*fields):
    """Write the times the history gives, not now: ``auto_now_add`` off for this bulk load."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, add in saved:
            f.auto_now, f.auto_now_add = now, add


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


@transaction.atomic
def _write(plans: list[_Plan], rng: random.Random) -> None:

    identifiers = dict(Agency.objects.values_list("pk", "identifier"))
    numbers = _code_numbers(plans)
    rows = []
    for plan in plans:
        first = plan.events[0][0]
        local = _aware(first).astimezone(dt.timezone(dt.timedelta(seconds=TZ))).date()
        key = (plan.reception, local)
        numbers[key] += 1
        status = plan.events[-1][2]
        times = {new: at for at, _old, new, *_rest in plan.events}
        finished = next(
            (at for at, _o, new, *_r in plan.events
             if new in (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RESULT_READY)),
            None,
        )  # fmt: skip
        received = times.get(Status.RECEIVED)
        online = plan.channel == Channel.ONLINE
        delivery = ResultDelivery.COUNTER
        if online and rng.random() < 0.5:
            delivery = ResultDelivery.ONLINE
        given, middle = GIVEN[int(rng.random() * len(GIVEN))], MIDDLE[int(rng.random() * 6)]
        business = rng.random() < 0.06
        name = f"{FAMILY[int(rng.random() * 10)]} {middle} {given}"
        if business:
            name = f"Công ty TNHH {given} {plan.place.name}"
        step = Step.SPECIALIST if status in (4, 5, 6) else Step.NONE
        if status == Status.IN_PROCESSING and rng.random() < 0.4:
            step = Step.LEADER  # past the specialist, as a share of open dossiers are
        rows.append(
            Dossier(
                code=f"{identifiers[plan.reception]}-{local:%y%m%d}-{numbers[key]:04d}",
                procedure_id=plan.procedure.id,
                version_id=plan.procedure.version_id,
                status=status,
                channel=plan.channel,
                reception_agency_id=plan.reception,
                agency_id=plan.agency,
                level=plan.procedure.level,
                applicant_type=ApplicantType.BUSINESS if business else ApplicantType.CITIZEN,
                applicant_name=name,
                applicant_id_number=f"0{plan.place.province}{int(rng.random() * 1e9):09d}",
                applicant_phone=f"09{int(rng.random() * 1e8):08d}",
                applicant_address=f"Số {int(rng.random() * 200) + 1}, {plan.place.name}",
                applicant_commune_id=plan.place.commune,
                vneid_verified=online and rng.random() < 0.8,
                result_delivery=delivery,
                submitted_at=_aware(first),
                received_at=_aware(received),
                appointment_at=_aware(plan.due if received else None),
                original_appointment_at=_aware(plan.first_due if received else None),
                finished_at=_aware(finished),
                returned_at=_aware(times.get(Status.RETURNED)),
                step=step,
                step_index=(plan.procedure.leader_index if step == Step.LEADER else 0)
                if step
                else None,
                revision=len(plan.events) - 1,
                created_at=_aware(first),
                updated_at=_aware(plan.events[-1][0]),
            )
        )
    with _keeping_times(
        DossierDocument._meta.get_field("uploaded_at"),
        Dossier._meta.get_field("created_at"),
        Dossier._meta.get_field("updated_at"),
        DossierEvent._meta.get_field("at"),
        DossierRating._meta.get_field("created_at"),
    ):
        dossiers = lifecycle.history_import_dossiers(rows)
        events, last_events = [], []
        for dossier, plan in zip(dossiers, plans, strict=True):
            for revision, (at, old, new, role, agency, note, data) in enumerate(plan.events):
                kind = DossierEvent.Kind.TRANSITION
                if old is None:
                    kind = DossierEvent.Kind.SUBMITTED
                event = DossierEvent(
                    dossier=dossier,
                    kind=kind,
                    role=role,
                    agency_id=agency,
                    old_status=old,
                    new_status=new,
                    note=note,
                    data=data,
                    revision=revision,
                    at=_aware(at),
                )
                events.append(event)
            last_events.append(events[-1])
        lifecycle.history_import_events(events)
        SupplementRequest.objects.bulk_create(
            [
                SupplementRequest(
                    dossier=dossier,
                    agency_id=plan.agency,
                    reason=SUPPLEMENT_REASON,
                    previous_status=Status.IN_PROCESSING,
                    requested_at=_aware(requested),
                    supplied_at=_aware(supplied),
                    old_appointment=_aware(old),
                    new_appointment=_aware(new),
                )
                for dossier, plan in zip(dossiers, plans, strict=True)
                for requested, supplied, old, new in plan.supplements
            ],
            batch_size=1000,
        )
        documents_add(_documents(dossiers, rng))
        _payments(dossiers, plans, identifiers)
        DossierRating.objects.bulk_create(
            [
                DossierRating(
                    dossier=dossier,
                    rating=plan.rating,
                    created_at=dossier.finished_at + dt.timedelta(hours=2),
                )
                for dossier, plan in zip(dossiers, plans, strict=True)
                if plan.rating
            ],
            batch_size=1000,
        )
    # What the national portal must hear of: each dossier as it stands (one entry, pending; the
    # relay sends it once the portal answers).
    lifecycle.history_announce(list(zip(dossiers, last_events, strict=True)))
    _save_code_numbers(numbers)


SAMPLE_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _sample_file():
    """One small stored PDF that every generated document points to (content-addressed, as
    uploads are: stored once), so that opening a demo document works."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dossiers.documents import file_keep
    from dossiers.uploads import check_upload

    upload = SimpleUploadedFile("to-khai.pdf", SAMPLE_PDF, "application/pdf")
    info = check_upload(upload)
    return file_keep(upload, info), info


def _payments(dossiers, plans: list[_Plan], identifiers: dict) -> None:
    """The obligations, payments and refunds of the history, and the demo agencies' accounts
    (the payment platform needs one to take an order)."""
    from dossiers.models_payments import FeeObligation, Payment, PaymentAccount, Refund

    agencies = {plan.agency for plan in plans} | {plan.reception for plan in plans}
    have = set(PaymentAccount.objects.values_list("agency_id", flat=True))
    names = dict(Agency.objects.filter(pk__in=agencies).values_list("pk", "name"))
    PaymentAccount.objects.bulk_create(
        [
            PaymentAccount(
                agency_id=pk,
                bank_code="KBNN",
                account_number=f"3511.0.{identifiers[pk].replace('.', '')}",
                account_name=names[pk],
            )
            for pk in sorted(agencies - have)
        ]
    )
    owed = [
        (dossier, plan, entry)
        for dossier, plan in zip(dossiers, plans, strict=True)
        for entry in plan.payments
    ]
    if not owed:
        return
    obligations = FeeObligation.objects.bulk_create(
        [
            FeeObligation(
                dossier=dossier,
                stage=stage,
                amount=amount,
                lines=[{"name": "Lệ phí", "amount": amount}],
                state=FeeObligation.State.PAID,
                requested_at=_aware(at) - dt.timedelta(minutes=5),
                paid_at=_aware(at),
            )
            for dossier, _plan, (stage, at, _method, amount, _back) in owed
        ],
        batch_size=1000,
    )
    payments = Payment.objects.bulk_create(
        [
            Payment(
                obligation=obligation,
                dossier=dossier,
                method=method,
                amount=amount,
                reference=f"TT{dossier.pk:08d}{index:02d}",
                external_reference=f"GW{dossier.pk:08d}{index:02d}" if method == "online" else "",
                state=Payment.State.PAID,
                paid_at=_aware(at),
            )
            for index, (obligation, (dossier, _plan, (_s, at, method, amount, _b))) in enumerate(
                zip(obligations, owed, strict=True)
            )
        ],
        batch_size=1000,
    )
    from units.models import Membership

    refunder_id = (
        Membership.objects.filter(role="receiver").order_by("id").values_list("user_id", flat=True)
    ).first()
    if refunder_id is None:
        return
    Refund.objects.bulk_create(
        [
            Refund(
                payment=payment,
                dossier=dossier,
                amount=payment.amount,
                method="transfer",
                reference=f"HT{payment.pk:08d}",
                reason=REFUSAL,
                recorded_by_id=refunder_id,
                at=_aware(back),
            )
            for payment, (dossier, _plan, (_s, _at, _m, _a, back)) in zip(
                payments, owed, strict=True
            )
            if back
        ],
        batch_size=1000,
    )


def _documents(dossiers, rng: random.Random) -> list[NewDocument]:
    """Two submitted documents per dossier (most digitised, some reused or taken from the
    national data store) and the electronic result of those that got one."""
    stored, info = _sample_file()
    made = []
    for dossier in dossiers:
        r = rng.random
        for name in ("to-khai.pdf", "ban-sao-giay-to.pdf"):
            made.append(
                NewDocument(
                    dossier=dossier,
                    kind=DocumentKind.SUBMITTED,
                    stored_name=stored,
                    info=info,
                    original_name=name,
                    is_digitised=r() < 0.85,
                    is_reused=r() < 0.4,
                    from_data_store=r() < 0.3,
                    uploaded_at=dossier.submitted_at,
                )
            )
        if dossier.finished_at and dossier.status in (Status.RESULT_READY, Status.RETURNED):
            made.append(
                NewDocument(
                    dossier=dossier,
                    kind=DocumentKind.RESULT,
                    stored_name=stored,
                    info=info,
                    original_name="ket-qua.pdf",
                    is_digitised=True,
                    uploaded_at=dossier.finished_at,
                )
            )
    return made


def _code_numbers(plans: list[_Plan]) -> dict[tuple[int, dt.date], int]:
    """The last number each reception agency gave on each day, before these dossiers."""
    keys = set()
    zone = dt.timezone(dt.timedelta(seconds=TZ))
    for plan in plans:
        keys.add((plan.reception, _aware(plan.events[0][0]).astimezone(zone).date()))
    numbers = dict.fromkeys(keys, 0)
    agencies = {a for a, _d in keys}
    for agency_id, day, last in CodeSequence.objects.filter(agency_id__in=agencies).values_list(
        "agency_id", "day", "last"
    ):
        if (agency_id, day) in numbers:
            numbers[(agency_id, day)] = last
    return numbers


def _save_code_numbers(numbers: dict[tuple[int, dt.date], int]) -> None:
    """Later submissions on those days continue after the generated numbers."""
    existing = {
        (s.agency_id, s.day): s
        for s in CodeSequence.objects.filter(agency_id__in={a for a, _d in numbers})
    }
    changed, new = [], []
    for (agency_id, day), last in numbers.items():
        row = existing.get((agency_id, day))
        if row is None:
            new.append(CodeSequence(agency_id=agency_id, day=day, last=last))
        elif row.last < last:
            row.last = last
            changed.append(row)
    CodeSequence.objects.bulk_create(new, batch_size=1000)
    CodeSequence.objects.bulk_update(changed, ["last"], batch_size=1000)

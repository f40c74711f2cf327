"""The demo history's simulation (``portal.demo_history``): each dossier's life planned in memory,
its events, appointments from the calendar, supplements, refusals, fees and payments
(:func:`payment_history`) and ratings, before anything is written.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from itertools import accumulate

from dossiers.models import Channel, Status
from dossiers.models_documents import Rating

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

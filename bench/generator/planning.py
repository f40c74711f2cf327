"""``bench.generate``: each dossier's life planned (who, what, where, its history cut at the end
of the period) and a planned batch numbered and written by COPY.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_left
from dataclasses import dataclass

from bench.generator.clock import EPOCH, _Clock
from bench.generator.common import (
    AFTERNOON_OPENS,
    CLOSES,
    COMPANY_WORDS,
    DAY,
    DIRECT,
    FAMILY,
    GIVEN,
    MARKER_DOMAIN,
    MIDDLE,
    MORNING_CLOSES,
    OFFICE_SECONDS,
    ONLINE,
    OPENS,
    P_DIRECT,
    P_FINANCIAL,
    P_LATE,
    P_NEVER_COLLECTED,
    P_ONLINE,
    P_OUT_OF_HOURS,
    P_REFUSED,
    P_STOPPED,
    P_SUPPLEMENT,
    P_SUPPLEMENT_UNANSWERED,
    P_WITHDRAWN_EARLY,
    P_WITHDRAWN_RECEIVED,
    PHONE_PREFIXES,
    REFUSAL,
    STOP_NOTE,
    SUBMITTED,
    SUPPLEMENT_REASONS,
    TRANSITION,
    TZ,
    WITHDRAW_NOTE,
    _words,
)
from bench.generator.copying import CopyTable, _csv, take_code_ranges, take_ids
from bench.generator.scope import (
    _Procedure,
    _Scope,
)
from dossiers.models import Dossier, DossierEvent, Status
from procedures.models import Level

# --- dossiers ---------------------------------------------------------------------------------

DOSSIER_COLUMNS = _words(
    "id code procedure_id version_id case_id status channel reception_agency_id agency_id level "
    "applicant_id applicant_type applicant_name applicant_id_number applicant_phone "
    "applicant_email applicant_address applicant_commune_id vneid_verified result_delivery "
    "submitted_at received_at appointment_at finished_at returned_at created_at updated_at "
    "step step_index assignee_id revision original_appointment_at"
)
EVENT_COLUMNS = _words(
    "id dossier_id kind actor_id role agency_id old_status new_status note at revision"
)
SUPPLEMENT_COLUMNS = _words(
    "id dossier_id agency_id reason previous_status requested_at supplied_at old_appointment "
    "new_appointment"
)
FINISHING = frozenset((Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RESULT_READY))


# How much of the time in processing each stage takes, for a dossier cut before approval.
STAGE_WEIGHTS = {"specialist": 3.0, "department_head": 1.0, "leader": 1.0, "signature": 0.5}
P_CLAIMED = {"specialist": 0.85, "department_head": 0.5, "leader": 0.5, "signature": 1.0}
HELD = (Status.IN_PROCESSING, Status.SUPPLEMENT_REQUESTED, Status.FINANCIAL_OBLIGATION)


def _stage(stages: tuple[str, ...], share: float) -> int:
    """The stage a dossier has reached after ``share`` of its time in processing."""
    total = sum(STAGE_WEIGHTS[s] for s in stages)
    reached = 0.0
    for index, stage in enumerate(stages):
        reached += STAGE_WEIGHTS[stage] / total
        if share < reached:
            return index
    return len(stages) - 1


@dataclass
class _Planned:
    """One dossier before it has an id and a code."""

    submitted: int
    reception: int
    day: int  # local day index, for the code
    body: str  # COPY text of the columns after id and code
    events: list[tuple]  # (at, old, new, role, agency, note), cut at the end of the period
    supplement: tuple | None  # (agency, reason, requested, supplied, old, new appointment)


class _Generator:
    def __init__(
        self,
        scope: _Scope,
        clock: _Clock,
        rng: random.Random,
        as_of: int,
        staff_rng: random.Random | None = None,
    ):
        self.scope, self.clock, self.rng, self.as_of = scope, clock, rng, as_of
        # Steps and assignees draw from their own stream: the rest of the data stays what the
        # same seed gave before they existed.
        self.staff_rng = staff_rng or random.Random(0)

    def slots(self, n: int, since: dt.date, until: dt.date) -> list[int]:
        """Submission times in order, as ``2 * t + out_of_hours``: the day's office hours on
        working days, a few online in the evening or at weekends."""
        r, clock = self.rng.random, self.clock
        first = since.toordinal() - EPOCH - clock.day0
        days = list(range(first, first + (until - since).days + 1))
        working = [d for d in days if clock.working[d]]
        if not working:
            raise ValueError("No working day between since and until")
        slots = []
        out_of_hours = P_OUT_OF_HOURS if ONLINE in self.scope.by_channel else 0
        for _ in range(n):
            if r() < out_of_hours:
                day = days[int(r() * len(days))]
                if clock.working[day]:  # 17:30 to 22:30
                    seconds = CLOSES + 1800 + int(r() * 5 * 3600)
                else:  # 07:00 to 22:00
                    seconds = 7 * 3600 + int(r() * 15 * 3600)
                out = 1
            else:
                day = working[int(r() * len(working))]
                u, morning = int(r() * OFFICE_SECONDS), MORNING_CLOSES - OPENS
                seconds = OPENS + u if u < morning else AFTERNOON_OPENS + u - morning
                out = 0
            slots.append(((clock.day0 + day) * DAY + seconds - TZ) * 2 + out)
        slots.sort()
        return slots

    def story(self, t: int, channel: int, legal: int, reception: int, agency: int, online: bool):
        """The dossier's whole life from ``t`` (events, first and paused appointment)."""
        r, office, clock = self.rng.random, self.clock.office, self.clock
        events = [(t, None, 1, "receiver" if channel == DIRECT else "applicant", reception, "")]
        fate = r()
        if channel == DIRECT:
            t += 120 + int(r() * 900)
        else:
            t = office(t + 900 + int(r() * r() * 2 * DAY), int(r() * 1800))
        if fate < P_REFUSED:
            events.append((t, 1, 3, "receiver", reception, REFUSAL))
            return events, None, None
        if fate < P_REFUSED + P_WITHDRAWN_EARLY and channel != DIRECT:
            events.append((t, 1, 7, "applicant", reception, WITHDRAW_NOTE))
            return events, None, None
        events.append((t, 1, 2, "receiver", reception, ""))
        received = t
        due = first_due = clock.appointment(t, legal)
        t = office(t + 300 + int(r() * r() * 4 * 3600), int(r() * 1800))
        if fate > 1 - P_WITHDRAWN_RECEIVED:
            events.append((t, 2, 7, "applicant", reception, WITHDRAW_NOTE))
            return events, first_due, None
        events.append((t, 2, 4, "specialist", agency, ""))
        late = r() < P_LATE
        share = 1.02 + r() * 0.8 if late else 0.15 + r() * 0.8
        paused_due = None
        if r() < P_SUPPLEMENT:
            t = office(max(t + 600, t + int((due - t) * (0.1 + r() * 0.4))), int(r() * 1800))
            reason = SUPPLEMENT_REASONS[int(r() * len(SUPPLEMENT_REASONS))]
            events.append((t, 4, 5, "specialist", agency, reason))
            if r() < P_SUPPLEMENT_UNANSWERED:
                events.append((office(t + 30 * DAY, 600), 5, 8, "leader", agency, STOP_NOTE))
                return events, first_due, None
            answered = office(t + int(DAY * (0.2 + r() * r() * 12)), int(r() * 1800))
            paused_due = due = clock.paused(due, t, answered, legal)
            t = answered
            events.append((t, 5, 4, "applicant", agency, ""))
        if r() < P_FINANCIAL:
            t = office(max(t + 600, t + int((due - t) * (0.2 + r() * 0.4))), int(r() * 1800))
            events.append((t, 4, 6, "specialist", agency, ""))
            t = office(t + int(DAY * (0.1 + r() * 4)), int(r() * 1800))
            events.append((t, 6, 4, "receiver", reception, ""))
        t = office(max(received + int((due - received) * share), t + 1800), int(r() * 1800))
        if r() < P_STOPPED:
            events.append((t, 4, 8, "leader", agency, STOP_NOTE))
            return events, first_due, paused_due
        events.append((t, 4, 9, "leader", agency, ""))
        if r() < P_NEVER_COLLECTED:
            return events, first_due, paused_due
        if online:
            t += 300 + int(r() * 4 * 3600)  # sent electronically, office hours or not
        else:
            t = office(t + int(r() * r() * 10 * DAY), int(r() * 1800))
        events.append((t, 9, 10, "receiver", reception, ""))
        return events, first_due, paused_due

    def plan(self, slot: int) -> _Planned:
        """Who, what, where and the history (cut at the end of the period) of one dossier."""
        r, scope, clock = self.rng.random, self.scope, self.clock
        t, out_of_hours = divmod(slot, 2)
        if out_of_hours:
            channel = ONLINE
        else:
            x = r() * (1 - P_OUT_OF_HOURS)
            online_share = P_ONLINE - P_OUT_OF_HOURS
            channel = ONLINE if x < online_share else DIRECT if x < online_share + P_DIRECT else 3
        # The channel first, then a procedure offered through it: the mix stays as wanted
        # whatever the catalogue offers online.
        procedures, weights = scope.by_channel.get(
            channel, (scope.procedures, scope.procedure_weights)
        )
        procedure = procedures[bisect_left(weights, r() * weights[-1])]
        if channel not in procedure.channels:
            channel = next(iter(procedure.channels))
        if procedure.level == Level.COMMUNE:
            place = scope.communes[
                bisect_left(scope.commune_weights, r() * scope.commune_weights[-1])
            ]
            province = place.province
            reception = agency = place.centre
            if r() < 0.12:
                place = province.communes[int(r() * len(province.communes))]
        else:
            weights = scope.province_weights
            province = scope.provinces[bisect_left(weights, r() * weights[-1])]
            weights = province.commune_weights
            place = province.communes[bisect_left(weights, r() * weights[-1])]
            reception = province.centre
            agency = province.departments[procedure.department % len(province.departments)]
        if channel == DIRECT:
            delivery = "counter" if r() < 0.85 else "post"
        elif channel == ONLINE:
            x = r()
            delivery = "online" if x < 0.55 else "counter" if x < 0.9 else "post"
        else:
            delivery = "post"
        events, first_due, paused_due = self.story(
            t, channel, procedure.channels[channel], reception, agency, delivery == "online"
        )
        following = None
        if events[-1][0] > self.as_of:
            cut = [e for e in events if e[0] <= self.as_of]
            following = events[len(cut)]
            events = cut
        received = due = finished = returned = supplement = None
        for i, (at, _old, new, _role, where, note) in enumerate(events):
            if new == Status.RECEIVED:
                received, due = at, first_due
            elif new == Status.SUPPLEMENT_REQUESTED:
                answered = i + 1 < len(events) and events[i + 1][1] == Status.SUPPLEMENT_REQUESTED
                if answered and events[i + 1][2] == Status.IN_PROCESSING:
                    supplement = (where, note, at, events[i + 1][0], due, paused_due)
                    due = paused_due
                else:
                    supplement = (where, note, at, None, due, None)
            if new in FINISHING:
                finished = at
            elif new == Status.RETURNED:
                returned = at
        ts = clock.ts
        body = ",".join(
            (
                str(procedure.id),
                str(procedure.version_id),
                procedure.case,
                str(events[-1][2]),
                str(channel),
                str(reception),
                str(agency),
                procedure.level,
                r"\N",
                self.applicant(province.code),
                place.address_of(int(r() * 200) + 1),
                place.code,
                "t" if channel == ONLINE and r() < 0.75 else "f",
                delivery,
                ts(t),
                ts(received),
                ts(due),
                ts(finished),
                ts(returned),
                ts(t),
                ts(events[-1][0]),
                self.position(procedure, agency, events[-1], following),
                str(len(events) - 1),  # every transition bumps the revision
                ts(first_due if received is not None else None),
            )
        )
        return _Planned(t, reception, (t + TZ) // DAY - clock.day0, body, events, supplement)

    def position(self, procedure: _Procedure, agency: int, last: tuple, following) -> str:
        """COPY text of step, step index and assignee where the history was cut.

        In processing (4) the dossier is at the stage its elapsed share of the time to approval
        reaches (the specialist's until a supplement, payment or stop comes next); 5 and 6 keep
        the specialist's step, as the lifecycle does. The officer of that step's role in the
        agency has it in hand (claimed), or nobody yet; signature waits with the approving
        leader. Other statuses have no step.
        """
        status = last[2]
        if status not in HELD:
            return r",\N,\N"
        stages = procedure.stages
        index = 0
        if status == Status.IN_PROCESSING and following and following[2] == Status.RESULT_READY:
            start, end = last[0], following[0]
            index = _stage(stages, (self.as_of - start) / max(end - start, 1))
        stage = stages[index]
        path_index = min(index, len(stages) - 1 - (stages[-1] == "signature"))
        assignee = r"\N"
        staff = self.scope.staff.get(agency)
        if staff:
            r = self.staff_rng.random
            officers = staff.get("leader" if stage == "signature" else stage)
            if officers and r() < P_CLAIMED[stage]:
                assignee = str(officers[int(r() * len(officers))])
        return f"{stage},{path_index},{assignee}"

    def applicant(self, province: str) -> str:
        """COPY text of type, name, identity number, phone and e-mail of an applicant."""
        r = self.rng.random
        x = r()
        if x < 0.92:
            female = int(r() < 0.52)
            name = (
                f"{FAMILY[int(r() * len(FAMILY))]} {MIDDLE[female][int(r() * 8)]} "
                f"{GIVEN[female][int(r() * len(GIVEN[female]))]}"
            )
            born = 1950 + int(r() * 58)
            century = (born >= 2000) * 2 + female
            kind, number = "citizen", f"0{province}{century}{born % 100:02d}{int(r() * 1e6):06d}"
        elif x < 0.98:
            word = COMPANY_WORDS[int(r() * len(COMPANY_WORDS))]
            given = GIVEN[0][int(r() * len(GIVEN[0]))]
            kind, name, number = (
                "business",
                f"Công ty TNHH {word} {given}",
                f"{int(r() * 1e10):010d}",
            )
        elif x < 0.99:
            kind, name, number = "state_agency", f"Trường Tiểu học số {int(r() * 9) + 1}", ""
        else:
            word = COMPANY_WORDS[int(r() * len(COMPANY_WORDS))]
            kind, name, number = "other", f"Hợp tác xã {word}", ""
        phone = f"0{PHONE_PREFIXES[int(r() * len(PHONE_PREFIXES))]}{int(r() * 1e7):07d}"
        email = f"nguoinop{int(r() * 1e9):09d}@{MARKER_DOMAIN}"
        return f"{kind},{name},{number},{phone},{email}"

    def plan_batch(self, slots: list[int]) -> list[_Planned]:
        """The batch's dossiers in the order they were submitted."""
        return sorted(map(self.plan, slots), key=lambda p: p.submitted)

    def write(self, cursor, planned: list[_Planned], tables: dict[str, CopyTable | None]) -> int:
        """Number and COPY one planned batch; returns how many events it wrote."""
        clock = self.clock
        counts: dict[tuple[int, dt.date], int] = {}
        for p in planned:
            key = (p.reception, dt.date.fromordinal(EPOCH + clock.day0 + p.day))
            counts[key] = counts.get(key, 0) + 1
        numbers = {
            (agency, day.toordinal() - EPOCH - clock.day0): first
            for (agency, day), first in take_code_ranges(cursor, counts).items()
        }
        ids = take_ids(cursor, Dossier, len(planned))
        event_ids = iter(take_ids(cursor, DossierEvent, sum(len(p.events) for p in planned)))
        supplements = tables["supplements"]
        supplement_ids = iter(
            take_ids(cursor, supplements.model, sum(p.supplement is not None for p in planned))
            if supplements
            else ()
        )
        dossier_lines, event_lines, supplement_lines = [], [], []
        identifiers, ts = self.scope.identifiers, clock.ts
        dossier_line, event_line = tables["dossiers"].line, tables["events"].line
        for dossier_id, p in zip(ids, planned, strict=True):
            key = (p.reception, p.day)
            number = numbers[key]
            numbers[key] = number + 1
            code = f"{identifiers[p.reception]}-{clock.yymmdd[p.day]}-{number:04d}"
            dossier_lines.append(dossier_line(f"{dossier_id},{code},{p.body}"))
            for revision, (at, old, new, role, agency, note) in enumerate(p.events):
                kind = SUBMITTED if old is None else TRANSITION
                old_text = r"\N" if old is None else old
                event_lines.append(
                    event_line(
                        f"{next(event_ids)},{dossier_id},{kind},\\N,{role},{agency},"
                        f"{old_text},{new},{note},{ts(at)},{revision}"
                    )
                )
            if supplements and p.supplement:
                agency, reason, requested, supplied, old_due, new_due = p.supplement
                values = {
                    "id": str(next(supplement_ids)),
                    "dossier_id": str(dossier_id),
                    "agency_id": str(agency),
                    "reason": _csv(reason),
                    "previous_status": str(Status.IN_PROCESSING.value),
                    "requested_at": ts(requested),
                    "supplied_at": ts(supplied),
                    "old_appointment": ts(old_due),
                    "new_appointment": ts(new_due),
                }
                text = ",".join(values[column] for column in supplements.explicit)
                supplement_lines.append(supplements.line(text))
        tables["dossiers"].copy(cursor, dossier_lines)
        tables["events"].copy(cursor, event_lines)
        if supplements:
            supplements.copy(cursor, supplement_lines)
        return len(event_lines)

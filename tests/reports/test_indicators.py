"""The formulas of the national service index on hand-built facts (no database)."""

import datetime as dt
from decimal import Decimal

from dossiers.models import Channel, Status
from reports import indicators
from reports.indicators import ZONE as HCM
from reports.indicators import DossierFacts, Weight
from reports.models import Klass


def at(day: str, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:{minute:02d}").replace(tzinfo=HCM)


RECEIVED = at("2026-11-02")  # Monday
DUE = at("2026-11-05", 17)  # Thursday 17:00
NOW = at("2026-11-20")


def facts(**overrides) -> DossierFacts:
    values = dict(
        status=Status.RESULT_READY,
        channel=Channel.ONLINE,
        received_at=RECEIVED,
        appointment_at=DUE,
        original_appointment_at=DUE,
    )
    values.update(overrides)
    return DossierFacts(**values)


def test_end_of_processing_is_result_ready_first_whatever_the_order_of_arrival():
    # Result ready 04/11 10:00 (arrived last, with an earlier time), returned 06/11.
    events = [
        (Status.RECEIVED, RECEIVED),
        (Status.RESULT_READY, at("2026-11-04", 15)),
        (Status.RETURNED, at("2026-11-06")),
        (Status.RESULT_READY, at("2026-11-04", 10)),
    ]
    assert indicators.end_of_processing(events) == at("2026-11-04", 10)
    # No result: returned first; else the earliest of stopped / refused / withdrawn.
    assert indicators.end_of_processing([(Status.RETURNED, at("2026-11-06"))]) == at("2026-11-06")
    assert indicators.end_of_processing(
        [(Status.STOPPED, at("2026-11-07")), (Status.WITHDRAWN, at("2026-11-03"))]
    ) == at("2026-11-03")
    assert indicators.end_of_processing([(Status.IN_PROCESSING, RECEIVED)]) is None


def test_early_on_time_and_late_against_the_deadline():
    # 04/11 is a day before the deadline's day (05/11): early.
    assert indicators.classify(facts(end_at=at("2026-11-04", 16)), NOW) == Klass.EARLY
    # 05/11 16:59 ≤ 05/11 17:00, same day: on time.
    assert indicators.classify(facts(end_at=at("2026-11-05", 16, 59)), NOW) == Klass.ON_TIME
    # 05/11 17:00 = the deadline: on time (end ≤ appointment).
    assert indicators.classify(facts(end_at=DUE), NOW) == Klass.ON_TIME
    # 05/11 17:01 > deadline: late although the same day.
    assert indicators.classify(facts(end_at=at("2026-11-05", 17, 1)), NOW) == Klass.LATE
    assert indicators.is_on_time(facts(end_at=DUE), NOW) is True
    assert indicators.is_on_time(facts(end_at=at("2026-11-06")), NOW) is False


def test_two_supplement_requests_make_a_dossier_overdue_even_when_it_ended_early():
    # Ended 03/11, two days before the deadline, but 2 requests > 1: overdue.
    ended = facts(end_at=at("2026-11-03"), supplements=2)
    assert indicators.classify(ended, NOW) == Klass.LATE
    assert indicators.classify(facts(end_at=at("2026-11-03"), supplements=1), NOW) == Klass.EARLY
    still_open = facts(status=Status.IN_PROCESSING, end_at=None, supplements=2)
    assert indicators.classify(still_open, at("2026-11-03")) == Klass.IN_PROGRESS_LATE


def test_in_progress_past_the_appointment_is_late_unless_the_clock_is_paused():
    open_ = facts(status=Status.IN_PROCESSING, end_at=None)
    assert indicators.classify(open_, at("2026-11-05", 16)) == Klass.IN_PROGRESS
    assert indicators.classify(open_, at("2026-11-05", 17, 1)) == Klass.IN_PROGRESS_LATE
    assert indicators.late_since(open_, at("2026-11-06")) == DUE
    paused = facts(status=Status.SUPPLEMENT_REQUESTED, end_at=None, supplements=1, paused=True)
    assert indicators.classify(paused, at("2026-11-06")) == Klass.IN_PROGRESS
    assert indicators.late_since(paused, at("2026-11-06")) is None


def test_supplement_time_moves_the_deadline_but_an_extension_does_not():
    # The supplement stopped the clock for 2 working days: 05/11 17:00 → 09/11 17:00.
    # An extension (form 04) then moved the appointment to 12/11: the index ignores it.
    shifted = facts(
        appointment_at=at("2026-11-12", 17),
        supplement_shifts=(at("2026-11-09", 17) - DUE,),
        supplements=1,
        end_at=at("2026-11-10"),
    )
    assert indicators.deadline(shifted) == at("2026-11-09", 17)
    # 10/11 > 09/11 17:00: late, though before the extended appointment.
    assert indicators.classify(shifted, NOW) == Klass.LATE


def test_withdrawn_counts_by_its_end_and_never_received_is_outside():
    withdrawn = facts(status=Status.WITHDRAWN, end_at=at("2026-11-03"))
    assert indicators.classify(withdrawn, NOW) == Klass.EARLY
    refused = facts(status=Status.REFUSED, received_at=None, end_at=at("2026-11-02"))
    assert indicators.classify(refused, NOW) == Klass.NOT_RECEIVED
    assert indicators.is_on_time(refused, NOW) is None


def test_full_process_needs_online_submission_eligibility_and_an_online_or_postal_result():
    assert indicators.is_full_process(facts(eligible=True, result_delivery="online"))
    assert indicators.is_full_process(facts(eligible=True, result_delivery="post"))
    assert not indicators.is_full_process(facts(eligible=True, result_delivery="counter"))
    assert not indicators.is_full_process(facts(eligible=False, result_delivery="online"))
    assert not indicators.is_full_process(
        facts(channel=Channel.DIRECT, eligible=True, result_delivery="online")
    )


def test_rates_scores_and_thresholds():
    # 2 of 3 = 66.666…% → 66.67; 20 x 66.67% = 13.334 → 13.33.
    assert indicators.rate(2, 3) == Decimal("66.67")
    assert indicators.score(Decimal(20), Decimal("66.67")) == Decimal("13.33")
    # Digitised components: 81% ≥ 80% threshold → all 4 points; 79% → 4 x 0.79 = 3.16.
    assert indicators.score(Decimal(4), Decimal(81), Decimal(80)) == Decimal("4.00")
    assert indicators.score(Decimal(4), Decimal(79), Decimal(80)) == Decimal("3.16")
    assert indicators.rate(1, 0) is None and indicators.score(Decimal(6), None) is None
    # 7 of 10 digitised, full at 80%: ceil(0.8 x 10) - 7 = 1 more document.
    assert indicators.needed_for_full(7, 10, Decimal(80)) == 1
    # 2 of 3 on time, full at 100%: 3 - 2 = 1.
    assert indicators.needed_for_full(2, 3, None) == 1


def test_operational_on_time_rate():
    # 8 received + 2 carried over = 10; 1 late resolved + 1 late in progress = 2 → 20% late.
    assert indicators.operational_on_time_rate(
        received=8, carried_over=2, late_resolved=1, late_in_progress=1
    ) == Decimal("80.00")
    assert (
        indicators.operational_on_time_rate(
            received=0, carried_over=0, late_resolved=0, late_in_progress=0
        )
        is None
    )


def test_index_groups_scores_and_what_it_takes():
    totals = {
        # 10 received: 3 early, 4 on time, 1 late, 1 in progress, 1 in progress overdue.
        "received": 10,
        "early": 3,
        "on_time": 4,
        "late": 1,
        "in_progress": 1,
        "in_progress_late": 1,
        "dissatisfied": 1,
        "docs_total": 20,
        "docs_digitised": 15,
        "synced": 10,
    }
    weights = [
        Weight("progress", "progress", Decimal(20)),
        Weight("satisfaction", "dossier_satisfaction", Decimal(6), Decimal(90)),
        Weight("satisfaction", "feedback_on_time", Decimal(6)),
        Weight("digitisation", "components_digitised", Decimal(4), Decimal(80)),
        Weight("transparency", "synced", Decimal(6)),
    ]
    groups = {g.group: g for g in indicators.index_scores(weights, totals)}

    progress = groups["progress"].indicators[0]
    # (3 + 4 + 1) / 10 = 80% → 20 x 0.80 = 16 points; 10 - 8 = 2 more dossiers on time.
    assert (progress.rate, progress.score, progress.needed) == (
        Decimal("80.00"),
        Decimal("16.00"),
        2,
    )
    satisfaction = groups["satisfaction"].indicators[0]
    # 100 - (20% overdue + 10% dissatisfied) = 70% < 90% → 6 x 0.70 = 4.20; at most
    # floor(10% x 10) = 1 bad dossier, there are 3: 2 fewer.
    assert (satisfaction.rate, satisfaction.score, satisfaction.needed) == (
        Decimal("70.00"),
        Decimal("4.20"),
        2,
    )
    # Feedback is not held here: no data, no score, not counted as zero.
    feedback = groups["satisfaction"].indicators[1]
    assert not feedback.has_data and feedback.score is None
    assert groups["satisfaction"].score == Decimal("4.20")
    assert groups["satisfaction"].scored_points == Decimal(6)
    # 15 / 20 = 75% < 80% → 4 x 0.75 = 3.00; ceil(0.8 x 20) - 15 = 1 more document.
    digitised = groups["digitisation"].indicators[0]
    assert (digitised.rate, digitised.score, digitised.needed) == (
        Decimal("75.00"),
        Decimal("3.00"),
        1,
    )
    assert groups["transparency"].score == Decimal("6.00")
    assert indicators.grade(Decimal(90)) == "excellent" and indicators.grade(Decimal(49)) == "weak"

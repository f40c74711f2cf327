"""The lifecycle: one path from submission to the returned result, and what it refuses."""

import datetime as dt

import pytest
from django.db.models import Q
from django.utils import timezone

from dossiers import lifecycle
from dossiers.errors import NotPermitted, StaleDossier, TransitionNotAllowed
from dossiers.lifecycle import RULES, Action
from dossiers.models import Dossier, DossierEvent, Status, Step
from dossiers.models_documents import DocumentKind
from dossiers.models_work import DeniedAction, Extension
from sync.models import OutboxEntry
from tests.factories.dossiers import staff_of
from units.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(submitted):
    agency = submitted.reception_agency
    return {role: staff_of(agency, role) for role in Role}


def snapshot(dossier):
    return (
        Dossier.objects.filter(pk=dossier.pk)
        .values_list("status", "step", "revision", "assignee_id", "appointment_at")
        .get(),
        DossierEvent.objects.filter(dossier=dossier).count(),
        OutboxEntry.objects.filter(dossier=dossier).count(),
    )


def test_the_whole_path_records_every_step(submitted, staff, applicant):
    d = lifecycle.receive(dossier=submitted, actor=staff[Role.RECEIVER])
    assert d.status == Status.RECEIVED and d.original_appointment_at == d.appointment_at
    d = lifecycle.forward(dossier=d, actor=staff[Role.RECEIVER], note="Chuyển xử lý")
    assert (d.status, d.step) == (Status.IN_PROCESSING, Step.SPECIALIST)
    d = lifecycle.claim(dossier=d, actor=staff[Role.SPECIALIST])
    assert d.assignee == staff[Role.SPECIALIST]
    path = lifecycle.processing_path(d.version)
    for expected in [p.step for p in path[1:]]:
        actor = staff[Role(d.step)]
        d = lifecycle.forward(dossier=d, actor=actor, note="Đủ điều kiện")
        assert d.step == expected
    assert d.step == Step.LEADER
    d = lifecycle.approve(dossier=d, actor=staff[Role.LEADER])
    if d.version.written_result_required:
        assert (d.status, d.step) == (Status.IN_PROCESSING, Step.SIGNATURE)
        with pytest.raises(TransitionNotAllowed):
            lifecycle.issue_result(dossier=d, actor=staff[Role.LEADER])
        lifecycle.attach_result(dossier=d, actor=staff[Role.LEADER])
        # A written result is issued only signed: the leader's certificate for the position.
        from dossiers.lifecycle import sign_and_issue
        from signatures import ca
        from signatures.models import Position

        position = Position.objects.create(
            agency=d.agency, code="CT", title="Chủ tịch", holder=staff[Role.LEADER]
        )
        ca.issue(holder=staff[Role.LEADER], position=position)
        sign_and_issue(dossier=d, actor=staff[Role.LEADER])
        d.refresh_from_db()
    assert d.status == Status.RESULT_READY and d.finished_at is not None
    d = lifecycle.return_result(dossier=d, actor=staff[Role.RECEIVER], method="counter")
    assert d.status == Status.RETURNED and d.returned_at is not None

    events = list(d.events.order_by("at", "id"))
    assert [e.revision for e in events] == sorted(e.revision for e in events)
    assert events[-1].new_status == Status.RETURNED and events[-1].role == Role.RECEIVER
    assert events[-1].agency == d.reception_agency and events[-1].actor == staff[Role.RECEIVER]
    # Every change but taking in hand goes to the national portal, in revision order.
    revisions = list(OutboxEntry.objects.filter(dossier=d).values_list("revision", flat=True))
    assert revisions == sorted(revisions) and len(revisions) == len(events) - 1
    assert d.documents.filter(kind=DocumentKind.RESULT).exists() or not (
        d.version.written_result_required
    )


def test_a_role_that_may_not_act_is_refused_logged_and_changes_nothing(submitted, staff):
    before = snapshot(submitted)

    with pytest.raises(NotPermitted):
        lifecycle.receive(dossier=submitted, actor=staff[Role.SPECIALIST])
    with pytest.raises(NotPermitted):
        lifecycle.receive(dossier=submitted, actor=staff[Role.AUDITOR])

    assert snapshot(submitted) == before
    denied = DeniedAction.objects.filter(dossier_code=submitted.code)
    assert denied.count() == 2 and {d.action for d in denied} == {"receive"}


def test_a_state_that_does_not_allow_it_is_a_conflict(submitted, staff):
    before = snapshot(submitted)

    with pytest.raises(TransitionNotAllowed):
        lifecycle.return_result(dossier=submitted, actor=staff[Role.RECEIVER])
    with pytest.raises(TransitionNotAllowed):
        lifecycle.approve(dossier=submitted, actor=staff[Role.LEADER])

    assert snapshot(submitted) == before


def test_a_stale_page_is_refused_and_says_what_changed(submitted, staff):
    seen = submitted.revision
    lifecycle.receive(dossier=submitted, actor=staff[Role.RECEIVER])
    before = snapshot(submitted)

    with pytest.raises(StaleDossier) as caught:
        lifecycle.refuse(dossier=submitted, actor=staff[Role.RECEIVER], reason="Sai", revision=seen)

    assert snapshot(submitted) == before
    assert [e.new_status for e in caught.value.events] == [Status.RECEIVED]


def test_a_second_officer_cannot_take_a_dossier_in_hand(submitted, staff):
    from tests.factories.units import MembershipFactory

    other = MembershipFactory(agency=submitted.reception_agency, role=Role.RECEIVER).user
    lifecycle.claim(dossier=submitted, actor=staff[Role.RECEIVER])
    before = snapshot(submitted)

    from dossiers.errors import Conflict

    with pytest.raises(Conflict):
        lifecycle.claim(dossier=submitted, actor=other)
    assert snapshot(submitted) == before


def test_extension_only_before_the_appointment_and_later_than_it(submitted, staff):
    d = lifecycle.receive(dossier=submitted, actor=staff[Role.RECEIVER])
    original = d.appointment_at

    with pytest.raises(TransitionNotAllowed):
        lifecycle.extend(
            dossier=d,
            actor=staff[Role.LEADER],
            new_appointment=original - dt.timedelta(hours=1),
            reason="Cần xác minh",
        )
    extension = lifecycle.extend(
        dossier=d,
        actor=staff[Role.LEADER],
        new_appointment=original + dt.timedelta(days=3),
        reason="Cần xác minh thêm",
    )
    d.refresh_from_db()
    assert d.appointment_at == extension.new_appointment
    assert d.original_appointment_at == original == extension.old_appointment

    Dossier.objects.filter(pk=d.pk).update(appointment_at=timezone.now() - dt.timedelta(hours=1))
    before = snapshot(d)
    with pytest.raises(TransitionNotAllowed) as caught:
        lifecycle.extend(
            dossier=d,
            actor=staff[Role.LEADER],
            new_appointment=timezone.now() + dt.timedelta(days=2),
            reason="Muộn",
        )
    assert "before the appointment" in str(caught.value) or "trước" in str(caught.value)
    assert snapshot(d) == before and Extension.objects.filter(dossier=d).count() == 1


def test_refusal_and_stop_need_a_reason_and_end_the_dossier(submitted, staff):
    with pytest.raises(TransitionNotAllowed):
        lifecycle.refuse(dossier=submitted, actor=staff[Role.RECEIVER], reason=" ")
    d = lifecycle.refuse(
        dossier=submitted, actor=staff[Role.RECEIVER], reason="Không thuộc thẩm quyền"
    )
    assert d.status == Status.REFUSED and d.finished_at is not None
    assert d.events.last().note == "Không thuộc thẩm quyền"


def test_hand_over_and_back_between_agencies(submitted, staff):
    from units.models import Agency

    d = lifecycle.receive(dossier=submitted, actor=staff[Role.RECEIVER])
    d = lifecycle.forward(dossier=d, actor=staff[Role.RECEIVER])
    province = d.agency.unit.parent_id or d.agency.unit_id
    others = Agency.objects.exclude(pk=d.agency_id).filter(is_active=True)
    far = others.exclude(unit_id=province).exclude(unit__parent_id=province).first()
    before = snapshot(d)
    with pytest.raises(TransitionNotAllowed) as caught:  # another province is out of reach
        lifecycle.hand_over(dossier=d, actor=staff[Role.SPECIALIST], to=far)
    assert caught.value.field == "to" and snapshot(d) == before
    other = others.filter(Q(unit_id=province) | Q(unit__parent_id=province)).first()
    d = lifecycle.hand_over(dossier=d, actor=staff[Role.SPECIALIST], to=other, note="Xác minh")
    assert d.holder_agency == other and lifecycle.acting_agency(d) == other

    with pytest.raises(NotPermitted):  # the first agency no longer holds it
        lifecycle.hand_back(dossier=d, actor=staff[Role.SPECIALIST])
    d = lifecycle.hand_back(dossier=d, actor=staff_of(other, Role.SPECIALIST), note="Xong")
    assert d.holder_agency is None and d.status == Status.IN_PROCESSING


def test_every_rule_names_known_roles_and_statuses():
    for action, rule in RULES.items():
        assert Action(action)
        assert set(rule.sources) <= set(Status.values)
        assert set(rule.roles) <= {*Role.values, lifecycle.APPLICANT, lifecycle.GATEWAY}

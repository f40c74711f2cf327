"""The actions of processing (status 4): taking in hand, moving along the workflow's steps,
handing over to another agency and back, stopping, approving, apologising and extending."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.errors import Conflict, TransitionNotAllowed
from dossiers.lifecycle.engine import Change, perform, perform_making, reason_text
from dossiers.lifecycle.results import finished_fields
from dossiers.lifecycle.rules import Action, acting_agency, roles_in
from dossiers.models import Dossier, Status, Step
from dossiers.models_work import Extension
from units.models import Agency, Role

logger = logging.getLogger("dossiers.lifecycle")


@dataclass(frozen=True)
class PathStep:
    step: str
    name: str
    budget_hours: Decimal | None


def processing_path(version) -> list[PathStep]:
    """The internal steps of ``version`` under status 4, ending with the leader."""
    path = [
        PathStep(step=w.role, name=w.name, budget_hours=w.budget_hours)
        for w in version.workflow.all()
        if w.role in (Step.SPECIALIST, Step.DEPARTMENT_HEAD, Step.LEADER)
    ]
    if not path:
        path = [
            PathStep(Step.SPECIALIST, str(Step.SPECIALIST.label), None),
            PathStep(Step.LEADER, str(Step.LEADER.label), None),
        ]
    if path[-1].step != Step.LEADER:
        path.append(PathStep(Step.LEADER, str(Step.LEADER.label), None))
    return path


def _step_due(start: dt.datetime, budget: Decimal | None) -> dt.datetime | None:
    if not budget:
        return None
    from dossiers.calendar import add_working_time, calendar_for

    local = timezone.localtime(start)
    calendar = calendar_for(local.date(), local.date() + dt.timedelta(days=60))
    return add_working_time(start, dt.timedelta(hours=float(budget)), calendar)


def _at_step(path: list[PathStep], index: int, now: dt.datetime) -> dict:
    return {
        "step": path[index].step,
        "fields": {
            "step_index": index,
            "step_due_at": _step_due(now, path[index].budget_hours),
            "assignee": None,
            "claimed_at": None,
        },
    }


def claim(*, dossier: Dossier, actor, revision: int | None = None) -> Dossier:
    """Take the dossier in hand. Someone else holding it is a conflict, never an overwrite."""

    def change(locked: Dossier, role: str) -> Change:
        if locked.assignee_id and locked.assignee_id != actor.pk:
            raise Conflict(
                _("%(name)s took this dossier in hand at %(time)s.")
                % {
                    "name": locked.assignee.get_full_name() or locked.assignee.get_username(),
                    "time": timezone.localtime(locked.claimed_at).strftime("%H:%M %d/%m/%Y")
                    if locked.claimed_at
                    else "",
                }
            )
        return Change(fields={"assignee": actor, "claimed_at": timezone.now()})

    return perform(Action.CLAIM, dossier=dossier, actor=actor, change=change, revision=revision)


def assign(*, dossier: Dossier, actor, to, revision: int | None = None) -> Dossier:
    """A department head or leader gives the dossier to a specialist of the agency."""

    def change(locked: Dossier, role: str) -> Change:
        if Role.SPECIALIST not in roles_in(to, acting_agency(locked)):
            raise TransitionNotAllowed(
                _("%(name)s is not a specialist of this agency.") % {"name": to}, field="to"
            )
        return Change(
            fields={"assignee": to, "claimed_at": timezone.now()},
            data={"to": to.pk},
            note=to.get_full_name() or to.get_username(),
        )

    return perform(Action.ASSIGN, dossier=dossier, actor=actor, change=change, revision=revision)


def forward(*, dossier: Dossier, actor, note: str = "", revision: int | None = None) -> Dossier:
    """Move the dossier to the next step of its workflow (from the desk into processing)."""
    now = timezone.now()

    def change(locked: Dossier, role: str) -> Change:
        path = processing_path(locked.version)
        if locked.status == Status.RECEIVED:
            index = 0
        else:
            index = (locked.step_index or 0) + 1
            if index >= len(path) or path[index - 1].step == Step.LEADER:
                raise TransitionNotAllowed(_("This is the last step: the leader decides."))
        moved = _at_step(path, index, now)
        return Change(
            status=Status.IN_PROCESSING,
            step=moved["step"],
            fields=moved["fields"],
            note=(note or "").strip(),
            data={"to_step": path[index].name},
        )

    return perform(Action.FORWARD, dossier=dossier, actor=actor, change=change, revision=revision)


def send_back(*, dossier: Dossier, actor, note: str, revision: int | None = None) -> Dossier:
    """Return the dossier to the previous step with what to correct."""
    note = reason_text(note, "note")
    now = timezone.now()

    def change(locked: Dossier, role: str) -> Change:
        path = processing_path(locked.version)
        if locked.step == Step.SIGNATURE:
            index = len(path) - 1
        else:
            index = max((locked.step_index or 0) - 1, 0)
        moved = _at_step(path, index, now)
        return Change(step=moved["step"], fields=moved["fields"], note=note)

    return perform(Action.SEND_BACK, dossier=dossier, actor=actor, change=change, revision=revision)


def hand_over(
    *, dossier: Dossier, actor, to: Agency, note: str = "", revision: int | None = None
) -> Dossier:
    """Send the dossier to another agency of the province for its part (liên thông); it
    stays status 4. Agencies of another province are out of reach (their staff could not see
    the dossier's applicant data under this province's authority)."""

    def change(locked: Dossier, role: str) -> Change:
        here = acting_agency(locked)
        if not to.is_active or to.pk == here.pk:
            raise TransitionNotAllowed(_("Choose another active agency."), field="to")
        if _province_of(to) != _province_of(here):
            raise TransitionNotAllowed(
                _("Choose an agency of this province: inter-agency work stays in the province."),
                field="to",
            )
        return Change(
            fields={"holder_agency": to, "assignee": None, "claimed_at": None},
            note=(note or "").strip(),
            data={"to": to.identifier},
        )

    return perform(Action.HAND_OVER, dossier=dossier, actor=actor, change=change, revision=revision)


def _province_of(agency: Agency) -> str:
    unit = agency.unit
    return unit.pk if unit.parent_id is None else unit.parent_id


def hand_back(*, dossier: Dossier, actor, note: str = "", revision: int | None = None) -> Dossier:
    """The other agency has done its part: the dossier returns to the competent agency."""
    return perform(
        Action.HAND_BACK,
        dossier=dossier,
        actor=actor,
        revision=revision,
        change=lambda locked, role: Change(
            fields={"holder_agency": None, "assignee": None, "claimed_at": None},
            note=(note or "").strip(),
        ),
    )


def stop(*, dossier: Dossier, actor, reason: str, revision: int | None = None) -> Dossier:
    """Stop processing (form 05, status 8) with the legal reason."""
    reason = reason_text(reason)
    return perform(
        Action.STOP,
        dossier=dossier,
        actor=actor,
        revision=revision,
        change=lambda locked, role: Change(
            status=Status.STOPPED, note=reason, fields={"finished_at": timezone.now()}
        ),
    )


def approve(*, dossier: Dossier, actor, note: str = "", revision: int | None = None) -> Dossier:
    """The leader approves: the result waits for the leader's signature when the procedure
    requires a written result, else it is ready at once (status 9)."""

    def change(locked: Dossier, role: str) -> Change:
        if locked.version.written_result_required:
            return Change(
                step=Step.SIGNATURE,
                note=(note or "").strip(),
                fields={"step_due_at": None, "assignee": actor, "claimed_at": timezone.now()},
            )
        return Change(
            status=Status.RESULT_READY,
            step=Step.NONE,
            note=(note or "").strip(),
            fields=finished_fields(),
        )

    return perform(Action.APPROVE, dossier=dossier, actor=actor, change=change, revision=revision)


def extend(
    *,
    dossier: Dossier,
    actor,
    new_appointment: dt.datetime,
    reason: str,
    revision: int | None = None,
) -> Extension:
    """Apologise and set a new appointment (form 04), before the appointment passes.

    The original appointment stays on record: the national index still counts against it.
    """
    reason = reason_text(reason)
    now = timezone.now()

    def change(locked: Dossier, role: str) -> Change:
        if locked.appointment_at is None:
            raise TransitionNotAllowed(_("The dossier has no appointment yet."))
        if locked.appointment_at <= now:
            raise TransitionNotAllowed(
                _(
                    "The appointment passed at %(time)s: an apology and extension (form 04) "
                    "must be sent before the appointment passes."
                )
                % {"time": timezone.localtime(locked.appointment_at).strftime("%H:%M %d/%m/%Y")},
                field="new_appointment",
            )
        if new_appointment <= locked.appointment_at:
            raise TransitionNotAllowed(
                _("The new appointment must be later than the current one."),
                field="new_appointment",
            )
        extension = Extension.objects.create(
            dossier=locked,
            old_appointment=locked.appointment_at,
            new_appointment=new_appointment,
            reason=reason,
            by=actor,
            at=now,
        )
        return Change(
            fields={"appointment_at": new_appointment},
            note=reason,
            data={
                "old_appointment": locked.appointment_at.isoformat(),
                "new_appointment": new_appointment.isoformat(),
            },
            made=extension,
        )

    _locked, extension = perform_making(
        Action.EXTEND, dossier=dossier, actor=actor, change=change, revision=revision
    )
    return extension

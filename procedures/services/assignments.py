"""Effective-dated implementing assignments: who settles a procedure, where, from when."""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from procedures.errors import AssignmentOverlapError
from procedures.models import Assignment, CatalogueEvent, Procedure


def overlapping(
    *,
    procedure_id: int,
    level: str,
    scope_id: str,
    agency_id: int | None,
    valid_from: dt.date,
    valid_to: dt.date | None,
):
    """Assignments of the same procedure to the same target whose range meets [from, to)."""
    qs = Assignment.objects.filter(
        procedure_id=procedure_id, level=level, scope_id=scope_id, agency_id=agency_id
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=valid_from))
    if valid_to is not None:
        qs = qs.filter(valid_from__lt=valid_to)
    return qs


@transaction.atomic
def assignment_create(
    *,
    procedure: Procedure,
    level: str,
    scope,
    agency=None,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    batch=None,
    note: str = "",
    actor=None,
) -> Assignment:
    """Add an assignment; refuse one whose range overlaps the same target's."""
    clash = overlapping(
        procedure_id=procedure.pk,
        level=level,
        scope_id=scope.pk,
        agency_id=agency.pk if agency else None,
        valid_from=valid_from,
        valid_to=valid_to,
    ).first()
    if clash is not None:
        raise AssignmentOverlapError(
            _(
                "Procedure %(code)s is already assigned to this target from %(start)s%(end)s; "
                "the ranges would overlap."
            )
            % {
                "code": procedure.code,
                "start": clash.valid_from.strftime("%d/%m/%Y"),
                "end": f" - {clash.valid_to:%d/%m/%Y}" if clash.valid_to else "",
            }
        )
    return Assignment.objects.create(
        procedure=procedure,
        level=level,
        scope=scope,
        agency=agency,
        valid_from=valid_from,
        valid_to=valid_to,
        batch=batch,
        note=note,
    )


@transaction.atomic
def assignment_close(
    *, assignment: Assignment, valid_to: dt.date, batch=None, actor=None
) -> Assignment:
    """End an assignment on ``valid_to`` (it no longer applies from that day)."""
    previous = assignment.valid_to
    assignment.valid_to = valid_to
    assignment.closed_by_batch = batch
    assignment.save(update_fields=["valid_to", "closed_by_batch"])
    CatalogueEvent.objects.create(
        action=CatalogueEvent.Action.ASSIGNMENT_CLOSED,
        procedure=assignment.procedure,
        actor=actor,
        batch=batch,
        data={**_describe(assignment), "previous_valid_to": previous and previous.isoformat()},
    )
    return assignment


def _describe(assignment: Assignment) -> dict:
    return {
        "assignment": assignment.pk,
        "level": assignment.level,
        "scope": assignment.scope_id,
        "agency": assignment.agency_id,
        "valid_from": assignment.valid_from.isoformat(),
        "valid_to": assignment.valid_to and assignment.valid_to.isoformat(),
    }

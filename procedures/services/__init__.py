"""Every change to the catalogue goes through these services (see STYLE.md rule 1)."""

from procedures.services.assignments import assignment_close, assignment_create
from procedures.services.reassignment import (
    reassignment_apply,
    reassignment_commit,
    reassignment_preview,
    reassignment_reroute_due,
    reassignment_revert,
    reassignment_schedule,
)
from procedures.services.versions import procedure_upsert, workflow_check

__all__ = [
    "assignment_close",
    "assignment_create",
    "procedure_upsert",
    "reassignment_apply",
    "reassignment_commit",
    "reassignment_preview",
    "reassignment_reroute_due",
    "reassignment_revert",
    "reassignment_schedule",
    "workflow_check",
]

"""The assignments a reassignment creates, checked and written set-based.

A batch to every commune chosen one by one creates procedures x communes rows (50 x 168 = 8,400
for Hồ Chí Minh City): one query looks for an overlap across all targets and one statement
writes them, however many targets there are.
"""

import datetime as dt
from collections import defaultdict

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from procedures.models import Assignment
from procedures.selectors import active_on

# (level, scope code, agency id) of each assignment to create per procedure.
Target = tuple[str, str, int | None]


def _on_targets(targets: list[Target]) -> Q:
    """Assignments on any of ``targets`` (grouped by level and agency: one IN per group)."""
    scopes: dict[tuple[str, int | None], list[str]] = defaultdict(list)
    for level, scope, agency_id in targets:
        scopes[level, agency_id].append(scope)
    condition = Q(pk__in=[])
    for (level, agency_id), codes in scopes.items():
        condition |= Q(level=level, agency_id=agency_id, scope_id__in=codes)
    return condition


def first_overlap(
    *, procedure_ids: list[int], targets: list[Target], on: dt.date
) -> Assignment | None:
    """An assignment of these procedures to one of the targets in force on ``on`` or starting
    later (a new one from ``on`` would overlap it), or ``None``."""
    order = {(level, scope, agency): i for i, (level, scope, agency) in enumerate(targets)}
    clashes = (
        Assignment.objects.filter(procedure_id__in=procedure_ids)
        .filter(_on_targets(targets))
        .filter(active_on(on) | Q(valid_from__gt=on))
        .select_related("procedure")
    )
    # The first target's, as when each target was checked in turn (usually there is none).
    return min(
        clashes,
        key=lambda a: (order[a.level, a.scope_id, a.agency_id], a.procedure_id, a.valid_from, a.pk),
        default=None,
    )


INSERT_ASSIGNMENTS = """
INSERT INTO procedures_assignment
       (procedure_id, level, scope_id, agency_id, valid_from, valid_to, batch_id,
        closed_by_batch_id, note, created_at)
SELECT p.id, t.level, t.scope, t.agency, %(valid_from)s, NULL, %(batch)s, NULL, %(note)s,
       %(now)s
  FROM unnest(%(levels)s::text[], %(scopes)s::text[], %(agencies)s::bigint[])
       WITH ORDINALITY AS t(level, scope, agency, n)
 CROSS JOIN unnest(%(procedures)s::bigint[]) WITH ORDINALITY AS p(id, n)
 ORDER BY t.n, p.n
"""


def create_assignments(*, batch, procedure_ids: list[int], targets: list[Target]) -> int:
    """Each procedure to each target from the batch's effective date; one statement (on
    PostgreSQL)."""
    if not targets or not procedure_ids:
        return 0
    if connection.vendor != "postgresql":  # embedded mode (SQLite): a small catalogue
        rows = Assignment.objects.bulk_create(
            Assignment(
                procedure_id=pid,
                level=level,
                scope_id=scope,
                agency_id=agency_id,
                valid_from=batch.effective_on,
                batch=batch,
                note=batch.reason[:300],
            )
            for level, scope, agency_id in targets
            for pid in procedure_ids
        )
        return len(rows)
    levels, scopes, agencies = (list(column) for column in zip(*targets, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            INSERT_ASSIGNMENTS,
            {
                "valid_from": batch.effective_on,
                "batch": batch.pk,
                "note": batch.reason[:300],
                "now": timezone.now(),
                "levels": levels,
                "scopes": scopes,
                "agencies": agencies,
                "procedures": list(procedure_ids),
            },
        )
        return cursor.rowcount

"""Re-routing open dossiers of dissolved districts when their procedures are reassigned.

A lifecycle action on many dossiers at once: ``reroute_dossiers`` moves a batch's open dossiers
to their receiving agencies and ``reroute_dossiers_back`` undoes exactly those moves. Each moved
dossier gets a new revision and a ``rerouted`` (or ``reroute_reverted``) event naming the batch,
the agency it left and the one it went to. The work is set-based: whatever the number of
dossiers, one statement per table (the dossiers, their events, and the sync's outbox), so a
province's 10,000 open dossiers move in one go.

Registered with ``procedures.hooks`` (``DossierRerouter``) in ``DossiersConfig.ready()``; called
inside the reassignment's transaction. The dossiers' new revisions are announced through
``dossiers.hooks.changed_set`` (the sync queues them for the national portal).
"""

from collections import Counter, defaultdict

from django.db import connection
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import hooks
from dossiers.models import OPEN_STATUSES, Dossier, DossierEvent
from procedures.errors import ReassignmentError
from procedures.hooks import RerouteRequest
from units.models import Agency, AgencyKind, Succession, Unit, UnitLevel

# Prefer the commune's service centre, then its People's Committee.
RECEIVING_KINDS = (AgencyKind.COMMUNE_SERVICE_CENTRE, AgencyKind.COMMUNE_COMMITTEE)


def _open_dossiers(request: RerouteRequest):
    return Dossier.objects.filter(
        status__in=OPEN_STATUSES,
        procedure_id__in=request.procedure_ids,
        agency__unit__level=UnitLevel.FORMER_DISTRICT,
        agency__unit__parent_id=request.province_code,
    )


class _Plan:
    """Where an open dossier goes: the successor commune of its district that is the
    applicant's home (or the first successor), among the chosen communes if any; or the target.

    Decided per (district, applicant's commune) pair, so its cost does not grow with dossiers.
    """

    def __init__(self, request: RerouteRequest, district_codes: set[str]):
        self.request = request
        self.successors: dict[str, list[str]] = defaultdict(list)
        for pred, succ in (
            Succession.objects.filter(predecessor_id__in=district_codes)
            .order_by("successor_id")
            .values_list("predecessor_id", "successor_id")
        ):
            self.successors[pred].append(succ)
        self.chosen = set(request.target_commune_codes)
        self.agency_of_unit: dict[str, int] = {}
        agencies = Agency.objects.filter(
            kind__in=RECEIVING_KINDS, is_active=True, unit__parent_id=request.province_code
        ).order_by("unit_id", "kind", "id")
        best_kind: dict[str, int] = {}
        for agency_id, unit_id, kind in agencies.values_list("id", "unit_id", "kind"):
            rank = RECEIVING_KINDS.index(kind)
            if unit_id not in best_kind or rank < best_kind[unit_id]:
                best_kind[unit_id] = rank
                self.agency_of_unit[unit_id] = agency_id
        self.target_agency_id = request.target_agency_id
        self.target_unit = (
            Agency.objects.values_list("unit_id", flat=True).get(pk=request.target_agency_id)
            if request.target_agency_id
            else None
        )

    def unit_for(self, district: str, home: str | None) -> str:
        if self.target_unit is not None:
            return self.target_unit
        successors = self.successors.get(district, [])
        if self.chosen:
            candidates = [c for c in successors if c in self.chosen] or sorted(self.chosen)
        else:
            candidates = successors
        if not candidates:
            raise ReassignmentError(
                _(
                    "No successor commune is known for the former district %(code)s: load its "
                    "successors with load_units --former-districts."
                )
                % {"code": district}
            )
        return home if home in candidates else candidates[0]

    def agency_for(self, district: str, home: str | None) -> int:
        if self.target_agency_id is not None:
            return self.target_agency_id
        unit = self.unit_for(district, home)
        agency_id = self.agency_of_unit.get(unit)
        if agency_id is None:
            name = Unit.objects.filter(code=unit).values_list("name", flat=True).first() or unit
            raise ReassignmentError(
                _("%(name)s (%(code)s) has no commune agency to receive dossiers; add it first.")
                % {"name": name, "code": unit}
            )
        return agency_id


def count_open_dossiers(*, request: RerouteRequest) -> dict[str, int]:
    """Open dossiers that a reassignment would move, per receiving unit code (its preview)."""
    pairs = list(
        _open_dossiers(request)
        .values_list("agency__unit_id", "applicant_commune_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    plan = _Plan(request, {district for district, _home, _n in pairs})
    counts: Counter[str] = Counter()
    for district, home, n in pairs:
        counts[plan.unit_for(district, home)] += n
    return dict(counts)


def reroute_dossiers(*, batch) -> int:
    """Move the batch's open dossiers to their receiving agencies; return how many moved.

    The dossiers are locked and every destination decided before anything is written, so a
    district without a successor (or a commune without an agency) refuses the whole batch.
    """
    request = RerouteRequest.of_batch(batch)
    rows = list(
        _open_dossiers(request)
        .select_for_update(of=("self",))
        .order_by("id")
        .values_list("id", "agency_id", "agency__unit_id", "applicant_commune_id")
    )
    if not rows:
        return 0
    plan = _Plan(request, {district for _id, _agency, district, _home in rows})
    decided: dict[tuple[str, str | None], int] = {}
    moves = []
    for dossier_id, agency_id, district, home in rows:
        if (district, home) not in decided:
            decided[district, home] = plan.agency_for(district, home)
        moves.append((dossier_id, agency_id, decided[district, home]))
    return _move(
        moves,
        kind=DossierEvent.Kind.REROUTED,
        actor_id=batch.created_by_id,
        note=batch.reason,
        batch_id=batch.pk,
    )


def reroute_dossiers_back(*, batch) -> int:
    """Move the dossiers this batch re-routed back where they came from; return how many."""
    moved = (
        DossierEvent.objects.filter(kind=DossierEvent.Kind.REROUTED, data__batch=batch.pk)
        .order_by("dossier_id")
        .values_list("dossier_id", "data__to_agency", "data__from_agency")
    )
    return _move(
        list(moved),
        kind=DossierEvent.Kind.REROUTE_REVERTED,
        actor_id=batch.reverted_by_id,
        note=batch.revert_reason,
        batch_id=batch.pk,
    )


class DossierRerouter:
    """The ``procedures.hooks`` face of re-routing."""

    def count_open(self, *, request: RerouteRequest) -> dict[str, int]:
        return count_open_dossiers(request=request)

    def reroute(self, *, batch) -> int:
        return reroute_dossiers(batch=batch)

    def revert(self, *, batch) -> int:
        return reroute_dossiers_back(batch=batch)


# The old agency's officers no longer hold a moved dossier: the new agency takes it in hand.
MOVE_DOSSIERS = """
UPDATE dossiers_dossier AS d
   SET agency_id = m.to_agency, revision = d.revision + 1, assignee_id = NULL, claimed_at = NULL
  FROM unnest(%(ids)s::bigint[], %(to)s::bigint[]) AS m(id, to_agency)
 WHERE d.id = m.id
"""
# After the move: each event carries the dossier's new revision.
WRITE_EVENTS = """
INSERT INTO dossiers_dossierevent
       (dossier_id, kind, actor_id, role, agency_id, old_status, new_status, old_step, new_step,
        revision, note, data, at)
SELECT d.id, %(kind)s, %(actor)s, '', m.to_agency, NULL, NULL, '', '',
       d.revision, %(note)s,
       jsonb_build_object('batch', %(batch)s::bigint, 'from_agency', m.from_agency,
                          'to_agency', m.to_agency),
       %(now)s
  FROM unnest(%(ids)s::bigint[], %(from)s::bigint[], %(to)s::bigint[])
       AS m(id, from_agency, to_agency)
  JOIN dossiers_dossier AS d ON d.id = m.id
 ORDER BY d.id
RETURNING id
"""


def _move(moves: list[tuple[int, int, int]], *, kind, actor_id, note, batch_id) -> int:
    """(dossier, from agency, to agency) triples: one UPDATE and one event INSERT however many
    dossiers, then the new events announced at once (the sync writes their outbox rows in one
    statement too)."""
    if not moves:
        return 0
    write = _write_set_based if connection.vendor == "postgresql" else _write_portable
    hooks.changed_set(write(moves, kind=kind, actor_id=actor_id, note=note, batch_id=batch_id))
    return len(moves)


def _write_set_based(moves, *, kind, actor_id, note, batch_id) -> list[int]:
    """PostgreSQL: the moves as arrays, one statement per table; returns the new events' ids."""
    ids, from_agencies, to_agencies = (list(column) for column in zip(*moves, strict=True))
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(MOVE_DOSSIERS, {"ids": ids, "to": to_agencies})
        cursor.execute(
            WRITE_EVENTS,
            {
                "ids": ids,
                "from": from_agencies,
                "to": to_agencies,
                "kind": kind,
                "actor": actor_id,
                "note": note,
                "batch": batch_id,
                "now": now,
            },
        )
        return [row[0] for row in cursor.fetchall()]


def _write_portable(moves, *, kind, actor_id, note, batch_id) -> list[int]:
    """Embedded mode (SQLite, a small catalogue): the same rows through the ORM, an UPDATE per
    receiving agency and the events in bulk."""
    by_target: dict[int, list[int]] = defaultdict(list)
    for dossier_id, _old, new in moves:
        by_target[new].append(dossier_id)
    for agency_id, ids in by_target.items():
        Dossier.objects.filter(pk__in=ids).update(
            agency_id=agency_id, revision=F("revision") + 1, assignee=None, claimed_at=None
        )
    revisions = dict(
        Dossier.objects.filter(pk__in=[m[0] for m in moves]).values_list("pk", "revision")
    )
    events = DossierEvent.objects.bulk_create(
        DossierEvent(
            dossier_id=dossier_id,
            kind=kind,
            actor_id=actor_id,
            agency_id=new,
            note=note,
            data={"batch": batch_id, "from_agency": old, "to_agency": new},
            revision=revisions[dossier_id],
        )
        for dossier_id, old, new in sorted(moves)
    )
    return [event.pk for event in events]

"""Re-routing open dossiers of dissolved districts when their procedures are reassigned.

Registered with ``procedures.hooks`` in ``DossiersConfig.ready()``; called inside the
reassignment's transaction. Each moved dossier gets a ``rerouted`` event naming the batch, the
agency it left and the one it went to; a revert moves back exactly those dossiers.
"""

from collections import Counter, defaultdict

from django.db.models import F, Prefetch
from django.utils.translation import gettext as _

from dossiers import hooks
from dossiers.models import OPEN_STATUSES, Dossier, DossierEvent
from procedures.errors import ReassignmentError
from procedures.hooks import RerouteRequest
from units.models import Agency, AgencyKind, Succession, Unit, UnitLevel

# Prefer the commune's service centre, then its People's Committee.
RECEIVING_KINDS = (AgencyKind.COMMUNE_SERVICE_CENTRE, AgencyKind.COMMUNE_COMMITTEE)


def _open_dossiers(request: RerouteRequest):
    return (
        Dossier.objects.filter(
            status__in=OPEN_STATUSES,
            procedure_id__in=request.procedure_ids,
            agency__unit__level=UnitLevel.FORMER_DISTRICT,
            agency__unit__parent_id=request.province_code,
        )
        .select_related("agency")
        .order_by("id")
    )


class _Plan:
    """Where each open dossier goes: the successor commune it belongs to, or the target."""

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
        self.agency_of_unit: dict[str, Agency] = {}
        agencies = Agency.objects.filter(
            kind__in=RECEIVING_KINDS, is_active=True, unit__parent_id=request.province_code
        ).order_by("unit_id", "kind", "id")
        for agency in agencies:
            current = self.agency_of_unit.get(agency.unit_id)
            if current is None or RECEIVING_KINDS.index(agency.kind) < RECEIVING_KINDS.index(
                current.kind
            ):
                self.agency_of_unit[agency.unit_id] = agency
        self.target_agency = (
            Agency.objects.get(pk=request.target_agency_id) if request.target_agency_id else None
        )

    def unit_for(self, dossier: Dossier) -> str:
        if self.target_agency is not None:
            return self.target_agency.unit_id
        successors = self.successors.get(dossier.agency.unit_id, [])
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
                % {"code": dossier.agency.unit_id}
            )
        home = dossier.applicant_commune_id
        return home if home in candidates else candidates[0]

    def agency_for(self, dossier: Dossier) -> Agency:
        if self.target_agency is not None:
            return self.target_agency
        unit = self.unit_for(dossier)
        agency = self.agency_of_unit.get(unit)
        if agency is None:
            name = Unit.objects.filter(code=unit).values_list("name", flat=True).first() or unit
            raise ReassignmentError(
                _("%(name)s (%(code)s) has no commune agency to receive dossiers; add it first.")
                % {"name": name, "code": unit}
            )
        return agency


class DossierRerouter:
    def count_open(self, *, request: RerouteRequest) -> dict[str, int]:
        dossiers = list(_open_dossiers(request))
        plan = _Plan(request, {d.agency.unit_id for d in dossiers})
        return dict(Counter(plan.unit_for(d) for d in dossiers))

    def reroute(self, *, batch) -> int:
        request = RerouteRequest.of_batch(batch)
        dossiers = list(_open_dossiers(request).select_for_update(of=("self",)))
        if not dossiers:
            return 0
        plan = _Plan(request, {d.agency.unit_id for d in dossiers})
        moves = [(d, d.agency, plan.agency_for(d)) for d in dossiers]
        by_target: dict[int, list[int]] = defaultdict(list)
        for dossier, _old, new in moves:
            by_target[new.pk].append(dossier.pk)
        for agency_id, ids in by_target.items():
            # The old agency's officers no longer hold it: the new agency takes it in hand.
            Dossier.objects.filter(pk__in=ids).update(
                agency_id=agency_id, revision=F("revision") + 1, assignee=None, claimed_at=None
            )
        for dossier, _old, new in moves:
            dossier.agency_id, dossier.agency = new.pk, new
            dossier.revision += 1
            dossier.assignee_id = None
        events = DossierEvent.objects.bulk_create(
            [
                DossierEvent(
                    dossier=dossier,
                    kind=DossierEvent.Kind.REROUTED,
                    actor=batch.created_by,
                    agency=new,
                    note=batch.reason,
                    data={"batch": batch.pk, "from_agency": old.pk, "to_agency": new.pk},
                    revision=dossier.revision,
                )
                for dossier, old, new in moves
            ],
            batch_size=2000,
        )
        _outbox([(dossier, event) for (dossier, _o, _n), event in zip(moves, events, strict=True)])
        return len(moves)

    def revert(self, *, batch) -> int:
        events = DossierEvent.objects.filter(
            kind=DossierEvent.Kind.REROUTED, data__batch=batch.pk
        ).prefetch_related(Prefetch("dossier"))
        back: dict[int, list[int]] = defaultdict(list)
        reverted = []
        revisions = dict(
            Dossier.objects.select_for_update()
            .filter(pk__in=[e.dossier_id for e in events])
            .values_list("pk", "revision")
        )
        for event in events:
            back[event.data["from_agency"]].append(event.dossier_id)
            reverted.append(
                DossierEvent(
                    dossier_id=event.dossier_id,
                    kind=DossierEvent.Kind.REROUTE_REVERTED,
                    actor=batch.reverted_by,
                    agency_id=event.data["from_agency"],
                    note=batch.revert_reason,
                    data={
                        "batch": batch.pk,
                        "from_agency": event.data["to_agency"],
                        "to_agency": event.data["from_agency"],
                    },
                    revision=revisions[event.dossier_id] + 1,
                )
            )
        for agency_id, ids in back.items():
            Dossier.objects.filter(pk__in=ids).update(
                agency_id=agency_id, revision=F("revision") + 1, assignee=None, claimed_at=None
            )
        created = DossierEvent.objects.bulk_create(reverted, batch_size=2000)
        fresh = Dossier.objects.in_bulk([e.dossier_id for e in created])
        _outbox([(fresh[e.dossier_id], e) for e in created])
        return len(reverted)


def _outbox(pairs: list[tuple[Dossier, DossierEvent]]) -> None:
    """Each moved dossier's new revision is announced (the sync sends it: its agency changed)."""
    hooks.changed_many(pairs)

"""Moving procedures from the former district level to communes or the province.

preview → commit (one transaction, audit event) → dossiers re-routed (now, or by the scheduled
task on the effective date) → revert restores the assignments exactly as they were.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from celery import shared_task
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.dispatch import after_commit
from procedures.errors import AssignmentOverlapError, ReassignmentError
from procedures.hooks import RerouteRequest, rerouters
from procedures.models import Assignment, CatalogueEvent, Level, Procedure, ReassignmentBatch
from procedures.selectors import former_district_assignments
from procedures.services.reassignment_rows import create_assignments, first_overlap
from units.models import Agency, AgencyKind, Unit, UnitLevel

Target = ReassignmentBatch.Target
COMMUNE_AGENCY_KINDS = (AgencyKind.COMMUNE_COMMITTEE, AgencyKind.COMMUNE_SERVICE_CENTRE)
PROGRESS_TIMEOUT = 24 * 3600


@dataclass
class Preview:
    province: Unit
    procedures: list[Procedure]
    target: str
    target_agency: Agency | None
    target_communes: list[Unit]
    effective_on: dt.date
    target_agencies: list[Agency]
    commune_count: int
    assignments_to_close: int
    assignments_to_create: int
    dossiers_by_commune: dict[str, int] = field(default_factory=dict)

    @property
    def dossier_count(self) -> int:
        return sum(self.dossiers_by_commune.values())


def _validate(
    *,
    province: Unit,
    procedure_ids: list[int],
    target: str,
    target_agency: Agency | None,
    target_communes: list[Unit],
    effective_on: dt.date | None,
) -> tuple[list[Procedure], list[Assignment]]:
    if province.level != UnitLevel.PROVINCE:
        raise ReassignmentError(_("Choose a province."), field="province")
    if effective_on is None:
        raise ReassignmentError(_("Choose the effective date."), field="effective_on")
    if not procedure_ids:
        raise ReassignmentError(_("Choose at least one procedure."), field="procedures")
    if target not in Target.values:
        raise ReassignmentError(_("Choose where the procedures go."), field="target")
    if target == Target.PROVINCE_AGENCY:
        if target_agency is None:
            raise ReassignmentError(_("Choose the province agency."), field="target_agency")
        if target_agency.unit_id != province.code:
            raise ReassignmentError(
                _("%(agency)s is not a province-level agency of %(province)s.")
                % {"agency": target_agency.name, "province": province.name},
                field="target_agency",
            )
    if target == Target.CHOSEN_COMMUNES:
        if not target_communes:
            raise ReassignmentError(_("Choose at least one commune."), field="target_communes")
        outside = [
            u.name
            for u in target_communes
            if u.parent_id != province.code or u.level != UnitLevel.COMMUNE
        ]
        if outside:
            raise ReassignmentError(
                _("These communes are not in %(province)s: %(names)s.")
                % {"province": province.name, "names": ", ".join(outside)},
                field="target_communes",
            )
    current = list(
        former_district_assignments(province_code=province.code, on=effective_on)
        .filter(procedure_id__in=procedure_ids)
        .select_related("procedure")
    )
    held = {a.procedure_id for a in current}
    missing = sorted(set(procedure_ids) - held)
    if missing:
        codes = Procedure.objects.filter(pk__in=missing).values_list("code", flat=True)
        raise ReassignmentError(
            _(
                "These procedures are not assigned to the former district level of %(province)s "
                "on %(date)s: %(codes)s."
            )
            % {
                "province": province.name,
                "date": effective_on.strftime("%d/%m/%Y"),
                "codes": ", ".join(codes) or ", ".join(map(str, missing)),
            },
            field="procedures",
        )
    procedures = sorted({a.procedure for a in current}, key=lambda p: p.code)
    return procedures, current


def _new_assignment_targets(
    *, province: Unit, target: str, target_agency: Agency | None, target_communes: list[Unit]
) -> list[tuple[str, str, int | None]]:
    """(level, scope code, agency id) of each assignment to create per procedure."""
    if target == Target.ALL_COMMUNES:
        return [(Level.COMMUNE, province.code, None)]
    if target == Target.CHOSEN_COMMUNES:
        return [(Level.COMMUNE, u.code, None) for u in target_communes]
    return [(Level.PROVINCE, province.code, target_agency.pk)]


def _target_agencies(*, province: Unit, target: str, target_agency, target_communes):
    if target == Target.PROVINCE_AGENCY:
        return [target_agency]
    qs = Agency.objects.filter(kind__in=COMMUNE_AGENCY_KINDS, is_active=True).select_related("unit")
    if target == Target.ALL_COMMUNES:
        return list(qs.filter(unit__parent=province).order_by("unit_id", "name"))
    return list(qs.filter(unit__in=target_communes).order_by("unit_id", "name"))


def reassignment_preview(
    *,
    province: Unit,
    procedure_ids: list[int],
    target: str,
    target_agency: Agency | None = None,
    target_communes: list[Unit] | None = None,
    effective_on: dt.date | None,
) -> Preview:
    """What a reassignment would do, without doing it (the same checks as the commit)."""
    target_communes = list(target_communes or [])
    procedures, current = _validate(
        province=province,
        procedure_ids=procedure_ids,
        target=target,
        target_agency=target_agency,
        target_communes=target_communes,
        effective_on=effective_on,
    )
    targets = _new_assignment_targets(
        province=province,
        target=target,
        target_agency=target_agency,
        target_communes=target_communes,
    )
    request = RerouteRequest(
        province_code=province.code,
        procedure_ids=tuple(p.pk for p in procedures),
        target=target,
        target_agency_id=target_agency.pk if target_agency else None,
        target_commune_codes=tuple(u.code for u in target_communes),
    )
    dossiers: Counter[str] = Counter()
    for rerouter in rerouters():
        dossiers.update(rerouter.count_open(request=request))
    communes = (
        Unit.objects.filter(parent=province, level=UnitLevel.COMMUNE).count()
        if target == Target.ALL_COMMUNES
        else len(target_communes)
    )
    return Preview(
        province=province,
        procedures=procedures,
        target=target,
        target_agency=target_agency,
        target_communes=target_communes,
        effective_on=effective_on,
        target_agencies=_target_agencies(
            province=province,
            target=target,
            target_agency=target_agency,
            target_communes=target_communes,
        ),
        commune_count=communes,
        assignments_to_close=len(current),
        assignments_to_create=len(procedures) * len(targets),
        dossiers_by_commune=dict(sorted(dossiers.items())),
    )


def _progress_key(batch_id: int) -> str:
    return f"reassignment:{batch_id}:progress"


def batch_progress(batch: ReassignmentBatch) -> tuple[int, int]:
    """(done, total) of a batch; live from the cache while it runs in the background."""
    if batch.status == ReassignmentBatch.Status.RUNNING:
        live = cache.get(_progress_key(batch.pk))
        if live:
            return tuple(live)
    return batch.done, batch.total


def _apply(batch: ReassignmentBatch) -> dict:
    """The work of a commit; runs inside the caller's transaction."""
    province = batch.province
    procedure_ids = list(batch.procedures.values_list("pk", flat=True))
    communes = list(batch.target_communes.all())
    _procedures, current = _validate(
        province=province,
        procedure_ids=procedure_ids,
        target=batch.target,
        target_agency=batch.target_agency,
        target_communes=communes,
        effective_on=batch.effective_on,
    )
    targets = _new_assignment_targets(
        province=province,
        target=batch.target,
        target_agency=batch.target_agency,
        target_communes=communes,
    )
    total = len(current) + len(procedure_ids) * len(targets)
    batch.total = total
    done = 0

    closed = {}
    for assignment in current:
        closed[str(assignment.pk)] = (
            assignment.valid_to.isoformat() if assignment.valid_to else None
        )
    Assignment.objects.filter(pk__in=[a.pk for a in current]).update(
        valid_to=batch.effective_on, closed_by_batch=batch
    )
    done += len(current)
    cache.set(_progress_key(batch.pk), (done, total), PROGRESS_TIMEOUT)

    clash = first_overlap(procedure_ids=procedure_ids, targets=targets, on=batch.effective_on)
    if clash is not None:
        raise AssignmentOverlapError(
            _(
                "Procedure %(code)s is already assigned to this target from %(start)s; "
                "the ranges would overlap."
            )
            % {"code": clash.procedure.code, "start": clash.valid_from.strftime("%d/%m/%Y")}
        )
    done += create_assignments(batch=batch, procedure_ids=procedure_ids, targets=targets)
    cache.set(_progress_key(batch.pk), (done, total), PROGRESS_TIMEOUT)

    rerouted = 0
    if batch.effective_on <= timezone.localdate():
        for rerouter in rerouters():
            rerouted += rerouter.reroute(batch=batch)
        batch.dossiers_rerouted_at = timezone.now()
    summary = {
        "procedures": len(procedure_ids),
        "assignments_closed": len(current),
        "assignments_created": len(procedure_ids) * len(targets),
        "dossiers_rerouted": rerouted,
        "closed": closed,
    }
    batch.done = done
    batch.summary = summary
    batch.status = ReassignmentBatch.Status.APPLIED
    batch.applied_at = timezone.now()
    batch.save(
        update_fields=["total", "done", "summary", "status", "applied_at", "dossiers_rerouted_at"]
    )
    CatalogueEvent.objects.create(
        action=CatalogueEvent.Action.BATCH_APPLIED,
        batch=batch,
        actor=batch.created_by,
        reason=batch.reason,
        data={k: v for k, v in summary.items() if k != "closed"},
    )
    cache.delete(_progress_key(batch.pk))
    return summary


def _new_batch(
    *,
    province,
    procedure_ids,
    target,
    target_agency,
    target_communes,
    effective_on,
    reason,
    actor,
    status,
) -> ReassignmentBatch:
    if not (reason or "").strip():
        raise ReassignmentError(
            _("Give the reason: the decree or decision behind the change."), field="reason"
        )
    batch = ReassignmentBatch.objects.create(
        province=province,
        target=target,
        target_agency=target_agency,
        effective_on=effective_on,
        reason=reason.strip(),
        status=status,
        created_by=actor,
    )
    batch.procedures.set(procedure_ids)
    if target_communes:
        batch.target_communes.set(target_communes)
    return batch


def _checked_batch(
    *,
    province,
    procedure_ids,
    target,
    target_agency,
    target_communes,
    effective_on,
    reason,
    actor,
) -> ReassignmentBatch:
    """Validate a reassignment (as its preview does) and record it as a running batch."""
    communes = list(target_communes or [])
    _validate(
        province=province,
        procedure_ids=procedure_ids,
        target=target,
        target_agency=target_agency,
        target_communes=communes,
        effective_on=effective_on,
    )
    return _new_batch(
        province=province,
        procedure_ids=procedure_ids,
        target=target,
        target_agency=target_agency,
        target_communes=communes,
        effective_on=effective_on,
        reason=reason,
        actor=actor,
        status=ReassignmentBatch.Status.RUNNING,
    )


@transaction.atomic
def reassignment_commit(
    *,
    province: Unit,
    procedure_ids: list[int],
    target: str,
    target_agency: Agency | None = None,
    target_communes: list[Unit] | None = None,
    effective_on: dt.date,
    reason: str,
    actor,
) -> ReassignmentBatch:
    """Apply a reassignment in one transaction, with its audit record; all or nothing."""
    batch = _checked_batch(
        province=province,
        procedure_ids=procedure_ids,
        target=target,
        target_agency=target_agency,
        target_communes=target_communes,
        effective_on=effective_on,
        reason=reason,
        actor=actor,
    )
    _apply(batch)
    return batch


@transaction.atomic
def reassignment_schedule(
    *,
    province: Unit,
    procedure_ids: list[int],
    target: str,
    target_agency: Agency | None = None,
    target_communes: list[Unit] | None = None,
    effective_on: dt.date,
    reason: str,
    actor,
) -> ReassignmentBatch:
    """Record a batch to apply in the background (large batches); the task commits it."""
    batch = _checked_batch(
        province=province,
        procedure_ids=procedure_ids,
        target=target,
        target_agency=target_agency,
        target_communes=target_communes,
        effective_on=effective_on,
        reason=reason,
        actor=actor,
    )
    after_commit(apply_reassignment_batch, batch.pk)
    return batch


def reassignment_apply(*, batch_id: int) -> ReassignmentBatch:
    """Apply a scheduled batch in one transaction; a failure is recorded on the batch."""
    batch = ReassignmentBatch.objects.get(pk=batch_id)
    if batch.status != ReassignmentBatch.Status.RUNNING:
        return batch  # already applied or reverted: running twice changes nothing
    try:
        with transaction.atomic():
            batch = ReassignmentBatch.objects.select_for_update().get(pk=batch_id)
            if batch.status == ReassignmentBatch.Status.RUNNING:
                _apply(batch)
    except ReassignmentError as exc:
        ReassignmentBatch.objects.filter(pk=batch_id).update(
            status=ReassignmentBatch.Status.FAILED, error=str(exc)
        )
        cache.delete(_progress_key(batch_id))
    return ReassignmentBatch.objects.get(pk=batch_id)


@transaction.atomic
def reassignment_revert(*, batch: ReassignmentBatch, actor, reason: str) -> ReassignmentBatch:
    """Undo an applied batch: remove what it created, reopen what it closed, move dossiers back."""
    batch = ReassignmentBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ReassignmentBatch.Status.APPLIED:
        raise ReassignmentError(_("Only an applied reassignment can be reverted."))
    if not (reason or "").strip():
        raise ReassignmentError(_("Give the reason for reverting."), field="reason")
    later = ReassignmentBatch.objects.filter(
        province=batch.province,
        status=ReassignmentBatch.Status.APPLIED,
        pk__gt=batch.pk,
        procedures__in=batch.procedures.all(),
    ).distinct()
    if later.exists():
        raise ReassignmentError(
            _(
                "A later reassignment (#%(id)s) moved some of these procedures again; revert it "
                "first."
            )
            % {"id": later.first().pk}
        )
    # Set before the dossiers move back: their events name who reverted and why.
    batch.reverted_by = actor
    batch.revert_reason = reason.strip()[:500]
    moved_back = 0
    if batch.dossiers_rerouted_at:
        for rerouter in rerouters():
            moved_back += rerouter.revert(batch=batch)
    removed, _detail = Assignment.objects.filter(batch=batch).delete()
    closed = batch.summary.get("closed", {})
    for pk, previous in closed.items():
        Assignment.objects.filter(pk=int(pk), closed_by_batch=batch).update(
            valid_to=dt.date.fromisoformat(previous) if previous else None, closed_by_batch=None
        )
    batch.status = ReassignmentBatch.Status.REVERTED
    batch.reverted_at = timezone.now()
    batch.save(update_fields=["status", "reverted_at", "reverted_by", "revert_reason"])
    CatalogueEvent.objects.create(
        action=CatalogueEvent.Action.BATCH_REVERTED,
        batch=batch,
        actor=actor,
        reason=reason,
        data={
            "assignments_removed": removed,
            "assignments_reopened": len(closed),
            "dossiers_moved_back": moved_back,
        },
    )
    return batch


def reassignment_reroute_due(*, today: dt.date | None = None) -> int:
    """Scheduled: re-route the dossiers of applied batches whose effective date has come."""
    today = today or timezone.localdate()
    moved = 0
    due = ReassignmentBatch.objects.filter(
        status=ReassignmentBatch.Status.APPLIED,
        dossiers_rerouted_at__isnull=True,
        effective_on__lte=today,
    ).values_list("pk", flat=True)
    for pk in due:
        with transaction.atomic():
            batch = ReassignmentBatch.objects.select_for_update().get(pk=pk)
            if batch.dossiers_rerouted_at or batch.status != ReassignmentBatch.Status.APPLIED:
                continue
            for rerouter in rerouters():
                moved += rerouter.reroute(batch=batch)
            batch.dossiers_rerouted_at = timezone.now()
            batch.save(update_fields=["dossiers_rerouted_at"])
    return moved


@shared_task(name="procedures.tasks.apply_reassignment_batch", ignore_result=True)
def apply_reassignment_batch(batch_id: int) -> None:
    """Apply a large reassignment in the background (idempotent: applied batches are skipped)."""
    reassignment_apply(batch_id=batch_id)

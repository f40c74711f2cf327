"""Procedures and their versions: create, publish, and the workflow-length rule."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procedures.errors import WorkflowTooLongError
from procedures.models import (
    Case,
    CatalogueEvent,
    Channel,
    DocumentComponent,
    FeeLine,
    Field,
    Procedure,
    ProcedureVersion,
    TimeUnit,
    WorkflowStep,
)
from procedures.records import ChannelRecord, ProcedureRecord, WorkflowStepRecord
from units.text import fold

HOURS_PER_WORKING_DAY = Decimal(8)


def legal_hours(channel: ChannelRecord) -> Decimal:
    """A channel's legal time in working hours; a same-day procedure has the working day."""
    if channel.time_unit == TimeUnit.HOURS:
        return channel.processing_time
    if channel.processing_time == 0:
        return HOURS_PER_WORKING_DAY
    # Calendar days hold at least as many hours as working days: the bound stays safe.
    return channel.processing_time * HOURS_PER_WORKING_DAY


def workflow_check(
    *, channels: tuple[ChannelRecord, ...], workflow: tuple[WorkflowStepRecord, ...]
) -> None:
    """Refuse an internal workflow longer than the shortest legal processing time."""
    if not workflow or not channels:
        return
    total = sum((step.budget_hours for step in workflow), Decimal(0))
    shortest = min(channels, key=legal_hours)
    limit = legal_hours(shortest)
    if total > limit:
        raise WorkflowTooLongError(
            _(
                "The internal workflow takes %(total)s working hours, more than the %(limit)s "
                "hours of the legal processing time (%(channel)s channel)."
            )
            % {"total": _plain(total), "limit": _plain(limit), "channel": shortest.kind}
        )


def _plain(number: Decimal) -> str:
    """46.0 → "46", 1.50 → "1.5"."""
    return f"{number.normalize():f}"


def search_text_of(record: ProcedureRecord) -> str:
    """The folded name without the "Thủ tục" every name starts with, then the code."""
    name = fold(record.name)
    name = name.removeprefix("thu tuc ")
    return f"{name} {record.code}"[:1100]


def _field(name: str) -> Field:
    field, _created = Field.objects.get_or_create(name=name.strip())
    return field


def _write_version(procedure: Procedure, record: ProcedureRecord, number: int) -> ProcedureVersion:
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=number,
        status=ProcedureVersion.Status.DRAFT,
        name=record.name,
        field=_field(record.field),
        subject_types=list(record.subject_types),
        levels=list(record.levels),
        online_level=record.online_level,
        written_result_required=record.written_result_required,
        same_day_cutoff=record.same_day_cutoff,
        requirements=record.requirements,
        results=record.results,
        legal_basis=record.legal_basis,
        publishing_decision=record.publishing_decision,
        competent_agency=record.competent_agency,
        executing_agency=record.executing_agency,
        coordinating_agency=record.coordinating_agency,
        steps=list(record.steps),
        former_level=record.former_level,
        source=record.source,
        note=record.note,
        content_hash=record.content_hash(),
    )
    for channel in record.channels:
        row = Channel.objects.create(
            version=version,
            kind=channel.kind,
            processing_time=channel.processing_time,
            time_unit=channel.time_unit,
            description=channel.description,
        )
        FeeLine.objects.bulk_create(
            FeeLine(channel=row, name=f.name, amount=f.amount, note=f.note, position=i)
            for i, f in enumerate(channel.fees)
        )
    for i, case in enumerate(record.cases):
        case_row = Case.objects.create(version=version, name=case.name, position=i)
        DocumentComponent.objects.bulk_create(
            DocumentComponent(
                case=case_row,
                name=c.name,
                originals=c.originals,
                copies=c.copies,
                form_name=c.form_name,
                position=j,
            )
            for j, c in enumerate(case.components)
        )
    WorkflowStep.objects.bulk_create(
        WorkflowStep(
            version=version, name=s.name, role=s.role, budget_hours=s.budget_hours, position=i
        )
        for i, s in enumerate(record.workflow)
    )
    return version


@transaction.atomic
def procedure_upsert(
    *, record: ProcedureRecord, actor=None, reason: str = ""
) -> tuple[Procedure, str]:
    """Create a procedure or publish a new version of it; equal content changes nothing.

    Returns the procedure and what happened: ``"created"``, ``"changed"`` or ``"unchanged"``.
    The previous published version stays as it was (superseded), since dossiers point at it.
    """
    workflow_check(channels=record.channels, workflow=record.workflow)
    procedure = Procedure.objects.select_for_update().filter(code=record.code).first()
    digest = record.content_hash()
    if procedure is not None and procedure.current_version_id:
        current = procedure.current_version
        if current.content_hash == digest:
            return procedure, "unchanged"
    outcome = "changed"
    if procedure is None:
        procedure = Procedure.objects.create(
            code=record.code,
            name=record.name,
            field=_field(record.field),
            search_text=search_text_of(record),
        )
        CatalogueEvent.objects.create(
            action=CatalogueEvent.Action.PROCEDURE_CREATED,
            procedure=procedure,
            actor=actor,
            reason=reason,
            data={"code": record.code},
        )
        outcome = "created"
    number = (
        procedure.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    version = _write_version(procedure, record, number)
    procedure.versions.filter(status=ProcedureVersion.Status.PUBLISHED).update(
        status=ProcedureVersion.Status.SUPERSEDED
    )
    version.status = ProcedureVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    procedure.current_version = version
    procedure.name = record.name
    procedure.field = version.field
    procedure.online_level = record.online_level
    procedure.levels = list(record.levels)
    procedure.former_level = record.former_level
    procedure.search_text = search_text_of(record)
    procedure.save(
        update_fields=[
            "current_version",
            "name",
            "field",
            "online_level",
            "levels",
            "former_level",
            "search_text",
        ]
    )
    CatalogueEvent.objects.create(
        action=CatalogueEvent.Action.VERSION_PUBLISHED,
        procedure=procedure,
        actor=actor,
        reason=reason,
        data={"version": number},
    )
    return procedure, outcome

"""Reading catalogue files (JSON in the national portal's shape, CSV, XLSX) into records.

Every row is checked before anything is written; all errors are reported with their line
(JSON: the procedure's position, 1-based; CSV/XLSX: the spreadsheet row, header = row 1).
One row's checks are in ``procedures.import_rows``.
"""

import csv
import io
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from procedures.errors import ImportFileError
from procedures.import_rows import (
    FLAT_COLUMNS,  # noqa: F401 - re-exported: procedures.exporting writes these columns
    REQUIRED_FLAT,
    RowErrors,
    record_from_dict,
    record_from_flat,
)
from procedures.models import CatalogueEvent
from procedures.records import (
    CaseRecord,
    ComponentRecord,
    FeeRecord,
    ProcedureRecord,
    WorkflowStepRecord,
)

MAX_ERRORS = 50


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def total(self) -> int:
        return len(self.created) + len(self.changed) + len(self.unchanged)


def _rows_from_csv(content: bytes) -> list[tuple[int, dict]]:
    text = content.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    return [(i, row) for i, row in enumerate(reader, start=2)]


def _rows_from_xlsx(content: bytes) -> list[tuple[int, dict]]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
    rows = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(rows, [])]
    return [
        (i, dict(zip(header, values, strict=False)))
        for i, values in enumerate(rows, start=2)
        if any(v not in (None, "") for v in values)
    ]


def read_catalogue(content: bytes, filename: str) -> list[ProcedureRecord]:
    """Parse a whole file; raises ImportFileError listing the errors of every bad row."""
    suffix = Path(filename).suffix.lower()
    errors: list[str] = []
    records: list[ProcedureRecord] = []
    try:
        if suffix == ".json":
            data = json.loads(content.decode("utf-8-sig"))
            items = data.get("procedures") if isinstance(data, dict) else data
            if not isinstance(items, list):
                raise ImportFileError(_('The JSON file must hold a list "procedures".'))
            rows = [(i, item) for i, item in enumerate(items, start=1)]
            build, label = record_from_dict, _("Procedure %(line)s")
        elif suffix in (".csv", ".xlsx"):
            rows = _rows_from_csv(content) if suffix == ".csv" else _rows_from_xlsx(content)
            if rows:
                missing = [c for c in REQUIRED_FLAT if c not in rows[0][1]]
                if missing:
                    raise ImportFileError(
                        _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)}
                    )
            build, label = record_from_flat, _("Line %(line)s")
        else:
            raise ImportFileError(_("Only .json, .csv and .xlsx files can be imported."))
    except (UnicodeDecodeError, json.JSONDecodeError, csv.Error) as exc:
        raise ImportFileError(_("The file cannot be read: %(error)s") % {"error": exc}) from exc
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise ImportFileError(_("The file cannot be read: %(error)s") % {"error": exc}) from exc
    if not rows:
        raise ImportFileError(_("The file holds no procedure."))

    seen: dict[str, int] = {}
    for line, row in rows:
        prefix = label % {"line": line}
        try:
            record = build(row, line)
        except RowErrors as exc:
            errors.append(f"{prefix}: " + "; ".join(exc.messages))
            continue
        if record.code in seen:
            errors.append(
                f"{prefix}: "
                + _("code %(code)s already appears at %(other)s")
                % {"code": record.code, "other": seen[record.code]}
            )
            continue
        seen[record.code] = line
        records.append(record)
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise ImportFileError(details=errors[:MAX_ERRORS])
    return records


def keep_unflattened_parts(record: ProcedureRecord) -> ProcedureRecord:
    """A CSV/XLSX row has no cases, workflow, steps or agencies: keep the current version's.

    So exporting the catalogue, editing times or fees in a spreadsheet and importing it back
    loses nothing the flat file cannot carry.
    """
    from procedures.models import Procedure

    procedure = (
        Procedure.objects.filter(code=record.code, current_version__isnull=False)
        .select_related("current_version")
        .first()
    )
    if procedure is None:
        return record
    version = procedure.current_version
    channels = {c.kind: c for c in version.channels.prefetch_related("fees")}
    stored_fees = {
        kind: tuple(FeeRecord(name=f.name, amount=f.amount, note=f.note) for f in c.fees.all())
        for kind, c in channels.items()
    }
    # The flat file has one fee for every channel: the first the export found. When the row
    # still carries that fee, the per-channel fee lines stay as they were.
    exported_fee = next((fees[0] for fees in stored_fees.values() if fees), None)
    row_fee = next((c.fees[0] for c in record.channels if c.fees), None)
    same_fee = (
        exported_fee
        and row_fee
        and (exported_fee.name, exported_fee.amount) == (row_fee.name, row_fee.amount)
    ) or (exported_fee is None and row_fee is None)
    merged_channels = tuple(
        replace(
            c,
            description=channels[c.kind].description,
            fees=stored_fees[c.kind] if same_fee else c.fees,
        )
        if c.kind in channels
        else c
        for c in record.channels
    )
    return replace(
        record,
        channels=merged_channels,
        competent_agency=version.competent_agency,
        executing_agency=version.executing_agency,
        coordinating_agency=version.coordinating_agency,
        steps=tuple(version.steps),
        note=version.note,
        cases=tuple(
            CaseRecord(
                name=case.name,
                components=tuple(
                    ComponentRecord(
                        name=c.name, originals=c.originals, copies=c.copies, form_name=c.form_name
                    )
                    for c in case.components.all()
                ),
            )
            for case in version.cases.prefetch_related("components")
        ),
        workflow=tuple(
            WorkflowStepRecord(name=w.name, role=w.role, budget_hours=w.budget_hours)
            for w in version.workflow.all()
        ),
    )


def catalogue_import(
    *, content: bytes, filename: str, dry_run: bool = False, actor=None
) -> ImportReport:
    """Import a catalogue file in one transaction: all rows or none.

    A dry run does the same work and rolls it back, so it reports exactly what a real import
    would create, change or leave.
    """
    from procedures.services.versions import procedure_upsert

    records = read_catalogue(content, filename)
    report = ImportReport(dry_run=dry_run)
    flat = Path(filename).suffix.lower() in (".csv", ".xlsx")
    with transaction.atomic():
        for record in records:
            if flat:
                record = keep_unflattened_parts(record)
            _procedure, outcome = procedure_upsert(
                record=record, actor=actor, reason=_("import of %(file)s") % {"file": filename}
            )
            getattr(report, outcome).append(record.code)
        if report.created or report.changed:
            CatalogueEvent.objects.create(
                action=CatalogueEvent.Action.IMPORTED,
                actor=actor,
                reason=filename[:500],
                data={
                    "created": len(report.created),
                    "changed": len(report.changed),
                    "unchanged": len(report.unchanged),
                },
            )
        if dry_run:
            transaction.set_rollback(True)
    return report

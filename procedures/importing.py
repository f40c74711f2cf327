"""Reading catalogue files (JSON in the national portal's shape, CSV, XLSX) into records.

Every row is checked before anything is written; all errors are reported with their line
(JSON: the procedure's position, 1-based; CSV/XLSX: the spreadsheet row, header = row 1).
"""

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from procedures.errors import CatalogueError, ImportFileError
from procedures.models import (
    CatalogueEvent,
    ChannelKind,
    Level,
    OnlineLevel,
    SubjectType,
    TimeUnit,
    WorkflowRole,
    procedure_code_validator,
)
from procedures.records import (
    CaseRecord,
    ChannelRecord,
    ComponentRecord,
    FeeRecord,
    ProcedureRecord,
    WorkflowStepRecord,
)

MAX_ERRORS = 50
TENTH = Decimal("0.1")
ALIASES = {
    "ma_thu_tuc": "code",
    "ten_thu_tuc": "name",
    "linh_vuc": "field",
    "cap_thuc_hien": "levels",
    "so_quyet_dinh": "publishing_decision",
    "doi_tuong_thuc_hien": "subject_types",
    "can_cu_phap_ly": "legal_basis",
    "ket_qua_thuc_hien": "results",
    "yeu_cau_dieu_kien": "requirements",
}
LEVEL_WORDS = {"cấp tỉnh": "province", "cấp xã": "commune", "cấp bộ": "ministry"}
FLAT_COLUMNS = (
    "code",
    "name",
    "field",
    "levels",
    "online_level",
    "subject_types",
    "written_result_required",
    "same_day_cutoff",
    "time_unit",
    "direct_time",
    "online_time",
    "postal_time",
    "fee_name",
    "fee_amount",
    "results",
    "legal_basis",
    "publishing_decision",
    "requirements",
    "former_level",
    "source",
)
REQUIRED_FLAT = ("code", "name", "field", "levels", "time_unit")


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def total(self) -> int:
        return len(self.created) + len(self.changed) + len(self.unchanged)


def _nfc(value) -> str:
    return unicodedata.normalize("NFC", str(value or "")).strip()


class RowErrors(Exception):
    def __init__(self, messages: list[str]):
        self.messages = messages


def _choice(value, allowed, name: str, errors: list[str]) -> str:
    text = _nfc(value)
    if text not in allowed:
        errors.append(
            _("%(name)s %(value)r is not one of: %(allowed)s")
            % {"name": name, "value": text, "allowed": ", ".join(allowed)}
        )
    return text


def _decimal(value, name: str, errors: list[str]) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", ".")).quantize(TENTH)
    except (InvalidOperation, ValueError):
        errors.append(_("%(name)s %(value)r is not a number") % {"name": name, "value": value})
        return Decimal(0)
    if number < 0:
        errors.append(_("%(name)s cannot be negative") % {"name": name})
    return number


def _amount(value, errors: list[str]) -> int:
    text = str(value).replace(".", "").replace(" ", "") if isinstance(value, str) else value
    try:
        amount = int(text)
    except (TypeError, ValueError):
        errors.append(_("fee amount %(value)r is not a whole number of VND") % {"value": value})
        return 0
    if amount < 0:
        errors.append(_("fee amount cannot be negative"))
    return amount


def _levels(value, errors: list[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        parts = [p.strip() for p in re.split(r"[;,]", value) if p.strip()]
        parts = [LEVEL_WORDS.get(p.lower(), p) for p in parts]
    elif isinstance(value, list):
        parts = [_nfc(p) for p in value]
    else:
        parts = []
    allowed = [Level.PROVINCE, Level.COMMUNE, Level.MINISTRY, Level.OTHER]
    if not parts:
        errors.append(_("levels is empty"))
    for part in parts:
        if part not in allowed:
            errors.append(
                _("level %(value)r is not one of: %(allowed)s")
                % {"value": part, "allowed": ", ".join(allowed)}
            )
    return tuple(parts)


def _bool(value, default: bool) -> bool:
    if value in (None, ""):
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "có", "x"}


def record_from_dict(data: dict, line: int) -> ProcedureRecord:
    """Build one record from a JSON object; raises RowErrors listing every problem."""
    if not isinstance(data, dict):
        raise RowErrors([_("is not an object")])
    data = {ALIASES.get(k, k): v for k, v in data.items()}
    errors: list[str] = []
    code = _nfc(data.get("code"))
    try:
        procedure_code_validator(code)
    except ValidationError:
        errors.append(_("code %(value)r is not a procedure code (N.NNNNNN)") % {"value": code})
    name, field_name = _nfc(data.get("name")), _nfc(data.get("field"))
    if not name:
        errors.append(_("name is empty"))
    elif len(name) > 1000:
        errors.append(_("name is longer than 1,000 characters"))
    if len(_nfc(data.get("publishing_decision"))) > 300:
        errors.append(_("publishing decision is longer than 300 characters"))
    if len(_nfc(data.get("field"))) > 200:
        errors.append(_("field is longer than 200 characters"))
    if not field_name:
        errors.append(_("field is empty"))
    subjects = data.get("subject_types") or ["citizen"]
    if isinstance(subjects, str):
        subjects = ["citizen"]  # free text on the portal's pages: kept as the default
    for subject in subjects:
        _choice(subject, SubjectType.values, "subject type", errors)
    channels = []
    for c_index, raw in enumerate(data.get("channels") or [], start=1):
        if not isinstance(raw, dict):
            errors.append(_("channel %(n)s is not an object") % {"n": c_index})
            continue
        fees = tuple(
            FeeRecord(
                name=_nfc(f.get("name")) or _("Fee"),
                amount=_amount(f.get("amount"), errors),
                note=_nfc(f.get("note")),
            )
            for f in raw.get("fees") or []
            if isinstance(f, dict)
        )
        channels.append(
            ChannelRecord(
                kind=_choice(raw.get("channel"), ChannelKind.values, "channel", errors),
                processing_time=_decimal(raw.get("processing_time"), _("processing time"), errors),
                time_unit=_choice(raw.get("time_unit"), TimeUnit.values, "time unit", errors),
                description=_nfc(raw.get("description")),
                fees=fees,
            )
        )
    if not channels:
        errors.append(_("no channel (direct, online or postal) with a processing time"))
    kinds = [c.kind for c in channels]
    if len(kinds) != len(set(kinds)):
        errors.append(_("a channel appears twice"))
    cases = tuple(
        CaseRecord(
            name=_nfc(case.get("name")) or _("General case"),
            components=tuple(
                ComponentRecord(
                    name=_nfc(c.get("name")),
                    originals=int(c.get("originals") or 0),
                    copies=int(c.get("copies") or 0),
                    form_name=_nfc(c.get("form")),
                )
                for c in case.get("components") or []
                if isinstance(c, dict)
            ),
        )
        for case in data.get("cases") or []
        if isinstance(case, dict)
    )
    workflow = tuple(
        WorkflowStepRecord(
            name=_nfc(s.get("name")),
            role=_choice(s.get("role"), WorkflowRole.values, "workflow role", errors),
            budget_hours=_decimal(s.get("budget_hours"), _("time budget"), errors),
        )
        for s in data.get("workflow") or []
        if isinstance(s, dict)
    )
    agencies = data.get("agencies") if isinstance(data.get("agencies"), dict) else {}
    former = _nfc(data.get("former_level"))
    if former not in ("", "district"):
        errors.append(_('former_level must be empty or "district"'))
    record_kwargs = dict(
        code=code,
        name=name,
        field=field_name,
        levels=_levels(data.get("levels"), errors),
        online_level=_choice(
            data.get("online_level") or "none", OnlineLevel.values, "online level", errors
        ),
        subject_types=tuple(_nfc(s) for s in subjects),
        written_result_required=_bool(data.get("written_result_required"), True),
        same_day_cutoff=_bool(data.get("same_day_cutoff"), False),
        requirements=_nfc(data.get("requirements")),
        results=_nfc(data.get("results")),
        legal_basis=_nfc(data.get("legal_basis")),
        publishing_decision=_nfc(data.get("publishing_decision")),
        competent_agency=_nfc(agencies.get("competent") or data.get("co_quan_co_tham_quyen")),
        executing_agency=_nfc(agencies.get("executing") or data.get("co_quan_thuc_hien")),
        coordinating_agency=_nfc(agencies.get("coordinating") or data.get("co_quan_phoi_hop")),
        channels=tuple(channels),
        steps=tuple(_nfc(s) for s in data.get("steps") or []),
        cases=cases,
        workflow=workflow,
        former_level=former,
        source=_nfc(data.get("source")),
        note=_nfc(data.get("note")),
        line=line,
    )
    if errors:
        raise RowErrors(errors)
    record = ProcedureRecord(**record_kwargs)
    try:
        from procedures.services.versions import workflow_check

        workflow_check(channels=record.channels, workflow=record.workflow)
    except CatalogueError as exc:
        raise RowErrors([str(exc)]) from exc
    return record


def record_from_flat(row: dict, line: int) -> ProcedureRecord:
    """One CSV/XLSX row: one channel per *_time column that is filled, one fee for all."""
    row = {k: ("" if v is None else v) for k, v in row.items()}
    errors = [
        _("%(column)s is empty") % {"column": c}
        for c in REQUIRED_FLAT
        if str(row.get(c, "")).strip() == ""
    ]
    if errors:
        raise RowErrors(errors)
    fee = []
    if str(row.get("fee_amount", "")).strip() != "":
        fee = [{"name": row.get("fee_name") or "Lệ phí", "amount": row.get("fee_amount")}]
    channels = [
        {
            "channel": kind,
            "processing_time": row[f"{kind}_time"],
            "time_unit": row["time_unit"],
            "fees": fee,
        }
        for kind in ("direct", "online", "postal")
        if str(row.get(f"{kind}_time", "")).strip() != ""
    ]
    subjects = [
        s.strip() for s in str(row.get("subject_types") or "citizen").split(";") if s.strip()
    ]
    return record_from_dict(
        {
            "code": str(row["code"]).strip(),
            "name": row["name"],
            "field": row["field"],
            "levels": str(row["levels"]).replace(",", ";"),
            "online_level": row.get("online_level") or "none",
            "subject_types": subjects,
            "written_result_required": row.get("written_result_required"),
            "same_day_cutoff": row.get("same_day_cutoff"),
            "channels": channels,
            "results": row.get("results"),
            "legal_basis": row.get("legal_basis"),
            "publishing_decision": row.get("publishing_decision"),
            "requirements": row.get("requirements"),
            "former_level": row.get("former_level"),
            "source": row.get("source"),
        },
        line,
    )


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

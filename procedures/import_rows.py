"""One procedure of a catalogue file into a ``ProcedureRecord``: a JSON object in the national
portal's shape (``record_from_dict``) or a CSV/XLSX row (``record_from_flat``), every problem of
the row listed at once (``RowErrors``). Used by ``procedures.importing``.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from procedures.errors import CatalogueError
from procedures.models import (
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

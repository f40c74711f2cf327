"""Reading and checking the sources of the registry before anything is written.

Every reader returns plain records or raises :class:`UnitSourceError` /
:class:`FormerDistrictFileError` listing every problem found, so a bad source never
reaches the database half-read.
"""

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from units.errors import FormerDistrictFileError, UnitSourceError
from units.models import UnitType

# Division types as vietnam-provinces spells them.
SOURCE_TYPES = {
    "tỉnh": UnitType.PROVINCE,
    "thành phố trung ương": UnitType.CITY,
    "xã": UnitType.COMMUNE,
    "phường": UnitType.WARD,
    "đặc khu": UnitType.SPECIAL_ZONE,
}
MAX_SOURCE_ERRORS = 20


@dataclass(frozen=True)
class UnitRecord:
    code: str
    name: str
    type: str
    parent_code: str | None


@dataclass(frozen=True)
class SuccessionRecord:
    line: int
    province_code: str
    district_code: str
    district_name: str
    successor_code: str
    successor_name: str
    note: str


def default_registry_path() -> Path:
    import vietnam_provinces

    return Path(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH)


def default_registry_label() -> str:
    import vietnam_provinces

    return (
        f"vietnam-provinces {vietnam_provinces.__version__} ({vietnam_provinces.__data_version__})"
    )


def read_registry(path: Path) -> list[UnitRecord]:
    """Read a nested provinces → wards JSON (vietnam-provinces' shape) and check it."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnitSourceError(
            _("Cannot read the source file %(path)s: %(error)s") % {"path": path, "error": exc}
        ) from exc
    if not isinstance(data, list) or not data:
        raise UnitSourceError(_("The source must be a non-empty list of provinces."))

    errors: list[str] = []
    records: list[UnitRecord] = []
    seen: set[str] = set()

    def check(item, where: str, digits: int, parent: str | None) -> UnitRecord | None:
        if not isinstance(item, dict):
            errors.append(_("%(where)s is not an object.") % {"where": where})
            return None
        raw_code, name, kind = item.get("code"), item.get("name"), item.get("division_type")
        if isinstance(raw_code, bool) or not isinstance(raw_code, int | str):
            errors.append(_("%(where)s has no valid code.") % {"where": where})
            return None
        code = str(raw_code).zfill(digits)
        if not code.isdigit() or len(code) != digits:
            errors.append(
                _("%(where)s: code %(code)s is not %(digits)s digits.")
                % {"where": where, "code": raw_code, "digits": digits}
            )
            return None
        if not isinstance(name, str) or not name.strip():
            errors.append(
                _("%(where)s (code %(code)s) has no name.") % {"where": where, "code": code}
            )
            return None
        if kind not in SOURCE_TYPES:
            errors.append(
                _("%(where)s (code %(code)s) has an unknown type %(type)r.")
                % {"where": where, "code": code, "type": kind}
            )
            return None
        if code in seen:
            errors.append(_("Code %(code)s appears twice.") % {"code": code})
            return None
        seen.add(code)
        return UnitRecord(code=code, name=name.strip(), type=SOURCE_TYPES[kind], parent_code=parent)

    for p_index, province in enumerate(data, start=1):
        record = check(province, _("Province #%(n)s") % {"n": p_index}, 2, None)
        if record is None:
            continue
        if record.type not in (UnitType.PROVINCE, UnitType.CITY):
            errors.append(_("Province %(code)s has a commune type.") % {"code": record.code})
            continue
        records.append(record)
        wards = province.get("wards")
        if not isinstance(wards, list) or not wards:
            errors.append(_("Province %(code)s has no communes.") % {"code": record.code})
            continue
        for w_index, ward in enumerate(wards, start=1):
            where = _("Commune #%(n)s of province %(code)s") % {"n": w_index, "code": record.code}
            ward_record = check(ward, where, 5, record.code)
            if ward_record is None:
                continue
            if ward_record.type in (UnitType.PROVINCE, UnitType.CITY):
                errors.append(_("%(where)s has a province type.") % {"where": where})
                continue
            records.append(ward_record)
        if len(errors) >= MAX_SOURCE_ERRORS:
            break
    if errors:
        raise UnitSourceError(details=errors[:MAX_SOURCE_ERRORS])
    return records


FORMER_DISTRICT_COLUMNS = (
    "province_code",
    "district_code",
    "district_name",
    "successor_code",
    "successor_name",
    "note",
)


def read_former_districts(path: Path) -> list[SuccessionRecord]:
    """Read a CSV of former districts and their successor communes (shape-checked only)."""
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = tuple(reader.fieldnames or ())
            missing = [c for c in FORMER_DISTRICT_COLUMNS if c not in header]
            if missing:
                raise FormerDistrictFileError(
                    _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)}
                )
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise FormerDistrictFileError(
            _("Cannot read the file %(path)s: %(error)s") % {"path": path, "error": exc}
        ) from exc

    errors: list[str] = []
    records: list[SuccessionRecord] = []
    for line, row in enumerate(rows, start=2):
        values = {k: (row.get(k) or "").strip() for k in FORMER_DISTRICT_COLUMNS}
        problems = []
        if not (values["province_code"].isdigit() and len(values["province_code"]) == 2):
            problems.append(_("province_code must be 2 digits"))
        if not (values["district_code"].isdigit() and len(values["district_code"]) == 3):
            problems.append(_("district_code must be 3 digits"))
        if not values["district_name"]:
            problems.append(_("district_name is empty"))
        if not (values["successor_code"].isdigit() and len(values["successor_code"]) == 5):
            problems.append(_("successor_code must be 5 digits"))
        if problems:
            errors.append(
                _("Line %(line)s: %(problems)s.") % {"line": line, "problems": "; ".join(problems)}
            )
            continue
        records.append(SuccessionRecord(line=line, **values))
    if not rows:
        errors.append(_("The file has no rows."))
    if errors:
        raise FormerDistrictFileError(details=errors[:MAX_SOURCE_ERRORS])
    return records

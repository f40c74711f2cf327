"""Every change to the unit registry: loading, former districts, agencies and memberships."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from units.errors import FormerDistrictFileError
from units.models import (
    LEVEL_OF_TYPE,
    Agency,
    Membership,
    Role,
    Succession,
    Unit,
    UnitLevel,
    UnitRevision,
    UnitType,
    agency_identifier_validator,
)
from units.sources import read_former_districts, read_registry
from units.text import fold

REFORM_DATE = dt.date(2025, 7, 1)


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    missing_from_source: list[str] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.created or self.changed)


@transaction.atomic
def units_load_registry(*, path: Path, source_label: str, changed_on: dt.date) -> LoadReport:
    """Load or refresh provinces and communes from a registry file, in one transaction.

    New codes are created; a changed name or type is updated and the previous one kept as a
    :class:`UnitRevision`; codes never change. Units absent from the source are reported,
    never deleted (codes are never reused and dossiers point at them).
    """
    records = read_registry(path)  # raises before anything is written
    existing = {
        u.code: u for u in Unit.objects.filter(level__in=[UnitLevel.PROVINCE, UnitLevel.COMMUNE])
    }
    report = LoadReport()
    to_create: list[Unit] = []
    to_update: list[Unit] = []
    revisions: list[UnitRevision] = []

    for record in records:
        unit = existing.pop(record.code, None)
        if unit is None:
            to_create.append(
                Unit(
                    code=record.code,
                    name=record.name,
                    type=record.type,
                    level=LEVEL_OF_TYPE[record.type],
                    parent_id=record.parent_code,
                    valid_from=REFORM_DATE,
                    search_name=fold(record.name),
                )
            )
            report.created.append(record.code)
            continue
        if (unit.name, unit.type, unit.parent_id) == (record.name, record.type, record.parent_code):
            report.unchanged += 1
            continue
        if (unit.name, unit.type) != (record.name, record.type):
            revisions.append(
                UnitRevision(
                    unit=unit,
                    name=unit.name,
                    type=unit.type,
                    new_name=record.name,
                    new_type=record.type,
                    changed_on=changed_on,
                    source=source_label,
                )
            )
        unit.name, unit.type, unit.parent_id = record.name, record.type, record.parent_code
        unit.level, unit.search_name = LEVEL_OF_TYPE[record.type], fold(record.name)
        to_update.append(unit)
        report.changed.append(record.code)

    # Provinces first: communes point at them.
    to_create.sort(key=lambda u: (u.level != UnitLevel.PROVINCE, u.code))
    Unit.objects.bulk_create(to_create, batch_size=1000)
    Unit.objects.bulk_update(
        to_update, ["name", "type", "level", "parent", "search_name"], batch_size=1000
    )
    UnitRevision.objects.bulk_create(revisions)
    report.missing_from_source = sorted(existing)
    return report


@dataclass
class FormerDistrictReport:
    districts_created: list[str] = field(default_factory=list)
    districts_changed: list[str] = field(default_factory=list)
    successions_created: int = 0
    successions_removed: int = 0
    unchanged: int = 0


@transaction.atomic
def units_load_former_districts(
    *, path: Path, dissolved_on: dt.date = REFORM_DATE
) -> FormerDistrictReport:
    """Load former districts and their successor communes from a CSV, all or nothing.

    Each district becomes a unit of type *former district* under its new province, valid until
    the day before ``dissolved_on``; its successions are replaced by the file's (idempotent).
    """
    records = read_former_districts(path)
    codes = {r.province_code for r in records} | {r.successor_code for r in records}
    known = Unit.objects.in_bulk(codes)
    errors: list[str] = []
    names: dict[str, str] = {}
    for r in records:
        province = known.get(r.province_code)
        successor = known.get(r.successor_code)
        if province is None or province.level != UnitLevel.PROVINCE:
            errors.append(
                _("Line %(line)s: province %(code)s is not in the registry (run load_units first).")
                % {"line": r.line, "code": r.province_code}
            )
        elif successor is None or successor.level != UnitLevel.COMMUNE:
            errors.append(
                _("Line %(line)s: commune %(code)s is not in the registry.")
                % {"line": r.line, "code": r.successor_code}
            )
        elif successor.parent_id != r.province_code:
            errors.append(
                _("Line %(line)s: commune %(code)s does not belong to province %(province)s.")
                % {"line": r.line, "code": r.successor_code, "province": r.province_code}
            )
        elif r.successor_name and r.successor_name != successor.name:
            errors.append(
                _(
                    "Line %(line)s: commune %(code)s is named %(actual)r in the registry, "
                    "not %(given)r."
                )
                % {
                    "line": r.line,
                    "code": r.successor_code,
                    "actual": successor.name,
                    "given": r.successor_name,
                }
            )
        if names.setdefault(r.district_code, r.district_name) != r.district_name:
            errors.append(
                _("Line %(line)s: district %(code)s has two different names.")
                % {"line": r.line, "code": r.district_code}
            )
    clash = Unit.objects.filter(code__in=names).exclude(type=UnitType.FORMER_DISTRICT)
    errors += [
        _("District code %(code)s is already used by another unit.") % {"code": u.code}
        for u in clash
    ]
    if errors:
        raise FormerDistrictFileError(details=errors[:20])

    valid_to = dissolved_on - dt.timedelta(days=1)
    report = FormerDistrictReport()
    wanted: dict[str, dict[str, str]] = defaultdict(dict)
    province_of: dict[str, str] = {}
    for r in records:
        wanted[r.district_code][r.successor_code] = r.note
        province_of[r.district_code] = r.province_code

    existing = Unit.objects.in_bulk(list(wanted))
    for code, name in names.items():
        unit = existing.get(code)
        values = {"name": name, "parent_id": province_of[code], "valid_to": valid_to}
        if unit is None:
            Unit.objects.create(
                code=code,
                type=UnitType.FORMER_DISTRICT,
                level=UnitLevel.FORMER_DISTRICT,
                search_name=fold(name),
                **values,
            )
            report.districts_created.append(code)
        elif any(getattr(unit, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(unit, k, v)
            unit.search_name = fold(name)
            unit.save(update_fields=["name", "parent", "valid_to", "search_name"])
            report.districts_changed.append(code)

    current = defaultdict(dict)
    for s in Succession.objects.filter(predecessor_id__in=list(wanted)):
        current[s.predecessor_id][s.successor_id] = s
    for district, successors in wanted.items():
        have = current.get(district, {})
        stale = [s.pk for code, s in have.items() if code not in successors]
        report.successions_removed += Succession.objects.filter(pk__in=stale).delete()[0]
        for code, note in successors.items():
            row = have.get(code)
            if row is None:
                Succession.objects.create(
                    predecessor_id=district, successor_id=code, effective_on=dissolved_on, note=note
                )
                report.successions_created += 1
            elif (row.note, row.effective_on) != (note, dissolved_on):
                row.note, row.effective_on = note, dissolved_on
                row.save(update_fields=["note", "effective_on"])
            else:
                report.unchanged += 1
    return report


@transaction.atomic
def agency_upsert(
    *,
    identifier: str,
    name: str,
    unit: Unit,
    kind: str,
    address: str = "",
    phone: str = "",
    email: str = "",
) -> Agency:
    """Create or update an agency by its electronic identifier."""
    agency_identifier_validator(identifier)
    agency, _created = Agency.objects.update_or_create(
        identifier=identifier,
        defaults={
            "name": name,
            "unit": unit,
            "kind": kind,
            "address": address,
            "phone": phone,
            "email": email,
            "search_name": fold(name),
        },
    )
    return agency


@transaction.atomic
def membership_grant(*, user, agency: Agency, role: Role | str) -> Membership:
    """Give ``user`` a role in ``agency`` (re-activating it if it was withdrawn)."""
    membership, created = Membership.objects.get_or_create(user=user, agency=agency, role=role)
    if not created and not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
    return membership

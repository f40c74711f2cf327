"""``bench.generate``: where and what, the agencies, communes and procedures of the chosen
provinces with the weights dossiers are drawn by.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate

from bench.generator.common import (
    CHANNEL_KINDS,
)
from bench.generator.ensure import (
    _load_staff,
    _usable_procedures,
    province_units,
)
from procedures.models import Case, Level, WorkflowStep
from procedures.models import Channel as CatalogueChannel
from units.models import Agency, AgencyKind, Unit, UnitLevel, UnitType

# --- where and what: agencies, communes, procedures ---------------------------------------------


@dataclass
class _Procedure:
    id: int
    version_id: int
    case: str  # COPY text: the first case's id
    level: str
    channels: dict[int, int]  # channel offered → index of its (time, unit, cut-off)
    department: int
    # The internal steps under status 4, as ``dossiers.lifecycle.processing_path`` has them,
    # then "signature" when the leader's approval waits for a signed written result.
    stages: tuple[str, ...] = ("specialist", "leader", "signature")


@dataclass
class _Commune:
    code: str
    centre: int
    address: str  # ", <commune>, <province>", the end of the applicant's address
    province: _Province

    def address_of(self, house: int) -> str:
        return f'"Số {house}{self.address}"'


@dataclass
class _Province:
    code: str
    centre: int
    departments: list[int]
    communes: list[_Commune] = field(default_factory=list)
    commune_weights: list[float] = field(default_factory=list)


@dataclass
class _Scope:
    provinces: list[_Province]
    province_weights: list[float]
    communes: list[_Commune]
    commune_weights: list[float]
    procedures: list[_Procedure]
    procedure_weights: list[float]
    by_channel: dict[int, tuple[list[_Procedure], list[float]]]
    identifiers: dict[int, str]
    legal_times: list[tuple[Decimal, str, bool]]
    # Generated staff (:func:`ensure_staff`): agency → role → user ids.
    staff: dict[int, dict[str, list[int]]] = field(default_factory=dict)


def _cumulative(weights: Iterable[float]) -> list[float]:
    return list(accumulate(weights))


def _make_hot(scope: _Scope, hot: dict[str, float]) -> None:
    """Give each commune in ``hot`` (code → share) that share of the commune-level dossiers,
    the others keeping their proportions: a big ward's service centre, for the queue benchmarks.
    """
    if not hot:
        return
    if any(share <= 0 for share in hot.values()) or sum(hot.values()) >= 1:
        raise ValueError("Hot shares must be positive and sum to less than 1")
    index = {place.code: i for i, place in enumerate(scope.communes)}
    missing = sorted(set(hot) - set(index))
    if missing:
        raise ValueError(f"Hot communes outside the chosen provinces: {', '.join(missing)}")
    weights = scope.commune_weights
    others = sum(weights) - sum(weights[index[code]] for code in hot)
    total = others / (1 - sum(hot.values()))
    for code, share in hot.items():
        weights[index[code]] = share * total


def _load_scope(
    provinces: int | Iterable[str] | None,
    rng: random.Random,
    hot: dict[str, float] | None = None,
) -> _Scope:
    chosen = province_units(provinces)
    hot = dict(hot or {})
    agencies = Agency.objects.filter(is_active=True, unit__in=chosen) | Agency.objects.filter(
        is_active=True, unit__parent__in=chosen, kind=AgencyKind.COMMUNE_SERVICE_CENTRE
    )
    by_unit: dict[tuple[str, str], list[Agency]] = {}
    identifiers = {}
    for agency in agencies.order_by("identifier"):
        by_unit.setdefault((agency.unit_id, agency.kind), []).append(agency)
        identifiers[agency.pk] = agency.identifier
    scope = _Scope([], [], [], [], [], [], {}, identifiers, [])
    for unit in chosen:
        centres = by_unit.get((unit.code, AgencyKind.PROVINCE_SERVICE_CENTRE))
        departments = by_unit.get((unit.code, AgencyKind.PROVINCE_DEPARTMENT))
        if not centres or not departments:
            raise LookupError(f"Province {unit.code} has no service centre or department yet")
        province = _Province(unit.code, centres[0].pk, [a.pk for a in departments])
        communes = Unit.objects.filter(
            parent=unit, level=UnitLevel.COMMUNE, valid_to__isnull=True
        ).order_by("code")
        for commune in communes:
            centre = by_unit.get((commune.code, AgencyKind.COMMUNE_SERVICE_CENTRE))
            if not centre:
                continue
            address = f", {commune.name}, {unit.name}".replace('"', '""')
            place = _Commune(commune.code, centre[0].pk, address, province)
            # A few busy wards and many quiet communes, as in any province.
            weight = rng.lognormvariate(0, 0.9) * (1.8 if commune.type == UnitType.WARD else 1)
            province.communes.append(place)
            province.commune_weights.append(weight)
        if not province.communes:
            raise LookupError(f"Province {unit.code} has no commune service centre yet")
        scope.provinces.append(province)
        scope.province_weights.append(sum(province.commune_weights))
        scope.communes.extend(province.communes)
        scope.commune_weights.extend(province.commune_weights)
        province.commune_weights = _cumulative(province.commune_weights)
    scope.province_weights = _cumulative(scope.province_weights)
    # Only the commune-level draw is skewed: the provinces keep their share of province-level
    # dossiers and the applicants' communes their spread.
    _make_hot(scope, hot)
    scope.commune_weights = _cumulative(scope.commune_weights)

    procedures = list(
        _usable_procedures()
        .order_by("code")
        .values_list(
            "pk",
            "current_version_id",
            "levels",
            "current_version__same_day_cutoff",
            "current_version__written_result_required",
        )
    )
    if not procedures:
        raise LookupError("No procedure with a published version: run ensure_procedures first")
    versions = [p[1] for p in procedures]
    roles: dict[int, list[str]] = {}
    for version_id, role in (
        WorkflowStep.objects.filter(version_id__in=versions)
        .order_by("version_id", "position", "id")
        .values_list("version_id", "role")
    ):
        if role in PATH_ROLES:
            roles.setdefault(version_id, []).append(role)
    first_case: dict[int, int] = {}
    for version_id, case_id in (
        Case.objects.filter(version_id__in=versions)
        .order_by("version_id", "position", "id")
        .values_list("version_id", "id")
    ):
        first_case.setdefault(version_id, case_id)
    offered: dict[int, dict[str, tuple[Decimal, str]]] = {}
    for version_id, kind, time_, unit in CatalogueChannel.objects.filter(
        version_id__in=versions
    ).values_list("version_id", "kind", "processing_time", "time_unit"):
        offered.setdefault(version_id, {})[kind] = (time_, unit)
    legal_keys: dict[tuple[Decimal, str, bool], int] = {}
    for pk, version_id, levels, cutoff, written in procedures:
        times = offered[version_id]
        keys = {
            number: legal_keys.setdefault((*times[kind], bool(cutoff)), len(legal_keys))
            for number, kind in CHANNEL_KINDS.items()
            if kind in times
        }
        level = Level.COMMUNE if Level.COMMUNE in levels else Level.PROVINCE
        case = first_case.get(version_id)
        path = roles.get(version_id) or ["specialist", "leader"]
        if path[-1] != "leader":
            path.append("leader")
        stages = (*path, "signature") if written else tuple(path)
        scope.procedures.append(
            _Procedure(
                pk, version_id, r"\N" if case is None else str(case), level, keys, pk, stages
            )
        )
    scope.legal_times = list(legal_keys)
    scope.staff = _load_staff(scope.identifiers)
    # A handful of procedures (birth registration, residence, certified copies) take most
    # dossiers: Zipf weights over a shuffled catalogue.
    order = list(range(len(scope.procedures)))
    rng.shuffle(order)
    weights = [0.0] * len(order)
    for rank, index in enumerate(order):
        weights[index] = 1 / (rank + 1) ** 0.9
    scope.procedure_weights = _cumulative(weights)
    for channel in CHANNEL_KINDS:
        offered = [
            (p, w) for p, w in zip(scope.procedures, weights, strict=True) if channel in p.channels
        ]
        if offered:
            scope.by_channel[channel] = (
                [p for p, _w in offered],
                _cumulative(w for _p, w in offered),
            )
    return scope


PATH_ROLES = ("specialist", "department_head", "leader")

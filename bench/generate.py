"""National-scale data for the benchmarks: agencies everywhere, a catalogue and many dossiers.

Run: ``python -m bench.generate --dossiers 1000000 [--seed 1] [--provinces N]
[--since 2025-07-01 --until 2026-11-20] [--staff] [--hot 00004:0.11] [--reset]``, on a bench
database (``DATABASE_URL``, default ``portal_bench``), never on one that holds real dossiers.
``--staff`` creates officers with memberships in every agency (``bench.<identifier>.<role>.<n>``,
unusable passwords) and gives dossiers in hand an assignee among them; ``--hot CODE:SHARE``
sends that share of the commune-level dossiers to one commune's service centre (a big ward, for
the queue benchmark of ``bench/queues.py``).

Dossiers, their events and supplement requests are written with PostgreSQL COPY, one batch per
transaction: row-by-row inserts are far too slow at this scale. Each dossier's whole history is
simulated (submitted, received, in processing, supplement and financial-obligation rounds,
result ready, returned; or refused, withdrawn, stopped) and then cut at the end of ``until``:
its status is whatever that history had reached by then, so old dossiers are mostly returned
and recent ones are open. Appointments come from ``dossiers.calendar`` (memoised), code numbers
from ``dossiers_codesequence`` (ranges taken with the upsert real submissions use), ids from
the tables' own sequences.

Generated dossiers have no applicant account and an ``@bench.invalid`` e-mail address:
:func:`delete_generated` (``--reset``) removes exactly those and what refers to them.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import io
import json
import os
import random
import sys
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate, chain
from pathlib import Path

if __name__ == "__main__":
    # Settings must be in place before the models below are imported.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
    import django

    django.setup()

from django.apps import apps
from django.core.management import call_command
from django.db import connection, models, transaction

from dossiers.calendar import HOURS, Calendar, appointment, paused_appointment
from dossiers.models import CodeSequence, Dossier, DossierEvent, Status
from procedures.models import Case, Level, Procedure, WorkflowStep
from procedures.models import Channel as CatalogueChannel
from units.models import Agency, AgencyKind, Membership, Role, Unit, UnitLevel, UnitType
from units.text import fold

ROOT = Path(__file__).resolve().parent.parent
DEMO_CATALOGUE = ROOT / "procedures" / "data" / "demo_catalogue.json"
MARKER_DOMAIN = "bench.invalid"
MAX_SEQUENCE = 9999  # the code has four digits for the day's number

# Agency identifiers in the official shape (the validator's NNN.NN.NN.HPP). The provincial
# centre and the Department of Justice get the demo's numbers, so the demo finds them as its own;
# commune service centres take .03 after the commune's code, as .01 and .02 are the People's
# Committees of the demo and of bench.catalogue.
PROVINCE_CENTRE_NUMBER = "01"
DEPARTMENTS = (
    ("02", "Sở Tư pháp"),
    ("03", "Sở Xây dựng"),
    ("04", "Sở Nông nghiệp và Môi trường"),
    ("05", "Sở Tài chính"),
    ("06", "Sở Y tế"),
)
COMMUNE_CENTRE_NUMBER = "03"

# Vietnam has kept UTC+7 without daylight saving since 1975: local time is a fixed offset.
TZ = 7 * 3600
DAY = 86400
OPENS, MORNING_CLOSES, AFTERNOON_OPENS, CLOSES = 27000, 41400, 48600, 61200
OFFICE_SECONDS = (MORNING_CLOSES - OPENS) + (CLOSES - AFTERNOON_OPENS)

# The mix and the odds of each turn in a dossier's life.
P_OUT_OF_HOURS = 0.08  # online submissions in the evening or at weekends
P_ONLINE, P_DIRECT = 0.60, 0.35  # the rest by post
P_REFUSED, P_WITHDRAWN_EARLY, P_WITHDRAWN_RECEIVED = 0.02, 0.006, 0.008
P_SUPPLEMENT, P_SUPPLEMENT_UNANSWERED, P_FINANCIAL = 0.08, 0.12, 0.04
P_LATE, P_STOPPED, P_NEVER_COLLECTED = 0.05, 0.01, 0.03

SUBMITTED, TRANSITION = DossierEvent.Kind.SUBMITTED.value, DossierEvent.Kind.TRANSITION.value
DIRECT, ONLINE, POSTAL = 1, 2, 3
CHANNEL_KINDS = {DIRECT: "direct", ONLINE: "online", POSTAL: "postal"}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FAMILY = (
    ("Nguyễn",) * 8
    + ("Trần",) * 3
    + ("Lê",) * 2
    + _words("Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý")
)
MIDDLE = (
    _words("Văn Hữu Đức Minh Quang Công Thành Xuân"),
    _words("Thị Thị Thị Ngọc Thu Thanh Kim Mỹ"),
)
GIVEN = (
    _words("An Bình Cường Dũng Hùng Huy Khang Long Nam Phúc Quân Sơn Tâm Thắng Trung Tuấn Việt"),
    _words(
        "Anh Chi Dung Giang Hà Hạnh Hoa Hương Lan Linh Mai Ngân Nhung Phương Quỳnh Thảo Trang Yến"
    ),
)
COMPANY_WORDS = ("Thương mại", "Xây dựng", "Dịch vụ", "Nông sản", "Vận tải", "Du lịch")
PHONE_PREFIXES = _words("90 91 93 94 96 97 98 86 88 32 33 35 36 37 38 39 70 77 79 81 83 84 85")
REFUSAL = "Hồ sơ không thuộc thẩm quyền giải quyết"
SUPPLEMENT_REASONS = (
    "Bổ sung bản sao giấy tờ tùy thân",
    "Tờ khai chưa đủ chữ ký",
    "Bổ sung sơ đồ vị trí thửa đất",
    "Giấy tờ chứng minh nơi cư trú đã hết hạn",
)
STOP_NOTE = "Người nộp không bổ sung hồ sơ theo yêu cầu"
WITHDRAW_NOTE = "Người nộp xin rút hồ sơ"


# --- units, agencies, catalogue --------------------------------------------------------------


def ensure_units() -> None:
    """Load the provinces and communes with ``load_units`` unless they are already there."""
    if not Unit.objects.filter(level=UnitLevel.COMMUNE).exists():
        with open(os.devnull, "w") as quiet:
            call_command("load_units", verbosity=0, stdout=quiet)


def province_units(provinces: int | Iterable[str] | None = None) -> list[Unit]:
    """Current provinces: all (None), the first N by code (an int) or the given codes."""
    current = Unit.objects.filter(level=UnitLevel.PROVINCE, valid_to__isnull=True).order_by("code")
    if provinces is None:
        return list(current)
    if isinstance(provinces, int):
        return list(current[:provinces])
    codes = sorted(set(provinces))
    found = list(current.filter(code__in=codes))
    if len(found) != len(codes):
        missing = sorted(set(codes) - {u.code for u in found})
        raise ValueError(f"Unknown provinces: {', '.join(missing)}")
    return found


def _title(province: Unit) -> str:
    # "tỉnh Lâm Đồng" but "Thành phố Hà Nội", as the demo writes them.
    return f"tỉnh {province.name}" if province.type == UnitType.PROVINCE else province.name


def ensure_agencies(*, provinces: int | Iterable[str] | None = None) -> int:
    """Give every commune an active commune service centre and every province its provincial
    public-administration service centre and a few departments, where missing.

    Returns how many agencies were created (bulk_create, one transaction).
    """
    chosen = province_units(provinces)
    existing = set(Agency.objects.values_list("identifier", flat=True))
    with_centre = set(
        Agency.objects.filter(kind=AgencyKind.PROVINCE_SERVICE_CENTRE).values_list(
            "unit_id", flat=True
        )
    )
    communes_with_centre = set(
        Agency.objects.filter(kind=AgencyKind.COMMUNE_SERVICE_CENTRE).values_list(
            "unit_id", flat=True
        )
    )
    new: list[Agency] = []

    def add(identifier: str, name: str, unit: Unit, kind: str, address: str) -> None:
        if identifier not in existing:
            existing.add(identifier)
            new.append(
                Agency(
                    identifier=identifier,
                    name=name,
                    unit=unit,
                    kind=kind,
                    address=address,
                    search_name=fold(name),
                )
            )

    for province in chosen:
        suffix = f"H{province.code}"
        title = _title(province)
        if province.code not in with_centre:
            add(
                f"000.00.{PROVINCE_CENTRE_NUMBER}.{suffix}",
                f"Trung tâm Phục vụ hành chính công {title}",
                province,
                AgencyKind.PROVINCE_SERVICE_CENTRE,
                province.name,
            )
        for number, name in DEPARTMENTS:
            add(
                f"000.00.{number}.{suffix}",
                f"{name} {title}",
                province,
                AgencyKind.PROVINCE_DEPARTMENT,
                province.name,
            )
        communes = Unit.objects.filter(
            parent=province, level=UnitLevel.COMMUNE, valid_to__isnull=True
        ).exclude(code__in=communes_with_centre)
        for commune in communes:
            add(
                f"{commune.code[:3]}.{commune.code[3:]}.{COMMUNE_CENTRE_NUMBER}.{suffix}",
                f"Trung tâm Phục vụ hành chính công {commune.name}",
                commune,
                AgencyKind.COMMUNE_SERVICE_CENTRE,
                f"{commune.name}, {province.name}",
            )
    with transaction.atomic():
        Agency.objects.bulk_create(new, batch_size=2000)
    return len(new)


def _usable_procedures() -> models.QuerySet[Procedure]:
    return Procedure.objects.filter(
        is_active=True,
        current_version__isnull=False,
        current_version__channels__isnull=False,
        current_version__cases__isnull=False,
    ).distinct()


VARIANT_SUFFIXES = (
    " tại khu vực biên giới",
    " có yếu tố nước ngoài",
    " lưu động",
    " đối với hộ gia đình, cá nhân",
    " trong trường hợp đặc biệt",
    " cho người nước ngoài",
)


def ensure_procedures(*, count: int = 200) -> int:
    """Make sure at least ``count`` procedures in force have a published version with cases and
    channels: the demo catalogue's procedures first, then variants of them (codes 8.NNNNNN).

    Written through ``procedure_upsert``, as an import would. Returns how many there are.
    """
    from procedures.importing import read_catalogue
    from procedures.services import procedure_upsert

    have = _usable_procedures().count()
    if have >= count:
        return have
    records = read_catalogue(DEMO_CATALOGUE.read_bytes(), DEMO_CATALOGUE.name)
    taken = set(Procedure.objects.values_list("code", flat=True))
    variants = (
        dataclasses.replace(
            records[i % len(records)],
            code=f"8.{i:06d}",
            name=records[i % len(records)].name
            + VARIANT_SUFFIXES[i // len(records) % len(VARIANT_SUFFIXES)],
        )
        for i in range(1_000_000)
    )
    with transaction.atomic():
        for record in chain(records, variants):
            if have >= count:
                break
            if record.code in taken:
                continue
            procedure_upsert(record=record, reason="bench.generate")
            taken.add(record.code)
            have += 1
    return _usable_procedures().count()


# Generated staff per agency kind (role, how many), and for the busy centres of ``--hot``
# communes. Usernames are ``bench.<agency identifier>.<role>.<n>``.
STAFF = {
    AgencyKind.COMMUNE_SERVICE_CENTRE: (
        (Role.RECEIVER, 1),
        (Role.SPECIALIST, 2),
        (Role.DEPARTMENT_HEAD, 1),
        (Role.LEADER, 1),
    ),
    AgencyKind.PROVINCE_SERVICE_CENTRE: ((Role.RECEIVER, 2),),
    AgencyKind.PROVINCE_DEPARTMENT: (
        (Role.SPECIALIST, 3),
        (Role.DEPARTMENT_HEAD, 1),
        (Role.LEADER, 1),
    ),
}
BUSY_STAFF = (
    (Role.RECEIVER, 4),
    (Role.SPECIALIST, 20),
    (Role.DEPARTMENT_HEAD, 2),
    (Role.LEADER, 2),
)
STAFF_PREFIX = "bench."


def staff_username(agency: Agency, role: str, n: int) -> str:
    return f"{STAFF_PREFIX}{agency.identifier}.{role}.{n}"


def ensure_staff(*, provinces: int | Iterable[str] | None = None, busy: Iterable[str] = ()) -> int:
    """Officers with memberships in every agency of the chosen provinces (``STAFF``), more in
    the service centres of the ``busy`` communes (``BUSY_STAFF``), where missing. Their
    passwords are unusable: benchmarks log them in with ``force_login``.

    Returns how many users were created (bulk_create, one transaction). Generated dossiers
    that are in hand get these officers as assignees (:func:`generate_dossiers`).
    """
    from django.contrib.auth import get_user_model

    User = get_user_model()
    chosen = province_units(provinces)
    busy = set(busy)
    agencies = (
        Agency.objects.filter(is_active=True, unit__in=chosen, kind__in=STAFF)
        | Agency.objects.filter(
            is_active=True, unit__parent__in=chosen, kind=AgencyKind.COMMUNE_SERVICE_CENTRE
        )
    ).order_by("identifier")
    wanted: list[tuple[Agency, str, str]] = []
    for agency in agencies:
        kind_staff = BUSY_STAFF if agency.unit_id in busy else STAFF.get(agency.kind, ())
        for role, count in kind_staff:
            wanted.extend((agency, role, staff_username(agency, role, n)) for n in range(count))
    names = [name for _a, _r, name in wanted]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    new = []
    for _agency, _role, name in wanted:
        if name in existing:
            continue
        rng = random.Random(name)
        female = int(rng.random() < 0.5)
        full = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE[female])} {rng.choice(GIVEN[female])}"
        new.append(
            User(
                username=name,
                full_name=full,
                email=f"{name}@{MARKER_DOMAIN}",
                password=f"!{MARKER_DOMAIN}",  # unusable: starts with "!"
            )
        )
    with transaction.atomic():
        User.objects.bulk_create(new, batch_size=2000)
        ids = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
        Membership.objects.bulk_create(
            [Membership(user_id=ids[name], agency=a, role=role) for a, role, name in wanted],
            batch_size=2000,
            ignore_conflicts=True,
        )
    return len(new)


def _load_staff(identifiers: dict[int, str]) -> dict[int, dict[str, list[int]]]:
    staff: dict[int, dict[str, list[int]]] = {}
    rows = (
        Membership.objects.filter(
            agency_id__in=list(identifiers),
            is_active=True,
            user__username__startswith=STAFF_PREFIX,
            user__is_active=True,
        )
        .order_by("agency_id", "role", "user_id")
        .values_list("agency_id", "role", "user_id")
    )
    for agency, role, user in rows:
        staff.setdefault(agency, {}).setdefault(role, []).append(user)
    return staff


# --- COPY plumbing ----------------------------------------------------------------------------


def _csv(text: str) -> str:
    if text == r"\N" or any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _text(value: object) -> str:
    """A Python value as a CSV field that COPY reads back as that value (``\\N`` is NULL)."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list | tuple):
        return _csv(json.dumps(value, ensure_ascii=False))
    if isinstance(value, dt.date):
        return value.isoformat()
    return _csv(str(value))


class CopyTable:
    """The COPY column list of a model: the columns the generator sets, then every other concrete
    column as Django would fill it (its default, called per row when callable; else "" for text
    and NULL for the rest), so a column added later with a default needs no change here. Columns
    with only a database default are left out, for PostgreSQL to fill. ``faster`` gives quicker
    per-row makers (returning COPY text) for known columns with a costly callable default, used
    only if the column exists."""

    def __init__(
        self,
        model: type[models.Model],
        explicit: Sequence[str],
        now: dt.datetime,
        faster: dict[str, Callable[[], str]] | None = None,
    ):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [name for name in explicit if name not in fields]
        if unknown:
            raise LookupError(f"{model.__name__} has no field {', '.join(unknown)}")
        self.model, self.explicit, self.table = model, list(explicit), model._meta.db_table
        columns = [fields[name].column for name in explicit]
        constants: list[str] = []
        self.makers: list[Callable[[], str]] = []
        made: list[str] = []
        for name, f in fields.items():
            if name in explicit:
                continue
            if faster and name in faster:
                self.makers.append(faster[name])
                made.append(f.column)
            elif f.has_default():
                if callable(f.default) and f.default not in (dict, list, tuple, str, int, bool):
                    self.makers.append(lambda f=f: _text(f.get_default()))
                    made.append(f.column)
                else:
                    columns.append(f.column)
                    constants.append(_text(f.get_default()))
            elif f.db_default is not models.NOT_PROVIDED:
                continue
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                columns.append(f.column)
                constants.append(now.isoformat())
            else:
                value = f.get_default()  # what Django itself writes: "" for text, else None
                if value is None and not f.null:
                    raise LookupError(
                        f"{model.__name__}.{name} is NOT NULL without a default: "
                        "bench.generate must learn how to fill it"
                    )
                columns.append(f.column)
                constants.append(_text(value))
        self.suffix = "".join("," + value for value in constants)
        self.columns = columns + made

    def line(self, explicit: str) -> str:
        """One CSV line from the explicit columns' text (already joined by commas)."""
        if self.makers:
            return explicit + self.suffix + "".join("," + make() for make in self.makers) + "\n"
        return explicit + self.suffix + "\n"

    def copy(self, cursor, lines: list[str]) -> None:
        """COPY these lines in (CSV read from memory)."""
        if not lines:
            return
        quote = connection.ops.quote_name
        sql = (
            f"COPY {quote(self.table)} ({', '.join(quote(c) for c in self.columns)}) "
            "FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        )
        text = "".join(lines)
        # One read of the whole buffer: with 8 kB reads, each needing the GIL back from the
        # planning thread, the copy would mostly wait.
        cursor.copy_expert(sql, io.StringIO(text), size=len(text) + 1)


def take_ids(cursor, model: type[models.Model], count: int) -> Sequence[int]:
    """``count`` fresh ids from the table's own sequence, which is left past them.

    The values are drawn with ``nextval``, so a concurrent insert can never get one of them;
    when nobody else drew meanwhile they form one range and are not sent back one by one (else
    they are left as a gap and drawn again, this time listed).
    """
    if count == 0:
        return []
    table, pk = model._meta.db_table, model._meta.pk.column
    draw = "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)"
    cursor.execute(f"SELECT min(v), max(v) FROM ({draw}) AS drawn(v)", [table, pk, count])  # noqa: S608
    low, high = cursor.fetchone()
    if high - low + 1 == count:
        return range(low, high + 1)
    cursor.execute(draw, [table, pk, count])
    return [row[0] for row in cursor.fetchall()]


CODE_RANGES = (
    "INSERT INTO {table} (agency_id, day, last) "
    "SELECT * FROM unnest(%s::bigint[], %s::date[], %s::integer[]) "
    "ON CONFLICT (agency_id, day) DO UPDATE SET last = {table}.last + EXCLUDED.last "
    "RETURNING agency_id, day, last"
)


def take_code_ranges(cursor, counts: dict[tuple[int, dt.date], int]) -> dict[tuple, int]:
    """Reserve ``n`` code numbers per (agency, day) at once; returns the first of each range.

    The same increment-and-return upsert as ``dossier_code_allocate``, by ``n`` instead of 1:
    real submissions before, during or after the run continue after the generated numbers.
    """
    if not counts:
        return {}
    keys = sorted(counts)
    cursor.execute(
        CODE_RANGES.format(table=connection.ops.quote_name(CodeSequence._meta.db_table)),
        [[k[0] for k in keys], [k[1] for k in keys], [counts[k] for k in keys]],
    )
    first = {}
    for agency_id, day, last in cursor.fetchall():
        if last > MAX_SEQUENCE:
            raise OverflowError(f"agency {agency_id} would receive {last} dossiers on {day}")
        first[(agency_id, day)] = last - counts[(agency_id, day)] + 1
    return first


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


# --- time -------------------------------------------------------------------------------------

EPOCH = dt.date(1970, 1, 1).toordinal()
HMS = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]
CUTOFF = 15 * 3600
# Receipt times that give the same appointment for day-counted procedures (dossiers.calendar:
# the 11:30 half-day split, the 15:00 cut-off, 17:00 closing), with a representative of each.
BUCKET_TIMES = (32400, 50400, 57600, CLOSES, 64800)


def _bucket(seconds: int) -> int:
    if seconds < MORNING_CLOSES:
        return 0
    if seconds <= CUTOFF:
        return 1
    if seconds < CLOSES:
        return 2
    return 3 if seconds == CLOSES else 4


def _aware(t: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, dt.UTC)


class _Clock:
    """The working-day calendar as flat lists over the period, for per-dossier arithmetic in
    epoch seconds; appointments themselves come from ``dossiers.calendar``, memoised."""

    def __init__(self, first: dt.date, last: dt.date, legal: list[tuple[Decimal, str, bool]]):
        self.calendar = Calendar.load(years=range(first.year, last.year + 1))
        self.day0 = first.toordinal() - EPOCH
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        self.working = [self.calendar.is_working_day(day) for day in days]
        self.next_working = [0] * len(days)
        following = len(days)
        for i in range(len(days) - 1, -1, -1):
            self.next_working[i] = following
            if self.working[i]:
                following = i
        self.dates = [day.isoformat() for day in days]
        self.yymmdd = [day.strftime("%y%m%d") for day in days]
        self.legal = legal
        self.memo: dict[tuple[int, int, int], int] = {}

    def ts(self, t: int | None) -> str:
        """COPY text of a UTC epoch second."""
        if t is None:
            return r"\N"
        day, seconds = divmod(t, DAY)
        return f"{self.dates[day - self.day0]} {HMS[seconds]}+00"

    def office(self, t: int, jitter: int) -> int:
        """``t`` if the one-stop desk is open then, else its next opening plus ``jitter`` s."""
        day, seconds = divmod(t + TZ, DAY)
        i = day - self.day0
        if self.working[i]:
            if seconds < OPENS:
                return t - seconds + OPENS + jitter
            if seconds < MORNING_CLOSES:
                return t
            if seconds < AFTERNOON_OPENS:
                return t - seconds + AFTERNOON_OPENS + jitter
            if seconds < CLOSES:
                return t
        return (self.day0 + self.next_working[i]) * DAY - TZ + OPENS + jitter

    def appointment(self, received: int, legal: int) -> int:
        """The appointment of a dossier received at ``received`` under legal time ``legal``."""
        time_, unit, cutoff = self.legal[legal]
        if unit == HOURS:  # counted to the minute of receipt: nothing to share
            return int(
                appointment(_aware(received), time_, unit, cutoff, self.calendar).timestamp()
            )
        day, seconds = divmod(received + TZ, DAY)
        bucket = _bucket(seconds)
        key = (legal, day, bucket)
        moment = day * DAY - TZ + BUCKET_TIMES[bucket]
        due = self.memo.get(key)
        if due is None:
            due = int(appointment(_aware(moment), time_, unit, cutoff, self.calendar).timestamp())
            self.memo[key] = due
        return due

    def paused(self, due: int, start: int, end: int, legal: int) -> int:
        """The appointment moved by a supplement pause from ``start`` to ``end``."""
        unit = self.legal[legal][1]
        moved = paused_appointment(
            _aware(due), _aware(start), _aware(end), self.calendar, unit=unit
        )
        return int(moved.timestamp())


# --- dossiers ---------------------------------------------------------------------------------

DOSSIER_COLUMNS = _words(
    "id code procedure_id version_id case_id status channel reception_agency_id agency_id level "
    "applicant_id applicant_type applicant_name applicant_id_number applicant_phone "
    "applicant_email applicant_address applicant_commune_id vneid_verified result_delivery "
    "submitted_at received_at appointment_at finished_at returned_at created_at updated_at "
    "step step_index assignee_id revision original_appointment_at"
)
EVENT_COLUMNS = _words(
    "id dossier_id kind actor_id role agency_id old_status new_status note at revision"
)
SUPPLEMENT_COLUMNS = _words(
    "id dossier_id agency_id reason previous_status requested_at supplied_at old_appointment "
    "new_appointment"
)
FINISHING = frozenset((Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RESULT_READY))
PATH_ROLES = ("specialist", "department_head", "leader")
# How much of the time in processing each stage takes, for a dossier cut before approval.
STAGE_WEIGHTS = {"specialist": 3.0, "department_head": 1.0, "leader": 1.0, "signature": 0.5}
P_CLAIMED = {"specialist": 0.85, "department_head": 0.5, "leader": 0.5, "signature": 1.0}
HELD = (Status.IN_PROCESSING, Status.SUPPLEMENT_REQUESTED, Status.FINANCIAL_OBLIGATION)


def _stage(stages: tuple[str, ...], share: float) -> int:
    """The stage a dossier has reached after ``share`` of its time in processing."""
    total = sum(STAGE_WEIGHTS[s] for s in stages)
    reached = 0.0
    for index, stage in enumerate(stages):
        reached += STAGE_WEIGHTS[stage] / total
        if share < reached:
            return index
    return len(stages) - 1


@dataclass
class _Planned:
    """One dossier before it has an id and a code."""

    submitted: int
    reception: int
    day: int  # local day index, for the code
    body: str  # COPY text of the columns after id and code
    events: list[tuple]  # (at, old, new, role, agency, note), cut at the end of the period
    supplement: tuple | None  # (agency, reason, requested, supplied, old, new appointment)


class _Generator:
    def __init__(
        self,
        scope: _Scope,
        clock: _Clock,
        rng: random.Random,
        as_of: int,
        staff_rng: random.Random | None = None,
    ):
        self.scope, self.clock, self.rng, self.as_of = scope, clock, rng, as_of
        # Steps and assignees draw from their own stream: the rest of the data stays what the
        # same seed gave before they existed.
        self.staff_rng = staff_rng or random.Random(0)

    def slots(self, n: int, since: dt.date, until: dt.date) -> list[int]:
        """Submission times in order, as ``2 * t + out_of_hours``: the day's office hours on
        working days, a few online in the evening or at weekends."""
        r, clock = self.rng.random, self.clock
        first = since.toordinal() - EPOCH - clock.day0
        days = list(range(first, first + (until - since).days + 1))
        working = [d for d in days if clock.working[d]]
        if not working:
            raise ValueError("No working day between since and until")
        slots = []
        out_of_hours = P_OUT_OF_HOURS if ONLINE in self.scope.by_channel else 0
        for _ in range(n):
            if r() < out_of_hours:
                day = days[int(r() * len(days))]
                if clock.working[day]:  # 17:30 to 22:30
                    seconds = CLOSES + 1800 + int(r() * 5 * 3600)
                else:  # 07:00 to 22:00
                    seconds = 7 * 3600 + int(r() * 15 * 3600)
                out = 1
            else:
                day = working[int(r() * len(working))]
                u, morning = int(r() * OFFICE_SECONDS), MORNING_CLOSES - OPENS
                seconds = OPENS + u if u < morning else AFTERNOON_OPENS + u - morning
                out = 0
            slots.append(((clock.day0 + day) * DAY + seconds - TZ) * 2 + out)
        slots.sort()
        return slots

    def story(self, t: int, channel: int, legal: int, reception: int, agency: int, online: bool):
        """The dossier's whole life from ``t`` (events, first and paused appointment)."""
        r, office, clock = self.rng.random, self.clock.office, self.clock
        events = [(t, None, 1, "receiver" if channel == DIRECT else "applicant", reception, "")]
        fate = r()
        if channel == DIRECT:
            t += 120 + int(r() * 900)
        else:
            t = office(t + 900 + int(r() * r() * 2 * DAY), int(r() * 1800))
        if fate < P_REFUSED:
            events.append((t, 1, 3, "receiver", reception, REFUSAL))
            return events, None, None
        if fate < P_REFUSED + P_WITHDRAWN_EARLY and channel != DIRECT:
            events.append((t, 1, 7, "applicant", reception, WITHDRAW_NOTE))
            return events, None, None
        events.append((t, 1, 2, "receiver", reception, ""))
        received = t
        due = first_due = clock.appointment(t, legal)
        t = office(t + 300 + int(r() * r() * 4 * 3600), int(r() * 1800))
        if fate > 1 - P_WITHDRAWN_RECEIVED:
            events.append((t, 2, 7, "applicant", reception, WITHDRAW_NOTE))
            return events, first_due, None
        events.append((t, 2, 4, "specialist", agency, ""))
        late = r() < P_LATE
        share = 1.02 + r() * 0.8 if late else 0.15 + r() * 0.8
        paused_due = None
        if r() < P_SUPPLEMENT:
            t = office(max(t + 600, t + int((due - t) * (0.1 + r() * 0.4))), int(r() * 1800))
            reason = SUPPLEMENT_REASONS[int(r() * len(SUPPLEMENT_REASONS))]
            events.append((t, 4, 5, "specialist", agency, reason))
            if r() < P_SUPPLEMENT_UNANSWERED:
                events.append((office(t + 30 * DAY, 600), 5, 8, "leader", agency, STOP_NOTE))
                return events, first_due, None
            answered = office(t + int(DAY * (0.2 + r() * r() * 12)), int(r() * 1800))
            paused_due = due = clock.paused(due, t, answered, legal)
            t = answered
            events.append((t, 5, 4, "applicant", agency, ""))
        if r() < P_FINANCIAL:
            t = office(max(t + 600, t + int((due - t) * (0.2 + r() * 0.4))), int(r() * 1800))
            events.append((t, 4, 6, "specialist", agency, ""))
            t = office(t + int(DAY * (0.1 + r() * 4)), int(r() * 1800))
            events.append((t, 6, 4, "receiver", reception, ""))
        t = office(max(received + int((due - received) * share), t + 1800), int(r() * 1800))
        if r() < P_STOPPED:
            events.append((t, 4, 8, "leader", agency, STOP_NOTE))
            return events, first_due, paused_due
        events.append((t, 4, 9, "leader", agency, ""))
        if r() < P_NEVER_COLLECTED:
            return events, first_due, paused_due
        if online:
            t += 300 + int(r() * 4 * 3600)  # sent electronically, office hours or not
        else:
            t = office(t + int(r() * r() * 10 * DAY), int(r() * 1800))
        events.append((t, 9, 10, "receiver", reception, ""))
        return events, first_due, paused_due

    def plan(self, slot: int) -> _Planned:
        """Who, what, where and the history (cut at the end of the period) of one dossier."""
        r, scope, clock = self.rng.random, self.scope, self.clock
        t, out_of_hours = divmod(slot, 2)
        if out_of_hours:
            channel = ONLINE
        else:
            x = r() * (1 - P_OUT_OF_HOURS)
            online_share = P_ONLINE - P_OUT_OF_HOURS
            channel = ONLINE if x < online_share else DIRECT if x < online_share + P_DIRECT else 3
        # The channel first, then a procedure offered through it: the mix stays as wanted
        # whatever the catalogue offers online.
        procedures, weights = scope.by_channel.get(
            channel, (scope.procedures, scope.procedure_weights)
        )
        procedure = procedures[bisect_left(weights, r() * weights[-1])]
        if channel not in procedure.channels:
            channel = next(iter(procedure.channels))
        if procedure.level == Level.COMMUNE:
            place = scope.communes[
                bisect_left(scope.commune_weights, r() * scope.commune_weights[-1])
            ]
            province = place.province
            reception = agency = place.centre
            if r() < 0.12:
                place = province.communes[int(r() * len(province.communes))]
        else:
            weights = scope.province_weights
            province = scope.provinces[bisect_left(weights, r() * weights[-1])]
            weights = province.commune_weights
            place = province.communes[bisect_left(weights, r() * weights[-1])]
            reception = province.centre
            agency = province.departments[procedure.department % len(province.departments)]
        if channel == DIRECT:
            delivery = "counter" if r() < 0.85 else "post"
        elif channel == ONLINE:
            x = r()
            delivery = "online" if x < 0.55 else "counter" if x < 0.9 else "post"
        else:
            delivery = "post"
        events, first_due, paused_due = self.story(
            t, channel, procedure.channels[channel], reception, agency, delivery == "online"
        )
        following = None
        if events[-1][0] > self.as_of:
            cut = [e for e in events if e[0] <= self.as_of]
            following = events[len(cut)]
            events = cut
        received = due = finished = returned = supplement = None
        for i, (at, _old, new, _role, where, note) in enumerate(events):
            if new == Status.RECEIVED:
                received, due = at, first_due
            elif new == Status.SUPPLEMENT_REQUESTED:
                answered = i + 1 < len(events) and events[i + 1][1] == Status.SUPPLEMENT_REQUESTED
                if answered and events[i + 1][2] == Status.IN_PROCESSING:
                    supplement = (where, note, at, events[i + 1][0], due, paused_due)
                    due = paused_due
                else:
                    supplement = (where, note, at, None, due, None)
            if new in FINISHING:
                finished = at
            elif new == Status.RETURNED:
                returned = at
        ts = clock.ts
        body = ",".join(
            (
                str(procedure.id),
                str(procedure.version_id),
                procedure.case,
                str(events[-1][2]),
                str(channel),
                str(reception),
                str(agency),
                procedure.level,
                r"\N",
                self.applicant(province.code),
                place.address_of(int(r() * 200) + 1),
                place.code,
                "t" if channel == ONLINE and r() < 0.75 else "f",
                delivery,
                ts(t),
                ts(received),
                ts(due),
                ts(finished),
                ts(returned),
                ts(t),
                ts(events[-1][0]),
                self.position(procedure, agency, events[-1], following),
                str(len(events) - 1),  # every transition bumps the revision
                ts(first_due if received is not None else None),
            )
        )
        return _Planned(t, reception, (t + TZ) // DAY - clock.day0, body, events, supplement)

    def position(self, procedure: _Procedure, agency: int, last: tuple, following) -> str:
        """COPY text of step, step index and assignee where the history was cut.

        In processing (4) the dossier is at the stage its elapsed share of the time to approval
        reaches (the specialist's until a supplement, payment or stop comes next); 5 and 6 keep
        the specialist's step, as the lifecycle does. The officer of that step's role in the
        agency has it in hand (claimed), or nobody yet; signature waits with the approving
        leader. Other statuses have no step.
        """
        status = last[2]
        if status not in HELD:
            return r",\N,\N"
        stages = procedure.stages
        index = 0
        if status == Status.IN_PROCESSING and following and following[2] == Status.RESULT_READY:
            start, end = last[0], following[0]
            index = _stage(stages, (self.as_of - start) / max(end - start, 1))
        stage = stages[index]
        path_index = min(index, len(stages) - 1 - (stages[-1] == "signature"))
        assignee = r"\N"
        staff = self.scope.staff.get(agency)
        if staff:
            r = self.staff_rng.random
            officers = staff.get("leader" if stage == "signature" else stage)
            if officers and r() < P_CLAIMED[stage]:
                assignee = str(officers[int(r() * len(officers))])
        return f"{stage},{path_index},{assignee}"

    def applicant(self, province: str) -> str:
        """COPY text of type, name, identity number, phone and e-mail of an applicant."""
        r = self.rng.random
        x = r()
        if x < 0.92:
            female = int(r() < 0.52)
            name = (
                f"{FAMILY[int(r() * len(FAMILY))]} {MIDDLE[female][int(r() * 8)]} "
                f"{GIVEN[female][int(r() * len(GIVEN[female]))]}"
            )
            born = 1950 + int(r() * 58)
            century = (born >= 2000) * 2 + female
            kind, number = "citizen", f"0{province}{century}{born % 100:02d}{int(r() * 1e6):06d}"
        elif x < 0.98:
            word = COMPANY_WORDS[int(r() * len(COMPANY_WORDS))]
            given = GIVEN[0][int(r() * len(GIVEN[0]))]
            kind, name, number = (
                "business",
                f"Công ty TNHH {word} {given}",
                f"{int(r() * 1e10):010d}",
            )
        elif x < 0.99:
            kind, name, number = "state_agency", f"Trường Tiểu học số {int(r() * 9) + 1}", ""
        else:
            word = COMPANY_WORDS[int(r() * len(COMPANY_WORDS))]
            kind, name, number = "other", f"Hợp tác xã {word}", ""
        phone = f"0{PHONE_PREFIXES[int(r() * len(PHONE_PREFIXES))]}{int(r() * 1e7):07d}"
        email = f"nguoinop{int(r() * 1e9):09d}@{MARKER_DOMAIN}"
        return f"{kind},{name},{number},{phone},{email}"

    def plan_batch(self, slots: list[int]) -> list[_Planned]:
        """The batch's dossiers in the order they were submitted."""
        return sorted(map(self.plan, slots), key=lambda p: p.submitted)

    def write(self, cursor, planned: list[_Planned], tables: dict[str, CopyTable | None]) -> int:
        """Number and COPY one planned batch; returns how many events it wrote."""
        clock = self.clock
        counts: dict[tuple[int, dt.date], int] = {}
        for p in planned:
            key = (p.reception, dt.date.fromordinal(EPOCH + clock.day0 + p.day))
            counts[key] = counts.get(key, 0) + 1
        numbers = {
            (agency, day.toordinal() - EPOCH - clock.day0): first
            for (agency, day), first in take_code_ranges(cursor, counts).items()
        }
        ids = take_ids(cursor, Dossier, len(planned))
        event_ids = iter(take_ids(cursor, DossierEvent, sum(len(p.events) for p in planned)))
        supplements = tables["supplements"]
        supplement_ids = iter(
            take_ids(cursor, supplements.model, sum(p.supplement is not None for p in planned))
            if supplements
            else ()
        )
        dossier_lines, event_lines, supplement_lines = [], [], []
        identifiers, ts = self.scope.identifiers, clock.ts
        dossier_line, event_line = tables["dossiers"].line, tables["events"].line
        for dossier_id, p in zip(ids, planned, strict=True):
            key = (p.reception, p.day)
            number = numbers[key]
            numbers[key] = number + 1
            code = f"{identifiers[p.reception]}-{clock.yymmdd[p.day]}-{number:04d}"
            dossier_lines.append(dossier_line(f"{dossier_id},{code},{p.body}"))
            for revision, (at, old, new, role, agency, note) in enumerate(p.events):
                kind = SUBMITTED if old is None else TRANSITION
                old_text = r"\N" if old is None else old
                event_lines.append(
                    event_line(
                        f"{next(event_ids)},{dossier_id},{kind},\\N,{role},{agency},"
                        f"{old_text},{new},{note},{ts(at)},{revision}"
                    )
                )
            if supplements and p.supplement:
                agency, reason, requested, supplied, old_due, new_due = p.supplement
                values = {
                    "id": str(next(supplement_ids)),
                    "dossier_id": str(dossier_id),
                    "agency_id": str(agency),
                    "reason": _csv(reason),
                    "previous_status": str(Status.IN_PROCESSING.value),
                    "requested_at": ts(requested),
                    "supplied_at": ts(supplied),
                    "old_appointment": ts(old_due),
                    "new_appointment": ts(new_due),
                }
                text = ",".join(values[column] for column in supplements.explicit)
                supplement_lines.append(supplements.line(text))
        tables["dossiers"].copy(cursor, dossier_lines)
        tables["events"].copy(cursor, event_lines)
        if supplements:
            supplements.copy(cursor, supplement_lines)
        return len(event_lines)


def _secrets(seed: int) -> Callable[[], str]:
    # secrets.choice costs a system call per character, a third of the run for a million
    # dossiers; bench data needs the shape of a tracking secret, not its unpredictability.
    from dossiers import models as dossier_models

    alphabet = getattr(dossier_models, "SECRET_ALPHABET", "23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    length = getattr(dossier_models, "SECRET_LENGTH", 8)
    choices = random.Random(f"secrets-{seed}").choices
    return lambda: "".join(choices(alphabet, k=length))


def _supplement_table(now: dt.datetime) -> CopyTable | None:
    # Supplement requests arrived with the supplement lifecycle; a tree without them, or with
    # them reshaped beyond what is filled here, still gets its dossiers and events.
    try:
        model = apps.get_model("dossiers", "SupplementRequest")
        names = {f.attname for f in model._meta.concrete_fields}
        if not {"id", "dossier_id", "requested_at"} <= names:
            return None
        return CopyTable(model, [c for c in SUPPLEMENT_COLUMNS if c in names], now)
    except LookupError:
        return None


def generate_dossiers(
    n: int,
    *,
    seed: int = 1,
    since: dt.date,
    until: dt.date,
    provinces: int | Iterable[str] | None = None,
    batch: int = 50_000,
    progress: Callable[[str], object] = print,
    hot: dict[str, float] | None = None,
) -> int:
    """Insert ``n`` dossiers submitted between ``since`` and ``until`` (inclusive, local days)
    in the chosen provinces, with their events (and supplement requests), by COPY.

    Needs the agencies (:func:`ensure_agencies`) and the catalogue (:func:`ensure_procedures`).
    Histories are cut at the end of ``until``; dossiers in hand get the step they reached and,
    where :func:`ensure_staff` made officers, an assignee. ``hot`` gives communes (code →
    share) that share of the commune-level dossiers. The same seed and database give the same data;
    running again adds ``n`` more (codes continue after the ones taken). One transaction per
    batch; ``ANALYZE`` at the end. Returns the number of dossiers written.
    """
    if until < since:
        raise ValueError("until is before since")
    scope = _load_scope(provinces, random.Random(f"scope-{seed}"), hot)
    clock = _Clock(since - dt.timedelta(days=7), until + dt.timedelta(days=730), scope.legal_times)
    as_of = (until.toordinal() - EPOCH + 1) * DAY - TZ
    generator = _Generator(scope, clock, random.Random(seed), as_of, random.Random(f"staff-{seed}"))
    now = dt.datetime.now(dt.UTC)
    tables = {
        "dossiers": CopyTable(
            Dossier, DOSSIER_COLUMNS, now, faster={"tracking_secret": _secrets(seed)}
        ),
        "events": CopyTable(DossierEvent, EVENT_COLUMNS, now),
        "supplements": _supplement_table(now),
    }
    if tables["supplements"] is None:
        progress("supplement requests are not written: this tree has none of the expected shape")
    start = time.perf_counter()
    slots = generator.slots(n, since, until)
    batches = [slots[first : first + batch] for first in range(0, n, batch)]
    done = events = 0
    # Planning the next batch (pure Python) overlaps with PostgreSQL taking in this one.
    with ThreadPoolExecutor(max_workers=1) as pool, connection.cursor() as cursor:
        pending = pool.submit(generator.plan_batch, batches[0]) if batches else None
        for index in range(len(batches)):
            planned = pending.result()
            if index + 1 < len(batches):
                pending = pool.submit(generator.plan_batch, batches[index + 1])
            with transaction.atomic():
                # Bench data: losing a batch in a crash is fine, waiting on each flush is not.
                cursor.execute("SET LOCAL synchronous_commit = off")
                events += generator.write(cursor, planned, tables)
            done += len(planned)
            elapsed = time.perf_counter() - start
            progress(
                f"{done:>10,} dossiers {events:>11,} events  {elapsed:7.1f} s  "
                f"{done / elapsed:>9,.0f} dossiers/s {(done + events) / elapsed:>10,.0f} rows/s"
            )
        for table in tables.values():
            if table is not None:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table.table)}")
        cursor.execute(f"ANALYZE {connection.ops.quote_name(CodeSequence._meta.db_table)}")
    return done


# --- reset ------------------------------------------------------------------------------------


def _delete_rows(cursor, model: type[models.Model], where: str, depth: int = 0) -> None:
    """Delete the rows of ``model`` whose id is in ``where`` (a subquery), after the rows of
    every table that points at them, however later code adds such tables."""
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    if depth < 4:
        for relation in model._meta.related_objects:
            child = relation.related_model
            if relation.many_to_many or child is model or not relation.field.concrete:
                continue
            column = quote(relation.field.column)
            child_table, child_pk = quote(child._meta.db_table), quote(child._meta.pk.column)
            _delete_rows(
                cursor,
                child,
                f"SELECT {child_pk} FROM {child_table} WHERE {column} IN ({where})",  # noqa: S608
                depth + 1,
            )
    cursor.execute(f"DELETE FROM {table} WHERE {pk} IN ({where})")  # noqa: S608


def delete_generated() -> int:
    """Delete every generated dossier (no applicant account, ``@bench.invalid`` e-mail) and
    whatever refers to it, in one transaction; returns how many dossiers went. The code
    counters stay, so later codes never repeat earlier ones."""
    quote = connection.ops.quote_name
    table = quote(Dossier._meta.db_table)
    email = quote(Dossier._meta.get_field("applicant_email").column)
    applicant = quote(Dossier._meta.get_field("applicant").column)
    # Run without parameters, so the % needs no escaping; all names come from the models.
    where = f"SELECT id FROM {table} WHERE {applicant} IS NULL AND {email} LIKE '%@{MARKER_DOMAIN}'"  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({where}) AS generated")  # noqa: S608
        (count,) = cursor.fetchone()
        _delete_rows(cursor, Dossier, where)
    return count


# --- command line -----------------------------------------------------------------------------


def _summary(progress: Callable[[str], object]) -> None:
    quote = connection.ops.quote_name
    dossiers = quote(Dossier._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status, count(*) FROM {dossiers} GROUP BY status ORDER BY status"  # noqa: S608
        )
        statuses = ", ".join(f"{status}: {count:,}" for status, count in cursor.fetchall())
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE finished_at > appointment_at), "  # noqa: S608
            f"count(*) FILTER (WHERE finished_at IS NOT NULL AND appointment_at IS NOT NULL), "
            f"count(*) FILTER (WHERE channel = 2), count(*) FROM {dossiers}"
        )
        late, finished, online, total = cursor.fetchone()
        cursor.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database())), "
            "pg_size_pretty(pg_total_relation_size(%s)), "
            "pg_size_pretty(pg_total_relation_size(%s))",
            [Dossier._meta.db_table, DossierEvent._meta.db_table],
        )
        database, dossier_size, event_size = cursor.fetchone()
    progress(f"dossiers by status: {statuses}")
    progress(
        f"finished late: {late / max(finished, 1):.1%} of {finished:,}; "
        f"online: {online / max(total, 1):.1%} of {total:,}"
    )
    progress(
        f"database {connection.settings_dict['NAME']}: {database} "
        f"(dossiers {dossier_size}, events {event_size}, with indexes)"
    )


def _hot(text: str) -> tuple[str, float]:
    code, _sep, share = text.partition(":")
    try:
        return code, float(share)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("expected COMMUNE:SHARE, e.g. 00004:0.1") from exc


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m bench.generate``: set up the bench database, then generate."""
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("--dossiers", type=int, default=0, help="how many dossiers to add")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--provinces", type=int, default=None, help="only the first N provinces (by code)"
    )
    parser.add_argument("--since", type=dt.date.fromisoformat, default=dt.date(2025, 7, 1))
    parser.add_argument("--until", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--procedures", type=int, default=200, help="catalogue size to ensure")
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument(
        "--reset", action="store_true", help="first delete the dossiers generated earlier"
    )
    parser.add_argument(
        "--hot",
        type=_hot,
        action="append",
        default=[],
        metavar="COMMUNE:SHARE",
        help="give this commune's service centre SHARE of the commune-level dossiers (repeatable)",
    )
    parser.add_argument(
        "--staff",
        action="store_true",
        help="create officers in every agency (more in --hot ones) and assign dossiers in hand",
    )
    args = parser.parse_args(argv)

    from django.utils import timezone

    from bench.run import ensure_database

    ensure_database()
    call_command("migrate", verbosity=0)
    if args.reset:
        start = time.perf_counter()
        deleted = delete_generated()
        print(f"deleted {deleted:,} generated dossiers in {time.perf_counter() - start:.1f} s")
    if args.dossiers:
        start = time.perf_counter()
        ensure_units()
        created = ensure_agencies(provinces=args.provinces)
        procedures = ensure_procedures(count=args.procedures)
        hot = dict(args.hot)
        officers = ensure_staff(provinces=args.provinces, busy=hot) if args.staff else 0
        print(
            f"setup: {created:,} agencies created, {procedures:,} procedures, "
            f"{officers:,} officers created, {time.perf_counter() - start:.1f} s"
        )
        start = time.perf_counter()
        written = generate_dossiers(
            args.dossiers,
            seed=args.seed,
            since=args.since,
            until=args.until or timezone.localdate(),
            provinces=args.provinces,
            batch=args.batch,
            hot=hot or None,
        )
        elapsed = time.perf_counter() - start
        print(f"generated {written:,} dossiers in {elapsed:.1f} s ({written / elapsed:,.0f}/s)")
    _summary(print)


if __name__ == "__main__":
    main()

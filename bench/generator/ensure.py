"""``bench.generate``: units, agencies, catalogue and staff, made where missing."""

from __future__ import annotations

import dataclasses
import os
import random
from collections.abc import Iterable
from itertools import chain

from django.core.management import call_command
from django.db import models, transaction

from bench.generator.common import (
    COMMUNE_CENTRE_NUMBER,
    DEMO_CATALOGUE,
    DEPARTMENTS,
    FAMILY,
    GIVEN,
    MARKER_DOMAIN,
    MIDDLE,
    PROVINCE_CENTRE_NUMBER,
)
from procedures.models import Procedure
from units.models import Agency, AgencyKind, Membership, Role, Unit, UnitLevel, UnitType
from units.text import fold

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

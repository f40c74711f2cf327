"""Benchmarks of the catalogue: search over 6,000 procedures and a large reassignment.

Figures are printed with a bare baseline measured in the same run (a primary-key lookup of
one procedure), since these machines are shared and noisy. Run: `make bench`.
"""

import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from bench.run import ensure_database  # noqa: E402
from procedures.models import Assignment, Level, Procedure, ReassignmentBatch  # noqa: E402
from procedures.selectors import procedure_search  # noqa: E402
from procedures.services import procedure_upsert, reassignment_commit  # noqa: E402
from tests.factories.procedures import record  # noqa: E402
from units.models import Unit, UnitLevel  # noqa: E402

TARGET = 6000
QUERIES = [
    "dang ky khai sinh",
    "ket hon",
    "dang ky thuong tru",
    "ho kinh doanh",
    "giay phep xay dung",
    "chung thuc ban sao",
    "khai tu",
    "tam tru",
    "dat dai",
    "ly lich tu phap",
    "dang ki khai sinh",
    "cap lai giay chung nhan",
    "hoa giai",
    "nuoi con nuoi",
    "giam ho",
]
SUFFIXES = [
    "",
    " tại khu vực biên giới",
    " có yếu tố nước ngoài",
    " lưu động",
    " (cấp xã)",
    " đối với hộ gia đình, cá nhân",
    " trong trường hợp đặc biệt",
    " cho người nước ngoài",
]


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def grow_catalogue() -> None:
    """Real demo names, then variants with local codes up to 6,000 procedures."""
    existing = Procedure.objects.count()
    if existing >= TARGET:
        return
    names = [
        p["name"]
        for p in json.loads((ROOT / "procedures/data/demo_catalogue.json").read_text())[
            "procedures"
        ]
    ]
    rng = random.Random(7)
    with transaction.atomic():
        for i in range(existing, TARGET):
            name = rng.choice(names) + rng.choice(SUFFIXES)
            procedure_upsert(record=record(code=f"9.{i:06d}", name=name, workflow=()))


def bench_search() -> None:
    grow_catalogue()
    print(f"catalogue: {Procedure.objects.count()} procedures")
    baseline = []
    for _ in range(300):
        start = time.perf_counter()
        Procedure.objects.filter(pk=1).first()
        baseline.append((time.perf_counter() - start) * 1000)
    samples = []
    for _round in range(20):
        for query in QUERIES:
            start = time.perf_counter()
            list(procedure_search(query=query)[:20])
            samples.append((time.perf_counter() - start) * 1000)
    base = statistics.median(baseline)
    print(f"bare lookup by primary key: median {base:.2f} ms")
    print(
        f"search (first page of 20, {len(samples)} queries): median "
        f"{statistics.median(samples):.2f} ms, p95 {p95(samples):.2f} ms "
        f"({p95(samples) / base:.0f}x bare)"
    )


def former_districts_with_dossiers(province, communes, procedures, dossiers: int) -> None:
    """Generated former districts of ``province`` (each commune the successor of one), their
    People's Committees and ``dossiers`` open dossiers held by them."""
    from dossiers.models import Dossier, Status
    from units.models import Agency, AgencyKind, Succession

    districts = [
        Unit(
            code=f"{900 + i:03d}",
            name=f"Quận {i + 1}",
            type="former_district",
            level=UnitLevel.FORMER_DISTRICT,
            parent=province,
            search_name=f"quan {i + 1}",
            valid_to=dt.date(2025, 6, 30),
        )
        for i in range(20)
    ]
    Unit.objects.bulk_create(districts)
    Succession.objects.bulk_create(
        Succession(predecessor=districts[i % 20], successor=c, effective_on=dt.date(2025, 7, 1))
        for i, c in enumerate(communes)
    )
    Agency.objects.bulk_create(
        [
            Agency(
                identifier=f"{c.code[:3]}.{c.code[3:]}.02.H{province.code}",
                name=f"UBND {c.name}",
                unit=c,
                kind=AgencyKind.COMMUNE_COMMITTEE,
                search_name=c.search_name,
            )
            for c in communes
        ]
        + [
            Agency(
                identifier=f"{d.code}.00.02.H{province.code}",
                name=f"UBND {d.name}",
                unit=d,
                kind=AgencyKind.FORMER_DISTRICT_COMMITTEE,
                search_name=d.search_name,
            )
            for d in districts
        ]
    )
    held = list(Agency.objects.filter(unit__in=districts))
    successors = {
        d.code: [c for i, c in enumerate(communes) if i % 20 == n] for n, d in enumerate(districts)
    }
    rows = []
    for i in range(dossiers):
        agency = held[i % len(held)]
        procedure = procedures[i % len(procedures)]
        rows.append(
            Dossier(
                code=f"BENCH-{i:06d}",
                procedure=procedure,
                version_id=procedure.current_version_id,
                status=Status.IN_PROCESSING,
                channel=2,
                reception_agency=agency,
                agency=agency,
                level="former_district",
                applicant_name="Nguyễn Văn A",
                applicant_commune=successors[agency.unit_id][i % len(successors[agency.unit_id])],
            )
        )
    Dossier.objects.bulk_create(rows, batch_size=2000)


def bench_reassignment() -> None:
    province = max(
        Unit.objects.filter(level=UnitLevel.PROVINCE),
        key=lambda u: u.children.filter(level=UnitLevel.COMMUNE).count(),
    )
    communes = list(province.children.filter(level=UnitLevel.COMMUNE).order_by("code"))
    procedures = list(Procedure.objects.order_by("code")[:50])
    admin = django.contrib.auth.get_user_model().objects.get(username="admin")
    for label, target, chosen, dossiers in (
        ("all commune service centres", "all_communes", [], 10_000),
        ("each commune chosen (one assignment per commune)", "chosen_communes", communes, 10_000),
    ):
        with transaction.atomic():
            Assignment.objects.bulk_create(
                Assignment(
                    procedure=p,
                    level=Level.FORMER_DISTRICT,
                    scope=province,
                    valid_from=dt.date(2021, 1, 1),
                )
                for p in procedures
            )
            former_districts_with_dossiers(province, communes, procedures, dossiers)
            start = time.perf_counter()
            batch = reassignment_commit(
                province=province,
                procedure_ids=[p.pk for p in procedures],
                target=target,
                target_communes=chosen,
                effective_on=dt.date(2026, 11, 23),
                reason="bench",
                actor=admin,
            )
            elapsed = time.perf_counter() - start
            print(
                f"reassign 50 procedures of {province.name} ({len(communes)} communes) to "
                f"{label}: {batch.summary['assignments_created']} assignments created, "
                f"{batch.summary['assignments_closed']} closed, "
                f"{batch.summary['dossiers_rerouted']} open dossiers re-routed with an event "
                f"each, in {elapsed:.2f} s"
            )
            transaction.set_rollback(True)
    assert not ReassignmentBatch.objects.filter(reason="bench").exists()


def main() -> None:
    ensure_database()
    call_command("migrate", verbosity=0)
    call_command("load_units", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("load_demo", "--quiet-logins", stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(f"database: {connection.vendor}")
    bench_search()
    bench_reassignment()


if __name__ == "__main__":
    main()

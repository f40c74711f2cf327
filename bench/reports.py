"""Benchmark of the reports: a province's annual report over the rollups, and rollup freshness.

Run: ``python -m bench.reports [--dossiers 1000000] [--skip-generate] [--skip-rebuild]
[--runs 50] [--load-seconds 60] [--rate 100]`` on the bench database ``portal_bench_reports``
(``DATABASE_URL``). It generates the dossiers with ``bench.generate`` (unless told not to),
rebuilds the rollups, then prints:

* the p50/p95 of a province's annual report (``selectors.report`` grouped by commune, with the
  index and the operational rate) over ``--runs`` runs, beside a bare baseline (one indexed SUM
  over ``PeriodRollup`` for the same province and year);
* rollup freshness under load: a thread appends lifecycle-like events (status changes of open
  dossiers, through the same tables as ``dossiers.lifecycle``) at ``--rate`` per second for
  ``--load-seconds`` while ``refresh_changed`` runs every few seconds; the lag of an event is
  the time from its commit to the end of the refresh that covered it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_reports")
    import django

    django.setup()

from django.db import connection, connections, transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from dossiers.models import Dossier, DossierEvent, Status
from dossiers.models_reports import DossierRollup, PeriodRollup
from dossiers.reports import rollups, selectors


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def busiest_province_year() -> tuple[str, int]:
    row = (
        PeriodRollup.objects.values("province_id", "month__year")
        .annotate(n=Sum("received"))
        .order_by("-n")
        .first()
    )
    return row["province_id"], row["month__year"]


def time_report(runs: int) -> None:
    province, year = busiest_province_year()
    scope = selectors.Scope(province=province, admin=True)
    period = selectors.Period.year(year)
    received = PeriodRollup.objects.filter(province_id=province, month__year=year).aggregate(
        n=Sum("received"), rows=Count("pk")
    )
    print(
        f"province {province}, year {year}: {received['n']:,} dossiers received, "
        f"{received['rows']:,} PeriodRollup rows"
    )
    for label, work in (
        (
            "baseline: one SUM over PeriodRollup",
            lambda: PeriodRollup.objects.filter(
                province_id=province, month__gte=period.first, month__lte=period.last
            ).aggregate(n=Sum("received")),
        ),
        ("report, whole province (index + operational)", lambda: selectors.report(scope, period)),
        ("report grouped by commune", lambda: selectors.report(scope, period, "commune")),
        ("ranking of agencies", lambda: selectors.ranking(scope, period, "agency")),
    ):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            work()
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"  {label:48s} p50 {statistics.median(times):8.1f} ms   "
            f"p95 {percentile(times, 95):8.1f} ms"
        )


def freshness(seconds: int, rate: int, refresh_every: float) -> None:
    """Events at ``rate``/s for ``seconds``; refresh every ``refresh_every`` s; lag figures."""
    rollups.refresh_changed()  # start from a current watermark
    # Open dossiers get their result; when the data holds too few (a generation cut short),
    # results ready are returned. Either is one lifecycle transition and one event.
    wanted = rate * seconds
    candidates = [
        (pk, Status.IN_PROCESSING, Status.RESULT_READY)
        for pk in Dossier.objects.filter(status=Status.IN_PROCESSING)
        .order_by("pk")
        .values_list("pk", flat=True)[:wanted]
    ]
    candidates += [
        (pk, Status.RESULT_READY, Status.RETURNED)
        for pk in Dossier.objects.filter(status=Status.RESULT_READY)
        .order_by("pk")
        .values_list("pk", flat=True)[: wanted - len(candidates)]
    ]
    committed: dict[int, float] = {}  # event id -> commit time
    stop = threading.Event()

    def writer() -> None:
        interval = 1 / rate
        next_at = time.perf_counter()
        for pk, old, new in candidates:
            if stop.is_set():
                break
            with transaction.atomic():
                # What a lifecycle transition writes: the dossier and an immutable event.
                Dossier.objects.filter(pk=pk).update(
                    status=new,
                    finished_at=Coalesce(F("finished_at"), timezone.now()),
                    revision=F("revision") + 1,
                )
                event = DossierEvent.objects.create(
                    dossier_id=pk,
                    kind=DossierEvent.Kind.TRANSITION,
                    old_status=old,
                    new_status=new,
                    note="bench.reports",
                )
            committed[event.pk] = time.perf_counter()
            next_at += interval
            delay = next_at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        connections.close_all()

    thread = threading.Thread(target=writer)
    started = time.perf_counter()
    thread.start()
    lags, refresh_times, covered = [], [], set()
    while thread.is_alive() or len(covered) < len(committed):
        time.sleep(refresh_every)
        before = dict(committed)
        t0 = time.perf_counter()
        n = rollups.refresh_changed()
        done = time.perf_counter()
        refresh_times.append((done - t0, n))
        for event_id, at in before.items():
            if event_id not in covered:
                covered.add(event_id)
                lags.append(done - at)
        if time.perf_counter() - started > seconds + 60:
            stop.set()
            break
    thread.join()
    done_ids = [pk for pk, _old, _new in candidates[: len(committed)]]
    new_status = {pk: new for pk, _old, new in candidates}
    finished = sum(
        1
        for pk, status in DossierRollup.objects.filter(pk__in=done_ids).values_list("pk", "status")
        if status == new_status[pk]
    )
    print(
        f"  {len(committed):,} events in {seconds} s ({len(committed) / seconds:.0f}/s); "
        f"refresh every {refresh_every:.0f} s"
    )
    print(
        f"  lag event -> rollup: p50 {statistics.median(lags):.2f} s, "
        f"p95 {percentile(lags, 95):.2f} s, max {max(lags):.2f} s"
    )
    print(
        f"  refresh runs: {len(refresh_times)}, mean {statistics.mean(t for t, _ in refresh_times):.2f} s, "  # noqa: E501
        f"max {max(t for t, _ in refresh_times):.2f} s, dossiers per run up to "
        f"{max(n for _, n in refresh_times):,}"
    )
    print(f"  rollups showing the new status: {finished:,} of {len(committed):,}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--skip-generate", action="store_true")
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--load-seconds", type=int, default=60)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--refresh-every", type=float, default=5.0)
    args = parser.parse_args(argv)
    if not args.skip_generate:
        subprocess.run(
            [sys.executable, "-m", "bench.generate", "--dossiers", str(args.dossiers)],
            check=True,
            env=os.environ,
        )
    total = Dossier.objects.count()
    print(f"database {connection.settings_dict['NAME']}: {total:,} dossiers")
    if not args.skip_rebuild:
        start = time.perf_counter()
        n = rollups.rebuild()
        took = time.perf_counter() - start
        print(f"rebuild: {n:,} dossiers in {took:.0f} s ({n / took:,.0f}/s)")
    print(f"annual report of the busiest province ({args.runs} runs):")
    time_report(args.runs)
    print(f"rollup freshness under {args.rate} events/s for {args.load_seconds} s:")
    freshness(args.load_seconds, args.rate, args.refresh_every)


if __name__ == "__main__":
    main()

"""Benchmark of the reports: a province's annual report over the rollups, and rollup freshness.

Run: ``python -m bench.reports [--dossiers 1000000] [--skip-generate] [--skip-rebuild]
[--runs 50] [--load-seconds 120] [--rate 100] [--refresh-every 30] [--writers 2]`` on the
database ``portal_bench_reports`` (``DATABASE_URL``). It generates the dossiers with
``bench.generate`` (unless told not to), rebuilds the rollups set-based (``rollups.rebuild``:
progress per chunk, time and dossiers/s), then prints:

* the p50/p95 of the busiest province's annual report (``selectors.report`` whole and grouped
  by commune, with the index and the operational rate; the ranking of agencies) over ``--runs``
  runs, beside a bare baseline (one indexed SUM over ``PeriodRollup`` for the same province and
  year) and as a multiple of it;
* the plans of ``refresh_changed``'s queries (``rollups.change_queries``): each must be an index
  scan, never a full scan of a table that grows with the dossiers;
* rollup freshness under load: ``--writers`` processes append lifecycle-like events (status
  changes of open dossiers, through the same tables as ``dossiers.lifecycle``) at ``--rate`` per
  second in all for ``--load-seconds`` while ``refresh_changed`` runs every ``--refresh-every``
  seconds (30: the beat's schedule); the lag of an event is the time from its commit to the end
  of the refresh that covered it (p50, p95, max).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import queue
import statistics
import subprocess
import sys
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
from reports import rollups, selectors
from reports.models import DossierRollup, PeriodRollup, RollupWatermark


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
    baseline = None
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
        p50, p95 = statistics.median(times), percentile(times, 95)
        baseline = baseline or (p50, p95)
        print(
            f"  {label:48s} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   "
            f"({p50 / baseline[0]:5.1f}x / {p95 / baseline[1]:5.1f}x baseline)"
        )


def explain_changes() -> None:
    """The plans of ``refresh_changed``'s queries. Tables the generator leaves empty (ratings,
    outbox, documents) are planned with sequential scans disabled too, as they would be at
    volume: the index each needs must be usable."""
    watermark, _created = RollupWatermark.objects.get_or_create(name=rollups.WATERMARK)
    for name, query in rollups.change_queries(watermark, timezone.now()).items():
        plan = query.explain(analyze=True)
        print(f"  {name}:")
        print("    " + plan.replace("\n", "\n    "))
        if "Seq Scan" in plan and query.model.objects.count() < 1000:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
                plan = query.explain()
            print(f"    ({query.model.objects.count()} rows in the bench data; at volume:)")
            print("    " + plan.replace("\n", "\n    "))


def _write_events(candidates, rate: float, reports, stop) -> None:
    """The load (in a child process): one lifecycle-like transition per candidate, at ``rate``
    per second on a fixed schedule; reports each event's id and commit time."""
    interval = 1 / rate
    next_at = time.monotonic()
    reports.put(("time", "from", next_at))
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
        reports.put(("event", event.pk, time.monotonic()))
        next_at += interval
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    reports.put(("time", "to", time.monotonic()))
    connections.close_all()


def freshness(seconds: int, rate: int, refresh_every: float, writers: int = 2) -> None:
    """Events at ``rate``/s for ``seconds``; refresh every ``refresh_every`` s; lag figures."""
    rollups.refresh_changed()  # start from a current watermark
    # Open dossiers get their result; when the data holds too few (a generation cut short),
    # results ready are returned. Either is one lifecycle transition and one event.
    wanted = rate * seconds
    candidates = [
        (pk, Status.IN_PROCESSING, Status.RESULT_READY)
        for pk in Dossier.objects.filter(status=Status.IN_PROCESSING)
        .order_by("-pk")
        .values_list("pk", flat=True)[:wanted]
    ]
    candidates += [
        (pk, Status.RESULT_READY, Status.RETURNED)
        for pk in Dossier.objects.filter(status=Status.RESULT_READY)
        .order_by("-pk")
        .values_list("pk", flat=True)[: wanted - len(candidates)]
    ]
    # The writer is a process of its own: in a thread it would wait on the GIL while the
    # refresh computes in Python, and the load would sag exactly when it matters.
    committed: dict[int, float] = {}  # event id -> commit time (time.monotonic, system-wide)
    context = multiprocessing.get_context("fork")
    reports, stop = context.Queue(), context.Event()
    connections.close_all()  # the child opens its own connection
    # Several writers, as many users are: one commit at a time cannot keep 100/s on a busy
    # disk, and the load must be what is asked for.
    processes = [
        context.Process(
            target=_write_events, args=(candidates[i::writers], rate / writers, reports, stop)
        )
        for i in range(writers)
    ]
    started = time.monotonic()
    for process in processes:
        process.start()
    writing: dict[str, float] = {}

    def drain() -> None:
        while True:
            try:
                kind, key, at = reports.get_nowait()
            except queue.Empty:
                return
            if kind == "event":
                committed[key] = at
            else:  # the first writer's start, the last one's end
                writing[key] = min(at, writing.get(key, at)) if key == "from" else at

    lags, refresh_times, covered = [], [], set()
    next_refresh = started
    alive = lambda: any(p.is_alive() for p in processes)  # noqa: E731
    while alive() or not reports.empty() or len(covered) < len(committed):
        next_refresh += refresh_every
        time.sleep(max(0.0, next_refresh - time.monotonic()))
        drain()
        before = dict(committed)  # committed before this refresh began: it must see them
        t0 = time.monotonic()
        n = rollups.refresh_changed()
        done = time.monotonic()
        refresh_times.append((done - t0, n))
        for event_id, at in before.items():
            if event_id not in covered:
                covered.add(event_id)
                lags.append(done - at)
        if done - started > seconds + 60:
            stop.set()
            break
    for process in processes:
        process.join()
    drain()
    done_ids = [pk for pk, _old, _new in candidates[: len(committed)]]
    new_status = {pk: new for pk, _old, new in candidates}
    finished = sum(
        1
        for pk, status in DossierRollup.objects.filter(pk__in=done_ids).values_list("pk", "status")
        if status == new_status[pk]
    )
    wrote = writing.get("to", time.monotonic()) - writing.get("from", started)
    print(
        f"  {len(committed):,} events in {wrote:.0f} s ({len(committed) / wrote:.1f}/s, "
        f"{writers} writers); refresh every {refresh_every:.0f} s"
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
    parser.add_argument("--load-seconds", type=int, default=120)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--refresh-every", type=float, default=30.0)
    parser.add_argument("--writers", type=int, default=2, help="processes sharing the load")
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
        n = rollups.rebuild(progress=lambda text: print(f"  {text}", flush=True))
        took = time.perf_counter() - start
        print(f"rebuild: {n:,} dossiers in {took:.0f} s ({n / took:,.0f}/s)", flush=True)
    print(f"annual report of the busiest province ({args.runs} runs):")
    time_report(args.runs)
    print("refresh_changed's queries (EXPLAIN ANALYZE):")
    explain_changes()
    print(f"rollup freshness under {args.rate} events/s for {args.load_seconds} s:")
    freshness(args.load_seconds, args.rate, args.refresh_every, args.writers)


if __name__ == "__main__":
    main()

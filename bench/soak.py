"""The soak: the production shape under the mixed load (bench/load.py), stepping the rate, to
find the highest rate held for ``--hold`` seconds (3 minutes by default) with 0 errors and a
p95 under 500 ms.

By default it starts the shape itself (bench/shape.py: scripts/prod on free ports, a Redis of
its own, gunicorn with DEBUG=0 and PROXY_COUNT=1, workers, beat, stand-ins) on the database
``SOAK_DATABASE_URL`` (created, migrated and loaded with the registry and the demo if needed).
``--url`` points it at a running shape instead (it must run with ``PROXY_COUNT=1``, and
DATABASE_URL must be its database: the officers are given authenticators there).

    python bench/soak.py [--rates 10,20,30] [--hold 180] [--web-workers 4 --web-threads 2]
    python bench/soak.py --no-preload --web-threads 1      (main's shape before issue 18)

It prints, per step: the rate asked and held, p50/p95 (from when each request was due), the
errors by kind; and the bare request's figures (``/health/live/``: the whole stack, no I/O)
as the machine's floor. Figures from a shared 2-core machine move with its other work: each
step prints the load average beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests

from bench.load import MIX, NATIONAL_PEAK, Load, rate_for
from bench.shape import Shape

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/portal_prod_soak"
P95_LIMIT_MS = 500
PASSWORD = "soak-password-2026"  # noqa: S105 - the bench's own staff password


def bare_figures(url: str, n: int = 200) -> dict:
    """p50/p95 of the bare request (/health/live/: middleware, no database), one at a time."""
    session = requests.Session()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        session.get(f"{url}/health/live/", timeout=10).raise_for_status()
        samples.append(time.perf_counter() - start)
    cuts = statistics.quantiles(samples, n=100)
    return {"p50_ms": round(cuts[49] * 1000, 1), "p95_ms": round(cuts[94] * 1000, 1)}


def setup_django(env: dict) -> None:
    os.environ.update(env)
    import django

    django.setup()


def prepare_database() -> None:
    from django.core.management import call_command

    from bench.run import ensure_database
    from bench.soak_world import load_registry_and_demo

    ensure_database()
    call_command("migrate", verbosity=0)
    load_registry_and_demo(password=PASSWORD)


def step_line(summary: dict) -> str:
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(summary["errors"].items())) or "none"
    held = summary["requests"] / summary["seconds"]
    verdict = "held" if passed(summary) else "NOT held"
    return (
        f"{summary['rate']:6.1f} req/s asked ({summary['rate'] * MIX['submit']:.1f} "
        f"submissions/s = {summary['rate'] * MIX['submit'] / NATIONAL_PEAK:.1f}x the national "
        f"peak), {held:6.1f} done: p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, "
        f"errors {errors}; load average {os.getloadavg()[0]:.1f} -> {verdict}"
    )


def passed(summary: dict) -> bool:
    return not summary["errors"] and summary["p95_ms"] < P95_LIMIT_MS


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running shape (else the bench starts one)")
    parser.add_argument("--hold", type=float, default=180.0, help="seconds per step")
    parser.add_argument(
        "--rates",
        default=",".join(f"{rate_for(m):.0f}" for m in (3, 5, 7, 10, 12)),
        help="requests/s of the mix, in order (default: 3, 5, 7, 10, 12x the national peak)",
    )
    parser.add_argument("--web-workers", default="4", help="gunicorn -w of the started shape")
    parser.add_argument("--web-threads", default="2", help="gunicorn --threads")
    parser.add_argument(
        "--no-preload", action="store_true", help="gunicorn without --preload (main's shape)"
    )
    parser.add_argument("--warm", type=float, default=20.0, help="seconds at the first rate")
    parser.add_argument("--json", help="write every step's summary to this file")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse(argv)
    database = os.environ.get("SOAK_DATABASE_URL", DEFAULT_DATABASE)
    shape = None
    if args.url:
        url = args.url.rstrip("/")
        setup_django({"DJANGO_SETTINGS_MODULE": "portal.settings"})
    else:
        shape = Shape(
            database_url=database,
            WEB_WORKERS=args.web_workers,
            WEB_THREADS=args.web_threads,
            **({"WEB_PRELOAD": ""} if args.no_preload else {}),
        )
        url = shape.url
        setup_django(shape.env)
        prepare_database()
    from bench.soak_world import prepare

    results = []
    try:
        if shape:
            shape.manage("collectstatic", "--noinput")
            shape.start()
            print(f"shape: gunicorn -w {args.web_workers} --threads {args.web_threads} at {url}")
        world = prepare(base_url=url, password=PASSWORD)
        load = Load(world)
        print(f"officers signed in: {load.sign_in_officers()} of {len(world.officers)}")
        print(f"bare request (/health/live/, one at a time): {bare_figures(url)}")
        rates = [float(r) for r in args.rates.split(",")]
        load.run(rates[0], args.warm)  # warm-up: citizens, caches, connections
        best = None
        for rate in rates:
            summary = load.run(rate, args.hold)
            results.append(summary)
            print(step_line(summary), flush=True)
            if not passed(summary):
                break
            best = summary
        load.close()
        if best:
            print(
                f"highest rate held for {args.hold:g} s: {best['rate']:.1f} req/s "
                f"(p50 {best['p50_ms']} ms, p95 {best['p95_ms']} ms, 0 errors)"
            )
        else:
            print(f"no rate held for {args.hold:g} s")
        for kind, figures in (results[-1]["by_kind"] if results else {}).items():
            print(f"  last step, {kind}: {figures}")
    finally:
        if shape:
            shape.stop()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()

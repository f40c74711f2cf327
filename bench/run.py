"""Benchmarks of the registry's read paths, as ratios against a bare Django view in the same run.

Run with `make bench` (PostgreSQL and Redis on 127.0.0.1). The machines are shared and noisy, so
each figure is the median of many runs and is also given as a multiple of the bare request.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
os.environ.setdefault("API_ANON_RATE", "1000000/minute")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "200"))


def ensure_database() -> None:
    import psycopg2

    name = connection.settings_dict["NAME"]
    admin = psycopg2.connect(
        host=connection.settings_dict["HOST"] or "127.0.0.1",
        port=connection.settings_dict["PORT"] or 5432,
        user=connection.settings_dict["USER"] or "postgres",
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def median_ms(client: Client, url: str) -> float:
    for _ in range(10):
        client.get(url)
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples)


def main() -> None:
    ensure_database()
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    call_command("load_units", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    call_command("load_units", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    reload_s = time.perf_counter() - start

    with override_settings(ROOT_URLCONF="bench.urls"):
        client = Client()
        bare = median_ms(client, "/bench/bare/")
        cases = {
            "GET /api/v1/units/?level=province": "/api/v1/units/?level=province",
            "GET /api/v1/units/?level=commune (page 1 of 50)": "/api/v1/units/?level=commune",
            "GET /api/v1/units/?level=commune&page=60": "/api/v1/units/?level=commune&page=60",
            "GET /api/v1/units/?search=phuong 1": "/api/v1/units/?search=phuong%201",
            "GET /api/v1/units/68/": "/api/v1/units/68/",
            "GET /units/?q=lam dong (page)": "/units/?q=lam+dong",
            "GET /units/68/ (province page, 124 communes)": "/units/68/",
        }
        print(f"load_units: run 1 {load_s:.2f} s, run 2 (nothing to change) {reload_s:.2f} s")
        print(f"bare Django view: {bare:.2f} ms (median of {REPEAT})")
        for label, url in cases.items():
            ms = median_ms(client, url)
            print(f"{label:<52} {ms:7.2f} ms  {ms / bare:6.1f}x bare")


if __name__ == "__main__":
    main()

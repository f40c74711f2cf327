"""Benchmark of the sync: draining a backlog of 20,000 changes against the stand-in national
portal answering in 50 ms, against a bare Celery task making one HTTP call to the same
stand-in, measured in the same run with the same worker (threads pool on the sync queue).

The real path is the whole relay: the beat sweep leases due dossiers, workers take each
dossier's advisory lock, send its entries in order with idempotency keys, record every attempt
and mark entries sent. Run: `make bench` (or `python bench/sync.py`).
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_sync")
# A broker and cache of the benchmark's own: test runs clear the test cache and share its
# queues with their workers.
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
os.environ["CELERY_BROKER_URL"] = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/11")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"  # the tasks go to the real worker

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.run import ensure_database  # noqa: E402

CHANGES = int(os.environ.get("BENCH_SYNC_CHANGES", "20000"))
PER_DOSSIER = 10
BARE_CALLS = int(os.environ.get("BENCH_SYNC_BARE", "4000"))
LATENCY_MS = 50
THREADS = int(os.environ.get("BENCH_SYNC_THREADS", "64"))


def start_standin() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sync.standin",
            "--port",
            "0",
            "--latency-ms",
            str(LATENCY_MS),
            # The portal's own credentials: the stand-in refuses any other.
            "--username",
            settings.NATIONAL_PORTAL_USERNAME,
            "--password",
            settings.NATIONAL_PORTAL_PASSWORD,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    return process, process.stdout.readline().split()[-1].rstrip("/")


def start_worker(url: str, schedule: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "NATIONAL_PORTAL_URL": url + "/",
        "SYNC_ENABLED": "1",
        "SYNC_SWEEP_SECONDS": "0.5",
        "SYNC_LEASE_SECONDS": "30",
    }
    return subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "portal", "worker", "-B", "-s", schedule,
            "-I", "bench.tasks", "-Q", "default,sync", "--pool", "threads",
            "--concurrency", str(THREADS), "-n", f"bench-sync-{os.getpid()}@%h",
            "--without-mingle", "--without-gossip", "-l", "ERROR",
        ],
        cwd=ROOT,
        env=env,
    )  # fmt: skip


def bare_rate() -> float:
    from bench.tasks import bare_call

    key = f"bench:sync:bare:{time.monotonic_ns()}"
    cache.set(key, 0, timeout=3600)
    start = time.perf_counter()
    for _ in range(BARE_CALLS):
        bare_call.delay(key)
    while (cache.get(key) or 0) < BARE_CALLS:
        time.sleep(0.05)
    return BARE_CALLS / (time.perf_counter() - start)


def backlog(agency, version) -> None:
    """CHANGES outbox entries (PER_DOSSIER per dossier), as transitions would have written."""
    from dossiers.lifecycle import dossier_create
    from dossiers.models import Dossier
    from sync import payload
    from sync.models import OutboxEntry

    entries = []
    for i in range(CHANGES // PER_DOSSIER):
        dossier = dossier_create(
            version=version,
            agency=agency,
            reception_agency=agency,
            level="commune",
            applicant_name=f"Người nộp {i}",
        )
        OutboxEntry.objects.filter(dossier=dossier).delete()
        for revision in range(PER_DOSSIER):
            dossier.revision = revision
            entries.append(
                OutboxEntry(
                    dossier=dossier,
                    revision=revision,
                    kind="upsert",
                    payload=payload.snapshot(dossier, None),
                    # Not due until the clock starts: the sweep must not begin early.
                    next_attempt_at="2999-01-01T00:00:00Z",
                )
            )
        Dossier.objects.filter(pk=dossier.pk).update(revision=PER_DOSSIER - 1)
    OutboxEntry.objects.bulk_create(entries, batch_size=5000)


def drain_rate() -> float:
    from django.utils import timezone

    from sync.models import OutboxEntry

    waiting = OutboxEntry.objects.filter(state="pending")
    total = waiting.count()
    start = time.perf_counter()
    waiting.update(next_attempt_at=timezone.now())
    while OutboxEntry.objects.filter(state="pending").exists():
        failing = OutboxEntry.objects.exclude(last_error="").values_list("last_error", flat=True)
        if error := failing.first():
            # The stand-in answers every call: an error means the setup is wrong, not slow.
            raise SystemExit(f"the relay is failing, not draining: {error}")
        time.sleep(0.2)
    return total / (time.perf_counter() - start)


def main() -> None:
    from sync.models import OutboxEntry
    from tests.factories import AgencyFactory
    from tests.factories.procedures import make_procedure

    ensure_database()
    call_command("migrate", verbosity=0)
    OutboxEntry.objects.all().delete()
    from units.models import Agency

    agency = Agency.objects.filter(identifier="999.99.99.Z99").first() or AgencyFactory(
        identifier="999.99.99.Z99"
    )
    version = make_procedure(code=f"9.{os.getpid() % 1000000:06d}").current_version
    backlog(agency, version)
    standin, url = start_standin()
    settings.NATIONAL_PORTAL_URL = url + "/"
    with tempfile.TemporaryDirectory() as tmp:
        worker = start_worker(url, os.path.join(tmp, "beat"))
        try:
            time.sleep(5)  # the worker and its beat come up
            bare_first = bare_rate()
            real = drain_rate()
            bare_second = bare_rate()
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            standin.terminate()
    bare = (bare_first + bare_second) / 2
    print(f"stand-in answering in {LATENCY_MS} ms; worker: threads pool, {THREADS} threads")
    print(
        f"bare Celery task, one HTTP call each: {bare:.0f} calls/s "
        f"(before {bare_first:.0f}, after {bare_second:.0f})"
    )
    print(
        f"relay draining {CHANGES:,} changes ({CHANGES // PER_DOSSIER:,} dossiers x "
        f"{PER_DOSSIER}, in order): {real:.0f} changes/s "
        f"= {100 * real / bare:.0f}% of the bare task"
    )


if __name__ == "__main__":
    main()

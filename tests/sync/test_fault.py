"""The fault test: 2,000 dossier changes reach the stand-in national portal exactly once and in
order, while it fails 30% of the calls (5xx and timeouts), the Celery worker is killed with
SIGKILL twice mid-run and Redis (broker and cache) is restarted once.

Everything is real and separate: a Redis of the test's own on its own port (so restarting it
disturbs nobody), the stand-in in its own process, Celery workers (threads pool, with beat for
the sweep) as subprocesses on the test database. Bounded in time.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest
from django.conf import settings
from django.db import connection

from dossiers import lifecycle
from dossiers.lifecycle import dossier_create
from sync.models import OutboxEntry
from tests.factories import AgencyFactory
from tests.factories.procedures import make_procedure
from tests.factories.units import MembershipFactory
from tests.sync.conftest import start_standin
from units.models import Role


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The test's own Redis on a port nobody else uses (never a fixed one another run may hold).
REDIS_PORT = _free_port()
DOSSIERS = 200
CHANGES_PER_DOSSIER = 10
DEADLINE_SECONDS = 360


def start_redis() -> subprocess.Popen:
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(REDIS_PORT),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            import redis

            if redis.Redis(port=REDIS_PORT).ping():
                return process
        except Exception:  # not up yet
            time.sleep(0.05)
    process.kill()
    pytest.fail("the test's own Redis did not start")


def start_worker(standin_url: str, schedule_dir: str, name: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
        "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/1",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "NATIONAL_PORTAL_URL": standin_url + "/",
        "NATIONAL_PORTAL_READ_TIMEOUT": "1",
        "SYNC_ENABLED": "1",
        "SYNC_SWEEP_SECONDS": "1",
        "SYNC_LEASE_SECONDS": "4",
        "SYNC_BACKOFF_BASE": "0.2",
        "SYNC_BACKOFF_CAP": "2",
        "SYNC_MAX_ATTEMPTS": "1000",
        "SYNC_BREAKER_THRESHOLD": "1000",
    }
    # As deployed: under a supervisor that starts the worker again if it exits (celery/kombu
    # 5.7.0 workers exit when their Redis restarts while they hold tasks: docs/deployment.md).
    env["SUPERVISE_RESTART_DELAY"] = "0.5"
    return subprocess.Popen(
        [
            str(settings.BASE_DIR / "scripts" / "supervise"),
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-B",
            "-s",
            os.path.join(schedule_dir, f"beat-{name}"),
            "-Q",
            "default,sync",
            "--pool",
            "threads",
            "--concurrency",
            "16",
            "-n",
            f"fault-{name}-{os.getpid()}@%h",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "ERROR",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        # Its own process group: the worker and the beat it starts (-B) die together.
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def make_changes() -> list[int]:
    """200 dossiers, 10 changes each: submitted, received, then eight apologies-and-extensions
    (each a new appointment: an upsert the portal must apply in order)."""
    import datetime as dt

    agency = AgencyFactory()
    receiver = MembershipFactory(agency=agency, role=Role.RECEIVER).user
    leader = MembershipFactory(agency=agency, role=Role.LEADER).user
    version = make_procedure().current_version
    ids = []
    for i in range(DOSSIERS):
        dossier = dossier_create(
            version=version,
            agency=agency,
            reception_agency=agency,
            level="commune",
            applicant_name=f"Người nộp {i}",
        )
        dossier = lifecycle.receive(dossier=dossier, actor=receiver)
        for step in range(CHANGES_PER_DOSSIER - 2):
            lifecycle.extend(
                dossier=dossier,
                actor=leader,
                new_appointment=dossier.appointment_at + dt.timedelta(days=step + 1),
                reason=f"Gia hạn lần {step + 1}",
            )
            dossier.refresh_from_db()
        ids.append(dossier.pk)
    return ids


def sent_share() -> float:
    total = OutboxEntry.objects.count()
    return OutboxEntry.objects.filter(state="sent").count() / total if total else 0.0


def wait_until(share: float, deadline: float) -> None:
    while sent_share() < share:
        if time.monotonic() > deadline:
            return
        time.sleep(0.5)


@pytest.mark.django_db(transaction=True)
def test_every_change_arrives_once_in_order_through_failures_kills_and_a_redis_restart():
    redis_process = start_redis()
    standin = start_standin(
        "--fail-rate", "0.2", "--timeout-rate", "0.1", "--timeout-sleep-s", "1.5"
    )
    workers: list[subprocess.Popen] = []
    schedule_dir = tempfile.mkdtemp()
    try:
        ids = make_changes()
        assert OutboxEntry.objects.count() == DOSSIERS * CHANGES_PER_DOSSIER
        deadline = time.monotonic() + DEADLINE_SECONDS

        workers.append(start_worker(standin.url, schedule_dir, "a"))
        wait_until(0.25, deadline)
        os.killpg(workers[-1].pid, signal.SIGKILL)  # first kill, mid-run (worker and beat)
        workers[-1].wait()
        workers.append(start_worker(standin.url, schedule_dir, "b"))
        wait_until(0.5, deadline)
        redis_process.kill()  # Redis restarted once: queued messages and the cache are lost
        redis_process.wait()
        redis_process = start_redis()
        wait_until(0.7, deadline)
        os.killpg(workers[-1].pid, signal.SIGKILL)  # second kill
        workers[-1].wait()
        workers.append(start_worker(standin.url, schedule_dir, "c"))
        wait_until(1.0, deadline)

        state = standin.state()
        assert sent_share() == 1.0, f"{sent_share():.0%} sent after {DEADLINE_SECONDS} s"
        assert state["failed_injected"] > 0  # the portal did fail along the way
        for dossier_id in ids:
            entries = list(
                OutboxEntry.objects.filter(dossier_id=dossier_id)
                .order_by("revision")
                .values_list("revision", "kind", "payload")
            )
            code = entries[0][2]["MaHoSo"]
            upserts = [revision for revision, kind, _p in entries if kind == "upsert"]
            # Every change exactly once, in order; nothing lost, nothing doubled.
            assert state["received"][code] == upserts, code
            held = state["dossiers"][code]
            assert held["PhienBan"] == upserts[-1]
            assert held["HoSo"]["NgayHenTra"] == entries[-1][2]["NgayHenTra"]
    finally:
        # Every process the test started is reaped: workers with their beat (process groups),
        # the stand-in and the Redis.
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.wait(timeout=20)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        standin.process.terminate()
        standin.process.wait(timeout=10)
        redis_process.kill()
        redis_process.wait()

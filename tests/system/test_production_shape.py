"""The production shape under load, with its broker restarted and its sync worker killed.

Started as deployed on one machine (bench/shape.py runs ``scripts/prod run Procfile
deploy/Procfile.standins``): gunicorn with DEBUG=0 behind one proxy (the load plays it), the
default and sync workers and beat under scripts/supervise, the stand-in national portal failing
30% of the calls (20% answered 503, 10% timing out), the payment and e-ID stand-ins, a Redis of
the test's own on a free port (broker and cache), the test's database.

For ``SYSTEM_LOAD_SECONDS`` (120) it drives the mixed load of bench/load.py at 3x the national
peak (1.7 dossiers/s x 3 = 5.1 submissions/s, 23 requests/s: 22% submissions with a PDF, 48%
reads, 30% officers' steps with TOTP up to signing); a third of the way in Redis is killed
(SIGKILL) and started again on its files, two thirds in the sync worker is SIGKILLed. Then:
no answer was a 5xx; no submission made two dossiers (each carries an Idempotency-Key,
retried on connection errors); every change reached the national side exactly once, in
order; every worker is back with no hand (heartbeats on /health/ready/, a new sync worker
pid); /health/ answers 200; and after the stop no process of the shape is left.

It supersedes the sync fault test (2,000 changes, two kills, one Redis restart, without the
web or the load): the same guarantee, checked here under the production shape and real load.
"""

import os
import signal
import threading
import time

import pytest
import requests
from django.db import connection

from bench.load import Load, rate_for
from bench.shape import Shape
from bench.soak_world import load_registry_and_demo, prepare
from dossiers.models import Dossier
from sync.models import OutboxEntry

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]

LOAD_SECONDS = float(os.environ.get("SYSTEM_LOAD_SECONDS", "120"))
PEAK_MULTIPLE = 3
DRAIN_SECONDS = 180
PASSWORD = "shape-test-password-1"


def database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def start_shape() -> Shape:
    return Shape(
        database_url=database_url(),
        STANDIN_FAIL_RATE="0.2",
        STANDIN_TIMEOUT_RATE="0.1",
        STANDIN_TIMEOUT_SLEEP_S="1.5",
        NATIONAL_PORTAL_READ_TIMEOUT="1",
        SYNC_SWEEP_SECONDS="1",
        SYNC_LEASE_SECONDS="4",
        SYNC_BACKOFF_BASE="0.2",
        SYNC_BACKOFF_CAP="2",
        SYNC_MAX_ATTEMPTS="1000",
        SYNC_BREAKER_THRESHOLD="1000",
        WORKER_HEARTBEAT_SECONDS="1",
        WORKER_HEARTBEAT_MAX_AGE="5",
    )


def faults(shape: Shape, stop: threading.Event, log: list) -> None:
    """Redis killed and restarted at a third of the load, the sync worker SIGKILLed at two."""
    if stop.wait(LOAD_SECONDS / 3):
        return
    shape.redis.kill()
    log.append(("redis killed", time.monotonic()))
    time.sleep(3)
    shape.redis.start()
    log.append(("redis started", time.monotonic()))
    if stop.wait(LOAD_SECONDS / 3):
        return
    pid = shape.child_pid("sync")
    os.kill(pid, signal.SIGKILL)
    log.append(("sync worker killed", pid))


def wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.5)
    pytest.fail(f"waited {seconds:g} s for {what}")


def all_sent() -> bool:
    return not OutboxEntry.objects.exclude(state="sent").exists()


def test_the_production_shape_holds_3x_the_peak_through_a_redis_restart_and_a_killed_worker():
    load_registry_and_demo(password=PASSWORD)
    shape = start_shape()
    load = None
    try:
        shape.manage("collectstatic", "--noinput")
        shape.start()
        world = prepare(base_url=shape.url, password=PASSWORD)
        load = Load(world)
        assert load.sign_in_officers() == len(world.officers)
        sync_pid = shape.child_pid("sync")

        stop, log = threading.Event(), []
        chaos = threading.Thread(target=faults, args=(shape, stop, log))
        chaos.start()
        summary = load.run(rate_for(PEAK_MULTIPLE), LOAD_SECONDS)
        stop.set()
        chaos.join()
        assert [event for event, _ in log] == [
            "redis killed", "redis started", "sync worker killed",
        ]  # fmt: skip

        # No answer was a server error, whatever happened underneath.
        fives = {kind: n for kind, n in summary["errors"].items() if " 5xx:" in kind}
        assert fives == {}, summary
        # The load was applied (its latency is the soak's business, bench/soak.py: on a busy
        # 2-core machine 3x the peak queues for seconds, and correctness must hold anyway).
        print(f"\nload at {rate_for(PEAK_MULTIPLE):.1f} req/s for {LOAD_SECONDS:g} s: {summary}")
        assert summary["by_kind"]["submit"]["n"] >= 10, summary

        # Every worker back with no hand: a new sync worker, both queues heard again.
        ready = wait_for(shape.ready, 60, "every worker heard again on /health/ready/")
        assert all(q["live"] for q in ready["checks"]["workers"]["queues"].values()), ready
        assert shape.child_pid("sync") != sync_pid

        # No submission made two dossiers: at most one per Idempotency-Key sent.
        citizens = [c for c in load.known if c.keys]
        for citizen in citizens:
            made = Dossier.objects.filter(applicant__citizen_profile__cccd=citizen.cccd)
            assert made.count() <= len(set(citizen.keys)), citizen.cccd
            assert set(citizen.dossiers) <= set(made.values_list("code", flat=True))
        answered = [code for c in citizens for code in c.dossiers]
        assert len(answered) == len(set(answered))

        # Every change on the national side exactly once, in order.
        wait_for(all_sent, DRAIN_SECONDS, "the outbox to drain to the national portal")
        state = shape.standin_state()
        assert state["failed_injected"] > 0
        by_dossier: dict[int, list] = {}
        for entry in OutboxEntry.objects.order_by("dossier_id", "revision"):
            by_dossier.setdefault(entry.dossier_id, []).append(entry)
        assert by_dossier
        for entries in by_dossier.values():
            code = entries[0].payload["MaHoSo"]
            upserts = [e.revision for e in entries if e.kind == "upsert"]
            assert state["received"][code] == upserts, code
            assert state["dossiers"][code]["PhienBan"] == upserts[-1], code

        health = requests.get(f"{shape.url}/health/", timeout=30)
        assert health.status_code == 200, health.text
    finally:
        if load is not None:
            load.close()
        shape.stop()
    assert shape.leftovers() == [], shape.leftovers()

"""Celery workers outlive a Redis restart (issue 18, finding 1).

Reproduction, against a real worker and a Redis of the test's own on a free port: the worker
holds five unacknowledged tasks (acks late) and still has idle slots, so a BRPOP is in flight,
when Redis is killed with SIGKILL. With celery 5.7.0 / kombu 5.7.0 the consumer's clean-up
first ``collect()``s the connection (the transport's ``client`` becomes ``None``, the channel's
close is cut short by the dead socket), then closes it again: the channel restores the unacked
messages, needs a new Redis pool, reads ``transport.client.hostname`` and raises
``AttributeError``, which is not a connection error, so the worker stops ("Unrecoverable
error") instead of reconnecting. No newer kombu/celery is published; the answer is a
supervisor (``scripts/supervise`` here, ``Restart=always`` in the systemd units): the test runs
the worker under it and shows that, after Redis is back, tasks flow again with no hand, and
that ``/health/`` names the missing worker until it beats again.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

SUPERVISE = Path(settings.BASE_DIR) / "scripts" / "supervise"
RESERVED = 5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(port: int, folder: str) -> subprocess.Popen:
    """Persistent like a production broker (append-only file, fsync always), so the restart
    keeps the queues and the heartbeats."""
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", folder,
         "--save", "", "--appendonly", "yes", "--appendfsync", "always"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if redis.Redis(port=port, socket_connect_timeout=0.2).ping():
                return process
        except redis.ConnectionError:
            time.sleep(0.05)
    process.kill()
    process.wait()
    pytest.fail("the test's own Redis did not start")


def start_supervised_worker(port: int, pool: str, log_path: str, name: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0",
        "REDIS_URL": f"redis://127.0.0.1:{port}/1",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "WORKER_HEARTBEAT_SECONDS": "0.5",
        "SUPERVISE_RESTART_DELAY": "3",
    }
    log = open(log_path, "ab")  # noqa: SIM115 - the worker writes to it until it is reaped
    return subprocess.Popen(
        [
            str(SUPERVISE),
            sys.executable, "-m", "celery", "-A", "portal", "worker",
            "-I", "tests.sync.probe_tasks",
            "-Q", "default,sync", "--pool", pool, "--concurrency", "8",
            "-n", name, "--without-mingle", "--without-gossip", "-l", "INFO",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: reaped as a whole at the end
    )  # fmt: skip


def wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"waited {seconds:g} s for {what}")


def workers_check(client) -> tuple[int, dict]:
    response = client.get("/health/")
    return response.status_code, response.json()["checks"]["workers"]


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        process.wait()


@pytest.mark.django_db
@pytest.mark.parametrize("pool", ["threads", "prefork"])
def test_a_worker_is_back_consuming_after_redis_is_killed_and_restarted(client, settings, pool):
    port = free_port()
    folder = tempfile.mkdtemp(prefix="redis-restart-")
    marks = Path(folder) / "marks"
    marks.mkdir()
    log_path = str(Path(folder) / "worker.log")
    hostname = f"resilience-{pool}-{os.getpid()}@{socket.gethostname()}"
    # The portal under test reads the same Redis as the worker (cache and heartbeats, broker).
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/1",
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "portal"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
    settings.HEALTH_CHECK_WORKERS = True
    settings.WORKER_HEARTBEAT_MAX_AGE = 2.0

    def send(name: str, seconds: float) -> None:
        from portal.celery import app

        with app.connection_for_write(settings.CELERY_BROKER_URL) as broker:
            app.send_task(
                "tests.probe.mark",
                args=[str(marks), name, seconds],
                queue="default",
                connection=broker,
            )

    def worker_log() -> str:
        return Path(log_path).read_text(errors="replace")

    redis_server = worker = None
    try:
        redis_server = start_redis(port, folder)
        worker = start_supervised_worker(port, pool, log_path, hostname)
        wait_for(lambda: workers_check(client)[0] == 200, 60, "the worker's first heartbeat")

        # Five tasks running, unacknowledged (acks late), with three slots idle.
        for i in range(RESERVED):
            send(f"held-{i}", 5)
        wait_for(
            lambda: len(list(marks.glob("held-*.started"))) == RESERVED, 30, "the tasks to start"
        )

        redis_server.kill()  # SIGKILL, as in the incident
        redis_server.wait()
        # The reproduction: kombu 5.7.0 fails restoring the unacked messages and the worker
        # stops (it lets its running tasks finish first, then exits).
        # Its timing depends on the machine's load: when kombu happens to reconnect cleanly the
        # worker never stops, and what must hold (work flows again, health 200) is checked below.
        deadline = time.monotonic() + 30
        while "Unrecoverable error: AttributeError" not in worker_log():
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
        crashed = "Unrecoverable error: AttributeError" in worker_log()
        if crashed:
            assert "has no attribute 'hostname'" in worker_log()
        redis_server = start_redis(port, folder)

        if crashed:
            # Until it is back, /health/ is 503 and names the worker last heard on each queue.
            _status, workers = wait_for(
                lambda: (check := workers_check(client))[0] == 503 and check, 10, "a 503"
            )
            assert workers["status"] == "error"
            assert f"no live worker on queue default; silent: {hostname}" in workers["error"]
            assert f"no live worker on queue sync; silent: {hostname}" in workers["error"]
            # The supervisor starts it again: no hand, and new work flows.
            wait_for(lambda: "starting it again" in worker_log(), 60, "the supervisor's restart")
        send("after-restart", 0)
        wait_for(lambda: (marks / "after-restart.done").exists(), 60, "a task after the restart")
        assert worker.poll() is None  # the supervisor itself never stopped
        _status, workers = wait_for(
            lambda: (check := workers_check(client))[0] == 200 and check, 10, "a 200"
        )
        assert workers["status"] == "ok"
        assert workers["queues"]["default"]["live"] == [hostname]
        assert workers["queues"]["sync"]["live"] == [hostname]
        # The five held tasks ran to their end in the old worker before it exited.
        assert len(list(marks.glob("held-*.done"))) == RESERVED
    finally:
        stop(worker)
        if redis_server is not None and redis_server.poll() is None:
            redis_server.terminate()
            redis_server.wait(timeout=10)

"""The portal without its cache (issue 18): with Redis really stopped, tracking (page and API),
a throttled API read, staff sign-in and the health checks answer, each as docs/deployment.md's
"Without Redis" table says (fail open, logged; health names the cache), never a 500. And the
health checks a load balancer calls every second: liveness without I/O, readiness from the
workers' heartbeats, fast.

The cache is a redis-server of the test's own on a free port, started and then killed with
SIGKILL, so the portal's Redis client meets a closed port as in the incident.
"""

import socket
import statistics
import subprocess
import time

import pytest
import redis
from axes.models import AccessAttempt

from dossiers.lifecycle import dossier_create
from portal.heartbeat import heartbeat_write
from tests.factories import AgencyFactory
from tests.factories.portal import PASSWORD
from tests.factories.procedures import make_procedure

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def dead_cache(settings):
    """The default cache on a Redis that was up (the client connected) and then died."""
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                if redis.Redis(port=port, socket_connect_timeout=0.2).ping():
                    break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    pytest.fail("the test's own Redis did not start")
                time.sleep(0.05)
        # Replacing CACHES resets django.core.cache.caches' connections (setting_changed).
        settings.CACHES = {
            "default": {
                "BACKEND": "portal.cache.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        }
        from django.core.cache import cache

        cache.set("warm", 1)  # the pool holds a live connection when Redis dies
        assert cache.get("warm") == 1
        server.kill()
        server.wait()
        with pytest.raises(redis.ConnectionError):
            cache.get("warm")
        yield port
    finally:
        if server.poll() is None:
            server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def tracked_dossier(db):
    agency = AgencyFactory()
    return dossier_create(
        version=make_procedure().current_version,
        agency=agency,
        reception_agency=agency,
        level="commune",
        applicant_name="Lê Văn Cường",
    )


def test_tracking_page_answers_without_redis(client, dead_cache, tracked_dossier, caplog):
    response = client.get(
        "/track/", {"code": tracked_dossier.code, "secret": tracked_dossier.tracking_secret}
    )

    assert response.status_code == 200
    assert response.context["tracked"].dossier == tracked_dossier
    assert "tracking limit not applied, cache unavailable: ConnectionError" in caplog.text


def test_tracking_api_answers_without_redis(client, dead_cache, tracked_dossier, caplog):
    response = client.post(
        "/api/v1/track/",
        {"code": tracked_dossier.code, "secret": tracked_dossier.tracking_secret},
        content_type="application/json",
    )
    wrong = client.post(
        "/api/v1/track/",
        {"code": tracked_dossier.code, "secret": "2345ABCD"},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["code"] == tracked_dossier.code
    assert wrong.status_code == 404  # the secret still guards it
    assert "throttle ScopedThrottle not applied, cache unavailable" in caplog.text


def test_a_throttled_api_read_answers_without_redis(client, dead_cache, caplog):
    response = client.get("/api/v1/units/")

    assert response.status_code == 200
    assert "results" in response.json()
    assert "throttle AnonThrottle not applied, cache unavailable: ConnectionError" in caplog.text


def test_staff_sign_in_works_and_still_counts_failures_without_redis(
    client, dead_cache, officer_a, settings
):
    settings.STAFF_OTP_REQUIRED = False

    wrong = client.post("/accounts/login/", {"username": officer_a.username, "password": "x"})

    assert wrong.status_code == 200 and wrong.context["form"].errors
    # The per-account lockout lives in the database: it still counts (fail closed).
    assert AccessAttempt.objects.get(username=officer_a.username).failures_since_start == 1

    right = client.post("/accounts/login/", {"username": officer_a.username, "password": PASSWORD})

    assert right.status_code == 302 and right["Location"] == "/staff/"


def test_health_names_the_cache_and_liveness_stays_up_without_redis(client, dead_cache, settings):
    settings.HEALTH_CHECK_WORKERS = True
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{dead_cache}/1"  # one Redis for both

    full = client.get("/health/")
    ready = client.get("/health/ready/")
    live = client.get("/health/live/")

    assert full.status_code == 503
    assert {name: check["status"] for name, check in full.json()["checks"].items()} == {
        "database": "ok",
        "cache": "error",
        "broker": "error",
        "workers": "error",
        "sync": "ok",
    }
    assert full.json()["checks"]["workers"]["error"] == (
        "Unavailable: heartbeats unreadable: ConnectionError"
    )
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "degraded",
        "checks": {
            "database": {"status": "ok"},
            "cache": {"status": "error", "error": "cache unreachable: ConnectionError"},
            "workers": {"status": "error", "error": "heartbeats unreadable: ConnectionError"},
        },
    }
    assert (live.status_code, live.json()) == (200, {"status": "ok"})


# --- Liveness and readiness, Redis up -----------------------------------------------------------


@pytest.fixture
def workers_checked(settings):
    settings.HEALTH_CHECK_WORKERS = True
    settings.WORKER_HEARTBEAT_MAX_AGE = 35


def test_ready_reads_the_heartbeats_and_names_a_silent_worker(client, workers_checked):
    now = time.time()
    heartbeat_write(hostname="default@web1", queues=["default"], now=now - 3)
    heartbeat_write(hostname="sync@web1", queues=["sync"], now=now - 120)

    body = client.get("/health/ready/").json()
    full = client.get("/health/")

    assert body["status"] == "degraded"
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["cache"] == {"status": "ok"}
    workers = body["checks"]["workers"]
    assert workers["status"] == "error"
    assert workers["error"].startswith("no live worker on queue sync; silent: sync@web1 (12")
    assert workers["queues"]["default"] == {"live": ["default@web1"], "silent": {}}
    assert full.status_code == 503
    assert (
        "no live worker on queue sync; silent: sync@web1"
        in (full.json()["checks"]["workers"]["error"])
    )

    heartbeat_write(hostname="sync@web1", queues=["sync"])  # it is back

    assert client.get("/health/ready/").json()["status"] == "ok"
    assert client.get("/health/").status_code == 200


def test_without_the_database_ready_is_503(client, workers_checked, monkeypatch):
    from django.db.backends.postgresql.base import DatabaseWrapper

    def refused(self, *args, **kwargs):
        raise __import__("django.db").db.OperationalError("connection refused")

    monkeypatch.setattr(DatabaseWrapper, "create_cursor", refused)

    response = client.get("/health/ready/")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {
        "status": "error",
        "error": "database unreachable: OperationalError",
    }


def p95_ms(client, path: str, calls: int = 200) -> float:
    timings = []
    for _ in range(calls):
        start = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content
    return statistics.quantiles(timings, n=20)[-1]


def test_live_and_ready_answer_within_20_ms_at_the_95th_percentile(client, workers_checked):
    """Our code's time on loopback (Django's test client, the real PostgreSQL and Redis; no
    gunicorn or network in between): 200 calls each, as a load balancer calling every second
    would make in a few minutes."""
    for queue in ("default", "sync"):
        heartbeat_write(hostname=f"{queue}@web1", queues=[queue])

    live, ready = p95_ms(client, "/health/live/"), p95_ms(client, "/health/ready/")

    print(f"p95 /health/live/ {live:.2f} ms, /health/ready/ {ready:.2f} ms")
    assert client.get("/health/ready/").json()["status"] == "ok"
    assert live < 20
    assert ready < 20

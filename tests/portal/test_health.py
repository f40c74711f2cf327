"""/health/ against the real database, Redis and (for the worker check) a real Celery worker."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def no_worker_check(settings):
    settings.HEALTH_CHECK_WORKERS = False


@pytest.mark.django_db
def test_healthy_answers_200_with_every_check(client, no_worker_check):
    response = client.get("/health/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
    }


@pytest.mark.django_db
def test_redis_unreachable_answers_503(client, settings, no_worker_check):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": UNREACHABLE,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.CELERY_BROKER_URL = UNREACHABLE

    response = client.get("/health/", HTTP_ACCEPT="text/html")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["cache"]["status"] == "error"
    assert body["checks"]["broker"]["status"] == "error"


@pytest.mark.django_db
def test_no_worker_answers_503(client, settings):
    settings.HEALTH_CHECK_WORKERS = True

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["checks"]["workers"]["status"] == "error"


@pytest.fixture
def celery_worker_process():
    """A real worker on both queues, on the test broker; stopped after the test."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings_test"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-Q",
            "default,sync",
            "--pool",
            "threads",
            "--concurrency",
            "2",
            "-n",
            f"health-{os.getpid()}@%h",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "WARNING",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    from portal.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("the Celery worker exited: " + proc.stdout.read().decode()[-2000:])
        if app.control.ping(timeout=0.5):
            break
    else:
        proc.kill()
        pytest.fail("the Celery worker did not answer a ping within 60 s")
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.django_db
def test_running_worker_makes_health_200(client, settings, celery_worker_process):
    settings.HEALTH_CHECK_WORKERS = True

    response = client.get("/health/")

    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["workers"]["status"] == "ok"

"""/health/ against the real database, Redis and (for the worker check) a real Celery worker."""

import time

import pytest

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
        "sync": "ok",
    }
    assert body["checks"]["sync"]["backlog"] == 0


@pytest.mark.django_db(transaction=True)  # the checks run on their own connections
def test_a_sync_backlog_older_than_the_threshold_is_degraded(client, no_worker_check, settings):
    import datetime as dt

    from django.utils import timezone

    from dossiers.lifecycle import dossier_create
    from sync.models import OutboxEntry
    from tests.factories import AgencyFactory
    from tests.factories.procedures import make_procedure

    agency = AgencyFactory()
    dossier = dossier_create(
        version=make_procedure().current_version,
        agency=agency,
        reception_agency=agency,
        level="commune",
        applicant_name="Lê Văn Cường",
    )
    OutboxEntry.objects.filter(dossier=dossier).update(
        created_at=timezone.now() - dt.timedelta(seconds=settings.SYNC_HEALTH_MAX_AGE + 60)
    )

    body = client.get("/health/").json()

    assert body["status"] == "degraded"
    assert body["checks"]["sync"]["backlog"] == 1
    assert body["checks"]["sync"]["oldest_age_seconds"] > settings.SYNC_HEALTH_MAX_AGE


@pytest.mark.django_db
def test_redis_unreachable_answers_503(client, settings, no_worker_check):
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.RedisCache",
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


@pytest.mark.django_db
def test_running_worker_makes_health_200(client, settings, celery_worker_process):
    from portal.heartbeat import served_queues, worker_status

    settings.HEALTH_CHECK_WORKERS = True
    # Running means heard: the worker answers a ping as soon as it consumes, and writes its
    # first heartbeat a moment later (sooner or later on a busy machine).
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if all(queue["live"] for queue in worker_status(queues=served_queues()).values()):
            break
        time.sleep(0.2)

    response = client.get("/health/")

    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["workers"]["status"] == "ok"

"""/health/ against the real database, Redis and (for the worker check) a real Celery worker."""

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


@pytest.mark.django_db
def test_running_worker_makes_health_200(client, settings, celery_worker_process):
    settings.HEALTH_CHECK_WORKERS = True

    response = client.get("/health/")

    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["workers"]["status"] == "ok"

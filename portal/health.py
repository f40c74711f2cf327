"""Health of the portal, in three answers (all JSON, never cached):

- ``GET /health/live/``: liveness. The process answers; no I/O, so it never fails because a
  dependency did (a supervisor restarting web processes over a Redis outage would only add one).
- ``GET /health/ready/``: readiness, for a load balancer calling every second: the database
  (``SELECT 1`` on the request's own connection), the cache and the workers' heartbeats
  (portal.heartbeat, one cache read: no worker is pinged). 503 only when the database is
  unreachable, since nothing is served without it; a missing cache or worker makes it 200
  ``degraded`` with the failing part named, because every web process shares them and the
  portal serves without them (docs/deployment.md, "Without Redis"): taking every web process
  out of rotation over a shared dependency would turn a degraded portal into a dead one.
- ``GET /health/``: for monitors, built on django-health-check's checks: database, cache,
  broker, workers (from the heartbeats) and the sync backlog; 200 when every check passes and
  503 (not the library's 500) naming the failing check, a missing worker included, until it is
  back.
"""

import dataclasses
import datetime as dt
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from portal.heartbeat import missing_workers, served_queues, worker_status

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker answers a connection (Redis in real mode)."""

    timeout: dt.timedelta = dataclasses.field(default=dt.timedelta(seconds=2), repr=False)

    def run(self):
        from portal.celery import app

        try:
            with app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
                conn.ensure_connection(max_retries=1, timeout=self.timeout.total_seconds())
        except Exception as exc:  # kombu raises many kinds; any of them means unreachable
            raise ServiceUnavailable(f"broker unreachable: {type(exc).__name__}") from exc


@dataclasses.dataclass
class SyncBacklog(HealthCheck):
    """How much waits to be sent to the national portal. A backlog older than the threshold
    makes the portal "degraded" (reported), not unavailable (the web still serves)."""

    figures: dict = dataclasses.field(default_factory=dict, repr=False)

    def run(self):
        from sync.relay import backlog

        try:
            self.figures = backlog()
        finally:
            # The check runs on a pool thread: its connection would otherwise outlive the request.
            connections.close_all()


@dataclasses.dataclass
class Workers(HealthCheck):
    """A worker is heard on every queue (from the heartbeats the workers write; no ping)."""

    figures: dict = dataclasses.field(default_factory=dict, repr=False)

    def run(self):
        try:
            self.figures = worker_status(queues=served_queues())
        except Exception as exc:
            raise ServiceUnavailable(f"heartbeats unreadable: {type(exc).__name__}") from exc
        problems = missing_workers(self.figures)
        if problems:
            raise ServiceUnavailable("; ".join(problems))


CHECK_NAMES = {
    Database: "database",
    Cache: "cache",
    Broker: "broker",
    Workers: "workers",
    SyncBacklog: "sync",
}


class PortalHealthView(HealthCheckView):
    def get_checks(self):
        checks = [Database(), Cache(), SyncBacklog()]
        if not settings.EMBEDDED_TASKS:
            checks.append(Broker())
            if settings.HEALTH_CHECK_WORKERS:
                checks.append(Workers())
        return checks

    def render_to_response_json(self, status):
        checks = {
            CHECK_NAMES.get(type(r.check), repr(r.check)): {
                "status": "error" if r.error else "ok",
                **({"error": str(r.error)} if r.error else {}),
                "seconds": round(r.time_taken, 4),
            }
            for r in self.results
        }
        healthy = status == 200
        if settings.EMBEDDED_TASKS:
            checks["workers"] = {"status": "ok", "mode": "embedded (tasks run in-process)"}
        overall = "ok" if healthy else "unavailable"
        for result in self.results:
            if isinstance(result.check, Workers) and result.check.figures:
                checks["workers"]["queues"] = result.check.figures
            if isinstance(result.check, SyncBacklog) and not result.error:
                checks["sync"].update(result.check.figures)
                if result.check.figures.get("status") == "degraded" and healthy:
                    overall = "degraded"
        return JsonResponse(
            {"status": overall, "checks": checks},
            status=200 if healthy else 503,
        )

    def render_to_response(self, context, **response_kwargs):
        # HTML and every other format answer JSON too: one contract for monitors.
        return self.render_to_response_json(response_kwargs.get("status", 200))

    def render_to_response_text(self, status):
        return self.render_to_response_json(status)


@never_cache
def live(request):
    """Liveness: the process answers. No database, cache or broker is touched."""
    return JsonResponse({"status": "ok"})


@never_cache
def ready(request):
    """Readiness: database, cache and worker heartbeats, each failure named; fast (no waiting
    on a worker), on the request's own database connection."""
    checks = {"database": _database_ready(), "cache": _cache_ready(), "workers": _workers_ready()}
    if checks["database"]["status"] != "ok":
        overall, status = "unavailable", 503
    elif any(check["status"] != "ok" for check in checks.values()):
        overall, status = "degraded", 200
    else:
        overall, status = "ok", 200
    return JsonResponse({"status": overall, "checks": checks}, status=status)


def _database_ready() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        logger.warning("readiness: database unreachable: %s", type(exc).__name__)
        return {"status": "error", "error": f"database unreachable: {type(exc).__name__}"}
    return {"status": "ok"}


def _cache_ready() -> dict:
    try:
        cache.get("health:ready")
    except Exception as exc:
        logger.warning("readiness: cache unreachable: %s", type(exc).__name__)
        return {"status": "error", "error": f"cache unreachable: {type(exc).__name__}"}
    return {"status": "ok"}


def _workers_ready() -> dict:
    if settings.EMBEDDED_TASKS:
        return {"status": "ok", "mode": "embedded (tasks run in-process)"}
    if not settings.HEALTH_CHECK_WORKERS:
        return {"status": "ok", "mode": "not checked (HEALTH_CHECK_WORKERS=0)"}
    try:
        status = worker_status(queues=served_queues())
    except Exception as exc:
        return {"status": "error", "error": f"heartbeats unreadable: {type(exc).__name__}"}
    problems = missing_workers(status)
    if problems:
        return {"status": "error", "error": "; ".join(problems), "queues": status}
    return {"status": "ok", "queues": status}

"""``GET /health/``: JSON health of the database, cache, broker and workers.

Built on django-health-check's checks; answers 200 when every check passes and 503 (not the
library's 500) when one fails, so load balancers and monitors read it the usual way.
"""

import dataclasses
import datetime as dt

from django.conf import settings
from django.http import JsonResponse
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.contrib.celery import Ping
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


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
        from dossiers.sync.relay import backlog

        self.figures = backlog()


CHECK_NAMES = {
    Database: "database",
    Cache: "cache",
    Broker: "broker",
    Ping: "workers",
    SyncBacklog: "sync",
}


class PortalHealthView(HealthCheckView):
    def get_checks(self):
        checks = [Database(), Cache(), SyncBacklog()]
        if not settings.EMBEDDED_TASKS:
            checks.append(Broker())
            if settings.HEALTH_CHECK_WORKERS:
                checks.append(Ping(timeout=dt.timedelta(seconds=2)))
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

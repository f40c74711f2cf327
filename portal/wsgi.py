"""WSGI entry point (gunicorn portal.wsgi).

gunicorn runs no management command, so the production-safety checks (portal/checks.py) run
here: a production server without the real national portal's address refuses to start.
"""

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

from portal.checks import production_errors  # noqa: E402 - needs the apps loaded

if _errors := production_errors():
    raise ImproperlyConfigured("\n".join(f"{e.id}: {e.msg} {e.hint or ''}" for e in _errors))


def _warm() -> None:
    """Import the URLconf, and through it every view, now rather than on the first request:
    under ``gunicorn --preload`` (Procfile, deploy/systemd) the master does it once and the
    workers fork ready. Measured on a busy 2-core machine: four workers importing at once on
    their first request passed gunicorn's 30 s timeout and were killed."""
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the import is the point
    connections.close_all()  # never a connection shared by forked workers


_warm()

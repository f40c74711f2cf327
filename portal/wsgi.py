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

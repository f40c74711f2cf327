"""Project package: settings, URLs, the Celery app, accounts and the site shell."""

from portal.celery import app as celery_app

__all__ = ("celery_app",)

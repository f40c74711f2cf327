"""Celery tasks of payments: thin, idempotent, ids in, a service call."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from dossiers.payments import services


@shared_task
def expire_orders() -> int:
    return services.orders_expire()


@shared_task
def reconcile_yesterday() -> int:
    """Yesterday's online payments against the platform's statement; the differences found."""
    report = services.reconcile_day(day=timezone.localdate() - dt.timedelta(days=1))
    return len(report.differences)

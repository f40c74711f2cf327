from celery import shared_task
from django.core.cache import cache
from django.utils import timezone


@shared_task(name="portal.tasks.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> str:
    """Scheduled every minute: proves beat and a worker are alive (read by operators)."""
    now = timezone.now().isoformat()
    cache.set("portal:beat-heartbeat", now, timeout=None)
    return now

"""The bare baseline of bench/sync.py: a Celery task making one HTTP call to the stand-in."""

from celery import shared_task
from django.core.cache import cache


@shared_task(name="bench.tasks.bare_call", ignore_result=True)
def bare_call(counter_key: str) -> None:
    from sync import client

    client.lookup("BENCH-BARE")
    cache.incr(counter_key)

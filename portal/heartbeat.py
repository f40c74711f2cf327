"""Worker heartbeats (nhịp tim của worker): what readiness reads instead of pinging workers.

Each Celery worker writes, every ``WORKER_HEARTBEAT_SECONDS`` while its consumer is connected
to the broker, the time per queue it serves into the cache. A worker whose consumer lost the
broker, that crashed or was stopped writes nothing, and after ``WORKER_HEARTBEAT_MAX_AGE`` the
health checks name it as missing until it is back. Reading is one cache round trip; nothing
waits on a worker (a ``celery inspect ping`` waits its whole timeout when one is missing).

The beats of one queue share one cache key ``{hostname: unix time}``: two workers writing at the
same moment may drop each other's beat for one interval; the max age spans several intervals.
"""

import logging
import time

from celery import bootsteps
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

# Workers silent this long are dropped from the key (a renamed or retired machine).
FORGET_AFTER = 24 * 3600


def _key(queue: str) -> str:
    return f"worker-heartbeats:{queue}"


def heartbeat_write(*, hostname: str, queues: list[str], now: float | None = None) -> None:
    """Record that ``hostname`` consumes ``queues`` now."""
    now = time.time() if now is None else now
    for queue in queues:
        beats = {
            name: at
            for name, at in (cache.get(_key(queue)) or {}).items()
            if now - at < FORGET_AFTER
        }
        beats[hostname] = now
        cache.set(_key(queue), beats, timeout=FORGET_AFTER)


def heartbeat_forget(*, hostname: str, queues: list[str]) -> None:
    """``hostname`` stopped consuming (shutdown, broker lost): stale at once, not after max age."""
    for queue in queues:
        beats = cache.get(_key(queue)) or {}
        if beats.pop(hostname, None) is not None:
            cache.set(_key(queue), beats, timeout=FORGET_AFTER)


def worker_status(*, queues: list[str], now: float | None = None) -> dict[str, dict]:
    """Per queue: the workers heard within the max age (``live``) and the others (``silent``,
    with the seconds since their last beat). One ``get_many``; raises the cache's errors."""
    now = time.time() if now is None else now
    max_age = settings.WORKER_HEARTBEAT_MAX_AGE
    stored = cache.get_many([_key(queue) for queue in queues])
    status = {}
    for queue in queues:
        beats = stored.get(_key(queue)) or {}
        status[queue] = {
            "live": sorted(name for name, at in beats.items() if now - at <= max_age),
            "silent": {
                name: round(now - at) for name, at in sorted(beats.items()) if now - at > max_age
            },
        }
    return status


def missing_workers(status: dict[str, dict]) -> list[str]:
    """Sentences naming each queue without a live worker and the workers last heard on it."""
    problems = []
    for queue, workers in status.items():
        if workers["live"]:
            continue
        silent = ", ".join(f"{name} ({age} s ago)" for name, age in workers["silent"].items())
        problems.append(
            f"no live worker on queue {queue}" + (f"; silent: {silent}" if silent else "")
        )
    return problems


def served_queues() -> list[str]:
    """The queues the deployment expects a worker on."""
    return [queue.name for queue in settings.CELERY_TASK_QUEUES]


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A consumer step: runs while the consumer is connected, restarts with it on reconnect."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent, **kwargs):
        self.timer_entry = None
        self.queues: list[str] = []
        super().__init__(parent, **kwargs)

    def start(self, parent):
        self.queues = sorted(queue.name for queue in parent.task_consumer.queues)
        self._beat(parent.hostname)
        self.timer_entry = parent.timer.call_repeatedly(
            settings.WORKER_HEARTBEAT_SECONDS, self._beat, (parent.hostname,)
        )

    def stop(self, parent):
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None
        try:
            heartbeat_forget(hostname=parent.hostname, queues=self.queues)
        except Exception:  # the cache may be what went down; the beat then simply ages out
            logger.warning("worker heartbeat: could not withdraw %s", parent.hostname)

    shutdown = stop

    def _beat(self, hostname: str) -> None:
        try:
            heartbeat_write(hostname=hostname, queues=self.queues)
        except Exception as exc:  # never let the cache stop the consumer
            logger.warning("worker heartbeat not written: %s", type(exc).__name__)

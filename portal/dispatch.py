"""Work scheduled after a commit, which must never fail the request that committed.

Once the transaction has committed, the person's change is saved: a broker that is down or an
SMTP server that refuses (in embedded mode tasks run in-process right after the commit) must not
turn that success into an error page. :func:`after_commit` runs the call after the commit and
logs any failure instead of raising it. Whatever was not sent is found again by a sweep (the
sync outbox) or is a notice that can be re-sent.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

failures = 0  # per process, for tests and the curious


def after_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """After the current transaction commits, ``task.delay(*args, **kwargs)`` (a Celery task)
    or ``task(*args, **kwargs)`` (a plain function); never raises."""
    transaction.on_commit(lambda: run_safely(task, *args, **kwargs))


def run_safely(task: Any, *args: Any, **kwargs: Any) -> bool:
    """Run or queue ``task`` now; ``False`` (logged) when it raised."""
    global failures
    call: Callable = getattr(task, "delay", task)
    try:
        call(*args, **kwargs)
    except Exception:
        failures += 1
        logger.exception("after-commit %s%r failed", getattr(task, "name", task), args)
        return False
    return True

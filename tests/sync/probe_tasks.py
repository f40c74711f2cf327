"""A task for the worker-resilience tests, loaded into the worker with ``-I`` (never in the
portal): it marks a file when it starts and when it ends, so the test sees what ran."""

import os
import time

from celery import shared_task


@shared_task(name="tests.probe.mark", ignore_result=True, acks_late=True)
def mark(folder: str, name: str, seconds: float = 0.0) -> None:
    open(os.path.join(folder, f"{name}.started"), "w").close()
    time.sleep(seconds)
    with open(os.path.join(folder, f"{name}.done"), "w") as done:
        done.write(str(os.getpid()))

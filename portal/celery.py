"""The Celery application. Settings come from Django's, under the CELERY_ namespace."""

import os

from celery import Celery

from portal.heartbeat import WorkerHeartbeat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Each worker writes a heartbeat per queue while connected: readiness reads it (portal.heartbeat).
app.steps["consumer"].add(WorkerHeartbeat)

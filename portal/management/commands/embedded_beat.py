"""Embedded mode's beat (``make run``): what Celery beat does in a deployment, for one server.

Without a broker there is no beat: the sync outbox's sweep never runs, so what ``load_demo``
queued before the server listened (the demo's dossiers) never reaches the national portal
stand-in, which lives inside the web server's process; and the report rollups would not see a
deadline pass. ``make run`` starts this beside ``runserver``: once the server answers, it
sweeps the outbox (the relay sends each dossier to the stand-in over HTTP, as in production)
and refreshes the rollups, then again every ``--every`` seconds. Changes made through the
pages are sent and counted at once anyway (after commit); this is the safety net.
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

SENDERS = 4


def _sweep_until_done(relay) -> int:
    from django.db import connection

    queued = 0
    try:
        while batch := relay.sweep(limit=100):
            queued += batch
    finally:
        connection.close()  # this thread's own connection
    return queued


class Command(BaseCommand):
    help = "Embedded mode: sweep the sync outbox and refresh the report rollups periodically."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=30.0, help="seconds between runs")
        parser.add_argument(
            "--wait", type=float, default=600.0, help="seconds to wait for the server"
        )
        parser.add_argument("--once", action="store_true", help="one run, then exit")

    def handle(self, *args, **options):
        if not settings.EMBEDDED_TASKS:
            raise CommandError("embedded_beat is for embedded mode; with a broker, run beat.")
        parent = os.getppid()
        self._wait_for_server(options["wait"])
        while True:
            self.run_once()
            if options["once"]:
                return
            time.sleep(options["every"])
            if os.getppid() != parent:  # make run was stopped: stop with it
                return

    def _wait_for_server(self, seconds: float) -> None:
        url = settings.SITE_URL.rstrip("/") + "/health/"
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                requests.get(url, timeout=5)
                return
            except requests.RequestException:
                time.sleep(1)
        raise CommandError(f"embedded_beat: nothing answers at {url}")

    def run_once(self) -> None:
        from reports.rollups import refresh_changed
        from sync import relay

        start = time.monotonic()
        sent = 0
        if settings.SYNC_ENABLED:
            # Each pass leases the dossiers whose next change is due (a lease keeps the other
            # senders off them) and the relay sends them; a few senders at once, as the
            # development server answers in threads.
            with ThreadPoolExecutor(SENDERS) as pool:
                sent = sum(pool.map(lambda _n: _sweep_until_done(relay), range(SENDERS)))
        counted = refresh_changed(wait=True)
        if sent or counted:
            self.stdout.write(
                f"embedded beat: {sent} dossiers handed to the national portal sync, "
                f"{counted} counted in the reports ({time.monotonic() - start:.1f} s)"
            )

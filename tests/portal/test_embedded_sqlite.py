"""Embedded mode (``make run``) keeps its data in one SQLite file that two processes write: the
web server and ``embedded_beat``. Transactions that read and then write, as every lifecycle
action does, must wait for each other rather than fail with "database is locked" (which an
officer saw as a 500 while the demo's dossiers were being synced)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

WRITERS = """
import os, threading, time
import django
django.setup()
from django.db import connection, connections, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE counter (n INTEGER)")
    cursor.execute("INSERT INTO counter VALUES (0)")
connection.close()
failures = []

def writer():
    try:
        for _ in range(25):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT n FROM counter")  # read first, as an action does
                (n,) = cursor.fetchone()
                time.sleep(0.002)
                cursor.execute("UPDATE counter SET n = %s", [n + 1])
    except Exception as exc:
        failures.append(repr(exc))
    finally:
        connections.close_all()

threads = [threading.Thread(target=writer) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT n FROM counter")
    print("count", cursor.fetchone()[0], "failures", len(failures), failures[:1])
"""


def run_writers(tmp_path, **extra) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="1",
        VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path}/embedded.sqlite3",
        **extra,
    )
    result = subprocess.run(
        [sys.executable, "-c", WRITERS], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_concurrent_read_then_write_transactions_wait_for_each_other(tmp_path):
    assert run_writers(tmp_path) == "count 100 failures 0 []"

"""The parallel suite's processes share nothing in Redis (portal/settings_test.py).

Each test starts by emptying its cache (tests/conftest.py), and the sync tests keep the circuit
breaker there: two xdist workers on one Redis database would empty each other's. A nested
pytest run with three workers reports where each one's settings point.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, os
from django.conf import settings

def test_where():
    record = {
        "worker": os.environ["PYTEST_XDIST_WORKER"],
        "cache": settings.CACHES["default"]["LOCATION"],
        "broker": settings.CELERY_BROKER_URL,
    }
    with open(os.environ["PROBE_OUT"], "a") as out:
        out.write(json.dumps(record) + "\\n")
"""


def test_each_xdist_worker_takes_its_own_redis_databases(tmp_path):
    (tmp_path / "test_probe.py").write_text(PROBE)
    out = tmp_path / "where.jsonl"
    # As a developer's shell starts the suite: none of this process's per-worker choices.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "PORTAL_TEST_")) and k not in ("REDIS_URL",)
    }
    env.update(PROBE_OUT=str(out), CELERY_BROKER_URL="redis://127.0.0.1:6379/15")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(tmp_path / "test_probe.py"), "-n", "3",
         "--dist", "each", "-p", "no:cacheprovider", "-q",
         "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr

    seen = {
        r["worker"]: (r["cache"], r["broker"])
        for r in map(json.loads, out.read_text().split("\n")[:-1])
    }
    assert seen == {
        "gw0": ("redis://127.0.0.1:6379/14", "redis://127.0.0.1:6379/15"),
        "gw1": ("redis://127.0.0.1:6379/12", "redis://127.0.0.1:6379/13"),
        "gw2": ("redis://127.0.0.1:6379/10", "redis://127.0.0.1:6379/11"),
    }

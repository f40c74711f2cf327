"""The production shape started on free ports for a bench or a test: a Redis of its own, then
``scripts/prod run Procfile deploy/Procfile.standins`` (gunicorn with DEBUG=0, the default and
sync workers and beat under scripts/supervise, the stand-in national portal, payment platform
and e-ID as processes of their own), on the database given.

Every process started carries ``PORTAL_SHAPE_ID`` in its environment, so :meth:`Shape.leftovers`
finds any that outlived :meth:`Shape.stop` (read from ``/proc``, as ``ps e`` would show).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def shape_env(*, database_url: str, folder: Path, redis_port: int, **extra: str) -> dict:
    """The environment of a DEBUG=0 portal behind one proxy (the load driver plays it)."""
    port, national, payment, eid = (free_port() for _ in range(4))
    env = {
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/1",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "VAR_DIR": str(folder / "var"),
        "PORT": str(port),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "PROXY_COUNT": "1",
        "NATIONAL_STANDIN_PORT": str(national),
        "NATIONAL_PORTAL_URL": f"http://127.0.0.1:{national}/",
        "NATIONAL_PORTAL_USERNAME": "portal-shape",
        "NATIONAL_PORTAL_PASSWORD": secrets.token_urlsafe(24),
        "STANDIN_CONTROL_TOKEN": secrets.token_urlsafe(24),
        "PAYMENT_STANDIN_PORT": str(payment),
        "PAYMENT_GATEWAY_URL": f"http://127.0.0.1:{payment}/",
        "PAYMENT_MERCHANT_ID": "portal-shape",
        "PAYMENT_GATEWAY_SECRET": secrets.token_urlsafe(24),
        "PAYMENT_GATEWAY_STANDIN_TOKEN": secrets.token_urlsafe(24),
        "EID_STANDIN_PORT": str(eid),
        "OIDC_RP_CLIENT_ID": "portal-shape",
        "OIDC_RP_CLIENT_SECRET": secrets.token_urlsafe(24),
        "OIDC_OP_ISSUER": f"http://127.0.0.1:{eid}",
        "OIDC_OP_AUTHORIZATION_ENDPOINT": f"http://127.0.0.1:{eid}/authorize",
        "OIDC_OP_TOKEN_ENDPOINT": f"http://127.0.0.1:{eid}/token",
        "OIDC_OP_USER_ENDPOINT": f"http://127.0.0.1:{eid}/userinfo",
        "OIDC_OP_JWKS_ENDPOINT": f"http://127.0.0.1:{eid}/jwks",
        "CELERY_LOG_LEVEL": "WARNING",
        "WEB_ACCESS_LOG": "/dev/null",
        "SUPERVISE_RESTART_DELAY": "1",
    }
    env.update(extra)
    return env


def clean_environment() -> dict:
    """The calling process's environment without its service settings (a test run's must not
    leak into the shape): what a login shell would have."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "TZ")
    return {name: os.environ[name] for name in keep if name in os.environ}


class Redis:
    """A redis-server of our own on a free port, persistent (append-only) like a broker."""

    def __init__(self, folder: Path, env: dict | None = None):
        self.port = free_port()
        self.folder = folder
        self.env = {**clean_environment(), **(env or {})}
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.folder), "--save", "", "--appendonly", "yes"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.ConnectionError):
                if redis.Redis(port=self.port, socket_connect_timeout=0.2).ping():
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()  # SIGKILL, as in the incident
            self.process.wait()


class Shape:
    """The shape's processes under scripts/prod, started and stopped as a whole."""

    def __init__(self, *, database_url: str, folder: Path | None = None, **extra: str):
        self.folder = folder or Path(tempfile.mkdtemp(prefix="portal-shape-"))
        self.id = uuid.uuid4().hex
        self.redis = Redis(self.folder, {"PORTAL_SHAPE_ID": self.id})
        self.env = shape_env(
            database_url=database_url,
            folder=self.folder,
            redis_port=self.redis.port,
            PORTAL_SHAPE_ID=self.id,
            **extra,
        )
        self.url = self.env["SITE_URL"]
        self.run_dir = self.folder / "run"
        self.log_path = self.folder / "shape.log"
        self.runner: subprocess.Popen | None = None

    def manage(self, *args: str) -> None:
        """``manage.py <args>`` with the shape's settings (a release's step: collectstatic)."""
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**clean_environment(), **self.env},
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self, *, wait: float = 120) -> None:
        os.makedirs(self.env["VAR_DIR"], exist_ok=True)
        self.redis.start()
        with open(self.log_path, "ab") as log:
            self.runner = subprocess.Popen(
                [sys.executable, str(ROOT / "scripts" / "prod"), "run", "--dir",
                 str(self.run_dir), "--stop-timeout", "30", "Procfile",
                 "deploy/Procfile.standins"],
                cwd=ROOT,
                env={**clean_environment(), **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.wait_ready(wait)

    def ready(self) -> dict | None:
        """/health/ready/'s answer when every part is ok (database, cache, workers)."""
        with contextlib.suppress(requests.RequestException, ValueError):
            answer = requests.get(f"{self.url}/health/ready/", timeout=2)
            if answer.status_code == 200 and answer.json()["status"] == "ok":
                return answer.json()
        return None

    def wait_ready(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.runner.poll() is not None:
                raise RuntimeError(f"scripts/prod exited:\n{self.log()[-3000:]}")
            if self.ready():
                return
            time.sleep(0.5)
        raise RuntimeError(f"the shape was not ready in {seconds:g} s:\n{self.log()[-3000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def child_pid(self, name: str) -> int:
        """The pid of the process the supervisor of Procfile line ``name`` runs now."""
        return int((self.run_dir / f"{name}.child.pid").read_text())

    def stop(self) -> None:
        if self.runner is not None and self.runner.poll() is None:
            os.kill(self.runner.pid, signal.SIGTERM)
            try:
                self.runner.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.runner.pid, signal.SIGKILL)
                self.runner.wait()
        self.redis.kill()

    def leftovers(self) -> list[str]:
        """Processes still running with this shape's id in their environment."""
        marker = f"PORTAL_SHAPE_ID={self.id}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
                    found.append(f"{entry.name} {cmdline.decode(errors='replace')[:120]}")
        return found

    def standin_state(self) -> dict:
        token = {"X-Standin-Token": self.env["STANDIN_CONTROL_TOKEN"]}
        national = self.env["NATIONAL_PORTAL_URL"].rstrip("/")
        return requests.get(f"{national}/_state", headers=token, timeout=10).json()

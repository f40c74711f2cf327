"""`make run` on a fresh machine: embedded mode (SQLite, no broker) set up and served with demo
data, as the README promises. The real command runs in a subprocess with its own VAR_DIR and
port; a receiver of the demo signs in with the printed password and reaches the work queues.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 600  # migrations, 3,321 communes and the demo catalogue on a busy machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"make run exited with {server.returncode}:\n{log.read_text()}")
        try:
            if requests.get(f"{url}/health/", timeout=20).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or still starting up
            pass
        time.sleep(2)
    raise AssertionError(f"make run did not serve within {STARTUP_SECONDS} s:\n{log.read_text()}")


def test_make_run_serves_the_demo_in_vietnamese_and_a_receiver_reaches_the_queues(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # A fresh machine's environment: none of the test run's service settings leak in.
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    env.update(VAR_DIR=str(tmp_path / "var"), PORT=str(port))
    log = tmp_path / "make-run.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            ["make", "run"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_up(url, server, log)
        home = requests.get(f"{url}/", timeout=10)
        assert home.status_code == 200 and 'lang="vi"' in home.text
        assert "Cổng dịch vụ công" in home.text

        password = (tmp_path / "var" / "demo-password.txt").read_text().strip()
        assert "receiver.p68" in log.read_text()  # the demo logins are printed
        session = requests.Session()
        form = session.get(f"{url}/accounts/login/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        signed_in = session.post(
            f"{url}/accounts/login/",
            data={"username": "receiver.p68", "password": password, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{url}/accounts/login/"},
            timeout=10,
        )
        assert signed_in.status_code == 200, signed_in.status_code
        queues = session.get(f"{url}/office/", timeout=10)
        assert queues.status_code == 200 and "Hàng đợi công việc" in queues.text
        assert 'data-testid="queue-reception"' in queues.text
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

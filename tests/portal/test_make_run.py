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


def make_run(tmp_path: Path, port: int) -> tuple[subprocess.Popen, Path]:
    """``PORT=<port> make run`` with its own VAR_DIR, as on a fresh machine."""
    # A fresh machine's environment: none of the test run's service settings leak in.
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    env.update(VAR_DIR=str(tmp_path / "var"), PORT=str(port))
    tmp_path.mkdir(parents=True, exist_ok=True)
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
    return server, log


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def sign_in(url: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    form = session.get(f"{url}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    signed_in = session.post(
        f"{url}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{url}/accounts/login/"},
        timeout=10,
    )
    assert signed_in.status_code == 200, signed_in.status_code
    return session


def test_make_run_serves_the_demo_in_vietnamese_and_a_receiver_reaches_the_queues(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # A second server on another port (and its own VAR_DIR) at the same time.
    other_port = free_port()
    server, log = make_run(tmp_path / "first", port)
    other, other_log = make_run(tmp_path / "second", other_port)
    tmp_path = tmp_path / "first"
    try:
        wait_until_up(url, server, log)
        wait_until_up(f"http://127.0.0.1:{other_port}", other, other_log)
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

        # The portal knows its own address: the port it serves on, not 8000.
        figures = sign_in(url, "province_admin.p68", password)
        dashboard = figures.get(f"{url}/reports/", timeout=60)
        assert dashboard.status_code == 200
        index = figures.get(f"{url}/api/v1/reports/index/", timeout=60).json()
        assert index["province"] == "68" and index["total"] > 20  # the demo's year of dossiers
        assert f"{index['total']:.2f}".replace(".", ",") in dashboard.text
        # The national self-check reads the stand-in inside this server (at this port).
        check = figures.get(f"{url}/api/v1/reports/self-check/", timeout=120)
        assert check.status_code == 200, check.text[:500]
        assert check.json()["ours"]["received"] > 0
        # SITE_URL follows PORT: the stand-in national portal (SITE_URL + /_standin/national/)
        # is this server, so the demo's dossiers reached it here, not at port 8000. (The QR code
        # of signed results and e-mail links are built from the same SITE_URL.)
        assert f"Serving the portal on http://127.0.0.1:{port} " in log.read_text()
        deadline = time.monotonic() + 120
        while "POST /_standin/national/api/DongBoHoSoMC" not in log.read_text():
            assert time.monotonic() < deadline, "nothing was sent to the stand-in"
            time.sleep(2)
        receipt = figures.get(f"{url}/api/v1/reports/ranking/", timeout=60)
        assert receipt.status_code == 200 and receipt.json()["results"]
        other_home = requests.get(f"http://127.0.0.1:{other_port}/", timeout=10)
        assert other_home.status_code == 200
    finally:
        stop(server)
        stop(other)

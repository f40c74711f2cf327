"""The stand-in national portal as a separate process on 127.0.0.1, for the sync tests."""

import subprocess
import sys

import pytest
import requests
from django.conf import settings

from tests.dossiers import conftest as dossier_fixtures

# The demo citizen's dossier awaiting reception, shared with the dossier tests.
applicant = dossier_fixtures.applicant
submitted = dossier_fixtures.submitted


CONTROL_TOKEN = "sync-tests-control-token"
CONTROL = {"X-Standin-Token": CONTROL_TOKEN}


class StandInProcess:
    def __init__(self, url: str, process: subprocess.Popen):
        self.url = url
        self.process = process

    def control(self, **changes) -> dict:
        return requests.post(
            f"{self.url}/_control", json=changes, headers=CONTROL, timeout=5
        ).json()

    def state(self) -> dict:
        return requests.get(f"{self.url}/_state", headers=CONTROL, timeout=5).json()

    def reset(self) -> None:
        requests.post(f"{self.url}/_reset", json={}, headers=CONTROL, timeout=5)

    def forget(self, code: str) -> dict:
        return requests.post(
            f"{self.url}/_forget", json={"MaHoSo": code}, headers=CONTROL, timeout=5
        ).json()


def start_standin(*args: str) -> StandInProcess:
    """The stand-in in its own process, with the portal's credentials and a control token."""
    credentials = [
        "--username", settings.NATIONAL_PORTAL_USERNAME,
        "--password", settings.NATIONAL_PORTAL_PASSWORD,
        "--control-token", CONTROL_TOKEN,
    ]  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "sync.standin", "--port", "0", *credentials, *args],
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    line = process.stdout.readline()
    if "STANDIN READY" not in line:
        process.kill()
        pytest.fail(f"the stand-in national portal did not start: {line}")
    return StandInProcess(line.split()[-1].rstrip("/"), process)


@pytest.fixture(scope="session")
def standin_server():
    server = start_standin()
    yield server
    server.process.terminate()
    server.process.wait(timeout=10)


@pytest.fixture
def standin(standin_server, settings):
    """The stand-in, emptied and well-behaved, with the portal pointed at it."""
    standin_server.reset()
    standin_server.control(
        fail_rate=0, timeout_rate=0, latency_ms=0, drop_rate=0, duplicate_rate=0, seed=1
    )
    settings.NATIONAL_PORTAL_URL = standin_server.url + "/"
    settings.NATIONAL_PORTAL_READ_TIMEOUT = 2
    from sync import client

    client._token.update(value="", until=0.0)  # a fresh session for each test
    return standin_server

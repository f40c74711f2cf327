"""The stand-in payment platform as its own process on 127.0.0.1, and a dossier with a fee: the
demo citizen's online "Đăng ký tạm trú" (1.004194: 7.000 đ online, 10.000 đ at the counter)."""

import subprocess
import sys

import pytest
import requests
from django.conf import settings

from dossiers.models_payments import PaymentAccount
from dossiers.submission import dossier_submit_online
from procedures.models import Procedure
from tests.dossiers import conftest as dossier_fixtures

applicant = dossier_fixtures.applicant
home = dossier_fixtures.home
submitted = dossier_fixtures.submitted
pdf = dossier_fixtures.pdf

RESIDENCE = "1.004194"
SECRET = "test-payment-gateway-secret"  # portal/settings_test.py
CONTROL = {"X-Standin-Token": "payments-tests-control-token"}


class GatewayProcess:
    def __init__(self, url: str, process: subprocess.Popen):
        self.url = url
        self.process = process

    def _post(self, path: str, body: dict) -> dict:
        return requests.post(f"{self.url}/{path}", json=body, headers=CONTROL, timeout=5).json()

    def control(self, **changes) -> dict:
        return self._post("_control", changes)

    def reset(self) -> None:
        self._post("_reset", {})

    def state(self) -> dict:
        return requests.get(f"{self.url}/_state", headers=CONTROL, timeout=5).json()

    def settle(self, reference: str, status: str = "paid") -> dict:
        """As if the citizen paid on the platform's page: the signed callback it sends."""
        return self._post("_settle", {"order_ref": reference, "status": status})["callback"]

    def add_statement_line(self, **line) -> None:
        self._post("_statement_extra", line)


@pytest.fixture(scope="session")
def gateway_server():
    process = subprocess.Popen(
        [sys.executable, "-m", "dossiers.payments.standin", "--port", "0", "--secret", SECRET,
         "--control-token", CONTROL["X-Standin-Token"], "--merchant-id",
         settings.PAYMENT_MERCHANT_ID],
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    line = process.stdout.readline()
    if "PAYMENT STANDIN READY" not in line:
        process.kill()
        pytest.fail(f"the stand-in payment platform did not start: {line}")
    yield GatewayProcess(line.split()[-1], process)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def gateway(gateway_server, settings):
    """The stand-in, emptied and well-behaved, with the portal pointed at it."""
    gateway_server.reset()
    settings.PAYMENT_GATEWAY_URL = gateway_server.url + "/"
    settings.PAYMENT_GATEWAY_SECRET = SECRET
    settings.PAYMENT_GATEWAY_TIMEOUT = 2
    return gateway_server


@pytest.fixture
def residence(applicant, home):
    """The demo citizen's online temporary-residence registration (status 1), fee 7.000 đ."""
    procedure = Procedure.objects.get(code=RESIDENCE)
    case = procedure.current_version.cases.first()
    files = {c.pk: pdf() for c in case.components.all() if c.originals or c.copies}
    dossier = dossier_submit_online(
        applicant=applicant,
        procedure=procedure,
        files=files,
        data={"applicant_commune": "22918", "applicant_phone": "0912345678"},
    )
    PaymentAccount.objects.get_or_create(
        agency=dossier.agency,
        defaults={"bank_code": "KBNN", "account_number": "3511.0.1234567", "account_name": "UBND"},
    )
    return dossier

"""Browser journey: the citizen pays the fee of an online dossier through the payment platform
(the stand-in, its own process) before the dossier reaches the agency.

Real Chromium against the live server; the platform's signed callback reaches the live server
over HTTP before the browser comes back to the return page.
"""

import subprocess
import sys

import pytest
from django.conf import settings
from playwright.sync_api import expect

from dossiers import lifecycle
from dossiers.models import Dossier, Status
from dossiers.models_payments import GatewayCallback, Payment, PaymentAccount
from dossiers.submission import dossier_submit_online
from portal.models import CitizenProfile
from procedures.models import Procedure
from tests.dossiers.conftest import pdf
from tests.e2e.conftest import sign_in_citizen
from tests.factories.dossiers import receiver_of

pytestmark = pytest.mark.e2e
SECRET = "e2e-payment-secret"


@pytest.fixture
def gateway_process():
    process = subprocess.Popen(
        [sys.executable, "-m", "dossiers.payments.standin", "--port", "0", "--secret", SECRET,
         "--control-token", "e2e-token", "--merchant-id", settings.PAYMENT_MERCHANT_ID],
        cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    line = process.stdout.readline()
    assert "PAYMENT STANDIN READY" in line, line
    yield line.split()[-1]
    process.terminate()
    process.wait(timeout=10)


def test_citizen_pays_the_fee_online_before_the_dossier_reaches_the_agency(
    demo_live, gateway_process, phone_page, problems, settings
):
    settings.PAYMENT_GATEWAY_URL = gateway_process + "/"
    settings.PAYMENT_GATEWAY_SECRET = SECRET
    an = CitizenProfile.objects.get(cccd="068190000123").user
    procedure = Procedure.objects.get(code="1.004194")  # Đăng ký tạm trú: 7.000 đ online
    case = procedure.current_version.cases.first()
    dossier = dossier_submit_online(
        applicant=an,
        procedure=procedure,
        files={c.pk: pdf() for c in case.components.all() if c.originals or c.copies},
        data={"applicant_commune": "22918", "applicant_phone": "0912345678"},
    )
    PaymentAccount.objects.create(
        agency=dossier.agency, bank_code="KBNN", account_number="3511.0.1", account_name="UBND"
    )
    desk = receiver_of(dossier)
    with pytest.raises(lifecycle.TransitionNotAllowed):
        lifecycle.receive(dossier=dossier, actor=desk)  # not paid: not at the agency yet

    page = phone_page
    sign_in_citizen(page, "Nguyễn Văn An", f"/my/dossiers/{dossier.code}/")
    expect(page.get_by_test_id("fee-due")).to_contain_text("7.000 đ")
    page.get_by_test_id("pay-link").click()
    page.get_by_test_id("pay-now").click()
    # The platform's own page (the stand-in): amount, then pay.
    expect(page.locator("#amount")).to_have_text("7.000 đ")
    page.get_by_role("button", name="Thanh toán").click()

    page.wait_for_url("**/payments/return/**")
    expect(page.get_by_test_id("payment-outcome")).to_have_attribute("data-state", "paid")
    payment = Payment.objects.get(dossier=dossier)
    assert (payment.state, payment.amount, payment.method) == ("paid", 7000, "online")
    assert GatewayCallback.objects.filter(payment=payment, outcome="accepted").count() == 1

    page.goto(f"/my/dossiers/{dossier.code}/")
    expect(page.get_by_test_id("payment-paid")).to_contain_text("7.000 đ")
    received = lifecycle.receive(dossier=Dossier.objects.get(pk=dossier.pk), actor=desk)
    assert received.status == Status.RECEIVED
    assert problems.as_dict() == {
        "console_errors": [],
        "page_errors": [],
        "csp_violations": [],
        "failed_requests": [],
    }

"""The demo history pays fees online, at the counter and by transfer, refunds some, and the
online-payment indicator of every demo province is above zero."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, Q

from dossiers.models_payments import Payment, PaymentAccount, Refund
from portal.demo import DEMO_PROVINCES
from reports.models import DossierRollup

pytestmark = pytest.mark.django_db


def test_the_demo_history_has_payments_of_every_kind(registry, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    call_command("load_units", "--former-districts", "units/data/former_districts_68.csv",
                 stdout=io.StringIO())  # fmt: skip
    call_command("load_demo", "--password", "demo-password-1", "--quiet-logins", "--history",
                 "3000", stdout=io.StringIO())  # fmt: skip

    methods = set(Payment.objects.filter(state="paid").values_list("method", flat=True))
    assert {"online", "counter"} <= methods
    assert Refund.objects.exists()
    assert PaymentAccount.objects.exists()
    for province in DEMO_PROVINCES:
        figures = DossierRollup.objects.filter(province_id=province).aggregate(
            with_fee=Count("pk", filter=Q(with_fee=True)),
            paid_online=Count("pk", filter=Q(paid_online=True)),
        )
        assert figures["with_fee"] > 0 and figures["paid_online"] > 0, (province, figures)

"""Reconciliation against the platform's statement; the pay and return pages; the e-receipt."""

import pytest
from django.utils import timezone

from dossiers.payments import services
from tests.payments.helpers import client_of, post_callback

pytestmark = pytest.mark.django_db

URLS = {"return_url": "http://testserver/payments/return/",
        "callback_url": "http://testserver/payments/callback/"}  # fmt: skip


def test_reconciliation_matches_and_flags_differences(gateway, residence, applicant):
    payment = services.order_start(dossier=residence, actor=applicant, **URLS)
    post_callback(gateway.settle(payment.reference))
    today = timezone.localdate()

    clean = services.reconcile_day(day=today)
    assert (clean.statement_count, clean.matched, clean.differences, clean.ok) == (1, 1, [], True)

    gateway.add_statement_line(
        order_ref="TT-LOST", gateway_txn_id="GW1", dossier_code=residence.code, amount=7000,
        paid_at=today.strftime("%Y%m%d") + "101010",
    )  # fmt: skip
    flagged = services.reconcile_day(day=today)
    assert flagged.ok is False
    assert flagged.differences == [
        {"reference": "TT-LOST", "problem": "not_paid_here", "ours": "unknown", "theirs": 7000}
    ]


def test_the_citizen_pays_from_the_pay_page_and_sees_the_outcome(gateway, residence, applicant):
    browser = client_of(applicant)
    detail = browser.get(f"/my/dossiers/{residence.code}/").content.decode()
    assert 'data-testid="pay-link"' in detail and "7.000 đ" in detail
    page = browser.get(f"/my/dossiers/{residence.code}/pay/")
    assert page.status_code == 200 and "7.000 đ" in page.content.decode()

    sent = browser.post(f"/my/dossiers/{residence.code}/pay/", {"pay": "1"})

    payment = residence.payments.get()
    assert sent.status_code == 200 and payment.pay_url.startswith(gateway.url + "/pay/")
    assert f'href="{payment.pay_url}"' in sent.content.decode()
    pending = browser.get(f"/payments/return/?order_ref={payment.reference}&status=paid")
    # The query string says "paid" but only the callback settles: still pending.
    assert 'data-state="pending"' in pending.content.decode()
    post_callback(gateway.settle(payment.reference))
    done = browser.get(f"/payments/return/?order_ref={payment.reference}").content.decode()
    assert 'data-state="paid"' in done
    receipt = browser.get(f"/my/dossiers/{residence.code}/payments/{payment.reference}/receipt.pdf")
    assert receipt.content.startswith(b"%PDF")


def test_another_citizen_sees_no_return_page(gateway, residence, applicant, citizen):
    payment = services.order_start(dossier=residence, actor=applicant, **URLS)
    other = client_of(citizen)
    assert other.get(f"/payments/return/?order_ref={payment.reference}").status_code == 404
    assert other.get(f"/my/dossiers/{residence.code}/pay/").status_code == 404


def test_the_online_payment_reaches_the_indicator_and_the_sync(gateway, residence, applicant):
    from reports import rollups
    from sync import payload

    payment = services.order_start(dossier=residence, actor=applicant, **URLS)
    post_callback(gateway.settle(payment.reference))

    (row,) = rollups._load([residence.pk], timezone.now())
    assert (row.with_fee, row.paid_online) == (True, True)
    lists = payload.dossier_lists(residence.pk)
    assert lists["KenhThanhToan"] == "online"
    (line,) = lists["DanhSachLePhi"]
    assert (line["TenPhiLePhi"], line["MucPhi"], line["TrangThaiThanhToan"]) == (
        "Lệ phí",
        7000,
        "paid",
    )
    assert line["MaGiaoDich"] == payment.reference and line["HinhThucThanhToan"] == "online"

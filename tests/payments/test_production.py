"""The stand-in gateway is unreachable with DEBUG off, and production refuses to start without
the real payment platform (portal.E005)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.http import Http404
from django.test import Client

from dossiers.payments.standin import embedded_view


@pytest.mark.django_db
def test_the_suite_s_server_mounts_no_payment_stand_in():
    assert settings.DEBUG is False and settings.PAYMENT_GATEWAY_STANDIN is False
    client = Client()
    assert client.get("/_standin/payment/pay/abc").status_code == 404
    assert client.post("/_standin/payment/api/orders", {}).status_code == 404


def test_the_embedded_view_refuses_with_the_stand_in_off(rf, settings):
    settings.PAYMENT_GATEWAY_STANDIN = False
    with pytest.raises(Http404):
        embedded_view(rf.get("/_standin/payment/_state"), "_state")


def test_production_without_the_payment_platform_is_refused(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAYMENT_", "DJANGO_SET"))}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="0",
        SECRET_KEY="a-production-like-secret-key-of-enough-length-0123456789-abcdefghij",
        ALLOWED_HOSTS="portal.example.vn",
        VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0 and "portal.E005" in result.stderr
    env.update(PAYMENT_GATEWAY_URL="https://pay.example.vn/", PAYMENT_GATEWAY_SECRET="issued")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert "portal.E005" not in result.stderr

"""Public tracking by code and the receipt's secret: no sign-in, no enumeration, rate-limited."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from dossiers import lifecycle
from dossiers.models import SECRET_ALPHABET, Dossier
from dossiers.receipts import receipt_pdf
from dossiers.tracking import dossier_track, masked_name, normalise_secret, tracking_path
from tests.factories.dossiers import receiver_of

pytestmark = pytest.mark.django_db


def test_every_dossier_has_its_own_secret_from_an_unambiguous_alphabet(submitted):
    secrets = set(Dossier.objects.values_list("tracking_secret", flat=True))
    assert len(secrets) == Dossier.objects.count()
    assert re.fullmatch(f"[{SECRET_ALPHABET}]{{8}}", submitted.tracking_secret)
    assert not set("01IOL") & set(SECRET_ALPHABET)


def test_the_right_secret_opens_the_dossier_typed_loosely(submitted):
    spaced = " ".join(submitted.tracking_secret.lower())

    assert dossier_track(code=submitted.code.lower(), secret=spaced) == submitted
    assert normalise_secret("abcd-efgh") == "ABCDEFGH"


def test_an_unknown_code_and_a_wrong_secret_get_the_same_page(submitted):
    wrong = "".join("2" if c != "2" else "3" for c in submitted.tracking_secret)
    client = Client()

    unknown = client.get("/track/", {"code": "000.00.99.H99-250101-0001", "secret": "ABCDEFGH"})
    mismatched = client.get("/track/", {"code": submitted.code, "secret": wrong})

    assert unknown.status_code == mismatched.status_code == 404
    # Same message, nothing about the dossier: the two answers are indistinguishable.
    strip = re.compile(r'value="[^"]*"|csrf[^>]*')
    assert strip.sub("", unknown.content.decode()) == strip.sub("", mismatched.content.decode())
    assert submitted.applicant_name not in mismatched.content.decode()
    assert "Không có hồ sơ nào khớp" in mismatched.content.decode()


def test_the_page_shows_status_timeline_and_a_masked_name(submitted, demo):
    officer = receiver_of(submitted)
    lifecycle.receive(dossier=submitted, actor=officer)
    submitted.refresh_from_db()

    response = Client().get(tracking_path(submitted))

    page = response.content.decode()
    assert response.status_code == 200
    assert submitted.code in page and "Được tiếp nhận" in page
    assert submitted.appointment_at is not None
    assert f"{timezone.localtime(submitted.appointment_at):%d/%m/%Y}" in page
    assert masked_name(submitted.applicant_name) in page
    assert submitted.applicant_name not in page
    assert response["Cache-Control"] == "no-store"


def test_lookups_past_the_limit_are_refused_even_with_the_right_secret(submitted, settings):
    settings.TRACKING_RATE_LIMIT = (3, 600)
    cache.clear()
    client = Client()
    answers = [
        client.get("/track/", {"code": submitted.code, "secret": "ZZZZZZZZ"}).status_code
        for _ in range(3)
    ]
    right = client.get(tracking_path(submitted))

    assert answers == [404, 404, 404]
    assert right.status_code == 429
    assert "Wait ten minutes" not in right.content.decode()  # Vietnamese page
    assert submitted.code not in right.content.decode().split("</form>")[-1]


def test_missing_fields_are_named_in_vietnamese():
    response = Client().get("/track/", {"code": "", "secret": ""})

    page = response.content.decode()
    assert response.status_code == 400
    assert "Nhập mã hồ sơ" in page and "Nhập mã bí mật" in page


def test_the_api_answers_like_the_page(submitted, settings):
    client = Client()
    ok = client.post(
        "/api/v1/track/",
        {"code": submitted.code, "secret": submitted.tracking_secret},
        content_type="application/json",
    )
    unknown = client.post(
        "/api/v1/track/",
        {"code": "000.00.99.H99-250101-0001", "secret": submitted.tracking_secret},
        content_type="application/json",
    )
    wrong = client.post(
        "/api/v1/track/",
        {"code": submitted.code, "secret": "ZZZZZZZZ"},
        content_type="application/json",
    )
    invalid = client.post("/api/v1/track/", {}, content_type="application/json")

    assert ok.status_code == 200
    body = ok.json()
    assert body["code"] == submitted.code and body["status"] == 1
    assert body["applicant"] == masked_name(submitted.applicant_name)
    assert [step["status"] for step in body["steps"]] == [1]
    assert unknown.status_code == wrong.status_code == 404
    assert unknown.json() == wrong.json()
    assert invalid.status_code == 400 and {"code", "secret"} <= set(invalid.json())

    settings.TRACKING_RATE_LIMIT = (0, 600)
    limited = client.post(
        "/api/v1/track/",
        {"code": submitted.code, "secret": submitted.tracking_secret},
        content_type="application/json",
    )
    assert limited.status_code == 429


def test_the_receipt_prints_the_secret_and_its_qr_opens_tracking(submitted, tmp_path):
    import subprocess

    officer = receiver_of(submitted)
    dossier = lifecycle.receive(dossier=submitted, actor=officer)
    content = receipt_pdf(
        dossier=dossier, tracking_url="https://dvc.example.vn" + tracking_path(dossier)
    )
    path = tmp_path / "receipt.pdf"
    path.write_bytes(content)

    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
    assert f"Mã bí mật tra cứu: {dossier.tracking_secret}" in text.decode()


def test_masking_keeps_the_given_name():
    assert masked_name("Nguyễn Văn An") == "N***** V** An"
    assert masked_name("An") == "A***"
    assert masked_name("") == ""

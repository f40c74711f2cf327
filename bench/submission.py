"""Submission throughput through the API against a bare DRF endpoint, in the same run.

The bare endpoint receives the same multipart request (fields and one PDF per required
component), authenticates the same way, and inserts one comparable row (a Dossier with a
fixed agency and a unique code). The real one runs the whole one-shot submission: field and
file checks (type from content, SHA-256), storage, competent agency from the assignments,
the atomic code, the dossier, its event, its documents. Run: `make bench`.
"""

import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
os.environ.setdefault("API_ANON_RATE", "1000000/minute")
# Throughput, not the limits: a citizen may submit 30 dossiers an hour in production.
os.environ.setdefault("API_USER_RATE", "1000000/minute")
os.environ.setdefault("API_SUBMISSION_RATE", "1000000/minute")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from bench.run import ensure_database  # noqa: E402
from dossiers.models import Dossier  # noqa: E402
from portal.models import CitizenProfile  # noqa: E402
from procedures.models import Procedure  # noqa: E402
from units.models import Agency  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_SUBMISSIONS", "300"))
# About 20 kB, as a scanned page is small: the padding is a comment before the objects, since
# the upload check wants "%%EOF" at the end of a real PDF (portal/filecheck.py).
PDF = b"%PDF-1.7\n%" + b"x" * 20_000 + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def payload(version) -> dict:
    case = version.cases.first()
    data = {
        "procedure": version.procedure.code,
        "case": case.pk,
        "applicant_commune": "22918",
        "applicant_phone": "0912345678",
        "result_delivery": "counter",
    }
    for component in case.components.all():
        if component.originals or component.copies:
            data[f"component_{component.pk}"] = SimpleUploadedFile(
                "giay-to.pdf", PDF, content_type="application/pdf"
            )
    return data


def rate(client, url, make_payload) -> float:
    for _ in range(10):
        response = client.post(url, make_payload(), format="multipart")
        assert response.status_code == 201, response.content[:500]
    start = time.perf_counter()
    for _ in range(ROUNDS):
        client.post(url, make_payload(), format="multipart")
    return ROUNDS / (time.perf_counter() - start)


def main() -> None:
    ensure_database()
    call_command("migrate", verbosity=0)
    quiet = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the run
    call_command(
        "load_units",
        "--former-districts",
        "units/data/former_districts_68.csv",
        verbosity=0,
        stdout=quiet,
    )
    call_command("load_demo", "--quiet-logins", stdout=quiet)
    version = Procedure.objects.get(code="1.001193").current_version
    citizen = CitizenProfile.objects.get(cccd="068190000123").user
    client = APIClient()
    client.force_authenticate(citizen)
    counter = itertools.count()

    with (
        tempfile.TemporaryDirectory() as media,
        override_settings(ROOT_URLCONF="bench.urls", MEDIA_ROOT=media),
    ):
        bench_urls_bare_agency(Agency.objects.get(identifier="229.18.01.H68"), version, counter)
        samples_bare, samples_real = [], []
        for _round in range(3):  # interleaved, so drift on a shared machine hits both
            with transaction.atomic():
                samples_bare.append(rate(client, "/bench/bare-insert/", lambda: payload(version)))
                transaction.set_rollback(True)
            with transaction.atomic():
                samples_real.append(rate(client, "/api/v1/dossiers/", lambda: payload(version)))
                transaction.set_rollback(True)
    bare, real = statistics.median(samples_bare), statistics.median(samples_real)
    print(
        f"bare DRF endpoint inserting one dossier row: {bare:.0f} requests/s "
        f"(rounds: {', '.join(f'{s:.0f}' for s in samples_bare)})"
    )
    print(
        f"submission API (files checked and stored, agency, code, dossier, event): "
        f"{real:.0f} submissions/s (rounds: {', '.join(f'{s:.0f}' for s in samples_real)})"
    )
    print(f"submission throughput = {100 * real / bare:.0f}% of the bare endpoint")
    assert not Dossier.objects.filter(code__startswith="BARE-").exists()


def bench_urls_bare_agency(agency, version, counter) -> None:
    from bench import urls

    urls.BARE_INSERT = {"agency": agency, "version": version, "counter": counter}


if __name__ == "__main__":
    main()

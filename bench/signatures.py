"""Benchmark of signed results: signatures per second, and the cost of verification.

Each figure comes with a bare baseline measured in the same run (the machines are shared and
noisy): signing is compared with one raw RSA-2048 signature of a SHA-256 digest (the
cryptographic core every PAdES signature contains), verification with merely opening the
signed PDF and listing its signatures. Run: `make bench`.
"""

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

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from bench.run import ensure_database  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_SIGNATURES", "40"))


def per_second(fn, rounds: int) -> float:
    fn()  # warm-up
    start = time.perf_counter()
    for _ in range(rounds):
        fn()
    return rounds / (time.perf_counter() - start)


def median_ms(fn, rounds: int) -> float:
    fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    import io

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from pyhanko.pdf_utils.reader import PdfFileReader

    from dossiers.notices import result_pdf
    from dossiers.receipts import _Receipt
    from portal.models import User
    from signatures import ca, pdf
    from signatures.models import Position
    from units.models import Agency

    ensure_database()
    call_command("migrate", verbosity=0)
    quiet = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the run
    if not Agency.objects.exists():
        call_command("load_units", verbosity=0, stdout=quiet)
        call_command("load_demo", "--quiet-logins", "--without-dossiers", stdout=quiet)
    with (
        tempfile.TemporaryDirectory() as media,
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        agency = Agency.objects.filter(memberships__role="leader").first()
        leader = User.objects.filter(memberships__agency=agency, memberships__role="leader")[0]
        position = Position.objects.create(
            agency=agency, code="BENCH", title="Chủ tịch", holder=leader
        )
        certificate = ca.issue(holder=leader, position=position)
        doc = _Receipt()
        doc.add_page()
        doc.write_line("KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH " * 20)
        unsigned = bytes(doc.output())
        key = ca.open_key(certificate.key_encrypted)
        digest = b"x" * 32

        def bare_sign():
            key.sign(digest, padding.PKCS1v15(), hashes.SHA256())

        def real_sign():
            pdf.sign(pdf=unsigned, certificate=certificate, verification_url="https://x/v/")

        signed = pdf.sign(pdf=unsigned, certificate=certificate, verification_url="https://x/")

        def bare_open():
            list(PdfFileReader(io.BytesIO(signed), strict=False).embedded_signatures)

        def real_verify():
            assert pdf.verify(signed).valid

        bare_rates, real_rates, open_ms, verify_ms = [], [], [], []
        for _round in range(3):  # interleaved: drift on a shared machine hits both
            bare_rates.append(per_second(bare_sign, ROUNDS * 10))
            real_rates.append(per_second(real_sign, ROUNDS))
            open_ms.append(median_ms(bare_open, ROUNDS))
            verify_ms.append(median_ms(real_verify, ROUNDS))
        issue_ms = median_ms(lambda: ca.issue(holder=leader, position=position), 10)
        generated_ms = median_ms(lambda: result_pdf(dossier=_FakeDossier(agency)), 10)
        transaction.set_rollback(True)
    bare, real = statistics.median(bare_rates), statistics.median(real_rates)
    opened, verified = statistics.median(open_ms), statistics.median(verify_ms)
    print(f"raw RSA-2048 signature of a digest: {bare:.0f}/s")
    print(
        f"PAdES signature of a result PDF (visible QR stamp, key unsealed): {real:.1f}/s "
        f"= {1000 / real:.1f} ms each ({bare / real:.0f}x a raw signature); "
        f"rounds {', '.join(f'{r:.1f}' for r in real_rates)}"
    )
    print(f"opening the signed PDF and listing its signatures: {opened:.2f} ms")
    print(
        f"full verification (integrity, chain to the trusted roots, certificate status): "
        f"{verified:.1f} ms ({verified / opened:.0f}x opening the file)"
    )
    print(f"issuing a certificate (RSA-2048 key pair): {issue_ms:.0f} ms")
    print(f"generating the result PDF from the template: {generated_ms:.1f} ms")


class _FakeDossier:
    """Enough of a dossier for the result template."""

    def __init__(self, agency):
        from types import SimpleNamespace

        self.code = "000.00.01.H68-261123-0001"
        self.agency = agency
        self.applicant_name = "Nguyễn Văn An"
        self.applicant_id_number = "068190000123"
        self.applicant_address = "Lâm Đồng"
        self.version = SimpleNamespace(name="Đăng ký khai sinh", results="Giấy khai sinh")


if __name__ == "__main__":
    main()

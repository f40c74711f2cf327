"""The visible signature stamp, read off the page as a viewer draws it.

The stamp is a widget annotation: poppler (``pdftocairo -pdf``, what ``pdftoppm`` draws) prints
it into the page, and pdfplumber reads the words back with their boxes. The names are the
longest the registry holds: every agency after ``load_units`` and the demo, a commune's People's
Committee named after the longest commune, every position title, every user's full name.
"""

import io
import re
import subprocess
import unicodedata
from collections import Counter
from types import SimpleNamespace

import pdfplumber
import pytest
from cryptography.x509.oid import NameOID
from django.test import Client
from fpdf import FPDF

from dossiers.lifecycle import sign_result
from dossiers.notices import result_pdf
from portal.demo import demo_positions
from portal.models import User
from signatures import ca, pdf
from signatures.models import Position
from signatures.services import verification_path
from tests.signatures import test_signing
from tests.signatures.conftest import otp_code
from units.models import Agency, Unit, UnitLevel

pytestmark = pytest.mark.django_db
nss = test_signing.nss  # an NSS database trusting the stand-in's root, for pdfsig
pdfsig = test_signing.pdfsig

TIME = re.compile(r"\d{2}:\d{2}:\d{2} \d{2}/\d{2}/\d{4}")
HEADING = "(Ký, ghi rõ họ tên)"
MIN_READABLE = 6  # points
LONG_PERSON = "Tôn Nữ Hoàng Thị Phương Thảo"
LONG_TITLE = "Phó Giám đốc Trung tâm Phục vụ hành chính công"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def widest(names) -> str:
    """The name that takes most room on the stamp (its width in the stamp's font)."""
    return max(names, key=lambda name: pdf.text_width(name, 10))


@pytest.fixture
def longest(submitted, leader):
    """The result's agency, its leader and the leader's position renamed to the longest names in
    the registry (before the result is generated and the certificate issued)."""
    communes = Unit.objects.filter(level=UnitLevel.COMMUNE).values_list("name", flat=True)
    committee = f"Ủy ban nhân dân {widest(communes)}"
    agency = widest([*Agency.objects.values_list("name", flat=True), committee])
    people = User.objects.exclude(full_name="").values_list("full_name", flat=True)
    person = widest([*people, LONG_PERSON])
    # The demo's signing positions (load_demo makes them with its dossiers), and the longest
    # title of a province's one-stop centre.
    demo_positions(Agency.objects.exclude(pk=submitted.agency_id).filter(positions=None)[0])
    titles = [*Position.objects.values_list("title", flat=True), LONG_TITLE]
    title = widest(titles)
    Agency.objects.filter(pk=submitted.agency_id).update(name=agency)
    User.objects.filter(pk=leader.pk).update(full_name=person)
    leader.refresh_from_db()
    submitted.agency.refresh_from_db()
    return SimpleNamespace(agency=agency, person=person, title=title)


@pytest.fixture
def position(leader, submitted, longest):
    return Position.objects.create(
        agency=submitted.agency, code="CT-UBND", title=longest.title, holder=leader
    )


def printed(pdf_bytes: bytes, tmp_path, name: str):
    """The PDF as poppler prints it, annotations drawn into the pages, opened in pdfplumber."""
    source, flat = tmp_path / f"{name}.pdf", tmp_path / f"{name}-printed.pdf"
    source.write_bytes(pdf_bytes)
    subprocess.run(["pdftocairo", "-pdf", str(source), str(flat)], check=True)
    return pdfplumber.open(flat)


def rendered(signed: bytes, unsigned: bytes, tmp_path) -> tuple[dict, list, list, dict]:
    """The stamp's page as a viewer draws it: the page's size, its words (pdfplumber, in
    reading order), the stamp's words (those the unsigned page does not have) and the stamp's
    box (the signature widget's rectangle), in pdfplumber's coordinates (points from the top
    left)."""
    with pdfplumber.open(io.BytesIO(signed)) as document:
        [(number, annot)] = [
            (number, annot)
            for number, page in enumerate(document.pages)
            for annot in page.annots
            if str(annot["data"].get("FT")) == "/'Sig'"
        ]
    box = {key: annot[key] for key in ("x0", "top", "x1", "bottom")}

    def key(word):
        return word["text"], round(word["x0"], 1), round(word["top"], 1)

    with printed(unsigned, tmp_path, "unsigned") as document:
        before = Counter(key(w) for w in document.pages[number].extract_words())
    with printed(signed, tmp_path, "signed") as document:
        page = document.pages[number]
        words = page.extract_words(extra_attrs=["size"])
        size = {"width": page.width, "height": page.height, "number": number}
    stamp = []
    for word in words:
        if before[key(word)]:
            before[key(word)] -= 1
        else:
            stamp.append(word)
    return size, words, stamp, box


def inside(word: dict, box: dict, slack: float = 0.5) -> bool:
    return (
        word["x0"] >= box["x0"] - slack
        and word["x1"] <= box["x1"] + slack
        and word["top"] >= box["top"] - slack
        and word["bottom"] <= box["bottom"] + slack
    )


def joined(words: list[dict]) -> str:
    return nfc(" ".join(w["text"] for w in words))


def test_the_stamp_with_the_longest_names_sits_in_the_signature_block_whole_and_readable(
    longest,
    awaiting_signature,
    leader,
    certificate,
    nss,
    tmp_path,
):
    result = sign_result(dossier=awaiting_signature, actor=leader, otp_token=otp_code(leader))
    signed = result.document.file.open("rb").read()

    unsigned = result.source.file.open("rb").read()
    page, words, stamp, box = rendered(signed, unsigned, tmp_path)
    # The box is the template's reserved block: under the heading, in the right-hand column.
    lines = {}
    for word in words:
        lines.setdefault(round(word["top"]), []).append(word)
    [heading] = [row for row in lines.values() if joined(row) == HEADING]
    assert box["top"] >= max(w["bottom"] for w in heading)
    assert box["x0"] >= page["width"] / 2
    assert 0 <= box["x0"] < box["x1"] <= page["width"]
    assert 0 <= box["top"] < box["bottom"] <= page["height"]
    # Every word of the page is inside the page; every word of the stamp inside the stamp.
    for word in words:
        assert 0 <= word["x0"] < word["x1"] <= page["width"], word
        assert 0 <= word["top"] < word["bottom"] <= page["height"], word
    outside = [w["text"] for w in stamp if not inside(w, box)]
    assert outside == []
    assert min(w["size"] for w in stamp) >= MIN_READABLE
    assert len({round(w["size"], 1) for w in stamp}) == 1  # one font size, one font
    # Nothing is cut: the whole names and the whole time, in reading order.
    text = joined(stamp)
    verdict = pdf.verify(signed)
    [signature] = verdict.signatures
    assert TIME.fullmatch(signature.signed_at_local)
    assert text == nfc(
        f"Ký bởi: {longest.person} Chức vụ: {longest.title} Cơ quan: {longest.agency} "
        f"Thời gian ký: {signature.signed_at_local}"
    ), text

    report = pdfsig(tmp_path / "signed.pdf", nss)  # as rendered() wrote it
    assert "Signature is Valid" in report, report
    assert "Certificate is Trusted" in report, report
    assert verdict.valid, verdict.reason

    # The verification page words it as the stamp does (Chức vụ once translated) and prints
    # the same time.
    page = Client().get(verification_path(result.token))  # Vietnamese, the default
    content = page.content.decode()
    assert page.status_code == 200
    assert "<dt>Chức vụ</dt>" in content and "<dt>Vị trí</dt>" not in content
    assert f"<dd>{signature.signed_at_local}</dd>" in content
    assert signature.signed_at not in content


@pytest.mark.parametrize("size", [("A4", "portrait"), ("A5", "landscape"), ((100, 80), "P")])
def test_a_result_that_reserves_no_block_gets_the_stamp_inside_its_last_page(
    size, longest, certificate, tmp_path
):
    page_format, orientation = size
    upload = FPDF(orientation=orientation, format=page_format)
    for _page in range(2):
        upload.add_page()
        upload.set_font("helvetica", size=12)
        upload.multi_cell(0, 6, "Result drafted in an office suite. " * 8)
    unsigned = bytes(upload.output())

    signed = pdf.sign(pdf=unsigned, certificate=certificate, verification_url="https://x/r/t/")

    page, _words, stamp, box = rendered(signed, unsigned, tmp_path)
    assert page["number"] == 1  # the last page
    assert 0 <= box["x0"] < box["x1"] <= page["width"]
    assert 0 <= box["top"] < box["bottom"] <= page["height"]
    assert [w["text"] for w in stamp if not inside(w, box)] == []
    text = joined(stamp)
    assert nfc(f"Cơ quan: {longest.agency} Thời gian ký: ") in text
    assert nfc(f"Ký bởi: {longest.person} Chức vụ: {longest.title}") in text
    assert TIME.search(text)
    assert pdf.verify(signed).valid


def test_names_too_long_for_the_smallest_size_shrink_the_stamp_never_cut_it(
    submitted, leader, certificate, tmp_path
):
    agency = "Ủy ban nhân dân " + " ".join(["Phường Xuân Hương - Đà Lạt"] * 9)
    person = "Tôn Nữ Hoàng Thị " * 8 + "Phương Thảo"
    Agency.objects.filter(pk=submitted.agency_id).update(name=agency[:250])
    User.objects.filter(pk=leader.pk).update(full_name=person)
    certificate.refresh_from_db()
    submitted.agency.refresh_from_db()

    unsigned = result_pdf(dossier=submitted)
    signed = pdf.sign(pdf=unsigned, certificate=certificate, verification_url="https://x/")

    _page, _words, stamp, box = rendered(signed, unsigned, tmp_path)
    assert [w["text"] for w in stamp if not inside(w, box)] == []
    text = joined(stamp)
    assert nfc(f"Ký bởi: {person.strip()} Chức vụ:") in text
    assert nfc(f"Cơ quan: {agency[:250].strip()} Thời gian ký:") in text


@pytest.mark.parametrize(
    "name, fitted",
    [
        (
            "lãnh đạo (ký số) (Ủy ban nhân dân Phường Xuân Hương - Đà Lạt)",
            "lãnh đạo (ký số)",
        ),
        (
            "Trưởng phòng (Trung tâm Phục vụ hành chính công)",
            "Trưởng phòng (Trung tâm Phục vụ hành chính công)",
        ),
        (
            "Trưởng phòng một cửa (Trung tâm Phục vụ hành chính công)",
            "Trưởng phòng một cửa",
        ),
        (
            "Ủy ban nhân dân Phường Xuân Hương - Đà Lạt, tỉnh Lâm Đồng",
            "Ủy ban nhân dân Phường Xuân Hương - Đà Lạt, tỉnh",
        ),
        ("[" + "a" * 70, "a" * 63),
        ("  ", "-"),
    ],
)
def test_certificate_names_are_cut_at_64_bytes_between_words_and_never_inside_brackets(
    name, fitted
):
    assert ca._fit(name) == fitted
    assert len(fitted.encode()) <= 64


def test_an_issued_certificate_names_the_holder_without_an_open_bracket(leader, position):
    User.objects.filter(pk=leader.pk).update(
        full_name="lãnh đạo (ký số) (Ủy ban nhân dân Phường Xuân Hương - Đà Lạt)"
    )
    leader.refresh_from_db()

    certificate = ca.issue(holder=leader, position=position)

    subject = ca.load(certificate.certificate_pem).subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "lãnh đạo (ký số)"

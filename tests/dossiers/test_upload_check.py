"""Uploads are checked by what they are, and stored and served as what they are.

The outside probe's findings: an HTA script behind ``%PDF-1.4`` named ``giay-to.pdf.hta`` (and
``.bat``, ``.exe``, a right-to-left ``…fdp.exe``) was accepted and served under its own name; a
PDF with an ``/OpenAction`` script, a 20000 x 20000 PNG and a DOCX inflating to 60+ MiB were
accepted. Each is refused here on every path that stores a file, with its message at the field,
and nothing is stored: no document row, no file on disk.

This module: the check itself (``check_upload``), its codes and messages, what passes it and
the extension it gives. Every path that stores a file, and how files are served, are in
``test_upload_safety.py``.
"""

import pytest
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import translation

from dossiers.uploads import check_upload
from signatures import pdf as signing
from tests.dossiers.upload_files import (
    HTA,
    REFUSALS,
    _stream,
    build_pdf,
    clean_pdf,
    docx,
    ids,
    image,
    object_stream_js_pdf,
    upload,
)
from tests.signatures.conftest import awaiting_signature, certificate, leader, position

__all__ = ["awaiting_signature", "certificate", "leader", "position"]  # fixtures, for pytest

pytestmark = pytest.mark.django_db


# --- The check itself ---------------------------------------------------------------------------

ENGLISH = {
    "executable": "Files ending in .%s are not accepted: they can run programs.",
    "double_extension": (
        "The file name hides the extension .exe, which can run programs; rename the file and "
        "attach it again."
    ),
    "pdf_invalid": "This file is not a valid PDF document.",
    "pdf_active_content": (
        "The PDF contains scripts, embedded files or other active content, which are not "
        "accepted; save it again with “Print to PDF” and attach the new file."
    ),
    "extension_mismatch": (
        "The file name ends in .pdf but the file is a PNG file; rename it to end in .png "
        "and attach it again."
    ),
    "image_too_large": "The image is too large: at most 50 million pixels are accepted.",
    "docx_inflates": (
        "The Word document would expand to %s when opened, which is not accepted (at most "
        "%s, and at most 100 times its compressed size)."
    ),
}


@pytest.mark.parametrize(("case", "name", "content", "code"), REFUSALS, ids=ids(REFUSALS))
def test_each_probe_file_is_refused_with_its_code_and_message(case, name, content, code):
    with translation.override("en"), pytest.raises(ValidationError) as info:
        check_upload(upload(name, content()))

    assert info.value.code == code
    expected = ENGLISH[code]
    if code == "executable":
        expected %= name.rsplit(".", 1)[-1]
    if code == "docx_inflates":
        with translation.override("en"):
            expected %= (filesizeformat(60 * 1024 * 1024), filesizeformat(50 * 1024 * 1024))
    assert info.value.messages == [expected]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("x.pdf", object_stream_js_pdf, "pdf_active_content"),
        # An object stream in an encoding the check cannot read is not taken on trust.
        (
            "x.pdf",
            lambda: object_stream_js_pdf().replace(b"/Filter /FlateDecode", b"/Filter 9 0 R"),
            "pdf_unreadable",
        ),
        (
            "x.pdf",
            lambda: build_pdf(b"/OpenAction << /S /Launch /F (cmd.exe) >>"),
            "pdf_active_content",
        ),
        (
            "x.pdf",
            lambda: build_pdf(b"/AcroForm << /Fields [] /XFA 6 0 R >>"),
            "pdf_active_content",
        ),
        ("x.pdf", lambda: clean_pdf() + HTA * 20, "pdf_invalid"),  # a script after the end
        ("x.png", lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64, "image_invalid"),
        ("x.docx", lambda: docx(("word/vbaProject.bin", b"macro")), "docx_macros"),
        (
            "x.docx",
            lambda: docx(*((f"word/p{i}.xml", b"x") for i in range(1000))),
            "docx_too_many_parts",
        ),
    ],
    ids=[
        "js-in-object-stream",
        "object-stream-unreadable",
        "launch",
        "xfa",
        "script-after-eof",
        "broken-png",
        "macros",
        "too-many-parts",
    ],
)
def test_hidden_and_other_active_content_is_refused(name, content, code):
    with pytest.raises(ValidationError) as info:
        check_upload(upload(name, content()))

    assert info.value.code == code


def test_binary_streams_holding_the_bytes_of_a_short_name_by_chance_are_accepted():
    # Three bytes "/JS" turn up in a few percent of 10 MB scans; only dictionaries count.
    noise = b"\xff\xd8\xff\x00/JS \x00" * 50 + b"/JS(x)" + b"\x01\x02"
    scan = build_pdf(b"", (_stream(noise, b"/Type /XObject /Subtype /Image /Filter /DCTDecode"),))

    assert check_upload(upload("scan.pdf", scan)).name == "scan.pdf"


def test_our_own_signed_results_pass_the_check(certificate):
    signed = signing.sign(pdf=clean_pdf(), certificate=certificate, verification_url="https://x/")

    assert check_upload(upload("ket-qua-da-ky.pdf", signed)).mime == "application/pdf"


@pytest.mark.parametrize(
    ("name", "content", "stored_as"),
    [
        ("Giấy tờ.PDF", clean_pdf, "Giấy tờ.pdf"),
        ("scan", clean_pdf, "scan.pdf"),
        ("CV 12.UBND", clean_pdf, "CV 12.UBND.pdf"),
        ("anh.jpeg", lambda: image("JPEG"), "anh.jpg"),
        ("anh.JPG", lambda: image("JPEG"), "anh.jpg"),
        ("chan-dung", lambda: image("PNG"), "chan-dung.png"),
        ("don.docx", docx, "don.docx"),
        ("C:\\Users\\An\\Desktop\\to khai.pdf", clean_pdf, "to khai.pdf"),
    ],
)
def test_the_stored_name_takes_its_extension_from_the_content(name, content, stored_as):
    assert check_upload(upload(name, content())).name == stored_as

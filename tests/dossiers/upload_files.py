"""The probe files of the upload tests (``test_upload_check.py``, ``test_upload_safety.py``):
what the outside probe sent, built in memory, with the code and message each must be refused
with, and what a refusal must leave stored.
"""

import functools
import io
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from fpdf import FPDF

from dossiers.models_documents import DossierDocument
from dossiers.uploads import check_upload

RESIDENCE = "1.004194"  # Đăng ký tạm trú: two required components
HTA = (
    b"<html><head><hta:application id=x/></head><body><script language=VBScript>\n"
    b'CreateObject("WScript.Shell").Run "calc.exe"\nwindow.close\n</script></body></html>\n'
)
PROBE = b"%PDF-1.4\n" + HTA


# --- Files ---------------------------------------------------------------------------------------


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< %s /Length %d >>\nstream\n" % (extra, len(data)) + data + b"\nendstream"


def build_pdf(catalog: bytes = b"", objects: tuple[bytes, ...] = ()) -> bytes:
    """A small well-formed PDF (objects 1-5: catalog, pages, page, content, font), with
    ``catalog`` added to the catalog's dictionary and ``objects`` numbered from 6."""
    body = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        _stream(b"BT /F1 24 Tf 72 720 Td (Giay to) Tj ET"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *objects,
    ]
    out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, content in enumerate(body, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(body) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(body) + 1, xref)
    return out


@functools.cache
def clean_pdf() -> bytes:
    """A PDF as a scanner or office program makes one (fpdf2, Vietnamese text)."""
    document = FPDF()
    document.add_page()
    document.add_font("DejaVu", fname="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    document.set_font("DejaVu", size=14)
    document.cell(text="Giấy tờ kèm theo hồ sơ")
    return bytes(document.output())


def js_pdf() -> bytes:
    return build_pdf(b"/OpenAction << /S /JavaScript /JS (app.launchURL('http://x.invalid/')) >>")


def hex_js_pdf() -> bytes:
    # The same action with its names hex-escaped: neither "/JS" nor "JavaScript" in the bytes.
    return build_pdf(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>")


def embedded_pdf() -> bytes:
    return build_pdf(
        b"/Names << /EmbeddedFiles << /Names [(giay-to.exe) 6 0 R] >> >>",
        (
            b"<< /Type /Filespec /F (giay-to.exe) /EF << /F 7 0 R >> >>",
            _stream(b"MZ\x90\x00 a program", b"/Type /EmbeddedFile"),
        ),
    )


def object_stream_js_pdf() -> bytes:
    """The script's dictionaries hidden in a compressed object stream."""
    hidden = zlib.compress(b"8 0 << /S /JavaScript /JS (app.alert(1)) >>")
    return build_pdf(
        b"/OpenAction 8 0 R",
        (_stream(hidden, b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode"),),
    )


def image(fmt: str, size=(40, 30), mode="RGB") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new(mode, size, "white" if mode == "RGB" else 0).save(buffer, fmt, optimize=True)
    return buffer.getvalue()


@functools.cache
def huge_png() -> bytes:
    """20000 x 20000 pixels (400 million) in a few tens of KB."""
    return image("PNG", (20000, 20000), "1")


CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Override PartName="/word/document.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def docx(*extra: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", b"<w:document><w:body/></w:document>")
        for name, content in extra:
            archive.writestr(name, content)
    return buffer.getvalue()


@functools.cache
def docx_bomb() -> bytes:
    """A Word document with a 60 MiB part of zeros, written in 1 MiB chunks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", b"<w:document><w:body/></w:document>")
        with archive.open("word/media/image1.bin", "w") as member:
            chunk = bytes(1024 * 1024)
            for _i in range(60):
                member.write(chunk)
    return buffer.getvalue()


# (id, client's name, content, error code). Every one of them passed the old check, which read
# only the leading bytes and kept the client's name.
PDF_REFUSALS = [
    ("probe-hta", "giay-to.pdf.hta", lambda: PROBE, "executable"),
    ("probe-as-pdf", "giay-to.pdf", lambda: PROBE, "pdf_invalid"),
    ("bat", "x.bat", clean_pdf, "executable"),
    ("pdf-exe", "tai-lieu.pdf.exe", clean_pdf, "executable"),
    ("right-to-left-exe", "giay-to\u202efdp.exe", clean_pdf, "executable"),
    ("exe-inside", "giay-to.exe.pdf", clean_pdf, "double_extension"),
    ("open-action-js", "mo-ngay.pdf", js_pdf, "pdf_active_content"),
    ("hex-escaped-js", "to-khai.pdf", hex_js_pdf, "pdf_active_content"),
    ("embedded-file", "kem-theo.pdf", embedded_pdf, "pdf_active_content"),
]
OTHER_REFUSALS = [
    ("png-named-pdf", "anh.pdf", lambda: image("PNG"), "extension_mismatch"),
    ("png-20000x20000", "anh-lon.png", huge_png, "image_too_large"),
    ("docx-bomb", "don.docx", docx_bomb, "docx_inflates"),
]
REFUSALS = PDF_REFUSALS + OTHER_REFUSALS


def ids(cases):
    return [case[0] for case in cases]


def upload(name: str, content: bytes, mime: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=mime)


def message(name: str, content: bytes, language: str = "vi") -> str:
    """What the checker says of this file (pages and API answer in Vietnamese by default)."""
    with translation.override(language), pytest.raises(ValidationError) as info:
        check_upload(upload(name, content))
    return info.value.messages[0]


def stored(settings) -> tuple[int, set[Path]]:
    """Document rows, and the files on disk."""
    root = Path(settings.MEDIA_ROOT)
    files = {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()
    return DossierDocument.objects.count(), files

"""Uploaded documents: type from the content, size limits, hash, optional ClamAV scan."""

import hashlib
import io
import socket
import struct
import threading
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from dossiers.uploads import check_upload

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def image(fmt: str) -> bytes:
    """A real image: the content is opened with Pillow, a header alone is not enough."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, fmt)
    return buffer.getvalue()


PNG = image("PNG")
JPEG = image("JPEG")


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("content", "mime"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_accepted_types_are_recognised_from_the_content(content, mime):
    checked = check_upload(SimpleUploadedFile("whatever.bin", content))

    assert checked.mime == mime
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", b"MZ\x90\x00 an executable renamed"),
        ("photo.jpg", b"<html>hi</html>"),
        ("data.docx", b"PK\x03\x04 not really a document"),
    ],
)
def test_a_misleading_name_does_not_help(name, content):
    with pytest.raises(ValidationError) as info:
        check_upload(SimpleUploadedFile(name, content))

    assert info.value.code == "type"


def test_size_limits_per_file_and_per_dossier(settings):
    settings.DOSSIER_MAX_FILE_BYTES = 100
    settings.DOSSIER_MAX_TOTAL_BYTES = 150

    with pytest.raises(ValidationError, match="at most 100"):
        check_upload(SimpleUploadedFile("a.pdf", PDF + b"x" * 100))
    with pytest.raises(ValidationError) as info:
        check_upload(SimpleUploadedFile("a.pdf", PDF), already_stored=140)
    assert info.value.code == "dossier_too_large"
    with pytest.raises(ValidationError) as empty:
        check_upload(SimpleUploadedFile("a.pdf", b""))
    assert empty.value.code == "empty"


def test_messages_are_vietnamese_by_default():
    with translation.override("vi"), pytest.raises(ValidationError) as info:
        check_upload(SimpleUploadedFile("a.pdf", b"plain text"))

    assert "Chỉ nhận" in info.value.messages[0]


class FakeClamd:
    """A clamd stand-in on 127.0.0.1 speaking INSTREAM: infected when the file holds EICAR."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received = b""
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        conn, _ = self.server.accept()
        with conn:
            assert conn.recv(10) == b"zINSTREAM\0"
            data = b""
            while True:
                (length,) = struct.unpack("!L", self._exact(conn, 4))
                if length == 0:
                    break
                data += self._exact(conn, length)
            self.received = data
            found = b"EICAR" in data
            conn.sendall(b"stream: Eicar-Signature FOUND\0" if found else b"stream: OK\0")

    @staticmethod
    def _exact(conn, n):
        out = b""
        while len(out) < n:
            out += conn.recv(n - len(out))
        return out


def test_clamd_scan_when_configured(settings):
    clean = FakeClamd()
    settings.CLAMD_ADDRESS = f"127.0.0.1:{clean.port}"
    check_upload(SimpleUploadedFile("a.pdf", PDF))
    assert clean.received == PDF

    infected = FakeClamd()
    settings.CLAMD_ADDRESS = f"127.0.0.1:{infected.port}"
    with pytest.raises(ValidationError) as info:
        check_upload(SimpleUploadedFile("a.pdf", PDF + b"EICAR"))
    assert info.value.code == "infected"


def test_unreachable_scanner_refuses_with_a_clear_message(settings):
    settings.CLAMD_ADDRESS = "127.0.0.1:1"

    with pytest.raises(ValidationError) as info:
        check_upload(SimpleUploadedFile("a.pdf", PDF))

    assert info.value.code == "scanner_unavailable"

"""Checking a citizen's or officer's uploaded document before it is stored.

The type comes from the content, never the file name: a renamed executable is refused. Each
accepted file is hashed (SHA-256) as it is read. When ``CLAMD_ADDRESS`` is configured, the
file is also scanned by ClamAV (clamd's INSTREAM command) and refused if infected.
"""

import hashlib
import socket
import struct
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

ALLOWED = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}
HEAD_BYTES = 8192
CHUNK = 64 * 1024


@dataclass(frozen=True)
class CheckedFile:
    mime: str
    extension: str
    size: int
    sha256: str


def max_file_size() -> int:
    return getattr(settings, "DOSSIER_MAX_FILE_BYTES", 10 * 1024 * 1024)


def max_dossier_size() -> int:
    return getattr(settings, "DOSSIER_MAX_TOTAL_BYTES", 50 * 1024 * 1024)


def check_upload(upload, *, already_stored: int = 0) -> CheckedFile:
    """Validate one uploaded file; raise ValidationError with a message for the person.

    ``already_stored`` is the size of the dossier's other files, for the per-dossier limit.
    """
    size = upload.size
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > max_file_size():
        raise ValidationError(
            _("The file is %(size)s; at most %(limit)s is accepted per file.")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_file_size())},
            code="too_large",
        )
    if already_stored + size > max_dossier_size():
        raise ValidationError(
            _("The dossier's files would exceed %(limit)s in all.")
            % {"limit": filesizeformat(max_dossier_size())},
            code="dossier_too_large",
        )
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED:
        raise ValidationError(
            _("Only PDF, JPEG, PNG and DOCX files are accepted; this file is not one of them."),
            code="type",
        )
    digest = hashlib.sha256(head)
    for chunk in iter(lambda: upload.read(CHUNK), b""):
        digest.update(chunk)
    upload.seek(0)
    address = getattr(settings, "CLAMD_ADDRESS", "")
    if address:
        _scan(upload, address)
        upload.seek(0)
    return CheckedFile(
        mime=kind.mime, extension=ALLOWED[kind.mime], size=size, sha256=digest.hexdigest()
    )


def _scan(upload, address: str) -> None:
    """Stream the file to clamd (host:port); refuse it if clamd finds something."""
    host, _sep, port = address.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=30) as conn:
            conn.sendall(b"zINSTREAM\0")
            for chunk in iter(lambda: upload.read(CHUNK), b""):
                conn.sendall(struct.pack("!L", len(chunk)) + chunk)
            conn.sendall(struct.pack("!L", 0))
            answer = conn.recv(4096).decode(errors="replace").strip("\0\n ")
    except OSError as exc:
        raise ValidationError(
            _("The virus scanner cannot be reached; try again in a few minutes."),
            code="scanner_unavailable",
        ) from exc
    if not answer.endswith("OK"):
        raise ValidationError(_("The file was refused by the virus scanner."), code="infected")


def store_file(document, upload) -> None:
    """Put ``upload`` in private storage under its content-addressed name (set on ``document``).

    The name is the SHA-256 of the content, so a file already stored (the same scan sent twice,
    a form every applicant attaches) is not written again.
    """
    field = document.file
    name = field.field.generate_filename(document, "upload")
    if field.storage.exists(name):
        field.name = name
    else:
        field.save("upload", upload, save=False)

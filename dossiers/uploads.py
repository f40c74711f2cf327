"""Checking a citizen's or officer's uploaded document before it is stored.

Every path that stores a file calls ``check_upload``: the citizen's submission and supplement,
the counter intake, the result and the result signed elsewhere. The type comes from the content,
never the file name, and the content is checked for what it claims to be (``portal.filecheck``:
executable names and mismatched extensions refused, PDFs with scripts or embedded files refused
rather than cleaned, image and DOCX bombs refused). The name a file is stored and served under
is ``CheckedFile.name``: the client's stem with the extension of the detected type. Each accepted
file is hashed (SHA-256) as it is read. When ``CLAMD_ADDRESS`` is configured, the file is also
scanned by ClamAV (clamd's INSTREAM command) and refused if infected.
"""

import hashlib
import socket
import struct
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from portal import filecheck

CHUNK = 64 * 1024


@dataclass(frozen=True)
class CheckedFile:
    mime: str
    extension: str
    size: int
    sha256: str
    name: str = ""  # to store and serve the file under: the extension is the detected type's


def max_file_size() -> int:
    return getattr(settings, "DOSSIER_MAX_FILE_BYTES", 10 * 1024 * 1024)


def max_dossier_size() -> int:
    return getattr(settings, "DOSSIER_MAX_TOTAL_BYTES", 50 * 1024 * 1024)


def limits() -> filecheck.Limits:
    return filecheck.Limits(
        max_image_pixels=getattr(settings, "UPLOAD_MAX_IMAGE_PIXELS", 50_000_000),
        max_inflated_bytes=getattr(settings, "UPLOAD_MAX_INFLATED_BYTES", 50 * 1024 * 1024),
        max_inflate_ratio=getattr(settings, "UPLOAD_MAX_INFLATE_RATIO", 100),
    )


def download_name(document) -> str:
    """The name a stored document is served under (older rows kept the client's name)."""
    return filecheck.download_name(document.original_name, document.extension)


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
    inspected = filecheck.inspect(upload, upload.name or "", limits=limits())
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: upload.read(CHUNK), b""):
        digest.update(chunk)
    upload.seek(0)
    address = getattr(settings, "CLAMD_ADDRESS", "")
    if address:
        _scan(upload, address)
        upload.seek(0)
    return CheckedFile(
        mime=inspected.mime,
        extension=inspected.extension,
        size=size,
        sha256=digest.hexdigest(),
        name=inspected.name,
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

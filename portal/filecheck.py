"""What an uploaded file is, from its bytes; the name it is stored and served under.

Pure checks with no models, so that any app may use them (``dossiers.uploads`` wraps them with
the size limits, the hash and the virus scan). Each refusal is a ``ValidationError`` with a code.

Names. The client's name is a claim, never trusted: a name whose last extension, or any inner
part (``giay-to.exe.pdf``), is an executable or script extension is refused; a last extension
that names another type than the content's (``.pdf`` on a PNG) is refused; a last part that is
no known extension (``scan``, ``CV 12.UBND``) stays part of the name. The stored name is the
client's stem (NFC, without control or bidirectional characters) plus the extension of the
detected type, whatever the client called it: ``Giấy tờ.PDF`` becomes ``Giấy tờ.pdf``, ``scan``
becomes ``scan.pdf``, ``anh.jpeg`` becomes ``anh.jpg``.

PDF. We refuse rather than sanitise: rewriting a PDF would change what the applicant (or the
signer) sent. Refused: a file that is no real PDF (no ``%%EOF`` in its last 1024 bytes, or no
indirect object — the probe's ``%PDF-1.4`` followed by an HTA script); names ``/JS``,
``/JavaScript``, ``/Launch`` (so ``/OpenAction`` or ``/AA`` with a script or a launch),
``/EmbeddedFile(s)``, ``/RichMedia`` and ``/XFA``, after decoding ``#xx`` escapes in names.
Dictionaries are read outside streams and inside object streams (FlateDecode, inflated within
``max_inflated_bytes``); an object stream we cannot decode (other filters, predictors,
encryption, damage) is refused as unreadable. Inside other streams (images, fonts, page content)
only the longer names are looked for: a binary stream holds the three bytes ``/JS`` by chance in
a few percent of 10 MB scans, while a script action also needs ``/S /JavaScript``.

Images are opened with Pillow: refused over ``max_image_pixels`` (Pillow's own decompression
bomb limit also applies) or when ``verify()`` fails. DOCX files are read as zip archives from
their directory only (nothing inflated): refused without ``word/document.xml``, with macros
(``vbaProject.bin``), with more than ``max_members`` parts, or when the declared sizes inflate
beyond ``max_inflated_bytes`` or ``max_inflate_ratio`` times the compressed size.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ALLOWED = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}
# The extensions a name may declare for each accepted type.
ALIASES = {
    "pdf": frozenset({"pdf"}),
    "jpg": frozenset({"jpg", "jpeg", "jpe", "jfif"}),
    "png": frozenset({"png"}),
    "docx": frozenset({"docx"}),
}


LABELS = {"pdf": "PDF", "jpg": "JPEG", "png": "PNG", "docx": "DOCX"}
PILLOW_FORMATS = {"jpg": "JPEG", "png": "PNG"}

# Programs, scripts, installers, shortcuts, and what a browser would run (html, svg).
EXECUTABLE = _words(
    """
    exe bat cmd com scr hta js jse vbs vbe vb wsf wsh ws wsc ps1 ps1xml ps2 ps2xml psc1 psc2
    psd1 psm1 msi msp mst msc msh msh1 msh2 mshxml jar jnlp lnk pif cpl reg inf ins isp sct shb
    shs scf url sys drv ocx dll gadget application appref-ms xbap chm hlp job settingcontent-ms
    library-ms search-ms appx appxbundle msix msixbundle apk dmg pkg deb rpm run elf command
    sh bash csh ksh zsh fish app desktop scpt workflow action py pyw pl rb php php3 php4 php5
    phtml asp aspx jsp cgi html htm xhtml xht shtml mht mhtml svg svgz swf xsl xslt
    docm dotm xlsm xltm xlam pptm potm ppam ppsm sldm iso img vhd vhdx
    """
)
# Extensions of other kinds of file: declaring one of them for our content is a mismatch.
OTHER_TYPES = _words(
    """
    doc dot dotx rtf odt ott txt text csv tsv xml json xls xlsx xlt xltx ods ppt pptx pps ppsx
    pot potx odp gif bmp tif tiff webp heic heif avif ico psd raw cr2 nef eps ps ai djvu xps oxps
    epub zip rar 7z gz tgz bz2 xz tar cab arj lz lzh mp3 wav ogg m4a aac flac wma mp4 m4v mov avi
    mkv wmv webm flv 3gp mpg mpeg eml msg
    """
)
KNOWN = EXECUTABLE | OTHER_TYPES | frozenset().union(*ALIASES.values())

DEFAULT_STEM = "tai-lieu"
MAX_STEM = 200
# Control, format (bidirectional overrides, zero-width) and line/paragraph separators.
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})
_RESERVED = str.maketrans({c: "_" for c in '<>:"|?*'})

PDF_TAIL = 1024
PDF_ACTIVE = frozenset(
    {"JS", "JavaScript", "Launch", "EmbeddedFile", "EmbeddedFiles", "RichMedia", "XFA"}
)
# In stream data (binary) only names too long to occur by chance.
PDF_ACTIVE_IN_STREAMS = PDF_ACTIVE - {"JS"}
PDF_FILTERS = _words(
    """
    ASCIIHexDecode AHx ASCII85Decode A85 LZWDecode LZW FlateDecode Fl RunLengthDecode RL
    CCITTFaxDecode CCF JBIG2Decode DCTDecode DCT JPXDecode Crypt
    """
)
# The keys of a stream's dictionary that say how to read it as an object stream.
STREAM_KEYS = PDF_FILTERS | {
    "ObjStm",
    "First",
    "Filter",
    "DecodeParms",
    "DP",
    "F",
    "FFilter",
    "FDecodeParms",
}
_WS = rb"[\x00\t\n\x0c\r ]"
_DELIMITED = rb"\x00\t\n\x0c\r ()<>\[\]{}/%"  # whitespace and delimiters end a name
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
# An indirect object's header, "12 0 obj", as a pattern: the reference (the tests compare). The
# scans below find the same headers from the literal keyword, in linear time, without trying a
# pattern at every byte (one that starts with a look-behind is tried at each position of a scan).
_OBJ = re.compile(rb"(?<![0-9])[0-9]+" + _WS + rb"+[0-9]+" + _WS + rb"+obj(?![A-Za-z])")
_WS_BYTES = frozenset(b"\x00\t\n\x0c\r ")
_DIGITS = frozenset(b"0123456789")
_LETTERS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_DELIMITERS = frozenset(b"\x00\t\n\x0c\r ()<>[]{}/%")
_HEADER_RUNS = (_WS_BYTES, _DIGITS, _WS_BYTES, _DIGITS)  # read backwards from "obj"


def _object_at(data: bytes, at: int, start: int, end: int) -> bool:
    """Whether the "obj" at ``at`` ends an object header within ``data[start:end]``: not followed
    by a letter, and preceded by whitespace, digits, whitespace and digits. The classes are
    disjoint, so each run is the longest one (and the digits' start is a number's start)."""
    after = at + 3
    if after < end and data[after] in _LETTERS:
        return False
    i = at
    for run in _HEADER_RUNS:
        j = i
        while j > start and data[j - 1] in run:
            j -= 1
        if j == i:
            return False
        i = j
    return True


def _has_object(data: bytes) -> bool:
    at = data.find(b"obj")
    while at >= 0:
        if _object_at(data, at, 0, len(data)):
            return True
        at = data.find(b"obj", at + 3)
    return False


def _last_object_end(data: bytes, start: int, end: int) -> int | None:
    """Where the last object header of ``data[start:end]`` ends (None: there is none)."""
    at = data.rfind(b"obj", start, end)
    while at >= 0:
        if _object_at(data, at, start, end):
            return at + 3
        at = data.rfind(b"obj", start, at)
    return None


def _stream_keyword(data: bytes, position: int) -> tuple[int, int] | None:
    """The next "stream" keyword as a whole token ("endstream" is not it): its start and end;
    its data starts on the next line."""
    at = data.find(b"stream", position)
    while at >= 0:
        after = at + 6
        if (at == 0 or data[at - 1] in _DELIMITERS) and (
            after == len(data) or data[after] in _DELIMITERS
        ):
            return at, after
        at = data.find(b"stream", at + 1)
    return None


_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\n|\r)")
_ENDSTREAM = b"endstream"


@dataclass(frozen=True)
class Limits:
    max_image_pixels: int = 50_000_000
    max_inflated_bytes: int = 50 * 1024 * 1024
    max_inflate_ratio: int = 100
    max_members: int = 1000


@dataclass(frozen=True)
class Inspected:
    mime: str
    extension: str
    name: str


def inspect(fileobj, name: str, *, limits: Limits = Limits()) -> Inspected:
    """Check ``fileobj`` (seekable, binary) sent under ``name``; the type, and the stored name.

    Read in full for PDFs (the caller bounds the size); images and DOCX are read by Pillow and
    zipfile. The position is left at the start.
    """
    clean = clean_name(name)
    refuse_executable_name(clean)
    fileobj.seek(0)
    head = fileobj.read(8192)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED:
        raise ValidationError(
            _("Only PDF, JPEG, PNG and DOCX files are accepted; this file is not one of them."),
            code="type",
        )
    extension = ALLOWED[kind.mime]
    stem, declared = split_extension(clean)
    if declared is not None and declared not in ALIASES[extension]:
        raise ValidationError(
            _(
                "The file name ends in .%(declared)s but the file is a %(kind)s file; "
                "rename it to end in .%(extension)s and attach it again."
            )
            % {"declared": declared, "kind": LABELS[extension], "extension": extension},
            code="extension_mismatch",
        )
    fileobj.seek(0)
    if extension == "pdf":
        check_pdf(fileobj.read(), limits=limits)
    elif extension == "docx":
        check_docx(fileobj, limits=limits)
    else:
        check_image(fileobj, PILLOW_FORMATS[extension], limits=limits)
    fileobj.seek(0)
    return Inspected(mime=kind.mime, extension=extension, name=f"{stem}.{extension}")


# --- Names --------------------------------------------------------------------------------------


def clean_name(name: str) -> str:
    """The last path segment, NFC, without invisible characters, reserved characters replaced,
    and without the leading or trailing dots and spaces Windows would drop."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in _INVISIBLE)
    name = re.sub(r"\s+", " ", name.translate(_RESERVED))
    return name.strip(" .")


def _parts(name: str) -> list[str]:
    return [part.strip().lower() for part in name.split(".")]


def refuse_executable_name(name: str) -> None:
    """Refuse a (clean) name whose last extension or any inner part is an executable one."""
    parts = _parts(name)
    if len(parts) < 2:
        return
    if parts[-1] in EXECUTABLE:
        raise ValidationError(
            _("Files ending in .%(extension)s are not accepted: they can run programs.")
            % {"extension": parts[-1]},
            code="executable",
        )
    hidden = next((part for part in parts[1:-1] if part in EXECUTABLE), None)
    if hidden is not None:
        raise ValidationError(
            _(
                "The file name hides the extension .%(extension)s, which can run programs; "
                "rename the file and attach it again."
            )
            % {"extension": hidden},
            code="double_extension",
        )


def split_extension(name: str) -> tuple[str, str | None]:
    """(stem, declared extension) of a clean name; a last part that is no known extension is
    part of the stem."""
    stem, dot, last = name.rpartition(".")
    last = last.strip().lower()
    if dot and stem.strip(" .") and last in KNOWN:
        return _stem(stem), last
    return _stem(name), None


def _stem(stem: str) -> str:
    stem = stem.strip(" .")[:MAX_STEM].strip(" .")
    return stem or DEFAULT_STEM


def download_name(name: str, extension: str) -> str:
    """The name to serve a stored file under: its stem and the extension of its type.

    For rows stored before names were checked, known extensions are dropped from the end
    (``giay-to.pdf.hta`` served as ``giay-to.pdf``)."""
    clean = clean_name(name)
    if not extension:
        return clean or DEFAULT_STEM
    for _i in range(3):
        stem, declared = split_extension(clean)
        if declared is None:
            break
        clean = stem
    return f"{_stem(clean)}.{extension}"


# --- PDF ----------------------------------------------------------------------------------------


@functools.cache
def _finder(wanted: frozenset[str]) -> re.Pattern:
    """Names in ``wanted`` as whole tokens, or any name with a ``#xx`` escape (decoded later)."""
    exact = b"|".join(re.escape(name.encode()) for name in sorted(wanted, key=len, reverse=True))
    regular = rb"[^" + _DELIMITED + rb"]"
    return re.compile(
        rb"/(?:(" + exact + rb")|(" + regular + rb"*#" + regular + rb"*))(?!" + regular + rb")"
    )


def _names(chunk, wanted: frozenset[str]) -> set[str]:
    """Which of the names in ``wanted`` occur in ``chunk`` (after decoding ``#xx`` escapes)."""
    found = set()
    for match in _finder(wanted).finditer(chunk):
        if match.group(1) is not None:
            found.add(match.group(1).decode("latin-1"))
            continue
        name = _HEX.sub(lambda h: bytes([int(h.group(1), 16)]), match.group(2))
        if name.decode("latin-1") in wanted:
            found.add(name.decode("latin-1"))
    return found


def _active(found: set[str]) -> None:
    if found:
        raise ValidationError(
            _(
                "The PDF contains scripts, embedded files or other active content, which are not "
                "accepted; save it again with “Print to PDF” and attach the new file."
            ),
            code="pdf_active_content",
            params={"names": ", ".join(sorted(found))},
        )


def _unreadable() -> ValidationError:
    return ValidationError(
        _(
            "Part of this PDF cannot be checked (it is damaged, encrypted or unusually encoded); "
            "save it again with “Print to PDF” and attach the new file."
        ),
        code="pdf_unreadable",
    )


def check_pdf(data: bytes, *, limits: Limits = Limits()) -> None:
    """Refuse a PDF that is not one, or that holds active content (see the module docstring)."""
    if b"%%EOF" not in data[-PDF_TAIL:] or not _has_object(data):
        raise ValidationError(_("This file is not a valid PDF document."), code="pdf_invalid")
    _active(_names(data, PDF_ACTIVE_IN_STREAMS))
    budget = limits.max_inflated_bytes
    position = 0
    while True:
        keyword = _stream_keyword(data, position)
        stop = keyword[0] if keyword else len(data)
        outside = data[position:stop]
        _active(_names(outside, PDF_ACTIVE))
        if keyword is None:
            return
        line = _LINE.match(data, keyword[1])
        body = line.end() if line else len(data)
        # The last object header before the keyword opens this stream.
        opened = _last_object_end(data, position, stop)
        header = _names(
            outside[opened - position :] if opened is not None else outside, STREAM_KEYS
        )
        if "ObjStm" in header or "First" in header:  # an object stream: dictionaries inside
            body, content = _object_stream(data, body, header, budget)
            budget -= len(content)
            _active(_names(content, PDF_ACTIVE))
        end = data.find(_ENDSTREAM, body)
        if end < 0:
            return
        position = end + len(_ENDSTREAM)


def _object_stream(data: bytes, body: int, header: set[str], budget: int) -> tuple[int, bytes]:
    """(where the stream's data ends, its decoded content); unreadable unless plain or Flate."""
    filters = header & PDF_FILTERS
    if (
        filters - {"FlateDecode", "Fl"}
        or header & {"DecodeParms", "DP", "F", "FFilter", "FDecodeParms"}
        or ("Filter" in header and not filters)
    ):
        raise _unreadable()
    end = data.find(_ENDSTREAM, body)
    end = end if end >= 0 else len(data)
    if not filters:
        return body, data[body:end]
    inflater = zlib.decompressobj()
    try:
        content = inflater.decompress(memoryview(data)[body:end], budget + 1)
    except zlib.error as exc:
        raise _unreadable() from exc
    # Cut short (an "endstream" inside the data) or too large: not read in full, not trusted.
    if len(content) > budget or not inflater.eof:
        raise _unreadable()
    return body, content


# --- Images -------------------------------------------------------------------------------------


def check_image(fileobj, pillow_format: str, *, limits: Limits = Limits()) -> None:
    """Refuse an image over the pixel limit, or one Pillow cannot read as ``pillow_format``."""
    from PIL import Image

    too_large = ValidationError(
        _("The image is too large: at most %(limit)s million pixels are accepted.")
        % {"limit": f"{limits.max_image_pixels / 1_000_000:g}"},
        code="image_too_large",
    )
    fileobj.seek(0)
    try:
        with Image.open(fileobj) as image:
            width, height = image.size
            if width * height > limits.max_image_pixels:
                raise too_large
            if image.format != pillow_format:
                raise ValueError(image.format)
            image.verify()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_large from exc
    except Exception as exc:  # Pillow raises many kinds (OSError, SyntaxError, struct.error…)
        raise ValidationError(
            _("This image is damaged or cannot be read."), code="image_invalid"
        ) from exc


# --- DOCX ---------------------------------------------------------------------------------------


def check_docx(fileobj, *, limits: Limits = Limits()) -> None:
    """Refuse a DOCX that is no Word document, holds macros, or would inflate too far."""
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _not_docx() from exc
    if len(members) > limits.max_members:
        raise ValidationError(
            _("The Word document has %(count)s parts; at most %(limit)s are accepted.")
            % {"count": len(members), "limit": limits.max_members},
            code="docx_too_many_parts",
        )
    names = {member.filename.lower() for member in members}
    if "word/document.xml" not in names:
        raise _not_docx()
    if any(name.rsplit("/", 1)[-1] == "vbaproject.bin" for name in names):
        raise ValidationError(
            _(
                "Word documents with macros are not accepted; save it as a Word document "
                "without macros (.docx) and attach it again."
            ),
            code="docx_macros",
        )
    inflated = sum(member.file_size for member in members)
    compressed = sum(member.compress_size for member in members)
    if inflated > limits.max_inflated_bytes or inflated > limits.max_inflate_ratio * max(
        compressed, 1
    ):
        raise ValidationError(
            _(
                "The Word document would expand to %(size)s when opened, which is not accepted "
                "(at most %(limit)s, and at most %(ratio)s times its compressed size)."
            )
            % {
                "size": filesizeformat(inflated),
                "limit": filesizeformat(limits.max_inflated_bytes),
                "ratio": limits.max_inflate_ratio,
            },
            code="docx_inflates",
        )


def _not_docx() -> ValidationError:
    return ValidationError(_("This file is not a valid Word (DOCX) document."), code="docx_invalid")

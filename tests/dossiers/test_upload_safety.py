"""Uploads are checked by what they are, and stored and served as what they are.

The outside probe's findings: an HTA script behind ``%PDF-1.4`` named ``giay-to.pdf.hta`` (and
``.bat``, ``.exe``, a right-to-left ``…fdp.exe``) was accepted and served under its own name; a
PDF with an ``/OpenAction`` script, a 20000 x 20000 PNG and a DOCX inflating to 60+ MiB were
accepted. Each is refused here on every path that stores a file, with its message at the field,
and nothing is stored: no document row, no file on disk.
"""

import functools
import io
import zipfile
import zlib
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from fpdf import FPDF
from rest_framework.test import APIClient

from dossiers import lifecycle
from dossiers.models import Channel, Dossier, Status, Step
from dossiers.models_documents import DocumentKind, DossierDocument, DossierDraft
from dossiers.uploads import check_upload, store_file
from procedures.models import Procedure
from signatures import pdf as signing
from signatures.models import SignedResult
from tests.dossiers.conftest import HOME
from tests.factories.dossiers import BIRTH, as_user, receiver_of, staff_of
from tests.signatures.conftest import awaiting_signature, certificate, leader, position
from units.models import Role

__all__ = ["awaiting_signature", "certificate", "leader", "position"]  # fixtures, for pytest

pytestmark = pytest.mark.django_db

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


# --- Every path that stores a file ---------------------------------------------------------------


@pytest.fixture
def birth_components(demo):
    case = Procedure.objects.get(code=BIRTH).current_version.cases.first()
    return [c for c in case.components.all() if c.originals or c.copies]


def typed(**extra) -> dict:
    return {
        "applicant_name": "Nguyễn Văn An",
        "applicant_id_number": "068190000123",
        "applicant_phone": "0912345678",
        "applicant_email": "an@example.com",
        "applicant_address": "12 Nguyễn Đình Chiểu",
        "applicant_province": "68",
        "applicant_commune": "22918",
        "reception_agency": "",
        "result_delivery": "online",
        **extra,
    }


@pytest.mark.parametrize(("case", "name", "content", "code"), REFUSALS, ids=ids(REFUSALS))
def test_submission_page_refuses_at_the_field_and_stores_nothing(
    case, name, content, code, client, applicant, birth_components, settings
):
    client.force_login(applicant)
    component = birth_components[0]
    before = stored(settings)

    response = client.post(
        _submit_url(BIRTH),
        {**typed(), f"file-{component.pk}": upload(name, content()), "action": "submit"},
    )

    assert response.status_code == 200
    rows = {r["component"].pk: r for r in response.context["document_cases"][0]["components"]}
    assert rows[component.pk]["errors"] == [message(name, content())]
    assert rows[component.pk]["document"] is None
    assert f'id="file-{component.pk}_error"' in response.content.decode()
    assert not Dossier.objects.filter(applicant=applicant).exists()
    assert stored(settings) == before


def _submit_url(code: str) -> str:
    from django.urls import reverse

    return reverse("dossiers:submit", args=[code])


def test_a_refused_file_keeps_what_was_typed_and_the_other_files(client, applicant, settings):
    client.force_login(applicant)
    case = Procedure.objects.get(code=RESIDENCE).current_version.cases.first()
    first, second, *_others = [c for c in case.components.all() if c.originals or c.copies]
    client.post(
        _submit_url(RESIDENCE),
        {**typed(), f"file-{first.pk}": upload("ban-khai.pdf", clean_pdf()), "action": "save"},
    )

    response = client.post(
        _submit_url(RESIDENCE),
        {
            **typed(applicant_address="34 Trần Phú"),
            f"file-{first.pk}": upload("giay-to.pdf.hta", PROBE),
            f"file-{second.pk}": upload("Giấy tờ chỗ ở.PDF", clean_pdf()),
            "action": "submit",
        },
    )

    assert response.status_code == 200
    rows = {r["component"].pk: r for r in response.context["document_cases"][0]["components"]}
    assert rows[first.pk]["errors"] == [message("giay-to.pdf.hta", PROBE)]
    assert rows[first.pk]["document"].original_name == "ban-khai.pdf"  # the earlier file stays
    assert rows[second.pk]["document"].original_name == "Giấy tờ chỗ ở.pdf"
    page = response.content.decode()
    assert 'value="34 Trần Phú"' in page and 'value="an@example.com"' in page
    draft = DossierDraft.objects.get(applicant=applicant)
    assert draft.data["applicant_address"] == "34 Trần Phú"
    assert sorted(draft.documents.values_list("original_name", flat=True)) == [
        "Giấy tờ chỗ ở.pdf",
        "ban-khai.pdf",
    ]
    assert not Dossier.objects.filter(applicant=applicant).exists()


@pytest.fixture
def citizen_api(applicant):
    client = APIClient()
    client.force_authenticate(applicant)
    return client


@pytest.mark.parametrize(("case", "name", "content", "code"), REFUSALS, ids=ids(REFUSALS))
def test_submission_api_refuses_naming_the_file_and_stores_nothing(
    case, name, content, code, citizen_api, applicant, birth_components, settings
):
    component = birth_components[0]
    before = stored(settings)

    response = citizen_api.post(
        "/api/v1/dossiers/",
        {
            "procedure": BIRTH,
            "applicant_commune": "22918",
            "applicant_phone": "0912345678",
            "result_delivery": "counter",
            f"component_{component.pk}": upload(name, content()),
        },
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json() == {"file": [message(name, content())]}
    assert not Dossier.objects.filter(applicant=applicant).exists()
    assert stored(settings) == before


@pytest.fixture
def awaiting_supplement(submitted):
    officer = receiver_of(submitted)
    received = lifecycle.receive(dossier=submitted, actor=officer)
    lifecycle.request_supplement(dossier=received, actor=officer, reason="Thiếu bản sao CCCD")
    return received


@pytest.mark.parametrize(("case", "name", "content", "code"), REFUSALS, ids=ids(REFUSALS))
def test_a_supplement_refuses_and_stores_nothing(
    case, name, content, code, citizen_api, awaiting_supplement, settings
):
    before = stored(settings)

    response = citizen_api.post(
        f"/api/v1/dossiers/{awaiting_supplement.code}/supplement/",
        {"file": upload(name, content()), "note": "Gửi bổ sung"},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json() == {"file": [message(name, content())]}
    assert Dossier.objects.get(pk=awaiting_supplement.pk).status == Status.SUPPLEMENT_REQUESTED
    assert stored(settings) == before


def intake_form(component, file) -> dict:
    case = component.case
    return {
        "procedure": BIRTH,
        "reception_agency": HOME,
        "case": str(case.pk),
        "applicant_name": "Trần Thị Bình",
        "applicant_id_number": "068190000123",
        "applicant_phone": "0987654321",
        "applicant_email": "",
        "applicant_address": "15 Nguyễn Đình Chiểu",
        "applicant_commune": "22918",
        "result_delivery": "counter",
        f"file-{component.pk}": file,
    }


@pytest.mark.parametrize(("case", "name", "content", "code"), REFUSALS, ids=ids(REFUSALS))
def test_counter_intake_refuses_at_the_field_keeps_the_typing_and_stores_nothing(
    case, name, content, code, home, birth_components, settings
):
    settings.STAFF_OTP_REQUIRED = False
    component = birth_components[0]
    client = as_user(staff_of(home, Role.RECEIVER))
    before = stored(settings)

    response = client.post("/office/intake/", intake_form(component, upload(name, content())))

    assert response.status_code == 400
    assert response.context["form"].file_errors[component.pk] == [message(name, content())]
    html = response.content.decode()
    assert f'id="file-{component.pk}_error"' in html and 'value="Trần Thị Bình"' in html
    assert not Dossier.objects.filter(channel=Channel.DIRECT).exists()
    assert stored(settings) == before


@pytest.fixture
def at_signature(submitted):
    leader_user = staff_of(submitted.agency, Role.LEADER)
    dossier = lifecycle.receive(dossier=submitted, actor=receiver_of(submitted))
    dossier = lifecycle.forward(dossier=dossier, actor=receiver_of(submitted))
    while dossier.step != Step.LEADER:
        dossier = lifecycle.forward(
            dossier=dossier, actor=staff_of(dossier.agency, Role(dossier.step))
        )
    return lifecycle.approve(dossier=dossier, actor=leader_user), leader_user


@pytest.mark.parametrize(("case", "name", "content", "code"), PDF_REFUSALS, ids=ids(PDF_REFUSALS))
def test_a_result_upload_refuses_and_stores_nothing(
    case, name, content, code, at_signature, settings
):
    dossier, leader_user = at_signature
    api = APIClient()
    api.force_authenticate(leader_user)
    before = stored(settings)

    response = api.post(
        f"/api/v1/dossiers/{dossier.code}/attach-result/",
        {"file": upload(name, content())},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json() == {"file": [message(name, content())]}
    assert not dossier.documents.filter(kind=DocumentKind.RESULT).exists()
    assert stored(settings) == before


# Results signed elsewhere: each is a real signature of the leader (the old check let them in).
SIGNED_REFUSALS = [
    (case, name, make, code)
    for case, name, make, code in PDF_REFUSALS
    if case not in ("probe-hta", "probe-as-pdf")
] + [("signed-named-hta", "giay-to.pdf.hta", clean_pdf, "executable")]


@pytest.mark.parametrize(
    ("case", "name", "content", "code"), SIGNED_REFUSALS, ids=ids(SIGNED_REFUSALS)
)
def test_a_result_signed_elsewhere_is_refused_and_nothing_is_stored(
    case, name, content, code, awaiting_signature, leader, certificate, settings
):
    signed = signing.sign(pdf=content(), certificate=certificate, verification_url="https://x/")
    api = APIClient()
    api.force_authenticate(leader)
    before = stored(settings)

    response = api.post(
        f"/api/v1/dossiers/{awaiting_signature.code}/sign-external/",
        {"file": upload(name, signed)},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json() == {"file": [message(name, signed)]}
    assert Dossier.objects.get(pk=awaiting_signature.pk).status == Status.IN_PROCESSING
    assert not SignedResult.objects.exists()
    assert stored(settings) == before


def test_the_signed_file_field_of_the_work_page_names_the_refusal(
    awaiting_signature, leader, certificate, settings
):
    settings.STAFF_OTP_REQUIRED = False
    signed = signing.sign(pdf=js_pdf(), certificate=certificate, verification_url="https://x/")
    dossier = Dossier.objects.get(pk=awaiting_signature.pk)
    before = stored(settings)

    response = as_user(leader).post(
        f"/office/dossiers/{dossier.code}/act/issue_result/",
        {"revision": dossier.revision, "signed_file": upload("ket-qua.pdf", signed)},
    )

    assert response.status_code == 409
    form = next(f for f in response.context["forms"] if f.action == "issue_result")
    assert form.errors["signed_file"] == [message("ket-qua.pdf", signed)]
    assert stored(settings) == before


# --- Stored and served as what they are ----------------------------------------------------------


def disposition_name(response) -> str:
    header = response["Content-Disposition"]
    assert header.startswith("attachment; ")
    if "filename*=utf-8''" in header:
        return unquote(header.split("filename*=utf-8''", 1)[1])
    return header.split('filename="', 1)[1].rstrip('"')


def test_a_pdf_named_in_capitals_is_stored_and_served_as_pdf(client, applicant, birth_components):
    client.force_login(applicant)
    component, *others = birth_components

    response = client.post(
        _submit_url(BIRTH),
        {
            **typed(),
            **{f"file-{c.pk}": upload("khac.pdf", clean_pdf()) for c in others},
            f"file-{component.pk}": upload("Giấy tờ.PDF", clean_pdf()),
            "action": "submit",
        },
    )

    assert response.status_code == 302
    dossier = Dossier.objects.get(applicant=applicant)
    document = dossier.documents.get(component=component)
    assert (document.original_name, document.extension) == ("Giấy tờ.pdf", "pdf")
    mine = client.get(f"/my/dossiers/{dossier.code}/documents/{document.pk}/")
    assert disposition_name(mine) == "Giấy tờ.pdf"
    assert b"".join(mine.streaming_content) == clean_pdf()


@pytest.mark.parametrize(
    ("name", "content", "served_as"),
    [("scan", clean_pdf, "scan.pdf"), ("anh.jpeg", lambda: image("JPEG"), "anh.jpg")],
)
def test_the_officer_downloads_under_the_detected_extension(
    name, content, served_as, citizen_api, birth_components, settings
):
    settings.STAFF_OTP_REQUIRED = False
    component, *others = birth_components
    created = citizen_api.post(
        "/api/v1/dossiers/",
        {
            "procedure": BIRTH,
            "applicant_commune": "22918",
            "applicant_phone": "0912345678",
            "result_delivery": "counter",
            **{f"component_{c.pk}": upload("khac.pdf", clean_pdf()) for c in others},
            f"component_{component.pk}": upload(name, content(), "application/octet-stream"),
        },
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    dossier = Dossier.objects.get(code=created.json()["code"])
    document = dossier.documents.get(component=component)

    response = as_user(receiver_of(dossier)).get(
        f"/office/dossiers/{dossier.code}/documents/{document.pk}/"
    )

    assert document.original_name == served_as
    assert disposition_name(response) == served_as
    assert response["Content-Type"] == document.mime


def test_a_document_stored_before_the_checks_is_served_under_its_types_extension(
    submitted, settings
):
    settings.STAFF_OTP_REQUIRED = False
    document = DossierDocument(
        dossier=submitted,
        original_name="giay-to.pdf.hta",
        mime="application/pdf",
        extension="pdf",
        size=len(clean_pdf()),
        sha256="0" * 64,
    )
    store_file(document, SimpleUploadedFile("x", clean_pdf()))
    document.save()

    response = as_user(receiver_of(submitted)).get(
        f"/office/dossiers/{submitted.code}/documents/{document.pk}/"
    )

    assert disposition_name(response) == "giay-to.pdf"

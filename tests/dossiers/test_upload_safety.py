"""Uploads are checked by what they are, and stored and served as what they are.

The outside probe's findings: an HTA script behind ``%PDF-1.4`` named ``giay-to.pdf.hta`` (and
``.bat``, ``.exe``, a right-to-left ``…fdp.exe``) was accepted and served under its own name; a
PDF with an ``/OpenAction`` script, a 20000 x 20000 PNG and a DOCX inflating to 60+ MiB were
accepted. Each is refused here on every path that stores a file, with its message at the field,
and nothing is stored: no document row, no file on disk.

This module: every path that stores a file, and how files are stored and served. The check
itself is in ``test_upload_check.py``, the probe files in ``upload_files.py``.
"""

from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from dossiers import lifecycle
from dossiers.models import Channel, Dossier, Status, Step
from dossiers.models_documents import DocumentKind, DossierDocument, DossierDraft
from dossiers.uploads import store_file
from procedures.models import Procedure
from signatures import pdf as signing
from signatures.models import SignedResult
from tests.dossiers.conftest import HOME
from tests.dossiers.upload_files import (
    PDF_REFUSALS,
    PROBE,
    REFUSALS,
    RESIDENCE,
    clean_pdf,
    ids,
    image,
    js_pdf,
    message,
    stored,
    upload,
)
from tests.factories.dossiers import BIRTH, as_user, receiver_of, staff_of
from tests.signatures.conftest import awaiting_signature, certificate, leader, position
from units.models import Role

__all__ = ["awaiting_signature", "certificate", "leader", "position"]  # fixtures, for pytest

pytestmark = pytest.mark.django_db


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

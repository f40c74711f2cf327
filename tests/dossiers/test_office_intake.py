"""The officers' counter intake: a walk-in dossier registered and received at the desk.

Django's test client against the demo (real units, catalogue, agencies and staff), in
Vietnamese as the portal answers by default, at the committee of Phường Mũi Né
(229.18.01.H68) and the other demo commune of Lâm Đồng.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers.models import Channel, Dossier, Status
from dossiers.models_documents import DocumentKind
from procedures.models import Procedure
from tests.dossiers.conftest import HOME, pdf
from tests.dossiers.office_helpers import (
    EXE,
    _no_second_factor,  # noqa: F401 (autouse)
)
from tests.factories.dossiers import BIRTH, as_user, staff_of
from tests.factories.units import MembershipFactory
from units.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


# --- Counter intake ----------------------------------------------------------------------------


def intake_data(**extra) -> dict:
    version = Procedure.objects.get(code=BIRTH).current_version
    case = version.cases.first()
    files = {
        f"file-{c.pk}": pdf("to-khai-quet.pdf")
        for c in case.components.all()
        if c.originals or c.copies
    }
    return {
        "procedure": BIRTH,
        "reception_agency": HOME,
        "case": str(case.pk),
        "applicant_name": "Nguyễn Văn An",
        "applicant_id_number": "068190000123",
        "applicant_phone": "0912345678",
        "applicant_email": "",
        "applicant_address": "15 Nguyễn Đình Chiểu",
        "applicant_commune": "22918",
        "result_delivery": "counter",
        **files,
        **extra,
    }


def test_counter_intake_registers_and_receives_a_walk_in_dossier(home, applicant):
    receiver = staff_of(home, Role.RECEIVER)
    client = as_user(receiver)

    search = client.get("/office/intake/", {"q": "khai sinh"}, HTTP_HX_REQUEST="true")
    assert BIRTH in [p.code for p in search.context["results"]]
    assert "<html" not in search.content.decode()
    blank = client.get("/office/intake/", {"procedure": BIRTH})
    assert blank.status_code == 200
    assert blank.context["form"]["applicant_commune"].value() == "22918"

    response = client.post("/office/intake/", intake_data())

    dossier = Dossier.objects.get(channel=Channel.DIRECT, applicant_id_number="068190000123")
    assert response.status_code == 302
    assert response["Location"] == f"/office/dossiers/{dossier.code}/"
    assert (dossier.status, dossier.applicant, dossier.reception_agency) == (
        Status.RECEIVED,
        applicant,
        home,
    )
    assert dossier.code.startswith(f"{HOME}-")
    assert dossier.documents.count() == 2  # the declaration and the birth certificate
    document = dossier.documents.order_by("pk").first()
    assert (document.kind, document.is_digitised, document.uploaded_by) == (
        DocumentKind.SUBMITTED,
        True,
        receiver,
    )
    received = dossier.events.get(new_status=Status.RECEIVED)
    assert received.actor == receiver and received.data["documents"][0][1:] == [1, 0]
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="receipt-link"' in page
    # The citizen finds it among their dossiers.
    assert as_user(applicant).get(f"/my/dossiers/{dossier.code}/").status_code == 200


def test_counter_intake_refuses_a_renamed_executable_and_keeps_what_was_typed(home):
    client = as_user(staff_of(home, Role.RECEIVER))
    data = intake_data()
    field = next(name for name in data if name.startswith("file-"))
    data[field] = SimpleUploadedFile("to-khai.pdf", EXE, content_type="application/pdf")
    before = Dossier.objects.count()

    response = client.post("/office/intake/", data)

    html = response.content.decode()
    assert response.status_code == 400 and Dossier.objects.count() == before
    assert "Chỉ nhận tệp PDF, JPEG, PNG và DOCX" in html
    assert f'id="{field}_error"' in html and 'aria-invalid="true"' in html
    assert 'value="Nguyễn Văn An"' in html and 'value="15 Nguyễn Đình Chiểu"' in html
    assert 'value="0912345678"' in html


def test_an_officer_receiving_for_two_agencies_chooses_where(home, elsewhere):
    receiver = staff_of(home, Role.RECEIVER)
    MembershipFactory(user=receiver, agency=elsewhere, role=Role.RECEIVER)
    client = as_user(receiver)

    page = client.get("/office/intake/", {"procedure": BIRTH})
    done = client.post("/office/intake/", intake_data(reception_agency=elsewhere.identifier))

    choices = dict(page.context["form"].fields["reception_agency"].choices)
    assert set(choices) == {HOME, elsewhere.identifier}
    assert '<select name="reception_agency"' in page.content.decode()
    dossier = Dossier.objects.get(channel=Channel.DIRECT)
    assert done.status_code == 302 and dossier.reception_agency == elsewhere
    assert dossier.code.startswith(f"{elsewhere.identifier}-")
    assert dossier.agency == home  # the applicant lives in Mũi Né: Mũi Né settles it


def test_counter_intake_checks_the_cccd_and_is_for_receivers_only(home):
    client = as_user(staff_of(home, Role.RECEIVER))

    wrong = client.post("/office/intake/", intake_data(applicant_id_number="12345"))

    assert wrong.status_code == 400
    assert wrong.context["form"].errors["applicant_id_number"] == [
        "Số căn cước công dân (CCCD) gồm đúng 12 chữ số."
    ]
    assert as_user(staff_of(home, Role.SPECIALIST)).get("/office/intake/").status_code == 403

"""Supplement requests (form 02): the clock stops until the applicant answers with documents."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dossiers import lifecycle
from dossiers.calendar import calendar_for
from dossiers.errors import NotPermitted, SubmissionInvalid, TransitionNotAllowed
from dossiers.models import Dossier, DossierEvent, Status
from dossiers.models_documents import DocumentKind, SupplementRequest
from tests.dossiers.conftest import pdf
from tests.factories.dossiers import receiver_of

pytestmark = pytest.mark.django_db
ZONE = timezone.get_default_timezone()


def _at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(tzinfo=ZONE)


@pytest.fixture
def officer(submitted):
    return receiver_of(submitted)


@pytest.fixture
def received(submitted, officer):
    # Monday 2 November 2026, 09:00: the appointment is counted in working days from here.
    return lifecycle.receive(dossier=submitted, actor=officer, received_at=_at("2026-11-02"))


def test_request_pauses_and_the_supplement_moves_the_appointment(received, officer, applicant):
    appointment = received.appointment_at
    request = lifecycle.request_supplement(
        dossier=received,
        actor=officer,
        reason="Thiếu bản sao CCCD",
        items=["Bản sao CCCD"],
        at=_at("2026-11-03", 10),  # Tuesday
    )
    assert Dossier.objects.get(pk=received.pk).status == Status.SUPPLEMENT_REQUESTED
    assert request.old_appointment == appointment and request.previous_status == Status.RECEIVED

    dossier = lifecycle.supplement(
        dossier=received,
        actor=applicant,
        files=[(None, pdf("cccd.pdf"))],
        note="Đã bổ sung",
        at=_at("2026-11-05", 14),  # Thursday: two working days later
    )

    request.refresh_from_db()
    calendar = calendar_for(dt.date(2026, 11, 1))
    expected_day = calendar.add_working_days(timezone.localtime(appointment).date(), 2)
    assert dossier.status == Status.RECEIVED
    assert timezone.localtime(dossier.appointment_at).date() == expected_day
    assert request.supplied_at is not None and request.new_appointment == dossier.appointment_at
    assert request.old_appointment == appointment
    document = dossier.documents.get(kind=DocumentKind.SUPPLEMENT)
    assert document.supplement == request and document.original_name == "cccd.pdf"
    statuses = list(dossier.events.values_list("new_status", flat=True))
    assert statuses[-2:] == [Status.SUPPLEMENT_REQUESTED, Status.RECEIVED]


def test_a_request_before_reception_goes_back_to_awaiting_reception(submitted, officer, applicant):
    lifecycle.request_supplement(dossier=submitted, actor=officer, reason="Ảnh mờ")

    dossier = lifecycle.supplement(dossier=submitted, actor=applicant, files=[(None, pdf())])

    assert dossier.status == Status.SUBMITTED and dossier.appointment_at is None


def test_a_request_needs_a_reason_and_an_allowed_status(received, officer):
    with pytest.raises(TransitionNotAllowed):
        lifecycle.request_supplement(dossier=received, actor=officer, reason="  ")
    Dossier.objects.filter(pk=received.pk).update(status=Status.RESULT_READY)
    with pytest.raises(TransitionNotAllowed):
        lifecycle.request_supplement(dossier=received, actor=officer, reason="Thiếu")

    assert not SupplementRequest.objects.exists()
    assert Dossier.objects.get(pk=received.pk).status == Status.RESULT_READY


def test_bad_supplements_change_nothing(received, officer, applicant, outsider):
    lifecycle.request_supplement(dossier=received, actor=officer, reason="Thiếu giấy tờ")
    before = (received.documents.count(), DossierEvent.objects.filter(dossier=received).count())
    exe = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00" + b"\x00" * 200)

    with pytest.raises(SubmissionInvalid):
        lifecycle.supplement(dossier=received, actor=applicant, files=[(None, exe)])
    with pytest.raises(SubmissionInvalid):
        lifecycle.supplement(dossier=received, actor=applicant, files=[])
    with pytest.raises(NotPermitted):
        lifecycle.supplement(dossier=received, actor=outsider, files=[(None, pdf())])

    after = (received.documents.count(), DossierEvent.objects.filter(dossier=received).count())
    assert after == before
    assert Dossier.objects.get(pk=received.pk).status == Status.SUPPLEMENT_REQUESTED
    assert SupplementRequest.objects.get().supplied_at is None


def test_without_an_open_request_a_supplement_is_refused(received, applicant):
    with pytest.raises(TransitionNotAllowed):
        lifecycle.supplement(dossier=received, actor=applicant, files=[(None, pdf())])
    assert not received.documents.filter(kind=DocumentKind.SUPPLEMENT).exists()


def test_the_citizen_answers_on_the_dossier_page(client, received, officer, applicant):
    lifecycle.request_supplement(
        dossier=received, actor=officer, reason="Thiếu tờ khai", items=["Tờ khai có chữ ký"]
    )
    client.force_login(applicant)

    page = client.get(f"/my/dossiers/{received.code}/").content.decode()
    assert "Cơ quan yêu cầu bổ sung giấy tờ" in page and "Tờ khai có chữ ký" in page

    bad = client.post(
        f"/my/dossiers/{received.code}/supplement/",
        {"note": "Gửi lại", "file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00" * 40)},
    )
    assert bad.status_code == 400
    assert "Gửi lại" in bad.content.decode()  # what was typed is kept
    assert Dossier.objects.get(pk=received.pk).status == Status.SUPPLEMENT_REQUESTED

    good = client.post(
        f"/my/dossiers/{received.code}/supplement/",
        {"note": "Gửi lại", "file": [pdf("to-khai.pdf"), pdf("anh.pdf")]},
    )
    assert good.status_code == 302
    dossier = Dossier.objects.get(pk=received.pk)
    assert dossier.status == Status.RECEIVED
    assert sorted(
        dossier.documents.filter(kind=DocumentKind.SUPPLEMENT).values_list(
            "original_name", flat=True
        )
    ) == ["anh.pdf", "to-khai.pdf"]

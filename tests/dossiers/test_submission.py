"""Online submission: drafts keep what was typed, documents are checked, the dossier is made."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dossiers import lifecycle
from dossiers.errors import NotPermitted, SubmissionInvalid, TransitionNotAllowed
from dossiers.models import Dossier, DossierEvent, Status
from dossiers.models_documents import DossierDocument, DossierDraft
from dossiers.submission import draft_attach, draft_save, draft_start, draft_submit
from portal.models import CitizenProfile
from procedures.models import Procedure
from tests.factories.dossiers import receiver_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo", "english")]

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def applicant():
    return CitizenProfile.objects.get(cccd="068190000123").user


@pytest.fixture
def birth():
    return Procedure.objects.get(code="1.001193")


def fill(draft, **extra):
    return draft_save(
        draft=draft,
        data={
            "applicant_commune": "22918",
            "applicant_phone": "0912345678",
            "result_delivery": "counter",
            **extra,
        },
    )


def attach_all(draft, user):
    case = draft.version.cases.first()
    for component in case.components.all():
        if component.originals or component.copies:
            draft_attach(
                draft=draft,
                component=component,
                user=user,
                upload=SimpleUploadedFile("giay-to.pdf", PDF),
            )


def test_a_draft_starts_from_the_profile_and_resumes_as_left(applicant, birth):
    draft = draft_start(applicant=applicant, procedure=birth)
    draft_save(draft=draft, data={"applicant_phone": "09x-not-yet-valid"})

    again = draft_start(applicant=applicant, procedure=birth)

    assert again.pk == draft.pk
    assert again.data["applicant_name"] == "Nguyễn Văn An"
    assert again.data["applicant_id_number"] == "068190000123"
    assert again.data["applicant_phone"] == "09x-not-yet-valid"


def test_submitting_makes_a_dossier_with_code_event_and_documents(applicant, birth):
    draft = draft_start(applicant=applicant, procedure=birth)
    fill(draft)
    attach_all(draft, applicant)

    dossier = draft_submit(draft=draft)

    today = timezone.localdate().strftime("%y%m%d")
    assert dossier.status == Status.SUBMITTED and dossier.channel == 2
    assert dossier.code == f"{dossier.reception_agency.identifier}-{today}-0001"
    assert dossier.agency.unit_id == "22918" and dossier.level == "commune"
    assert dossier.version_id == birth.current_version_id
    assert dossier.vneid_verified is True
    assert dossier.documents.count() >= 1
    assert list(dossier.events.values_list("kind", flat=True)) == ["submitted"]
    assert not DossierDraft.objects.filter(pk=draft.pk).exists()


def test_an_incomplete_draft_is_refused_naming_each_field_and_kept(applicant, birth):
    draft = draft_start(applicant=applicant, procedure=birth)
    draft_save(draft=draft, data={"applicant_phone": "", "applicant_email": ""})

    with pytest.raises(SubmissionInvalid) as info:
        draft_submit(draft=draft)

    assert set(info.value.errors) >= {"applicant_phone", "applicant_commune", "documents"}
    assert DossierDraft.objects.filter(pk=draft.pk).exists()
    assert not Dossier.objects.filter(applicant=applicant).exists()


def test_a_bad_file_is_refused_and_the_draft_keeps_its_other_files(applicant, birth):
    draft = draft_start(applicant=applicant, procedure=birth)
    component = draft.version.cases.first().components.first()
    good = draft_attach(
        draft=draft,
        component=component,
        user=applicant,
        upload=SimpleUploadedFile("to-khai.pdf", PDF),
    )

    with pytest.raises(SubmissionInvalid) as info:
        draft_attach(
            draft=draft,
            component=component,
            user=applicant,
            upload=SimpleUploadedFile("to-khai.pdf", b"MZ not a pdf"),
        )

    assert "file" in info.value.errors
    assert list(DossierDocument.objects.filter(draft=draft)) == [good]


def test_receiving_sets_the_appointment_from_the_calendar(applicant, birth):
    draft = draft_start(applicant=applicant, procedure=birth)
    fill(draft)
    attach_all(draft, applicant)
    dossier = draft_submit(draft=draft)
    monday_10 = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)  # 10:00 in Hà Nội time

    received = lifecycle.receive(dossier=dossier, actor=receiver_of(dossier), received_at=monday_10)

    channel = birth.current_version.channels.get(kind="online")
    assert received.status == Status.RECEIVED and received.received_at == monday_10
    local = timezone.localtime(received.appointment_at)
    assert local.date() > dt.date(2026, 11, 23) or channel.processing_time == 0
    assert local.date() != dt.date(2026, 11, 24)  # Vietnamese Culture Day is a holiday
    assert received.events.filter(kind=DossierEvent.Kind.TRANSITION, new_status=2).exists()


def test_withdrawal_by_the_applicant_only_and_only_while_allowed(applicant, birth, citizen):
    draft = draft_start(applicant=applicant, procedure=birth)
    fill(draft)
    attach_all(draft, applicant)
    dossier = draft_submit(draft=draft)

    with pytest.raises(NotPermitted):
        lifecycle.withdraw(dossier=dossier, actor=citizen)
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED

    withdrawn = lifecycle.withdraw(dossier=dossier, actor=applicant, reason="Nộp nhầm")
    assert withdrawn.status == Status.WITHDRAWN and withdrawn.finished_at is not None
    with pytest.raises(TransitionNotAllowed):
        lifecycle.withdraw(dossier=withdrawn, actor=applicant)


def test_submission_e_mails_the_code_after_commit(
    applicant, birth, mailoutbox, django_capture_on_commit_callbacks
):
    draft = draft_start(applicant=applicant, procedure=birth)
    fill(draft, applicant_email="an.nguyen@example.vn")
    attach_all(draft, applicant)

    with django_capture_on_commit_callbacks(execute=True):
        dossier = draft_submit(draft=draft)

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["an.nguyen@example.vn"]
    assert dossier.code in message.subject and dossier.code in message.body
    # The tracking link opens the dossier without signing in; plain text, nothing escaped.
    assert f"/track/?code={dossier.code}&secret={dossier.tracking_secret}" in message.body
    assert f"Mã bí mật tra cứu: {dossier.tracking_secret}" in message.body
    assert "Nguyễn Văn An" in message.body


def test_no_e_mail_without_an_address(
    applicant, birth, mailoutbox, django_capture_on_commit_callbacks
):
    draft = draft_start(applicant=applicant, procedure=birth)
    fill(draft, applicant_email="")
    attach_all(draft, applicant)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        draft_submit(draft=draft)

    assert callbacks == [] and mailoutbox == []


def test_the_procedure_in_force_follows_a_new_version_and_a_withdrawal():
    """``procedure_in_force`` keeps what it read per (procedure, version) pair: a new version
    is read afresh, and a procedure with no version in force is not found."""
    from dossiers.submission import procedure_in_force
    from tests.factories.procedures import make_procedure

    first = make_procedure(code="9.900001", name="Thủ tục thử một").current_version
    assert procedure_in_force("9.900001").current_version == first

    second = make_procedure(code="9.900001", name="Thủ tục thử một (sửa đổi)").current_version
    assert second != first
    assert procedure_in_force("9.900001").current_version == second

    Procedure.objects.filter(code="9.900001").update(current_version=None)
    assert procedure_in_force("9.900001") is None
    assert procedure_in_force("9.999999") is None

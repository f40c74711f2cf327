"""The officers' work page of a dossier and its action forms, and its files.

Django's test client against the demo (real units, catalogue, agencies and staff), in
Vietnamese as the portal answers by default. The dossiers are the demo citizen's birth
registrations (1.001193) at the committee of Phường Mũi Né (229.18.01.H68), and the same at the
other demo commune of Lâm Đồng, whose staff must never see ours. The queues, counter intake and
the dashboard are in the other ``test_office_*.py`` modules.
"""

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dossiers import lifecycle
from dossiers.models import Status, Step
from dossiers.models_documents import DocumentKind, DossierDocument, SupplementRequest
from dossiers.models_work import DeniedAction, Extension
from tests.dossiers.conftest import PDF, pdf
from tests.dossiers.office_helpers import (
    EXE,
    _no_second_factor,  # noqa: F401 (autouse)
    act,
    checklist,
    form_actions,
    form_of,
    snapshot,
    to_step,
)
from tests.factories.dossiers import as_user, staff_of
from tests.factories.units import MembershipFactory
from units.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


@pytest.fixture
def signer_code(submitted):
    """The agency's leader holds a signing position, its certificate and an authenticator;
    calling the fixture's value gives the code the authenticator shows now."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from signatures import ca
    from signatures.models import Position

    leader = staff_of(submitted.agency, Role.LEADER)
    device = TOTPDevice.objects.create(user=leader, name="app", confirmed=True)
    position = Position.objects.create(
        agency=submitted.agency, code="CT-UBND", title="Chủ tịch UBND", holder=leader
    )
    ca.issue(holder=leader, position=position)

    def code() -> str:
        # A wrong code throttles the device for a second or more; the wait is simulated.
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
        value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        return f"{value:0{device.digits}d}"

    return code


# --- The work page and its actions -------------------------------------------------------------


def test_the_work_page_shows_the_facts_and_only_the_actions_the_officer_may_take(submitted):
    receiver = staff_of(submitted.reception_agency, Role.RECEIVER)
    auditor = staff_of(submitted.reception_agency, Role.AUDITOR)

    response = as_user(receiver).get(f"/office/dossiers/{submitted.code}/")
    read_only = as_user(auditor).get(f"/office/dossiers/{submitted.code}/")

    html = response.content.decode()
    assert response.status_code == 200
    # The step forward first, what ends the dossier last.
    assert form_actions(response) == ["receive", "claim", "request_supplement", "refuse"]
    assert f'name="revision" value="{submitted.revision}"' in html
    assert "Nguyễn Văn An" in html and "068190000123" in html
    assert "Mới đăng ký" in html  # status 1, in Vietnamese
    document = submitted.documents.order_by("pk").first()
    assert f"/office/dossiers/{submitted.code}/documents/{document.pk}/" in html
    assert 'data-testid="receipt-link"' not in html  # not received yet
    assert read_only.status_code == 200 and form_actions(read_only) == []


def test_receiving_with_the_checklist_records_what_was_taken_in(submitted):
    receiver = staff_of(submitted.reception_agency, Role.RECEIVER)
    client = as_user(receiver)
    form = client.get(f"/office/dossiers/{submitted.code}/").context["forms"][0]
    declaration, certificate, identity = form.components

    response = act(
        client,
        submitted,
        "receive",
        **{
            f"doc_{declaration.pk}": "on",
            f"originals_{declaration.pk}": "1",
            f"copies_{declaration.pk}": "2",
            f"originals_{certificate.pk}": "0",
            f"copies_{certificate.pk}": "0",
            f"originals_{identity.pk}": "0",
            f"copies_{identity.pk}": "0",
        },
    )

    submitted.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/office/dossiers/{submitted.code}/"
    assert submitted.status == Status.RECEIVED and submitted.appointment_at is not None
    event = submitted.events.get(new_status=Status.RECEIVED)
    assert event.actor == receiver and event.data["documents"] == [[declaration.name, 1, 2]]
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Được tiếp nhận" in html and 'data-testid="receipt-link"' in html
    assert [str(m) for m in page.context["messages"]]
    receipt = client.get(f"/office/dossiers/{submitted.code}/receipt.pdf")
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")
    assert receipt["Content-Disposition"] == (
        f'attachment; filename="giay-tiep-nhan-{submitted.code}.pdf"'
    )


def test_refusal_needs_a_reason_then_gives_form_03(submitted):
    client = as_user(staff_of(submitted.reception_agency, Role.RECEIVER))
    before = snapshot(submitted)

    blank = act(client, submitted, "refuse", reason="  ")
    assert blank.status_code == 400 and snapshot(submitted) == before
    assert "Nêu lý do." in blank.content.decode()
    assert form_of(blank, "refuse").errors["reason"] == ["Nêu lý do."]

    done = act(client, submitted, "refuse", reason="Không thuộc thẩm quyền của xã")
    submitted.refresh_from_db()
    assert done.status_code == 302 and submitted.status == Status.REFUSED
    assert submitted.events.last().note == "Không thuộc thẩm quyền của xã"
    form_03 = client.get(f"/office/dossiers/{submitted.code}/forms/03.pdf")
    assert form_03.status_code == 200 and form_03.content.startswith(b"%PDF")
    assert client.get(f"/office/dossiers/{submitted.code}/forms/05.pdf").status_code == 404
    assert client.get(f"/office/dossiers/{submitted.code}/forms/99.pdf").status_code == 404


def test_bad_input_is_named_at_its_field_in_english_too(submitted, english):
    client = as_user(staff_of(submitted.reception_agency, Role.RECEIVER))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = act(client, submitted, "refuse", reason="")

    html = response.content.decode()
    assert response.status_code == 400
    assert "Give the reason." in html
    assert 'aria-invalid="true"' in html and 'id="id_refuse_reason"' in html
    assert client.post(f"/office/dossiers/{submitted.code}/act/withdraw/").status_code == 404


def test_request_a_supplement_with_items_one_per_line(submitted):
    client = as_user(staff_of(submitted.reception_agency, Role.RECEIVER))

    response = act(
        client,
        submitted,
        "request_supplement",
        reason="Tờ khai chưa ký",
        items="Tờ khai có chữ ký\n\n  Bản sao CCCD  \n",
    )

    submitted.refresh_from_db()
    assert response.status_code == 302 and submitted.status == Status.SUPPLEMENT_REQUESTED
    request = SupplementRequest.objects.get(dossier=submitted)
    assert (request.reason, request.items) == (
        "Tờ khai chưa ký",
        ["Tờ khai có chữ ký", "Bản sao CCCD"],
    )
    page = client.get(f"/office/dossiers/{submitted.code}/").content.decode()
    assert 'data-testid="notice-02"' in page and "Bản sao CCCD" in page
    assert client.get(f"/office/dossiers/{submitted.code}/forms/02.pdf").status_code == 200


def test_every_processing_action_through_the_pages(submitted, signer_code):
    agency = submitted.agency
    receiver, specialist, leader = (
        staff_of(agency, r) for r in (Role.RECEIVER, Role.SPECIALIST, Role.LEADER)
    )
    at_desk, processing, deciding = as_user(receiver), as_user(specialist), as_user(leader)
    lifecycle.receive(dossier=submitted, actor=receiver)

    def state():
        submitted.refresh_from_db()
        return submitted.status, submitted.step

    assert act(at_desk, submitted, "forward", note="Đủ hồ sơ").status_code == 302
    assert state() == (Status.IN_PROCESSING, Step.SPECIALIST)
    page = processing.get(f"/office/dossiers/{submitted.code}/")
    assert "claim" in form_actions(page) and "forward" in form_actions(page)
    assert act(processing, submitted, "claim").status_code == 302
    submitted.refresh_from_db()
    assert submitted.assignee == specialist

    assert (
        act(
            processing, submitted, "request_payment", amount="1.500.000 đ", note="Lệ phí"
        ).status_code
        == 302
    )
    assert state() == (Status.FINANCIAL_OBLIGATION, Step.SPECIALIST)
    assert submitted.events.last().data["amount"] == 1_500_000
    assert "1.500.000 đ" in processing.get(f"/office/dossiers/{submitted.code}/").content.decode()
    paid = act(processing, submitted, "confirm_payment", method="counter", note="Đã nộp")
    assert paid.status_code == 302
    assert state() == (Status.IN_PROCESSING, Step.SPECIALIST)

    assert act(processing, submitted, "forward", note="Đề nghị phê duyệt").status_code == 302
    assert state() == (Status.IN_PROCESSING, Step.LEADER)
    later = timezone.localtime(submitted.appointment_at) + dt.timedelta(days=3)
    extended = act(
        deciding,
        submitted,
        "extend",
        new_date=later.strftime("%Y-%m-%d"),
        new_time="10:30",
        reason="Cần xác minh thêm",
    )
    assert extended.status_code == 302
    extension = Extension.objects.get(dossier=submitted)
    assert timezone.localtime(extension.new_appointment).strftime("%H:%M %d/%m/%Y") == (
        f"10:30 {later:%d/%m/%Y}"
    )
    assert deciding.get(f"/office/dossiers/{submitted.code}/forms/04.pdf").status_code == 200

    assert act(deciding, submitted, "send_back", note="Bổ sung ý kiến").status_code == 302
    assert state() == (Status.IN_PROCESSING, Step.SPECIALIST)
    assert act(processing, submitted, "forward").status_code == 302
    assert act(deciding, submitted, "approve", note="Đồng ý").status_code == 302
    assert state() == (Status.IN_PROCESSING, Step.SIGNATURE)

    no_file = act(deciding, submitted, "attach_result")
    assert no_file.status_code == 400 and form_of(no_file, "attach_result").errors["file"]
    uploaded = act(deciding, submitted, "attach_result", file=pdf("giay-khai-sinh.pdf"))
    assert uploaded.status_code == 302
    assert submitted.documents.get(kind=DocumentKind.RESULT).original_name == "giay-khai-sinh.pdf"
    assert act(deciding, submitted, "attach_result", generate="1").status_code == 302
    assert submitted.documents.filter(kind=DocumentKind.RESULT).count() == 2

    # A written result is signed with the leader's certificate, which asks for their code.
    unsigned = act(deciding, submitted, "issue_result", signed_file=pdf("ket-qua.pdf"))
    assert unsigned.status_code == 409 and form_of(unsigned, "issue_result").errors["signed_file"]
    wrong = act(deciding, submitted, "issue_result", otp_token="000000")
    assert wrong.status_code == 409 and state() == (Status.IN_PROCESSING, Step.SIGNATURE)
    assert form_of(wrong, "issue_result").errors["otp_token"]
    signed = act(deciding, submitted, "issue_result", otp_token=signer_code())
    assert signed.status_code == 302, form_of(signed, "issue_result").errors
    assert state() == (Status.RESULT_READY, Step.NONE)
    signed = submitted.documents.filter(kind=DocumentKind.RESULT).latest("id")
    assert signed.original_name.endswith("-da-ky.pdf")

    assert act(at_desk, submitted, "return_result", method="post").status_code == 302
    assert state() == (Status.RETURNED, Step.NONE)
    assert submitted.events.last().data["method"] == "post"
    timeline = at_desk.get(f"/office/dossiers/{submitted.code}/")
    assert len(timeline.context["events"]) == submitted.events.count()
    assert "Đã trả kết quả" in timeline.content.decode()


def test_assign_hand_over_and_hand_back(submitted, elsewhere):
    agency = submitted.agency
    dossier = to_step(submitted, Step.SPECIALIST)
    specialist = staff_of(agency, Role.SPECIALIST)
    head = as_user(staff_of(agency, Role.LEADER))

    page = head.get(f"/office/dossiers/{dossier.code}/")
    assign = form_of(page, "assign")
    assert str(specialist.pk) in dict(assign.fields["to"].choices)
    assert act(head, dossier, "assign", to="999999").status_code == 400
    assert act(head, dossier, "assign", to=str(specialist.pk)).status_code == 302
    dossier.refresh_from_db()
    assert dossier.assignee == specialist

    handed = act(
        as_user(specialist), dossier, "hand_over", to=elsewhere.identifier, note="Xác minh"
    )
    dossier.refresh_from_db()
    assert handed.status_code == 302 and dossier.holder_agency == elsewhere
    other = as_user(staff_of(elsewhere, Role.SPECIALIST))
    assert "hand_back" in form_actions(other.get(f"/office/dossiers/{dossier.code}/"))
    assert act(other, dossier, "hand_back", note="Đã xác minh").status_code == 302
    dossier.refresh_from_db()
    assert dossier.holder_agency is None and dossier.status == Status.IN_PROCESSING


def test_the_leader_stops_processing_with_form_05(submitted):
    leader = as_user(staff_of(submitted.agency, Role.LEADER))
    dossier = to_step(submitted, Step.SPECIALIST)

    assert act(leader, dossier, "stop", reason="Người yêu cầu đã mất").status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.STOPPED
    assert leader.get(f"/office/dossiers/{dossier.code}/forms/05.pdf").status_code == 200


def test_a_stale_page_answers_409_with_what_changed_and_keeps_the_note(submitted):
    receiver = staff_of(submitted.reception_agency, Role.RECEIVER)
    seen = lifecycle.receive(dossier=submitted, actor=receiver).revision
    colleague = MembershipFactory(agency=submitted.reception_agency, role=Role.RECEIVER).user
    lifecycle.claim(dossier=submitted, actor=colleague)
    before = snapshot(submitted)

    response = act(as_user(receiver), submitted, "forward", revision=seen, note="Ghi chú tôi đã gõ")

    html = response.content.decode()
    assert response.status_code == 409 and snapshot(submitted) == before
    assert 'data-testid="stale"' in html
    assert [e.data["action"] for e in response.context["stale_events"]] == ["claim"]
    assert colleague.get_full_name() in html
    forward = form_of(response, "forward")
    assert forward["note"].value() == "Ghi chú tôi đã gõ"
    assert forward["revision"].value() == submitted.revision
    assert "Ghi chú tôi đã gõ</textarea>" in html


def test_a_refusal_typed_on_a_page_overtaken_by_a_reception_is_kept_for_the_officer(submitted):
    receiver = staff_of(submitted.reception_agency, Role.RECEIVER)
    seen = submitted.revision
    lifecycle.receive(dossier=submitted, actor=receiver)

    response = act(
        as_user(receiver), submitted, "refuse", revision=seen, reason="Thiếu chữ ký người khai"
    )

    assert response.status_code == 409
    assert "refuse" not in form_actions(response)  # a received dossier cannot be refused
    assert [value for _label, value in response.context["kept"]] == ["Thiếu chữ ký người khai"]
    assert "Thiếu chữ ký người khai" in response.content.decode()


def test_a_second_officer_taking_it_in_hand_gets_a_conflict_at_the_form(submitted):
    first = staff_of(submitted.reception_agency, Role.RECEIVER)
    second = MembershipFactory(agency=submitted.reception_agency, role=Role.RECEIVER).user
    lifecycle.claim(dossier=submitted, actor=first)
    before = snapshot(submitted)

    response = act(as_user(second), submitted, "claim")

    assert response.status_code == 409 and snapshot(submitted) == before
    claim = form_of(response, "claim")
    assert first.get_full_name() in claim.non_field_errors()[0]


def test_a_role_that_may_not_act_gets_403_and_nothing_changes(submitted):
    specialist = staff_of(submitted.reception_agency, Role.SPECIALIST)
    before = snapshot(submitted)

    response = act(as_user(specialist), submitted, "receive", **checklist(submitted))

    assert response.status_code == 403 and snapshot(submitted) == before
    assert response.context["reason"]
    assert DeniedAction.objects.filter(
        user=specialist, action="receive", dossier_code=submitted.code
    ).exists()


def test_an_extension_earlier_than_the_appointment_is_refused_at_the_date(submitted):
    leader = as_user(staff_of(submitted.agency, Role.LEADER))
    dossier = lifecycle.receive(dossier=submitted, actor=staff_of(submitted.agency, Role.RECEIVER))
    before = snapshot(dossier)
    earlier = timezone.localtime(dossier.appointment_at) - dt.timedelta(days=1)

    wrong = act(leader, dossier, "extend", new_date="31/02/2026", new_time="10:00", reason="x")
    refused = act(
        leader,
        dossier,
        "extend",
        new_date=earlier.strftime("%Y-%m-%d"),
        new_time="08:00",
        reason="Cần xác minh",
    )

    assert wrong.status_code == 400
    assert refused.status_code == 409 and snapshot(dossier) == before
    extend = form_of(refused, "extend")
    assert extend.errors["new_date"] == ["Ngày hẹn mới phải sau ngày hẹn hiện tại."]
    assert extend["reason"].value() == "Cần xác minh"


def test_an_amount_that_is_not_a_number_is_refused_at_its_field(submitted):
    specialist = staff_of(submitted.agency, Role.SPECIALIST)
    dossier = to_step(submitted, Step.SPECIALIST)
    before = snapshot(dossier)

    response = act(as_user(specialist), dossier, "request_payment", amount="mười nghìn")

    assert response.status_code == 400 and snapshot(dossier) == before
    payment = form_of(response, "request_payment")
    assert list(payment.errors) == ["amount"]


def test_a_result_that_is_not_a_pdf_is_refused(submitted):
    leader = staff_of(submitted.agency, Role.LEADER)
    dossier = lifecycle.approve(dossier=to_step(submitted, Step.LEADER), actor=leader)

    response = act(
        as_user(leader),
        dossier,
        "attach_result",
        file=SimpleUploadedFile("ket-qua.pdf", EXE, "application/pdf"),
    )

    assert response.status_code == 400
    assert not dossier.documents.filter(kind=DocumentKind.RESULT).exists()
    attach = form_of(response, "attach_result")
    assert attach.errors["file"]


# --- Files -------------------------------------------------------------------------------------


def test_files_only_for_those_who_may_see_the_dossier(submitted, elsewhere):
    document = submitted.documents.order_by("pk").first()
    url = f"/office/dossiers/{submitted.code}/documents/{document.pk}/"
    receiver = as_user(staff_of(submitted.reception_agency, Role.RECEIVER))
    stranger_user = staff_of(elsewhere, Role.RECEIVER)
    stranger = as_user(stranger_user)

    mine = receiver.get(url)
    assert mine.status_code == 200 and b"".join(mine.streaming_content) == PDF
    assert stranger.get(url).status_code == 404
    assert stranger.get(f"/office/dossiers/{submitted.code}/receipt.pdf").status_code == 404
    assert stranger.get(f"/office/dossiers/{submitted.code}/forms/02.pdf").status_code == 404
    assert receiver.get(f"/office/dossiers/{submitted.code}/receipt.pdf").status_code == 404
    assert receiver.get(f"/office/dossiers/{submitted.code}/documents/999999/").status_code == 404
    assert set(
        DeniedAction.objects.filter(user=stranger_user).values_list("action", flat=True)
    ) == {"page:document", "page:receipt", "page:notice"}


def test_a_document_held_by_link_only_sends_the_officer_there(submitted):
    remote = DossierDocument.objects.create(
        dossier=submitted,
        original_name="to-khai.pdf",
        remote_url="https://dichvucong.gov.vn/files/to-khai.pdf",
    )
    receiver = as_user(staff_of(submitted.reception_agency, Role.RECEIVER))

    response = receiver.get(f"/office/dossiers/{submitted.code}/documents/{remote.pk}/")

    assert response.status_code == 302
    assert response["Location"] == "https://dichvucong.gov.vn/files/to-khai.pdf"

"""The citizen's pages: online submission, my dossiers, withdrawal, receipt and documents.

Django's test client against the demo data (real units and catalogue), in Vietnamese as the
portal answers by default.
"""

import datetime as dt
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dossiers import lifecycle
from dossiers.models import Dossier, DossierEvent, Status
from dossiers.models_documents import DossierDraft
from dossiers.submission import draft_attach, draft_save, draft_start, draft_submit
from portal.models import CitizenProfile
from procedures.models import Procedure
from tests.factories.dossiers import receiver_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh: the declaration and the birth certificate
RESIDENCE = "1.004194"  # Đăng ký tạm trú: two required components
MUI_NE = "22918"


@pytest.fixture
def an():
    return CitizenProfile.objects.get(cccd="068190000123").user


@pytest.fixture
def binh():
    return CitizenProfile.objects.get(cccd="001301000456").user


def components(code: str):
    version = Procedure.objects.get(code=code).current_version
    case = version.cases.first()
    return [c for c in case.components.all() if c.originals or c.copies]


def submit_url(code: str = BIRTH) -> str:
    return reverse("dossiers:submit", args=[code])


def form_data(**extra) -> dict:
    return {
        "applicant_name": "Nguyễn Văn An",
        "applicant_id_number": "068190000123",
        "applicant_phone": "0912345678",
        "applicant_email": "",
        "applicant_address": "12 Nguyễn Đình Chiểu",
        "applicant_province": "68",
        "applicant_commune": MUI_NE,
        "reception_agency": "",
        "result_delivery": "online",
        **extra,
    }


def pdf(name: str = "to-khai.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def submitted_dossier(user, code: str = BIRTH) -> Dossier:
    """A dossier of ``user`` made through the services, as the submission page makes one."""
    draft = draft_start(applicant=user, procedure=Procedure.objects.get(code=code))
    draft_save(
        draft=draft,
        data={"applicant_commune": MUI_NE, "applicant_phone": "0912345678"},
    )
    for component in components(code):
        draft_attach(draft=draft, component=component, upload=pdf(), user=user)
    return draft_submit(draft=draft)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- Sign-in ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [submit_url(), reverse("dossiers:mine")], ids=["submit", "my-dossiers"]
)
def test_anonymous_visitors_are_sent_to_the_eid_sign_in_and_back(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portal:eid-login')}?next={path}"
    to_the_mock = client.get(response["Location"])
    assert to_the_mock["Location"] == f"{reverse('portal:eid-mock')}?next={quote(path, safe='')}"
    assert not DossierDraft.objects.exists()


def test_signing_in_with_the_mock_eid_comes_back_to_a_prefilled_form(client):
    response = client.post(
        reverse("portal:eid-mock"), {"pick": "068190000123", "next": submit_url()}, follow=True
    )

    assert response.redirect_chain == [(submit_url(), 302)]
    form = response.context["form"]
    assert form["applicant_name"].value() == "Nguyễn Văn An"
    assert form["applicant_id_number"].value() == "068190000123"
    assert form["result_delivery"].value() == "counter"
    assert "Thủ tục đăng ký khai sinh" in response.content.decode()


# --- Submission ---------------------------------------------------------------------------------


def test_a_full_submission_with_its_file_makes_the_dossier_and_shows_its_code(client, an):
    client.force_login(an)
    component, certificate = components(BIRTH)

    response = client.post(
        submit_url(),
        {
            **form_data(),
            f"file-{component.pk}": pdf("tờ khai.pdf"),
            f"file-{certificate.pk}": pdf("giấy chứng sinh.pdf"),
            "action": "submit",
        },
        follow=True,
    )

    dossier = Dossier.objects.get(applicant=an)
    today = timezone.localdate().strftime("%y%m%d")
    assert dossier.code == f"229.18.01.H68-{today}-0001"
    assert response.redirect_chain == [(reverse("dossiers:detail", args=[dossier.code]), 302)]
    assert messages_of(response) == [f"Đã nộp hồ sơ. Mã hồ sơ: {dossier.code}."]
    assert dossier.status == Status.SUBMITTED
    assert dossier.applicant_name == "Nguyễn Văn An"
    assert dossier.applicant_address == "12 Nguyễn Đình Chiểu"
    assert dossier.applicant_commune_id == MUI_NE
    assert dossier.result_delivery == "online"
    assert dossier.reception_agency.identifier == "229.18.01.H68"
    document = dossier.documents.get(component=component)
    assert (document.component_id, document.original_name, document.size) == (
        component.pk,
        "tờ khai.pdf",
        len(PDF),
    )
    assert not DossierDraft.objects.filter(applicant=an).exists()
    page = response.content.decode()
    assert dossier.code in page
    assert "Mới đăng ký" in page
    assert "tờ khai.pdf" in page


def test_the_chosen_reception_agency_of_the_province_receives_the_dossier(client, an):
    client.force_login(an)

    client.post(
        submit_url(),
        {
            **form_data(reception_agency="000.00.01.H68"),
            **{f"file-{component.pk}": pdf() for component in components(BIRTH)},
            "action": "submit",
        },
    )

    dossier = Dossier.objects.get(applicant=an)
    assert dossier.reception_agency.identifier == "000.00.01.H68"
    assert dossier.agency.identifier == "229.18.01.H68"
    assert dossier.code.startswith("000.00.01.H68-")


def test_a_missing_field_names_it_keeps_what_was_typed_and_makes_no_dossier(client, an):
    client.force_login(an)

    response = client.post(
        submit_url(),
        {
            **form_data(applicant_phone="", applicant_commune="", applicant_province=""),
            "applicant_name": "Nguyễn Văn An",
            "applicant_address": "Thôn 3, đường Huỳnh Thúc Kháng",
            "action": "submit",
        },
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["applicant_phone"] == [
        "Hãy cung cấp số điện thoại hoặc thư điện tử để liên hệ."
    ]
    assert form.errors["applicant_commune"] == ["Hãy chọn xã, phường, đặc khu nơi bạn cư trú."]
    assert response.context["documents_errors"] == [
        "Hãy đính kèm: Tờ khai đăng ký khai sinh theo mẫu; Giấy chứng sinh"
    ]
    page = response.content.decode()
    assert "Chưa thể nộp hồ sơ: hãy xem các mục được đánh dấu." in page
    assert 'value="Thôn 3, đường Huỳnh Thúc Kháng"' in page
    assert 'id="id_applicant_phone_error"' in page
    assert 'aria-invalid="true"' in page
    assert not Dossier.objects.filter(applicant=an).exists()
    draft = DossierDraft.objects.get(applicant=an)
    assert draft.data["applicant_address"] == "Thôn 3, đường Huỳnh Thúc Kháng"


def test_a_badly_typed_e_mail_is_refused_before_submitting(client, an):
    client.force_login(an)
    component = components(BIRTH)[0]

    response = client.post(
        submit_url(),
        {
            **form_data(applicant_email="an@@example"),
            f"file-{component.pk}": pdf(),
            "action": "submit",
        },
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["applicant_email"]
    assert not Dossier.objects.filter(applicant=an).exists()
    assert DossierDraft.objects.get(applicant=an).data["applicant_email"] == "an@@example"


def test_a_wrong_file_type_is_named_and_the_other_attached_files_stay(client, an):
    client.force_login(an)
    first, second = components(RESIDENCE)
    client.post(
        submit_url(RESIDENCE),
        {**form_data(), f"file-{first.pk}": pdf("ban-khai.pdf"), "action": "save"},
    )

    response = client.post(
        submit_url(RESIDENCE),
        {
            **form_data(),
            f"file-{first.pk}": SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf"),
            f"file-{second.pk}": pdf("giay-to-cho-o.pdf"),
            "action": "submit",
        },
    )

    assert response.status_code == 200
    rows = {row["component"].pk: row for row in response.context["document_cases"][0]["components"]}
    assert rows[first.pk]["errors"] == [
        "Chỉ nhận tệp PDF, JPEG, PNG và DOCX; tệp này không thuộc các loại đó."
    ]
    assert rows[first.pk]["document"].original_name == "ban-khai.pdf"
    assert rows[second.pk]["errors"] == []
    assert rows[second.pk]["document"].original_name == "giay-to-cho-o.pdf"
    page = response.content.decode()
    assert "Có tệp không được chấp nhận" in page
    assert f'id="file-{first.pk}_error"' in page
    assert not Dossier.objects.filter(applicant=an).exists()
    draft = DossierDraft.objects.get(applicant=an)
    assert sorted(draft.documents.values_list("original_name", flat=True)) == [
        "ban-khai.pdf",
        "giay-to-cho-o.pdf",
    ]


def test_save_draft_keeps_everything_and_the_draft_is_listed_to_resume(client, an):
    client.force_login(an)

    response = client.post(
        submit_url(),
        {**form_data(applicant_phone="09x chưa xong"), "action": "save"},
        follow=True,
    )

    assert response.redirect_chain == [(submit_url(), 302)]
    assert messages_of(response) == [
        "Đã lưu bản nháp. Bạn có thể quay lại tiếp tục bất cứ lúc nào."
    ]
    assert response.context["form"]["applicant_phone"].value() == "09x chưa xong"
    assert response.context["form"]["applicant_commune"].value() == MUI_NE
    assert not Dossier.objects.filter(applicant=an).exists()
    listing = client.get(reverse("dossiers:mine")).content.decode()
    assert "Hồ sơ đang soạn" in listing
    assert f'href="{submit_url()}"' in listing


def test_the_commune_list_follows_the_province_with_its_reception_agencies(client, an):
    client.force_login(an)

    response = client.get(
        reverse("dossiers:submit-communes", args=[BIRTH]),
        {"applicant_province": "68"},
        headers={"HX-Request": "true"},
    )

    page = response.content.decode()
    assert '<option value="22918">Phường Mũi Né</option>' in page
    assert '<div id="reception-field" class="field" hx-swap-oob="true">' in page
    assert '<option value="000.00.01.H68">' in page
    assert "Hà Nội" not in page


def test_without_javascript_the_province_button_reloads_with_its_communes(client, an):
    client.force_login(an)

    response = client.post(
        submit_url(),
        {**form_data(applicant_province="01", applicant_commune=""), "action": "communes"},
        follow=True,
    )

    assert response.redirect_chain == [(f"{submit_url()}#commune-field", 302)]
    form = response.context["form"]
    assert form["applicant_province"].value() == "01"
    communes = [
        code
        for _group, members in form.fields["applicant_commune"].widget.choices[1:]
        for code, _name in members
    ]
    assert "00004" in communes and MUI_NE not in communes
    assert DossierDraft.objects.get(applicant=an).data["applicant_address"] == (
        "12 Nguyễn Đình Chiểu"
    )


def test_autosave_keeps_the_typed_text_and_stops_once_submitted(client, an):
    client.force_login(an)
    client.get(submit_url())
    url = reverse("dossiers:submit-autosave", args=[BIRTH])

    response = client.post(url, {"applicant_phone": "0987 654 321"})

    assert response.status_code == 200
    assert "Đã tự động lưu bản nháp lúc" in response.content.decode()
    assert DossierDraft.objects.get(applicant=an).data["applicant_phone"] == "0987 654 321"
    draft = DossierDraft.objects.get(applicant=an)
    draft_save(draft=draft, data={"applicant_commune": MUI_NE})
    for component in components(BIRTH):
        draft_attach(draft=draft, component=component, upload=pdf(), user=an)
    draft_submit(draft=draft)
    # The page names its draft (the first autosave told it): a submitted one is not begun again.
    assert client.post(url, {"draft": draft.pk, "applicant_phone": "1"}).status_code == 204
    assert not DossierDraft.objects.filter(applicant=an).exists()


# --- My dossiers --------------------------------------------------------------------------------


def test_my_dossiers_lists_code_status_appointment_and_overdue(
    client, an, binh, django_assert_max_num_queries
):
    late = submitted_dossier(an)
    lifecycle.receive(
        dossier=late, actor=receiver_of(late), received_at=timezone.now() - dt.timedelta(days=40)
    )
    fresh = submitted_dossier(an, RESIDENCE)
    submitted_dossier(binh)
    late.refresh_from_db()
    client.force_login(an)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("dossiers:mine"))

    assert [d.code for d in response.context["dossiers"]] == [fresh.code, late.code]
    assert [d.overdue for d in response.context["dossiers"]] == [False, True]
    page = response.content.decode()
    appointment = timezone.localtime(late.appointment_at).strftime("%d/%m/%Y")
    assert f"<strong>{appointment}</strong>" in page
    assert page.count("Quá hạn") == 1
    assert "Được tiếp nhận" in page and "Mới đăng ký" in page


def test_the_owner_sees_the_timeline_and_downloads_a_document(client, an):
    dossier = submitted_dossier(an)
    document = dossier.documents.order_by("pk").first()
    client.force_login(an)

    page = client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()
    download = client.get(reverse("dossiers:document", args=[dossier.code, document.pk]))

    assert "<strong>Nộp hồ sơ</strong>" in page  # the timeline's first step
    assert 'id="withdraw-heading">Rút hồ sơ</h2>' in page
    assert "Tải giấy tiếp nhận" not in page  # not received yet
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="to-khai.pdf"'


def test_another_citizen_gets_404_everywhere_and_nothing_changes(client, an, binh):
    dossier = submitted_dossier(an)
    lifecycle.receive(dossier=dossier, actor=receiver_of(dossier))
    document = dossier.documents.order_by("pk").first()
    events = DossierEvent.objects.filter(dossier=dossier).count()
    client.force_login(binh)

    answers = [
        client.get(reverse("dossiers:detail", args=[dossier.code])).status_code,
        client.get(reverse("dossiers:receipt", args=[dossier.code])).status_code,
        client.get(reverse("dossiers:document", args=[dossier.code, document.pk])).status_code,
        client.post(
            reverse("dossiers:withdraw", args=[dossier.code]), {"reason": "không cần"}
        ).status_code,
    ]

    assert answers == [404, 404, 404, 404]
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED
    assert DossierEvent.objects.filter(dossier=dossier).count() == events
    assert dossier.code not in client.get(reverse("dossiers:mine")).content.decode()


def test_a_document_of_another_dossier_is_not_reachable_through_ones_own(client, an, binh):
    mine = submitted_dossier(an)
    theirs = submitted_dossier(binh, RESIDENCE).documents.first()
    client.force_login(an)

    response = client.get(reverse("dossiers:document", args=[mine.code, theirs.pk]))

    assert response.status_code == 404


def test_withdrawing_once_works_and_a_second_time_says_why_not(client, an):
    dossier = submitted_dossier(an)
    client.force_login(an)
    url = reverse("dossiers:withdraw", args=[dossier.code])

    first = client.post(url, {"reason": "Đã nộp nhầm thủ tục"}, follow=True)

    dossier.refresh_from_db()
    assert dossier.status == Status.WITHDRAWN
    assert messages_of(first) == ["Đã rút hồ sơ."]
    event = dossier.events.order_by("id").last()
    assert (event.old_status, event.new_status, event.note, event.actor) == (
        Status.SUBMITTED,
        Status.WITHDRAWN,
        "Đã nộp nhầm thủ tục",
        an,
    )
    assert "Lý do rút hồ sơ" not in first.content.decode()  # the form is gone

    second = client.post(url, {"reason": "lần nữa"}, follow=True)

    assert messages_of(second) == ["Hồ sơ đang ở trạng thái “Rút”: không thể “rút hồ sơ” lúc này."]
    assert dossier.events.count() == 2


def test_withdrawing_without_a_reason_asks_for_one(client, an):
    dossier = submitted_dossier(an)
    client.force_login(an)

    response = client.post(reverse("dossiers:withdraw", args=[dossier.code]), {"reason": " "})

    assert response.status_code == 400
    assert response.context["withdraw_form"].errors["reason"] == ["Hãy nêu lý do rút hồ sơ."]
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_the_receipt_is_a_pdf_once_the_dossier_is_received(client, an):
    dossier = submitted_dossier(an)
    client.force_login(an)
    url = reverse("dossiers:receipt", args=[dossier.code])
    assert client.get(url).status_code == 404

    lifecycle.receive(dossier=dossier, actor=receiver_of(dossier))
    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == (
        f'attachment; filename="giay-tiep-nhan-{dossier.code}.pdf"'
    )
    page = client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()
    assert f'href="{url}"' in page


def test_a_procedure_that_is_not_online_cannot_be_submitted(client, an):
    offline = Procedure.objects.filter(current_version__online_level="none").first()
    client.force_login(an)

    response = client.get(submit_url(offline.code), follow=True)

    assert response.redirect_chain == [(reverse("procedures:detail", args=[offline.code]), 302)]
    assert messages_of(response) == ["Thủ tục này chưa thể nộp trực tuyến."]
    assert not DossierDraft.objects.filter(applicant=an).exists()

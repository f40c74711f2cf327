"""The catalogue and reassignment pages, through Django's test client."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from procedures.models import Assignment, Procedure, ReassignmentBatch
from procedures.selectors import former_district_report
from tests.factories.procedures import json_file, json_item
from units.models import Unit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.STAFF_OTP_REQUIRED = False


def signed_in(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_catalogue_page_searches_without_accents_in_vietnamese(client):
    response = client.get("/procedures/", {"q": "dang ky khai sinh"})

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["page"].object_list[0].code == "1.001193"
    assert "Thủ tục đăng ký khai sinh" in html
    assert 'lang="vi"' in html


def test_catalogue_htmx_request_gets_the_results_fragment(client):
    response = client.get("/procedures/", {"q": "ket hon"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert response.context["page"].object_list[0].code == "1.000894"
    assert "HX-Request" in response["Vary"]


def test_bad_filter_on_the_page_keeps_the_query_and_says_why(client):
    response = client.get("/procedures/", {"q": "khai sinh", "level": "district"})

    assert response.status_code == 200
    assert response.context["form"].errors["level"]
    assert 'value="khai sinh"' in response.content.decode()


def test_procedure_page_shows_fees_with_dotted_thousands_and_time(client):
    response = client.get("/procedures/2.000913/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "30.000" in html
    assert "ngày làm việc" in html


def test_unknown_procedure_page_is_a_vietnamese_404(client):
    response = client.get("/procedures/9.999999/")

    assert response.status_code == 404
    assert 'lang="vi"' in response.content.decode()


def test_exports_download(client):
    csv_response = client.get("/procedures/export.csv")
    xlsx_response = client.get("/procedures/export.xlsx")

    assert csv_response["Content-Disposition"] == 'attachment; filename="tthc.csv"'
    assert csv_response.content.decode("utf-8-sig").count("\n") == Procedure.objects.count() + 1
    assert xlsx_response.content[:2] == b"PK"


def test_reassign_page_flow_preview_confirm_and_revert(client):
    signed_in(client, "province_admin.p68")
    province = Unit.objects.get(code="68")
    remaining = former_district_report(province=province, on=__import__("datetime").date.today())
    codes = [p.code for p in remaining.remaining]
    form = {
        "province": "68",
        "procedures": codes,
        "target": "all_communes",
        "effective_on": "2026-11-23",
        "reason": "Nghị định 151/2025/NĐ-CP",
    }

    page = client.get("/catalogue/reassign/", {"province": "68"})
    preview = client.post("/catalogue/reassign/?province=68", form)
    assert not ReassignmentBatch.objects.exists()
    done = client.post("/catalogue/reassign/?province=68", {**form, "confirm": "1"})

    assert page.status_code == 200 and len(page.context["report"].remaining) == len(codes)
    assert preview.status_code == 200
    assert preview.context["preview"].assignments_to_create == len(codes)
    batch = ReassignmentBatch.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/catalogue/reassign/{batch.pk}/"
    assert batch.status == "applied"
    assert client.get("/catalogue/reassign/", {"province": "68"}).context["report"].remaining == []
    assert client.get(f"/catalogue/reassign/{batch.pk}/").status_code == 200

    no_reason = client.post(f"/catalogue/reassign/{batch.pk}/revert/", {"reason": ""})
    assert no_reason.status_code == 400
    batch.refresh_from_db()
    assert batch.status == "applied"
    reverted = client.post(f"/catalogue/reassign/{batch.pk}/revert/", {"reason": "nhầm ngày"})
    assert reverted.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "reverted"


def test_reassign_form_errors_keep_the_choices(client):
    signed_in(client, "province_admin.p68")
    codes = [
        p.code
        for p in former_district_report(
            province=Unit.objects.get(code="68"), on=__import__("datetime").date.today()
        ).remaining
    ]

    response = client.post(
        "/catalogue/reassign/?province=68",
        {
            "province": "68",
            "procedures": codes[:2],
            "target": "province_agency",
            "target_agency": "",
            "effective_on": "31/02/2026",
            "reason": "",
        },
    )

    form = response.context["form"]
    assert response.status_code == 200
    assert set(form.errors) >= {"effective_on", "reason"}
    assert form.data.getlist("procedures") == codes[:2]
    assert not ReassignmentBatch.objects.exists()


@pytest.mark.parametrize("username", ["leader.p68", "receiver.x22918"])
def test_reassignment_pages_refuse_other_staff(client, username):
    signed_in(client, username)
    before = Assignment.objects.count()

    responses = [
        client.get("/catalogue/reassign/"),
        client.post(
            "/catalogue/reassign/?province=68",
            {
                "procedures": ["1.001266"],
                "target": "all_communes",
                "effective_on": "2026-11-23",
                "reason": "x",
                "confirm": "1",
            },
        ),
        client.get("/catalogue/history/"),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert Assignment.objects.count() == before and not ReassignmentBatch.objects.exists()


def test_another_provinces_admin_cannot_open_lam_dong(client):
    signed_in(client, "province_admin.p01")

    assert client.get("/catalogue/reassign/", {"province": "68"}).status_code == 404


def test_history_lists_catalogue_events_for_administrators(client):
    signed_in(client, "province_admin.p68")

    response = client.get("/catalogue/history/", {"procedure": "1.001193"})

    assert response.status_code == 200
    assert {e.action for e in response.context["events"]} == {
        "procedure_created",
        "version_published",
    }


def test_admin_import_upload_dry_run_then_import_and_errors(client):
    signed_in(client, "admin")
    good = json_file(json_item("1.999001", "Thủ tục thử nghiệm nhập"))
    bad = json_file(json_item("1.999002", ""))

    dry = client.post(
        "/admin/procedures/procedure/import/",
        {"file": SimpleUploadedFile("t.json", good), "dry_run": "on"},
    )
    assert dry.status_code == 200 and dry.context["report"].created == ["1.999001"]
    assert not Procedure.objects.filter(code="1.999001").exists()

    real = client.post(
        "/admin/procedures/procedure/import/", {"file": SimpleUploadedFile("t.json", good)}
    )
    assert real.context["report"].created == ["1.999001"]
    assert Procedure.objects.filter(code="1.999001").exists()

    refused = client.post(
        "/admin/procedures/procedure/import/", {"file": SimpleUploadedFile("bad.json", bad)}
    )
    assert refused.status_code == 200
    assert any("1" in e for e in refused.context["errors"])
    assert not Procedure.objects.filter(code="1.999002").exists()


def test_form_files_download_through_the_catalogue(client, settings, tmp_path):
    from django.core.files.base import ContentFile

    from procedures.models import DocumentComponent

    settings.MEDIA_ROOT = tmp_path
    component = DocumentComponent.objects.filter(case__version__procedure__code="1.001193").first()
    component.form_file.save("to-khai-khai-sinh.docx", ContentFile(b"PK form"), save=False)
    DocumentComponent.objects.filter(pk=component.pk).update(form_file=component.form_file.name)

    page = client.get("/procedures/1.001193/")
    download = client.get(f"/procedures/1.001193/forms/{component.pk}/")
    wrong_procedure = client.get(f"/procedures/1.000894/forms/{component.pk}/")

    assert f"/procedures/1.001193/forms/{component.pk}/" in page.content.decode()
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"PK form"
    assert wrong_procedure.status_code == 404


def test_history_shows_other_provinces_catalogue_changes_but_not_their_batches(client):
    from procedures.services import reassignment_commit

    hanoi_admin = get_user_model().objects.get(username="province_admin.p01")
    lam_dong_admin = get_user_model().objects.get(username="province_admin.p68")
    province = Unit.objects.get(code="68")
    remaining = former_district_report(province=province, on=__import__("datetime").date.today())
    batch = reassignment_commit(
        province=province,
        procedure_ids=[remaining.remaining[0].pk],
        target="all_communes",
        effective_on=remaining.on,
        reason="NĐ 151",
        actor=lam_dong_admin,
    )

    client.force_login(hanoi_admin)
    events = list(client.get("/catalogue/history/").context["events"])

    assert events and all(e.batch_id != batch.pk for e in events)


def test_catalogue_filters_by_agency_of_the_chosen_province(client):
    centre = "000.00.01.H68"

    response = client.get("/procedures/", {"province": "68", "agency": centre})
    unknown = client.get("/procedures/", {"agency": "999.99.99.H99"})

    codes = {p.code for p in response.context["page"].object_list}
    assert response.status_code == 200 and codes
    assert codes <= set(
        Assignment.objects.filter(agency__identifier=centre).values_list(
            "procedure__code", flat=True
        )
    )
    assert unknown.context["form"].errors["agency"]


def test_a_commune_agency_settles_what_all_communes_of_its_province_settle(client):
    response = client.get(
        "/procedures/", {"province": "68", "agency": "229.18.01.H68", "q": "dang ky khai sinh"}
    )

    assert response.context["page"].object_list[0].code == "1.001193"

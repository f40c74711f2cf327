"""Browser journeys through the procedure catalogue and the reassignment tool.

Real Chromium against the live server, with the real units and the demo catalogue; every journey
also checks that the browser saw no console error, script error, CSP violation or failed request.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from procedures.models import ReassignmentBatch
from procedures.selectors import former_district_report
from tests.e2e.conftest import sign_in_staff
from units.models import Unit

pytestmark = pytest.mark.e2e


def assert_clean(problems):
    assert problems.as_dict() == {
        "console_errors": [],
        "page_errors": [],
        "csp_violations": [],
        "failed_requests": [],
    }


def remaining_in_68() -> tuple[int, int]:
    report = former_district_report(province=Unit.objects.get(code="68"), on=timezone.localdate())
    return len(report.remaining), report.total


def test_phone_search_without_accents_finds_birth_registration_and_shows_time_and_fees(
    demo_live, phone_page, problems
):
    page = phone_page
    page.goto("/procedures/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thủ tục hành chính")
    page.evaluate("window.__samePage = true")  # gone if the browser loads a new document

    search = page.get_by_label("Tên hoặc mã thủ tục")
    with page.expect_response(
        lambda r: "q=dang" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        search.press_sequentially("dang ky khai sinh", delay=30)

    results = page.locator("#results")
    expect(results.locator(".results__title")).to_contain_text("khớp với “dang ky khai sinh”")
    first = results.locator(".procedure-list > li").first
    expect(first.locator(".procedure-list__name")).to_have_text("Thủ tục đăng ký khai sinh")
    expect(first.locator(".code")).to_have_text("1.001193")
    expect(first.locator(".badge")).to_have_text("trực tuyến toàn trình")
    assert page.evaluate("window.__samePage") is True
    # Empty filters stay out of the address.
    expect(page).to_have_url(re.compile(r"/procedures/\?q=dang(\+|%20)ky(\+|%20)khai(\+|%20)sinh$"))
    assert results.get_attribute("aria-live") == "polite"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # On a phone the filters are folded under their button, so the results come first.
    expect(page.get_by_label("Dịch vụ công trực tuyến")).to_be_hidden()
    page.locator("details.filters-panel > summary").click()
    with page.expect_response(lambda r: "online_level=none" in r.url):
        page.get_by_label("Dịch vụ công trực tuyến").select_option("none")
    expect(first.locator(".badge")).to_have_text("chưa trực tuyến")
    expect(results.locator(".badge--online-full")).to_have_count(0)
    with page.expect_response(lambda r: "online_level" not in r.url and "q=dang" in r.url):
        page.get_by_label("Dịch vụ công trực tuyến").select_option("")
    assert page.evaluate("window.__samePage") is True

    first.locator(".procedure-list__name").click()

    expect(page).to_have_url(f"{demo_live.url}/procedures/1.001193/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thủ tục đăng ký khai sinh")
    channels = page.locator("#channels-heading + .card-list > li")
    expect(channels.locator("h3")).to_have_text(
        ["Trực tiếp", "Trực tuyến", "Qua dịch vụ bưu chính"]
    )
    expect(channels.locator(".processing-time")).to_have_text(["1 ngày làm việc"] * 3)
    expect(channels.locator(".fee")).to_have_text(["Miễn phí"] * 3)
    submit = page.get_by_role("link", name="Nộp hồ sơ trực tuyến")
    expect(submit).to_have_attribute("href", "/procedures/1.001193/submit/")
    workflow = page.locator("details.disclosure")
    expect(workflow.locator("table")).not_to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.goto("/procedures/1.001612/")  # a procedure with fees: amounts grouped with dots
    expect(page.locator(".fee").first).to_have_text("50.000 đồng")
    assert_clean(problems)


def test_catalogue_search_works_without_javascript(demo_live, browser, live_server):
    context = browser.new_context(
        java_script_enabled=False, locale="vi-VN", base_url=live_server.url
    )
    page = context.new_page()
    try:
        page.goto("/procedures/")
        page.get_by_label("Tên hoặc mã thủ tục").fill("dang ky khai sinh")
        page.get_by_role("button", name="Tìm kiếm").click()

        expect(page).to_have_url(re.compile(r"/procedures/\?q=dang(\+|%20)ky"))
        expect(page.locator("#results .procedure-list__name").first).to_have_text(
            "Thủ tục đăng ký khai sinh"
        )
    finally:
        context.close()


def test_province_admin_moves_former_district_procedures_to_communes_and_reverts(
    demo_live, desktop_page, problems
):
    page = desktop_page
    before, total = remaining_in_68()
    assert before >= 10
    report = page.locator("#former-district-report")

    sign_in_staff(page, "province_admin.p68", "/catalogue/reassign/%3Fprovince%3D68")

    expect(page).to_have_url(f"{demo_live.url}/catalogue/reassign/?province=68")
    expect(report).to_have_text(
        f"{before} trên {total} thủ tục của Lâm Đồng vẫn đang giao cho cấp huyện (cũ)."
    )
    boxes = page.locator('input[name="procedures"]')
    expect(boxes).to_have_count(before)
    page.get_by_label("Chọn tất cả").check()
    for box in boxes.all():
        expect(box).to_be_checked()
    page.get_by_label("Tất cả Trung tâm phục vụ hành chính công cấp xã của tỉnh").check()
    expect(
        page.get_by_label("Cơ quan cấp tỉnh", exact=True)
    ).to_be_hidden()  # shown only for that target
    today = timezone.localdate()
    page.get_by_label("Ngày hiệu lực").fill(today.isoformat())
    page.get_by_label("Lý do (nghị định hoặc quyết định)").fill("Nghị định 118/2025/NĐ-CP")
    page.get_by_role("button", name="Xem trước").click()

    preview = page.locator("#preview")
    expect(preview.get_by_role("heading", level=2)).to_have_text("Xem trước: chưa có gì thay đổi")
    expect(preview.locator(".preview__procedures li")).to_have_count(before)
    expect(preview.locator(".preview__procedures")).to_contain_text(
        "Thủ tục đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con có yếu tố nước ngoài"
    )
    expect(preview).to_contain_text(today.strftime("%d/%m/%Y"))
    assert remaining_in_68() == (before, total)  # a preview changes nothing

    preview.get_by_role("button", name="Xác nhận chuyển").click()

    batch = ReassignmentBatch.objects.get()
    expect(page).to_have_url(f"{demo_live.url}/catalogue/reassign/{batch.pk}/")
    expect(page.locator(".message--success")).to_have_text("Đã áp dụng việc chuyển thủ tục.")
    expect(page.locator(".batch-progress__status .status")).to_have_text("Đã áp dụng")
    expect(page.locator("#batch-progress-bar")).to_have_attribute("value", "100")
    expect(page.locator("#batch-progress")).not_to_have_attribute("hx-trigger", re.compile("."))
    assert batch.status == ReassignmentBatch.Status.APPLIED
    assert batch.procedures.count() == before

    page.get_by_role("link", name="Chuyển thủ tục của cấp huyện (cũ)").first.click()
    expect(report).to_have_text(
        f"0 trên {total} thủ tục của Lâm Đồng vẫn đang giao cho cấp huyện (cũ)."
    )
    expect(page.locator("#reassign-form .empty")).to_contain_text("Không còn gì cần chuyển")
    page.get_by_role("link", name=f"#{batch.pk}").click()

    page.get_by_label("Lý do hoàn tác").fill("Nhập nhầm ngày hiệu lực")
    page.get_by_role("button", name="Hoàn tác").click()

    expect(page.locator(".message--success")).to_have_text("Đã hoàn tác việc chuyển thủ tục.")
    expect(page.locator(".batch-progress__status .status")).to_have_text("Đã hoàn tác")
    expect(page.get_by_role("button", name="Hoàn tác")).to_have_count(0)
    expect(page.locator(".event-list")).to_contain_text("Nhập nhầm ngày hiệu lực")
    page.get_by_role("link", name="Quay lại trang chuyển thủ tục").click()
    expect(report).to_have_text(
        f"{before} trên {total} thủ tục của Lâm Đồng vẫn đang giao cho cấp huyện (cũ)."
    )
    assert remaining_in_68() == (before, total)
    assert_clean(problems)


def test_reassignment_errors_stay_next_to_their_fields_and_keep_the_input(
    demo_live, phone_page, problems
):
    page = phone_page
    sign_in_staff(page, "province_admin.p68", "/catalogue/reassign/")
    expect(page.locator("#former-district-report")).to_be_visible()
    first_box = page.locator('input[name="procedures"]').first
    first_box.check()
    page.get_by_label("Các xã, phường được chọn").check()
    expect(page.get_by_label("Xã, phường", exact=True)).to_be_visible()
    page.get_by_role("button", name="Xem trước").click()

    expect(page.locator(".field--error")).to_have_count(2)  # date, reason
    expect(page.locator("#reassign-form")).to_contain_text("Hãy chọn ngày hiệu lực.")
    expect(page.locator("#reassign-form")).to_contain_text(
        "Hãy nêu lý do: nghị định hoặc quyết định làm căn cứ cho việc thay đổi."
    )
    expect(page.locator('input[name="procedures"]').first).to_be_checked()
    expect(page.get_by_label("Các xã, phường được chọn")).to_be_checked()
    assert ReassignmentBatch.objects.count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_clean(problems)


def test_batch_page_polls_while_running_and_shows_the_result_when_done(
    demo_live, desktop_page, problems
):
    page = desktop_page
    sign_in_staff(page, "province_admin.p68", "/staff/")
    expect(page.get_by_role("link", name="Lịch sử thay đổi danh mục thủ tục")).to_be_visible()
    admin = ReassignmentBatch._meta.get_field("created_by").related_model.objects.get(
        username="province_admin.p68"
    )
    batch = ReassignmentBatch.objects.create(
        province=Unit.objects.get(code="68"),
        target=ReassignmentBatch.Target.ALL_COMMUNES,
        effective_on=timezone.localdate(),
        reason="Nghị định 118/2025/NĐ-CP",
        status=ReassignmentBatch.Status.RUNNING,
        created_by=admin,
        total=40,
        done=10,
    )
    page.goto(f"/catalogue/reassign/{batch.pk}/")
    expect(page.locator("#batch-progress-bar")).to_have_attribute("value", "25")
    expect(page.locator(".batch-progress__status .status")).to_have_text("Đang thực hiện")

    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        pass  # the fragment asks again within a second
    ReassignmentBatch.objects.filter(pk=batch.pk).update(
        status=ReassignmentBatch.Status.APPLIED, done=40
    )

    expect(page.locator(".batch-progress__status .status")).to_have_text("Đã áp dụng")
    expect(page.get_by_role("button", name="Hoàn tác")).to_be_visible()  # the page reloaded
    expect(page.locator("#batch-progress-bar")).to_have_attribute("value", "100")

    page.goto("/catalogue/history/?procedure=1.001193")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lịch sử thay đổi danh mục thủ tục")
    expect(page.locator("#history-procedure")).to_have_value("1.001193")
    expect(page.locator("tbody tr").first).to_contain_text("1.001193")
    assert_clean(problems)

"""Browser journey of a citizen: sign in with the e-ID, find a procedure, submit it online,
then download the receipt once the agency has received the dossier.

Real Chromium in a phone viewport against the live server (which shares the database with the
test); the browser must see no console error, script error, CSP violation or failed request.
"""

import re
import subprocess

import pytest
from playwright.sync_api import expect

from dossiers import lifecycle
from dossiers.models import Dossier, Status
from portal.models import CitizenProfile
from tests.e2e.conftest import sign_in_citizen
from tests.factories.dossiers import receiver_of

pytestmark = pytest.mark.e2e


def assert_clean(problems):
    assert problems.as_dict() == {
        "console_errors": [],
        "page_errors": [],
        "csp_violations": [],
        "failed_requests": [],
    }


def assert_fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_citizen_submits_birth_registration_on_a_phone_and_downloads_the_receipt(
    demo_live, phone_page, problems, small_pdf, tmp_path
):
    page = phone_page
    an = CitizenProfile.objects.get(cccd="068190000123").user

    sign_in_citizen(page, "Nguyễn Văn An", "/procedures/")
    expect(page.get_by_role("link", name="Hồ sơ của tôi")).to_be_visible()

    with page.expect_response(lambda r: "q=dang" in r.url):
        page.get_by_label("Tên hoặc mã thủ tục").press_sequentially("dang ky khai sinh", delay=20)
    first = page.locator("#results .procedure-list > li").first
    expect(first.locator(".procedure-list__name")).to_have_text("Thủ tục đăng ký khai sinh")
    first.locator(".procedure-list__name").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thủ tục đăng ký khai sinh")

    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    expect(page).to_have_url(f"{demo_live.url}/procedures/1.001193/submit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nộp hồ sơ trực tuyến")
    expect(page.get_by_label("Họ và tên người nộp hồ sơ")).to_have_value("Nguyễn Văn An")
    expect(page.get_by_label("Số căn cước công dân (CCCD)")).to_have_value("068190000123")
    # With JavaScript the commune list follows the province by itself: no extra button.
    expect(page.get_by_role("button", name="Hiện danh sách xã, phường của tỉnh này")).to_have_count(
        0
    )
    assert_fits_the_phone(page)

    page.get_by_label("Điện thoại").fill("0912345678")
    page.get_by_label("Địa chỉ").fill("15 Nguyễn Đình Chiểu")
    commune = page.get_by_label("Xã, phường, đặc khu nơi cư trú")
    with page.expect_response(lambda r: "/submit/communes/" in r.url and "68" in r.url):
        page.get_by_label("Tỉnh, thành phố nơi cư trú").select_option(label="Lâm Đồng")
    commune.select_option(label="Phường Mũi Né")
    expect(commune).to_have_value("22918")
    expect(page.get_by_label("Nơi tiếp nhận hồ sơ").locator("option")).to_contain_text(
        ["Cơ quan giải quyết thủ tục (mặc định)", "Trung tâm Phục vụ hành chính công tỉnh Lâm Đồng"]
    )
    page.get_by_label("Trực tuyến", exact=True).check()
    file_inputs = page.locator("input[type=file]")
    # The declaration and the birth certificate (giấy chứng sinh); the ID is only shown.
    expect(file_inputs).to_have_count(2)
    for index in range(file_inputs.count()):
        file_inputs.nth(index).set_input_files(small_pdf)

    page.get_by_role("button", name="Nộp hồ sơ", exact=True).click()

    expect(page).to_have_url(re.compile(r"/my/dossiers/[0-9.A-Z]+-\d{6}-\d{4}/$"))
    dossier = Dossier.objects.get(applicant=an)
    assert (dossier.status, dossier.applicant_commune_id, dossier.result_delivery) == (
        Status.SUBMITTED,
        "22918",
        "online",
    )
    expect(page.locator(".messages")).to_have_text(f"Đã nộp hồ sơ. Mã hồ sơ: {dossier.code}.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hồ sơ {dossier.code}")
    expect(page.get_by_role("link", name="to-khai-khai-sinh.pdf")).to_have_count(2)
    expect(page.get_by_role("link", name="Tải giấy tiếp nhận")).to_have_count(0)
    assert_fits_the_phone(page)

    # The one-stop desk receives the dossier (through the service, as its page would).
    lifecycle.receive(dossier=dossier, actor=receiver_of(dossier))
    page.reload()
    expect(page.locator(".status").first).to_have_text("Được tiếp nhận")
    with page.expect_download() as info:
        page.get_by_role("link", name="Tải giấy tiếp nhận").click()
    download = info.value
    assert download.suggested_filename == f"giay-tiep-nhan-{dossier.code}.pdf"
    receipt = tmp_path / "receipt.pdf"
    download.save_as(receipt)

    assert receipt.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", str(receipt), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "Nguyễn Văn An" in text
    assert dossier.code in text

    menu = page.get_by_role("navigation", name="Trình đơn chính")
    menu.get_by_role("link", name="Hồ sơ của tôi").click()
    row = page.locator(".dossier-list > li").filter(has_text=dossier.code)
    expect(row.locator(".status").first).to_have_text("Được tiếp nhận")
    assert_fits_the_phone(page)
    assert_clean(problems)

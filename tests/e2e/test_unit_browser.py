"""Browser journeys through the unit registry: live search (htmx), province page, language switch.

Runs in real Chromium against the live server; every journey also checks that the browser saw
no console error, script error, CSP violation or failed request.
"""

import os
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.factories import AgencyFactory
from units.models import AgencyKind, Unit, UnitLevel

pytestmark = pytest.mark.e2e


@pytest.fixture
def registry_live(live_server):
    """The real 34 provinces and 3,321 communes, committed for the live server to read.

    The live server's database is flushed after every test, so each test loads it again
    (about a second on PostgreSQL).
    """
    with open(os.devnull, "w") as devnull:
        call_command("load_units", verbosity=0, stdout=devnull)
    return live_server


def assert_clean(problems):
    assert problems.as_dict() == {
        "console_errors": [],
        "page_errors": [],
        "csp_violations": [],
        "failed_requests": [],
    }


def test_phone_search_finds_province_live_and_opens_its_communes(
    registry_live, phone_page, problems
):
    page = phone_page
    page.goto("/units/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tỉnh, thành phố và xã, phường")
    expect(page.locator("#results .unit-list__name")).to_have_count(34)
    page.evaluate("window.__samePage = true")  # gone if the browser loads a new document

    search = page.get_by_label("Tên hoặc mã xã, phường, tỉnh")
    with page.expect_response(
        lambda r: "q=lam" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        search.press_sequentially("lam dong", delay=30)

    results = page.locator("#results")
    expect(results.get_by_role("heading", level=2)).to_have_text("1 đơn vị khớp với “lam dong”")
    province_link = results.get_by_role("link", name="Lâm Đồng", exact=True)
    expect(province_link).to_be_visible()
    assert page.evaluate("window.__samePage") is True
    expect(page).to_have_url(re.compile(r"/units/\?q=lam(\+|%20)dong$"))
    assert results.get_attribute("aria-live") == "polite"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    province_link.click()

    expect(page).to_have_url(f"{registry_live.url}/units/68/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lâm Đồng")
    commune_count = Unit.objects.filter(parent_id="68", level=UnitLevel.COMMUNE).count()
    communes = page.locator("#communes")
    expect(communes.locator(".results__title")).to_have_text(f"{commune_count} xã, phường, đặc khu")
    expect(communes.locator(".unit-list__name")).to_have_count(commune_count)
    expect(communes.get_by_role("link", name="Phường Xuân Hương - Đà Lạt")).to_be_visible()

    page.evaluate("window.__samePage = true")
    page.get_by_label("Lọc xã, phường theo tên hoặc mã").press_sequentially("cam ly", delay=30)

    expect(communes.locator(".results__title")).to_have_text("1 xã, phường khớp với “cam ly”")
    expect(communes.locator(".unit-list__name")).to_have_text(["Phường Cam Ly - Đà Lạt"])
    expect(page).to_have_url(re.compile(r"/units/68/\?q=cam(\+|%20)ly$"))
    assert page.evaluate("window.__samePage") is True
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert commune_count == 124
    assert_clean(problems)


def test_search_without_accents_finds_numbered_wards_and_says_when_nothing_matches(
    registry_live, phone_page, problems
):
    page = phone_page
    page.goto("/units/")
    search = page.locator("#unit-q")
    results = page.locator("#results")

    search.press_sequentially("phuong 1", delay=30)

    expected = list(
        Unit.objects.filter(search_name__contains="phuong", level=UnitLevel.COMMUNE)
        .filter(search_name__contains="1")
        .order_by("code")
        .values_list("name", flat=True)
    )
    names = results.locator(".unit-list__name")
    expect(names).to_have_text(expected)
    expect(names.filter(has_text=re.compile(r"^Phường 1\b"))).not_to_have_count(0)

    search.fill("zzzz")

    expect(results).to_contain_text("Không tìm thấy đơn vị nào khớp với “zzzz”")
    expect(names).to_have_count(0)

    search.fill("")

    expect(names).to_have_count(34)
    assert_clean(problems)


def test_search_works_without_javascript(registry_live, browser, live_server):
    context = browser.new_context(
        java_script_enabled=False, locale="vi-VN", base_url=live_server.url
    )
    page = context.new_page()
    try:
        page.goto("/units/")
        page.locator("#unit-q").fill("lam dong")
        page.get_by_role("button", name="Tìm kiếm").click()

        expect(page).to_have_url(re.compile(r"/units/\?q=lam(\+|%20)dong$"))
        expect(
            page.locator("#results").get_by_role("link", name="Lâm Đồng", exact=True)
        ).to_be_visible()
    finally:
        context.close()


def test_language_switch_to_english_and_back_keeps_the_search(registry_live, phone_page, problems):
    page = phone_page
    page.goto("/units/")
    page.locator("#unit-q").press_sequentially("lam dong", delay=30)
    expect(page.locator("#results h2")).to_have_text("1 đơn vị khớp với “lam dong”")

    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Provinces and communes")
    expect(page).to_have_url(re.compile(r"/units/\?q=lam(\+|%20)dong$"))
    expect(page.locator("#results h2")).to_have_text("1 unit matches “lam dong”")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-current", "true")

    page.get_by_role("button", name="Tiếng Việt").click()

    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tỉnh, thành phố và xã, phường")
    assert_clean(problems)


def test_pages_load_their_assets_under_the_csp_without_errors(
    registry_live, desktop_page, problems
):
    page = desktop_page
    agency = AgencyFactory(
        unit=Unit.objects.get(code="24781"),
        kind=AgencyKind.COMMUNE_COMMITTEE,
        name="Ủy ban nhân dân phường Xuân Hương - Đà Lạt",
        phone="0263 382 2009",
        email="ubnd.xuanhuong@example.org",
        address="Lâm Đồng",
    )

    response = page.goto("/")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")

    for path, heading in [
        ("/units/", "Tỉnh, thành phố và xã, phường"),
        ("/units/68/", "Lâm Đồng"),
        ("/units/24781/", "Phường Xuân Hương - Đà Lạt"),
        (f"/agencies/{agency.identifier}/", agency.name),
        ("/accounts/login/", "Cán bộ đăng nhập"),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)

    page.goto(f"/agencies/{agency.identifier}/")
    expect(page.get_by_role("link", name="0263 382 2009")).to_have_attribute(
        "href", "tel:02633822009"
    )
    expect(page.get_by_role("link", name=agency.email)).to_have_attribute(
        "href", f"mailto:{agency.email}"
    )
    assert_clean(problems)

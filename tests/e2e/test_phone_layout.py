"""A newcomer's phone (390x844) in real Chromium: the menu folds away, the catalogue's results
come on the first screen, tables scroll inside their box instead of widening the page, every
link, button and radio label is a target of at least 44 px, and axe finds nothing.

Screenshots of the main pages are written to $E2E_SCREENSHOTS (or the test's tmp folder).
"""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from dossiers.lifecycle import dossier_submit
from dossiers.models import Dossier, Status
from portal.models import CitizenProfile
from procedures.models import Procedure
from tests.e2e.conftest import PHONE, sign_in_staff
from units.models import Agency

pytestmark = pytest.mark.e2e

BIRTH = "1.001193"
HOME = "229.18.01.H68"  # the demo committee of Phường Mũi Né, Lâm Đồng
TAP = 44

# Every visible target: links, buttons, summaries, and the labels of radios and checkboxes
# (with the size of the label's box; a radio's label must be 44 px wide as well as high).
SMALL_TARGETS = """
() => {
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 1 && box.height > 1 && style.visibility !== "hidden";
  };
  const name = (el) => (el.innerText || el.value || el.getAttribute("aria-label") || "")
    .trim().replace(/\\s+/g, " ").slice(0, 50);
  const size = (box) => `${Math.round(box.width)}x${Math.round(box.height)}`;
  const small = [];
  document.querySelectorAll("a[href], button, summary, input[type=submit]").forEach((el) => {
    if (!shown(el)) return;
    const box = el.getBoundingClientRect();
    if (box.height < 44) small.push(`${el.tagName} "${name(el)}" ${size(box)}`);
  });
  document.querySelectorAll("input[type=radio], input[type=checkbox]").forEach((input) => {
    const label = input.closest("label")
      || (input.id && document.querySelector(`label[for="${input.id}"]`));
    if (!label || !shown(label)) return;
    const box = label.getBoundingClientRect();
    if (box.height < 44 || box.width < 44) small.push(`LABEL "${name(label)}" ${size(box)}`);
  });
  return small;
}
"""

# What sticks out to the right of the screen (named in a failure).
WIDE_ELEMENTS = """
() => Array.from(document.querySelectorAll("body *"))
  .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1
    && !(el.closest(".table-wrap") && !el.classList.contains("table-wrap")))
  .slice(0, 8)
  .map((el) => `${el.tagName}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`)
"""


def shots_dir(tmp_path) -> Path:
    folder = Path(os.environ.get("E2E_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def check_page(page, axe: Axe, shots: Path | None = None, name: str = "") -> None:
    """The checks every page passes on a phone: the folded menu, the page's width, the targets,
    and axe."""
    page.wait_for_load_state("networkidle")
    menu = page.locator("#site-menu")
    toggle = page.locator("button[aria-controls=site-menu]")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu.get_by_role("link").first).to_be_hidden()
    expect(page.locator("a[href='#site-menu']")).to_be_hidden()  # the no-script stand-in

    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], (page.url, page.evaluate(WIDE_ELEMENTS))
    small = page.evaluate(SMALL_TARGETS)
    assert small == [], (page.url, small)
    if shots is not None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    results = axe.run(page)
    assert results.violations_count == 0, (page.url, results.generate_report())

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link").first).to_be_visible()
    expect(menu.get_by_role("link", name="Thủ tục hành chính")).to_be_visible()
    small = page.evaluate(SMALL_TARGETS)
    assert small == [], (page.url, small)  # the open menu's items too
    toggle.click()
    expect(menu.get_by_role("link").first).to_be_hidden()


def assert_clean(problems):
    assert problems.as_dict() == {
        "console_errors": [],
        "page_errors": [],
        "csp_violations": [],
        "failed_requests": [],
    }


def test_a_signed_out_visitor_on_a_phone(demo_live, phone_page, problems, tmp_path):
    page, axe, shots = phone_page, Axe(), shots_dir(tmp_path)

    page.goto("/")
    sign_in = page.get_by_role("link", name="Đăng nhập VNeID")
    expect(sign_in).to_be_visible()  # in sight without opening the menu
    assert sign_in.get_attribute("href") == "/eid/login/?next=/"
    check_page(page, axe, shots, "home")

    page.goto("/procedures/")
    filters = page.locator("details.filters-panel")
    expect(filters).not_to_have_attribute("open", "")
    expect(page.get_by_label("Lĩnh vực")).to_be_hidden()
    first = page.locator("#results .procedure-list > li").first
    assert first.bounding_box()["y"] < PHONE["height"]
    check_page(page, axe, shots, "catalogue")
    page.locator("details.filters-panel > summary").click()
    expect(page.get_by_label("Lĩnh vực")).to_be_visible()

    page.goto(f"/procedures/{BIRTH}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thủ tục đăng ký khai sinh")
    expect(page.locator("main")).not_to_contain_text("time_unit_assumed")
    check_page(page, axe, shots, "procedure")

    page.goto("/statistics/?province=68")
    check_page(page, axe, shots, "statistics")

    # The staff sign-in is still there, in the menu.
    page.locator("button[aria-controls=site-menu]").click()
    page.get_by_role("link", name="Cán bộ đăng nhập").click()
    expect(page).to_have_url(f"{demo_live.url}/accounts/login/")
    assert_clean(problems)


def test_filters_stay_open_on_a_desktop(demo_live, desktop_page, problems):
    page = desktop_page

    page.goto("/procedures/")

    expect(page.locator("details.filters-panel")).to_have_attribute("open", "")
    expect(page.get_by_label("Lĩnh vực")).to_be_visible()
    expect(page.locator("button[aria-controls=site-menu]")).to_be_hidden()
    menu = page.locator("#site-menu")
    expect(menu.get_by_role("link", name="Thủ tục hành chính")).to_be_visible()
    expect(page.get_by_role("link", name="Đăng nhập VNeID")).to_be_visible()
    assert_clean(problems)


def rateable_dossier_of(user) -> Dossier:
    """A birth registration of ``user`` whose result is ready: the rating form is offered."""
    procedure = Procedure.objects.select_related("current_version").get(code=BIRTH)
    agency = Agency.objects.get(identifier=HOME)
    dossier = dossier_submit(
        version=procedure.current_version,
        agency=agency,
        reception_agency=agency,
        level="commune",
        applicant=user,
        applicant_name=user.citizen_profile.full_name,
        applicant_id_number=user.citizen_profile.cccd,
        applicant_commune=agency.unit,
        case=procedure.current_version.cases.first(),
    )
    # The way there (receive, process, sign) has its own journeys; here only the page counts.
    Dossier.objects.filter(pk=dossier.pk).update(status=Status.RESULT_READY)
    return dossier


def test_a_citizen_on_a_phone(demo_live, phone_page, problems, tmp_path):
    page, axe, shots = phone_page, Axe(), shots_dir(tmp_path)
    an = CitizenProfile.objects.get(cccd="068190000123").user
    dossier = rateable_dossier_of(an)

    page.goto(f"/procedures/{BIRTH}/")
    page.get_by_role("link", name="Đăng nhập VNeID").click()
    page.get_by_role("button", name="Nguyễn Văn An").click()
    expect(page).to_have_url(f"{demo_live.url}/procedures/{BIRTH}/")
    nav = page.get_by_role("navigation", name="Trình đơn chính")
    expect(nav.get_by_role("link", name="Hồ sơ của tôi")).to_be_visible()
    expect(nav.get_by_role("button", name="Đăng xuất")).to_be_visible()

    nav.get_by_role("link", name="Hồ sơ của tôi").click()
    expect(page).to_have_url(f"{demo_live.url}/my/dossiers/")
    check_page(page, axe, shots, "my-dossiers")

    page.goto(f"/my/dossiers/{dossier.code}/")
    expect(page.get_by_role("heading", name="Đánh giá mức độ hài lòng")).to_be_visible()
    radios = page.locator("input[type=radio][name=rating]")
    assert radios.count() >= 2
    check_page(page, axe, shots, "dossier-rating")
    # The whole label is the target: a tap on its text chooses the radio.
    label = page.locator(f"label[for={radios.last.get_attribute('id')}]")
    label.click(position={"x": 200, "y": 10})
    expect(radios.last).to_be_checked()

    nav.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("link", name="Đăng nhập VNeID")).to_be_visible()
    assert_clean(problems)


def test_a_province_administrator_reads_the_reports_on_a_phone(
    demo_live, phone_page, problems, tmp_path
):
    page, axe, shots = phone_page, Axe(), shots_dir(tmp_path)

    sign_in_staff(page, "province_admin.p68", "/reports/")
    expect(page).to_have_url(f"{demo_live.url}/reports/")
    expect(page.locator("#report-from")).not_to_have_value("")
    check_page(page, axe, shots, "reports")

    page.goto("/statistics/")
    expect(page.locator("#stat-province")).to_have_value("68")
    check_page(page, axe, shots, "statistics-staff")
    assert_clean(problems)

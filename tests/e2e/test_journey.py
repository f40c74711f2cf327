"""The whole journey as a newcomer meets it, on a phone: a citizen finds "đăng ký khai sinh"
typed without accents, signs in with the (mock) e-ID from the header, submits with both
documents; the desk receives and forwards; the specialist processes; the leader approves,
generates the result and signs it; the desk returns it; the citizen downloads the one result,
named for people, which poppler's pdfsig trusts. A leader also signs a batch. Every page the
journey visits has no accessibility violation (axe) and the browser sees no error.
"""

import subprocess

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from dossiers.models import Dossier, Status
from dossiers.submission import dossier_submit_online
from portal.models import CitizenProfile
from procedures.models import Procedure
from tests.dossiers.conftest import pdf
from tests.e2e.conftest import DESKTOP, PHONE, _new_page, sign_in_staff
from tests.e2e.test_back_office import assert_clean, signing_code
from tests.factories.dossiers import staff_of
from tests.signatures.conftest import nss_trusting_the_stand_in
from units.models import Role

pytestmark = pytest.mark.e2e


class Accessibility:
    """axe on every page visited: the journey collects what it finds and asserts none."""

    def __init__(self):
        self.axe = Axe()
        self.found: dict[str, str] = {}

    def check(self, page) -> None:
        results = self.axe.run(page)
        if results.violations_count:
            self.found[page.url] = results.generate_report()


def test_the_whole_journey_on_a_phone_ends_with_one_trusted_result(
    demo_live, browser, phone_page, problems, small_pdf, tmp_path
):
    axe = Accessibility()
    contexts = []

    def person(viewport):
        context, page = _new_page(browser, demo_live, problems, viewport)
        contexts.append(context)
        return page

    # The citizen, signed out, finds the procedure by typing without accents…
    citizen = phone_page
    citizen.goto("/procedures/")
    with citizen.expect_response(lambda r: "q=dang" in r.url):
        citizen.get_by_label("Tên hoặc mã thủ tục").press_sequentially(
            "dang ky khai sinh", delay=20
        )
    first = citizen.locator("#results .procedure-list > li").first
    expect(first.locator(".procedure-list__name")).to_have_text("Thủ tục đăng ký khai sinh")
    axe.check(citizen)
    first.locator(".procedure-list__name").click()
    axe.check(citizen)
    # …and signs in from the header with VNeID (the mock e-ID in development).
    citizen.get_by_test_id("citizen-sign-in").click()
    citizen.get_by_role("button", name="Nguyễn Văn An").click()
    citizen.wait_for_url("**/procedures/1.001193/")
    citizen.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    citizen.wait_for_url("**/procedures/1.001193/submit/")
    citizen.get_by_label("Điện thoại").fill("0912345678")
    with citizen.expect_response(lambda r: "/submit/communes/" in r.url and "68" in r.url):
        citizen.get_by_label("Tỉnh, thành phố nơi cư trú").select_option(label="Lâm Đồng")
    citizen.get_by_label("Xã, phường, đặc khu nơi cư trú").select_option(label="Phường Mũi Né")
    citizen.get_by_label("Trực tuyến", exact=True).check()
    files = citizen.locator("input[type=file]")
    expect(files).to_have_count(2)  # the declaration and the birth certificate
    for index in range(files.count()):
        files.nth(index).set_input_files(small_pdf)
    axe.check(citizen)
    citizen.get_by_role("button", name="Nộp hồ sơ", exact=True).click()
    citizen.wait_for_url("**/my/dossiers/*/")
    an = CitizenProfile.objects.get(cccd="068190000123").user
    dossier = Dossier.objects.get(applicant=an)
    code, work = dossier.code, f"/office/dossiers/{dossier.code}/"
    axe.check(citizen)

    # The desk, on a phone: finds it with the one search box and receives it.
    desk = person(PHONE)
    sign_in_staff(desk, "receiver.x22918", "/office/")
    desk.wait_for_url("**/office/")
    axe.check(desk)
    desk.get_by_label("Tìm trong tất cả hàng đợi của bạn").fill(code)
    desk.get_by_label("Tìm trong tất cả hàng đợi của bạn").press("Enter")
    hits = desk.get_by_test_id("search-hits")
    expect(hits.get_by_role("link", name=code)).to_be_visible()
    axe.check(desk)
    hits.get_by_role("link", name=code).click()
    desk.wait_for_url(f"**{work}")
    axe.check(desk)
    desk.get_by_test_id("act-receive").click()
    expect(desk.get_by_test_id("dossier-status")).to_have_attribute("data-status", "2")
    desk.locator("#id_forward_note").fill("Hồ sơ đủ thành phần")
    desk.get_by_test_id("act-forward").click()
    expect(desk.get_by_test_id("dossier-status")).to_have_attribute("data-status", "4")

    # The specialist finds it under "Mine" at once, takes it and forwards it.
    specialist = person(DESKTOP)
    sign_in_staff(specialist, "specialist.x22918", "/office/")
    specialist.wait_for_url("**/office/")
    expect(specialist.get_by_role("link", name=code)).to_be_visible()
    specialist.get_by_role("link", name=code).click()
    specialist.get_by_test_id("act-claim").click()
    specialist.get_by_test_id("act-forward").click()
    facts = specialist.get_by_test_id("dossier-status")
    expect(facts).not_to_have_attribute("data-step", "specialist")
    if facts.get_attribute("data-step") == "department_head":
        head = person(DESKTOP)
        sign_in_staff(head, "department_head.x22918", work)
        head.wait_for_url(f"**{work}")
        head.get_by_test_id("act-forward").click()

    # The leader approves, generates the result and signs it with the authenticator's code.
    leader_user = staff_of(dossier.agency, Role.LEADER)
    leader = person(DESKTOP)
    sign_in_staff(leader, "leader.x22918", work)
    leader.wait_for_url(f"**{work}")
    leader.get_by_test_id("act-approve").click()
    expect(leader.get_by_test_id("dossier-status")).to_have_attribute("data-step", "signature")
    leader.get_by_test_id("act-attach_result-generate").click()
    code_now = signing_code(leader_user)
    axe.check(leader)
    leader.locator("#id_issue_result_otp_token").fill(code_now())
    leader.get_by_test_id("act-issue_result").click()
    expect(leader.get_by_test_id("dossier-status")).to_have_attribute("data-status", "9")

    # The desk returns it from "ready to return".
    desk.goto("/office/?queue=return")
    desk.get_by_role("link", name=code).click()
    desk.get_by_test_id("act-return_result").click()
    expect(desk.get_by_test_id("dossier-status")).to_have_attribute("data-status", "10")

    # The citizen downloads the one result, named for people, and pdfsig trusts it.
    citizen.goto(f"/my/dossiers/{code}/")
    results = citizen.locator(".results a.download")
    expect(results).to_have_count(1)
    expect(results).to_have_text(f"Kết quả - {code}.pdf")
    axe.check(citizen)
    with citizen.expect_download() as info:
        results.click()
    assert info.value.suggested_filename == f"Kết quả - {code}.pdf"
    signed = tmp_path / "ket-qua.pdf"
    info.value.save_as(signed)
    report = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss_trusting_the_stand_in(tmp_path)}", str(signed)],
        capture_output=True,
        text=True,
    )
    assert "Signature is Valid" in report.stdout, report.stdout + report.stderr
    assert "Certificate is Trusted" in report.stdout, report.stdout + report.stderr
    assert Dossier.objects.get(pk=dossier.pk).status == Status.RETURNED

    for context in contexts:
        context.close()
    assert axe.found == {}
    assert_clean(problems)


def to_signature(dossier, leader):
    from dossiers import lifecycle
    from dossiers.models import Step

    agency = dossier.agency
    d = lifecycle.receive(dossier=dossier, actor=staff_of(agency, Role.RECEIVER))
    d = lifecycle.forward(dossier=d, actor=staff_of(agency, Role.RECEIVER))
    while d.step != Step.LEADER:
        d = lifecycle.forward(dossier=d, actor=staff_of(agency, Role(d.step)))
    d = lifecycle.approve(dossier=d, actor=leader)
    lifecycle.attach_result(dossier=d, actor=leader)
    return d


def test_a_leader_signs_a_batch_from_the_signature_queue(
    demo_live, browser, desktop_page, problems
):
    an = CitizenProfile.objects.get(cccd="068190000123").user
    procedure = Procedure.objects.get(code="1.001193")
    case = procedure.current_version.cases.first()
    leader_user = None
    codes = []
    for _ in range(3):
        dossier = dossier_submit_online(
            applicant=an,
            procedure=procedure,
            files={c.pk: pdf() for c in case.components.all() if c.originals or c.copies},
            data={"applicant_commune": "22918", "applicant_phone": "0912345678"},
        )
        leader_user = staff_of(dossier.agency, Role.LEADER)
        codes.append(to_signature(dossier, leader_user).code)
    axe = Accessibility()

    page = desktop_page
    sign_in_staff(page, "leader.x22918", "/office/?queue=signature")
    page.wait_for_url("**/office/?queue=signature")
    # The authenticator that confirms the batch (after sign-in: a code the sign-in page tried
    # against it would make it wait, as django-otp throttles a device after a wrong code).
    code_now = signing_code(leader_user)
    page.get_by_test_id("sign-batch-link").click()
    page.wait_for_url("**/office/sign/")
    axe.check(page)
    for code in codes:
        page.get_by_label(code).check()
    page.get_by_label("Mã từ ứng dụng xác thực").fill(code_now())
    page.get_by_test_id("batch-sign").click()

    signed = page.get_by_test_id("batch-signed")
    for code in codes:
        expect(signed.get_by_role("link", name=code)).to_be_visible()
    axe.check(page)
    for code in codes:
        assert Dossier.objects.get(code=code).status == Status.RESULT_READY
    assert axe.found == {}
    assert_clean(problems)

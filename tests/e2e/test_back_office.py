"""Browser journey of the back office: a dossier the citizen submitted online goes from the
one-stop desk to the specialist, to the leader who signs the result, and back to the desk that
returns it; after each status the citizen's own page shows it.

Real Chromium against the live server, every person in their own browser context, signed in
as they would be (staff: password and authenticator code; the citizen: the mock e-ID). The
receiver works on a phone, the others on desktops. Elements are found by role, label, id or
test id, never by their Vietnamese text, and the pages are in Vietnamese (the default). The
browser must see no console error, script error, CSP violation or failed request.
"""

import os
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.text import capfirst
from playwright.sync_api import expect

from dossiers.models import Dossier, Status
from dossiers.submission import dossier_submit_online
from portal.models import CitizenProfile
from procedures.models import Procedure
from tests.dossiers.conftest import pdf
from tests.e2e.conftest import (
    DEMO_PASSWORD,
    DESKTOP,
    PHONE,
    _new_page,
    sign_in_citizen,
    sign_in_staff,
)
from tests.factories.dossiers import staff_of
from units.models import Role

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_desk(live_server):
    """The demo units, catalogue, agencies and staff, committed for the live server; without
    the demo's own dossiers, whose signed results would run pyHanko's event loop inside
    Playwright's (asyncio refuses), and which this journey does not need."""
    with open(os.devnull, "w") as devnull:
        call_command(
            "load_units",
            "--former-districts",
            "units/data/former_districts_68.csv",
            verbosity=0,
            stdout=devnull,
        )
        call_command(
            "load_demo",
            "--password",
            DEMO_PASSWORD,
            "--quiet-logins",
            "--without-dossiers",
            stdout=devnull,
        )
    return live_server


def shown(status: int) -> str:
    """How a status reads on the pages (Vietnamese, the portal's default)."""
    with translation.override("vi"):
        return capfirst(str(Status(status).label))


def assert_clean(problems):
    assert problems.as_dict() == {
        "console_errors": [],
        "page_errors": [],
        "csp_violations": [],
        "failed_requests": [],
    }


def assert_fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def signing_code(leader) -> Callable[[], str]:
    """The leader's signing certificate (a position of the agency) and a second authenticator:
    the code used to sign in cannot be used again to sign."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from signatures import ca
    from signatures.models import Position

    agency = leader.memberships.get(role=Role.LEADER).agency
    position, _made = Position.objects.get_or_create(
        agency=agency, code="CT-UBND", defaults={"title": "Chủ tịch UBND", "holder": leader}
    )
    ca.issue(holder=leader, position=position)
    device = TOTPDevice.objects.create(user=leader, name="signing token", confirmed=True)

    def code() -> str:
        value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        return f"{value:0{device.digits}d}"

    return code


def test_a_dossier_goes_through_the_back_office_and_the_citizen_follows_it(
    demo_desk, browser, phone_page, problems
):
    an = CitizenProfile.objects.get(cccd="068190000123").user
    procedure = Procedure.objects.get(code="1.001193")
    case = procedure.current_version.cases.first()
    dossier = dossier_submit_online(
        applicant=an,
        procedure=procedure,
        files={c.pk: pdf() for c in case.components.all() if c.originals or c.copies},
        data={"applicant_commune": "22918", "applicant_phone": "0912345678"},
    )
    code, work = dossier.code, f"/office/dossiers/{dossier.code}/"
    contexts = []

    def person(viewport):
        context, page = _new_page(browser, demo_desk, problems, viewport)
        contexts.append(context)
        return page

    citizen = person(PHONE)
    sign_in_citizen(citizen, "Nguyễn Văn An", f"/my/dossiers/{code}/")

    def citizen_sees(status: int) -> None:
        citizen.reload()
        expect(citizen.locator(".status").first).to_have_text(shown(status))

    def stands_at(page, status: int, step: str = "") -> None:
        facts = page.get_by_test_id("dossier-status")
        expect(facts).to_have_attribute("data-status", str(status))
        expect(facts).to_have_attribute("data-step", step)

    citizen_sees(Status.SUBMITTED)

    # The receiver, on a phone, takes it from the reception queue and accepts it.
    desk = phone_page
    sign_in_staff(desk, "receiver.x22918", "/office/")
    desk.wait_for_url("**/office/")
    expect(desk.get_by_test_id("queue-reception")).to_have_attribute("aria-current", "page")
    # The tabs' counts arrive by themselves right after the list (htmx).
    expect(desk.get_by_test_id("count-reception")).to_have_text("1")
    expect(desk.get_by_test_id("queue-reception")).to_have_attribute("aria-current", "page")
    assert_fits_the_phone(desk)
    desk.get_by_role("link", name=code).click()
    desk.wait_for_url(f"**{work}")
    stands_at(desk, Status.SUBMITTED)
    expect(desk.get_by_test_id("receipt-link")).to_have_count(0)
    assert_fits_the_phone(desk)
    desk.get_by_test_id("act-receive").click()
    stands_at(desk, Status.RECEIVED)
    expect(desk.get_by_test_id("receipt-link")).to_be_visible()
    citizen_sees(Status.RECEIVED)

    desk.locator("#id_forward_note").fill("Hồ sơ đủ thành phần")
    desk.get_by_test_id("act-forward").click()
    stands_at(desk, Status.IN_PROCESSING, "specialist")
    citizen_sees(Status.IN_PROCESSING)

    # The specialist takes it in hand and sends it along the workflow.
    specialist = person(DESKTOP)
    sign_in_staff(specialist, "specialist.x22918", work)
    specialist.wait_for_url(f"**{work}")
    specialist.get_by_test_id("act-claim").click()
    expect(specialist.get_by_test_id("form-claim")).to_have_count(0)
    specialist.get_by_test_id("act-forward").click()
    facts = specialist.get_by_test_id("dossier-status")
    expect(facts).not_to_have_attribute("data-step", "specialist")
    if facts.get_attribute("data-step") == "department_head":
        # Workflows with a department head: they forward it to the leader in turn.
        head = person(DESKTOP)
        sign_in_staff(head, "department_head.x22918", work)
        head.wait_for_url(f"**{work}")
        head.get_by_test_id("act-forward").click()
        stands_at(head, Status.IN_PROCESSING, "leader")
    specialist.reload()
    stands_at(specialist, Status.IN_PROCESSING, "leader")

    # The leader approves from their queue, generates the result, signs it and issues it.
    leader_user = staff_of(dossier.agency, Role.LEADER)
    leader = person(DESKTOP)
    sign_in_staff(leader, "leader.x22918", "/office/")
    leader.wait_for_url("**/office/")
    expect(leader.get_by_test_id("queue-leader")).to_have_attribute("aria-current", "page")
    leader.get_by_role("link", name=code).click()
    leader.locator("#id_approve_note").fill("Đồng ý")
    leader.get_by_test_id("act-approve").click()
    stands_at(leader, Status.IN_PROCESSING, "signature")
    leader.get_by_test_id("act-attach_result-generate").click()
    expect(leader.get_by_role("link", name=f"ket-qua-{code}.pdf")).to_be_visible()
    code_now = signing_code(leader_user)
    leader.locator("#id_issue_result_otp_token").fill(code_now())
    leader.get_by_test_id("act-issue_result").click()
    stands_at(leader, Status.RESULT_READY)
    citizen_sees(Status.RESULT_READY)

    # Back at the desk: the result is returned from the "ready to return" queue.
    desk.goto("/office/?queue=return")
    desk.get_by_role("link", name=code).click()
    desk.get_by_test_id("act-return_result").click()
    stands_at(desk, Status.RETURNED)
    citizen_sees(Status.RETURNED)
    assert Dossier.objects.get(pk=dossier.pk).status == Status.RETURNED

    for context in contexts:
        context.close()
    assert_clean(problems)

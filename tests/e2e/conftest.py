"""A real Chromium (the system /usr/bin/chromium) driven by Playwright, for browser journeys.

A missing browser fails the run with a clear message; journeys never skip.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# Runs in every page before its own scripts (CDP injects it, so the CSP does not block it) and
# reports each CSP violation back to the test through an exposed binding.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile || document.location.href}:${e.lineNumber}`);
});
"""


@dataclass
class BrowserProblems:
    """What went wrong in the browser while a test ran; a clean journey leaves all empty."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "console_errors": self.console_errors,
            "page_errors": self.page_errors,
            "csp_violations": self.csp_violations,
            "failed_requests": self.failed_requests,
        }


@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}. The browser journeys need it: "
            "apt-get install -y chromium (or set E2E_CHROMIUM to its path). They never skip.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread, and Django refuses database
    # calls from a thread with a running loop; the test's own ORM calls are plain sync code.
    # Package scope: the loop and the relaxed check end with the last journey, before any
    # other test (pytest-django runs transactional tests, which these are, after the rest).
    with pytest.MonkeyPatch.context() as mp, sync_playwright() as playwright:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _new_page(browser, live_server, problems: BrowserProblems, viewport: dict):
    context = browser.new_context(viewport=viewport, locale="vi-VN", base_url=live_server.url)
    context.set_default_timeout(10_000)
    context.expose_function(
        "__reportCspViolation", lambda violation: problems.csp_violations.append(violation)
    )
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    own_host = urlparse(live_server.url).netloc

    def on_console(message):
        if message.type == "error":
            problems.console_errors.append(f"{message.text} ({message.location.get('url')})")

    def on_response(response):
        if urlparse(response.url).netloc == own_host and response.status >= 400:
            problems.failed_requests.append(f"{response.status} {response.url}")

    def on_request_failed(request):
        # A request cut short because the test moved on to the next page is not a fault.
        if request.failure != "net::ERR_ABORTED":
            problems.failed_requests.append(f"{request.failure} {request.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.page_errors.append(str(error)))
    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)
    return context, page


@pytest.fixture
def problems():
    return BrowserProblems()


@pytest.fixture
def phone_page(browser, live_server, problems):
    """A page in a 390x844 phone viewport, Vietnamese browser, every problem recorded."""
    context, page = _new_page(browser, live_server, problems, PHONE)
    yield page
    context.close()


@pytest.fixture
def desktop_page(browser, live_server, problems):
    """A page in a 1280x900 desktop viewport, Vietnamese browser, every problem recorded."""
    context, page = _new_page(browser, live_server, problems, DESKTOP)
    yield page
    context.close()


DEMO_PASSWORD = "e2e-demo-Passw0rd!"


@pytest.fixture
def demo_live(live_server):
    """The real units (with Lâm Đồng's former districts), the demo catalogue, agencies and staff,
    committed for the live server to read (flushed after each test, so loaded per test)."""
    from django.core.management import call_command

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


def sign_in_staff(page, username: str, next_path: str) -> None:
    """Password, then the current TOTP code of a confirmed device, as a real official signs in."""
    from django.contrib.auth import get_user_model
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.get(username=username)
    device = TOTPDevice.objects.create(user=user, name="e2e phone", confirmed=True)
    page.goto(f"/accounts/login/?next={next_path}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/accounts/otp/**")
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    page.locator("#id_token").fill(f"{code:0{device.digits}d}")
    page.locator("main form button[type=submit]").click()


def sign_in_citizen(page, full_name: str, next_path: str = "/") -> None:
    """Through the mock e-ID page, as a citizen picks a test identity; lands on ``next_path``."""
    page.goto(f"/eid/mock/?next={next_path}")
    page.get_by_role("button", name=full_name).click()
    page.wait_for_url(f"**{next_path}")


@pytest.fixture
def small_pdf(tmp_path) -> Path:
    """A tiny but genuine PDF file to upload as a dossier document."""
    path = tmp_path / "to-khai-khai-sinh.pdf"
    path.write_bytes(
        b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return path

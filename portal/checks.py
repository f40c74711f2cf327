"""System checks that keep development-only parts out of production.

A production server (DEBUG off) must talk to the real National Public Service Portal: without
``NATIONAL_PORTAL_URL`` the sync would call a stand-in, and the stand-in would hold citizens'
data for anyone to read. These are errors, not deployment warnings, so ``manage.py check``,
``check --deploy``, ``migrate`` and the WSGI entry point (``portal/wsgi.py``) all refuse to go on.
"""

import sys

from django.conf import settings
from django.core import checks

from sync.standin import DEFAULT_PASSWORD, DEFAULT_USERNAME

TAG = "production_safety"


# Commands that write code or text from the code (migrations, translations, the schema) run
# no part of the portal: they need no national portal, in any mode.
CODE_COMMANDS = {"makemigrations", "makemessages", "compilemessages", "spectacular"}


def _writing_code() -> bool:
    return len(sys.argv) > 1 and sys.argv[0].endswith("manage.py") and sys.argv[1] in CODE_COMMANDS


@checks.register(TAG)
def development_parts_off_in_production(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG or _writing_code():
        return []
    errors = []
    url = settings.NATIONAL_PORTAL_URL or ""
    if not url or "/_standin/" in url:
        errors.append(
            checks.Error(
                "NATIONAL_PORTAL_URL is not set: with DEBUG off the portal must sync with the "
                "real National Public Service Portal, never the development stand-in.",
                hint="Set NATIONAL_PORTAL_URL, NATIONAL_PORTAL_USERNAME and "
                "NATIONAL_PORTAL_PASSWORD (docs/deployment.md), or DEBUG=1 for development.",
                id="portal.E001",
            )
        )
    username, password = settings.NATIONAL_PORTAL_USERNAME, settings.NATIONAL_PORTAL_PASSWORD
    if not username or not password or password == DEFAULT_PASSWORD:
        errors.append(
            checks.Error(
                "NATIONAL_PORTAL_USERNAME and NATIONAL_PORTAL_PASSWORD must be the credentials "
                "the National Public Service Portal issued, not empty or the stand-in's default.",
                hint=f"The stand-in's well-known account is {DEFAULT_USERNAME!r} with its "
                "default password; set both variables.",
                id="portal.E002",
            )
        )
    if settings.NATIONAL_PORTAL_STANDIN:
        errors.append(
            checks.Error(
                "NATIONAL_PORTAL_STANDIN is on with DEBUG off: the stand-in national portal "
                "is for development only.",
                id="portal.E003",
            )
        )
    if settings.EID_MOCK_ENABLED and not getattr(settings, "TESTING", False):
        errors.append(
            checks.Error(
                "EID_MOCK_ENABLED is on with DEBUG off: the mock e-ID lets anyone sign in as "
                "any citizen and is for development only.",
                id="portal.E004",
            )
        )
    url = settings.PAYMENT_GATEWAY_URL or ""
    if (
        not url
        or "/_standin/" in url
        or settings.PAYMENT_GATEWAY_STANDIN
        or not settings.PAYMENT_GATEWAY_SECRET
    ):
        errors.append(
            checks.Error(
                "PAYMENT_GATEWAY_URL and PAYMENT_GATEWAY_SECRET are not set: with DEBUG off fees "
                "are paid through the real national payment platform, never the development "
                "stand-in gateway.",
                hint="Set PAYMENT_GATEWAY_URL, PAYMENT_MERCHANT_ID and PAYMENT_GATEWAY_SECRET "
                "(docs/payment-gateway-contract.md), or DEBUG=1 for development.",
                id="portal.E005",
            )
        )
    return errors


def production_errors() -> list[checks.CheckMessage]:
    """The serious messages of these checks, for entry points that run no management command."""
    return [m for m in checks.run_checks(tags=[TAG]) if m.is_serious()]

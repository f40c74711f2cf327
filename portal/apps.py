from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal and accounts")

    def ready(self) -> None:
        from portal import checks  # noqa: F401 - registers the production-safety checks
        from portal.authentication import national_token_check
        from sync.inbound import API_TOKEN_CHECKS

        # The national portal's inbound push also takes API clients' tokens (national scope).
        if national_token_check not in API_TOKEN_CHECKS:
            API_TOKEN_CHECKS.append(national_token_check)

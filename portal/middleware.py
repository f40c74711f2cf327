"""Staff must pass the second factor before any back-office page or API call."""

from django.conf import settings
from django.http import JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from units.selectors import user_is_staff_member

# Paths a signed-in staff member may reach before the second factor.
OPEN_PREFIXES = ("/static/", "/i18n/", "/health/", "/accounts/", "/favicon")


class StaffSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._needs_second_factor(request):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "detail": _("Confirm your second factor (TOTP) before using the API."),
                        "code": "otp_required",
                    },
                    status=403,
                )
            target = reverse("portal:otp-verify")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _needs_second_factor(request) -> bool:
        if not settings.STAFF_OTP_REQUIRED:
            return False
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return False
        if request.path.startswith(OPEN_PREFIXES) or request.path == "/":
            return False
        return user_is_staff_member(user)


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages are Vietnamese unless the visitor chose English with the language switch.

    Many citizens' phones are set to English; the browser's Accept-Language would otherwise
    turn a Vietnamese public service into an English one. API clients, which ask explicitly,
    still get the language of their Accept-Language header.
    """

    def process_request(self, request):
        if request.path.startswith("/api/"):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

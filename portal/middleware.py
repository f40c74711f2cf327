"""Staff must pass the second factor before any back-office page or API call."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
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
            return redirect(f"{target}?next={request.get_full_path()}")
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

"""The site shell: home page, staff sign-in with a second factor, the staff start page."""

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.clientip import client_ip
from portal.forms import StaffLoginForm, TokenForm
from portal.models import SignInEvent
from portal.services import sign_in_event_record, totp_device_confirm, totp_device_start
from units.selectors import (
    memberships_of,
    province_list_with_counts,
    provinces_administered_by,
)


def home(request):
    provinces = province_list_with_counts()
    return render(
        request,
        "portal/home.html",
        {"province_count": provinces.count(), "provinces": provinces[:34]},
    )


class StaffLoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        sign_in_event_record(
            request=self.request,
            kind=SignInEvent.Kind.PASSWORD_OK,
            username=user.username,
            user=user,
        )
        response = super().form_valid(form)
        if settings.STAFF_OTP_REQUIRED:
            target = "portal:otp-verify"
            if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                target = "portal:otp-setup"
            return redirect(with_next(reverse(target), self.get_success_url()))
        return response

    def post(self, request, *args, **kwargs):
        # Past the per-address limit nothing is checked, so guessing across accounts stops; the
        # per-account lockout (axes) counts each account from each address on its own.
        if address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            sign_in_event_record(
                request=request,
                kind=SignInEvent.Kind.LOCKED_OUT,
                username=request.POST.get("username", ""),
            )
            form = self.get_form()
            form.errors.clear()
            form.add_error(
                None,
                _(
                    "Too many failed sign-ins from your connection. Please wait %(minutes)d "
                    "minutes and try again."
                )
                % {"minutes": settings.LOGIN_ADDRESS_WINDOW_SECONDS // 60},
            )
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(settings.LOGIN_ADDRESS_WINDOW_SECONDS)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        locked = getattr(self.request, "axes_locked_out", False)
        if not locked:
            address_failure_count(self.request)
        sign_in_event_record(
            request=self.request,
            kind=SignInEvent.Kind.LOCKED_OUT if locked else SignInEvent.Kind.PASSWORD_FAILED,
            username=self.request.POST.get("username", ""),
        )
        return super().form_invalid(form)


def _address_key(request) -> str:
    return f"login-failures:{client_ip(request)}"


def address_failures(request) -> int:
    """Failed sign-ins from the client's address in the window. Without the cache (Redis down)
    this limit fails open: the per-account lockout, kept in the database, still holds."""
    try:
        return int(cache.get(_address_key(request)) or 0)
    except Exception:
        return 0


def address_failure_count(request) -> None:
    key, window = _address_key(request), settings.LOGIN_ADDRESS_WINDOW_SECONDS
    try:
        if not cache.add(key, 1, timeout=window):
            cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
    except Exception:  # noqa: S110 - the cache is down: fail open (see above)
        pass


def with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}"


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or reverse("portal:staff-home")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return reverse("portal:staff-home")
    return target


THROTTLED = gettext_lazy(
    "Too many wrong codes: wait a few seconds, then enter the code your app shows now."
)


@login_required
def otp_verify(request):
    """Second step of a staff sign-in: a TOTP code from the enrolled authenticator app."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True))
    if not devices:
        return redirect(with_next(reverse("portal:otp-setup"), _next_url(request)))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        if not any(device.verify_is_allowed()[0] for device in devices):
            form.add_error("token", THROTTLED)
            return render(
                request, "portal/otp_verify.html", {"form": form, "next": _next_url(request)}
            )
        for device in devices:
            if device.verify_token(token):
                otp_login(request, device)
                sign_in_event_record(
                    request=request,
                    kind=SignInEvent.Kind.OTP_OK,
                    username=request.user.username,
                    user=request.user,
                )
                return redirect(_next_url(request))
        sign_in_event_record(
            request=request,
            kind=SignInEvent.Kind.OTP_FAILED,
            username=request.user.username,
            user=request.user,
        )
        form.add_error("token", _("The code is wrong or has expired. Try the current code."))
    return render(request, "portal/otp_verify.html", {"form": form, "next": _next_url(request)})


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@login_required
def otp_setup(request):
    """Enrol an authenticator app: scan the QR code, then confirm with one code."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(with_next(reverse("portal:otp-verify"), _next_url(request)))
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = totp_device_start(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not device.verify_is_allowed()[0]:
        form.add_error("token", THROTTLED)
    elif request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            totp_device_confirm(device=device)
            otp_login(request, device)
            sign_in_event_record(
                request=request,
                kind=SignInEvent.Kind.OTP_ENROLLED,
                username=request.user.username,
                user=request.user,
            )
            messages.success(request, _("Your authenticator app is set up."))
            return redirect(_next_url(request))
        form.add_error("token", _("The code does not match. Check the time on your phone."))
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "portal/otp_setup.html",
        {
            "form": form,
            "qr_svg": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - our own SVG
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": _next_url(request),
        },
    )


@require_POST
def logout(request):
    if request.user.is_authenticated:
        sign_in_event_record(
            request=request,
            kind=SignInEvent.Kind.SIGNED_OUT,
            username=request.user.username,
            user=request.user,
        )
    auth_logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("portal:home")


@login_required
def staff_home(request):
    """The staff start page; it links only to the pages this user may open."""
    memberships = memberships_of(user=request.user)
    return render(
        request,
        "portal/staff_home.html",
        {
            "memberships": memberships,
            "administers_province": provinces_administered_by(request.user).exists(),
        },
    )


def page_not_found(request, exception=None):
    """404 as JSON under /api/, as a Vietnamese page elsewhere."""
    if request.path.startswith("/api/"):
        from portal.api import json_not_found

        return json_not_found(request, exception)
    return render(request, "404.html", status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        from portal.api import json_server_error

        return json_server_error(request)
    return render(request, "500.html", status=500)

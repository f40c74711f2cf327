"""Citizen sign-in with the national electronic identity (VNeID).

Real deployments use OpenID Connect against the identity provider (configured by the
``OIDC_*`` environment variables, see README). Embedded and test modes offer this mock e-ID
page instead, where one picks a test identity: it creates or refreshes the citizen profile
exactly as the real provider's claims would, then signs the citizen in.
"""

from django import forms
from django.conf import settings
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import CitizenProfile, IdentityLevel
from portal.services import citizen_upsert


class MockIdentityForm(forms.Form):
    cccd = forms.CharField(
        label=gettext_lazy("Citizen ID (CCCD) number"),
        max_length=12,
        min_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": gettext_lazy("Enter the 12-digit CCCD number.")},
    )
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=200)
    date_of_birth = forms.DateField(
        label=gettext_lazy("Date of birth"),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Enter a date as dd/mm/yyyy.")},
    )
    identity_level = forms.TypedChoiceField(
        label=gettext_lazy("Identity level"),
        choices=IdentityLevel.choices,
        coerce=int,
        initial=IdentityLevel.LEVEL_2,
    )
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=20, required=False)
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        from portal.validators import validate_cccd

        try:
            validate_cccd(data["cccd"], date_of_birth=data["date_of_birth"])
        except ValidationError as exc:
            self.add_error("cccd", exc)
        return data


def eid_login(request):
    """Where citizens sign in: the real e-ID when configured, else the mock (development)."""
    query = request.GET.urlencode()
    if settings.EID_OIDC_ENABLED:
        target = reverse("oidc_authentication_init")
    elif settings.EID_MOCK_ENABLED:
        target = reverse("portal:eid-mock")
    else:
        raise PermissionDenied(_("Citizen sign-in is not configured on this portal."))
    return redirect(f"{target}?{query}" if query else target)


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return "/"
    return target


def mock_eid(request):
    """Pick a test identity (embedded and test modes only)."""
    if not settings.EID_MOCK_ENABLED:
        raise PermissionDenied(_("The mock e-ID is disabled in this deployment."))
    form = MockIdentityForm(request.POST or None)
    if request.method == "POST" and request.POST.get("pick"):
        profile = CitizenProfile.objects.filter(cccd=request.POST["pick"]).first()
        if profile is not None:
            return _sign_in(request, profile)
        form.add_error(None, _("This test identity does not exist."))
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        profile = citizen_upsert(
            cccd=data["cccd"],
            full_name=data["full_name"],
            date_of_birth=data["date_of_birth"],
            identity_level=data["identity_level"],
            phone=data["phone"],
            email=data["email"],
            vneid_verified=data["identity_level"] == IdentityLevel.LEVEL_2,
        )
        return _sign_in(request, profile)
    return render(
        request,
        "portal/mock_eid.html",
        {
            "form": form,
            "identities": CitizenProfile.objects.order_by("full_name")[:20],
            "next": _next(request),
        },
    )


def _sign_in(request, profile: CitizenProfile):
    login(request, profile.user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(_next(request))

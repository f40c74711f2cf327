from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from portal import tokens
from portal.models import CitizenProfile, SignInEvent, User
from portal.models_tokens import ApiClient, ApiToken, ApiTokenEvent, TokenScope

admin.site.site_header = _("Two-tier portal administration")
admin.site.site_title = _("Portal administration")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "email", "is_active", "is_staff", "last_login"]
    search_fields = ["username", "full_name", "email"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "email")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )


@admin.register(CitizenProfile)
class CitizenProfileAdmin(admin.ModelAdmin):
    list_display = ["cccd", "full_name", "identity_level", "vneid_verified", "updated_at"]
    search_fields = ["cccd", "full_name"]
    readonly_fields = [f.name for f in CitizenProfile._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(SignInEvent)
class SignInEventAdmin(admin.ModelAdmin):
    list_display = ["at", "username", "kind", "ip_address"]
    list_filter = ["kind"]
    search_fields = ["username", "ip_address"]
    readonly_fields = ["at", "user", "username", "kind", "ip_address", "user_agent"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- API clients and tokens (services in portal.tokens; the secret is shown once) ---------------


class ApiClientForm(forms.ModelForm):
    class Meta:
        model = ApiClient
        fields = ["name", "agency", "owner", "description"]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = ["name", "agency", "owner", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "agency__identifier", "agency__name", "owner__username"]
    autocomplete_fields = ["agency", "owner"]

    def get_queryset(self, request):
        return tokens.clients_administered_by(request.user)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        try:
            saved = tokens.api_client_create(
                actor=request.user,
                agency=data["agency"],
                owner=data["owner"],
                name=data["name"],
                description=data["description"],
            )
        except tokens.TokenError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False


class ApiTokenForm(forms.ModelForm):
    scope_choices = forms.MultipleChoiceField(
        label=_("scopes"), choices=TokenScope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiToken
        fields = ["client", "scope_choices", "expires_at", "note"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["prefix", "client", "scopes", "created_at", "expires_at", "revoked_at"]
    list_display += ["last_used_at", "last_used_ip"]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "client__name", "client__agency__identifier"]
    actions = ["revoke"]

    def get_queryset(self, request):
        return tokens.tokens_administered_by(request.user)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ApiToken._meta.fields] if obj else []

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj) or super().get_fields(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            issued = tokens.api_token_issue(
                actor=request.user,
                client=data["client"],
                scopes=data["scope_choices"],
                expires_at=data["expires_at"],
                note=data["note"],
                request=request,
            )
        except tokens.TokenError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        obj.pk = issued.token.pk
        messages.warning(
            request,
            _("Copy the token now, it is not shown again: %(secret)s") % {"secret": issued.secret},
        )

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            tokens.api_token_revoke(actor=request.user, token=token, request=request)


@admin.register(ApiTokenEvent)
class ApiTokenEventAdmin(admin.ModelAdmin):
    list_display = ["at", "token", "kind", "actor", "ip_address", "method", "path"]
    list_filter = ["kind"]
    search_fields = ["token__prefix", "ip_address", "path"]
    readonly_fields = ["at", "token", "kind", "actor", "ip_address", "method", "path", "detail"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(token__in=tokens.tokens_administered_by(request.user))
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from portal.models import CitizenProfile, SignInEvent, User

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

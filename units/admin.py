from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from units import services
from units.models import Agency, Membership, Succession, Unit, UnitRevision


class ReadOnlyAdmin(admin.ModelAdmin):
    """The registry changes only through load_units: the admin shows it, never edits it."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RevisionInline(admin.TabularInline):
    model = UnitRevision
    extra = 0
    can_delete = False
    fields = ["changed_on", "name", "type", "new_name", "new_type", "source"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class SuccessionInline(admin.TabularInline):
    model = Succession
    fk_name = "predecessor"
    extra = 0
    can_delete = False
    fields = ["successor", "effective_on", "note"]
    readonly_fields = fields
    verbose_name = _("successor commune")
    verbose_name_plural = _("successor communes")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "type", "parent", "valid_from", "valid_to"]
    list_filter = ["level", "type"]
    search_fields = ["code", "name", "search_name"]
    inlines = [SuccessionInline, RevisionInline]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["identifier", "name", "kind", "unit", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["identifier", "name", "search_name"]
    autocomplete_fields = ["unit"]
    fields = ["identifier", "name", "unit", "kind", "address", "phone", "email"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.agency_upsert(
            identifier=data["identifier"],
            name=data["name"],
            unit=data["unit"],
            kind=data["kind"],
            address=data["address"],
            phone=data["phone"],
            email=data["email"],
        )
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "user__full_name", "agency__name", "agency__identifier"]
    autocomplete_fields = ["user", "agency"]
    fields = ["user", "agency", "role"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.membership_grant(
            user=data["user"], agency=data["agency"], role=data["role"]
        )
        obj.pk = saved.pk

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

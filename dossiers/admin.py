from django.contrib import admin
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from dossiers.models_calendar import CalendarDay, CalendarDaySource


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The working-day calendar's exceptions: administrators add the year's swaps.

    A row an administrator adds or changes becomes theirs (source "administrator"), so
    ``load_calendar`` never overwrites it. A date is not changed once saved (add a new row
    instead), and only the administrators' own rows can be deleted: the package's holidays would
    come back with the next ``load_calendar``.
    """

    list_display = ["date", "weekday", "kind", "name", "source"]
    list_filter = ["kind", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    fields = ["date", "kind", "name", "source", "created_at"]
    readonly_fields = ["source", "created_at"]

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return date_format(obj.date, "l")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ["date", *self.readonly_fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.source != CalendarDaySource.ADMINISTRATOR:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        obj.source = CalendarDaySource.ADMINISTRATOR
        super().save_model(request, obj, form, change)


from dossiers.payments import admin as payments_admin  # noqa: E402,F401  (registers its models)

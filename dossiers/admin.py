from django.contrib import admin
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from dossiers.models_calendar import CalendarDay, CalendarDaySource
from dossiers.models_work import OutboxEntry


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


@admin.register(OutboxEntry)
class OutboxEntryAdmin(admin.ModelAdmin):
    """The sync outbox: filter the dead letters and send them again."""

    list_display = ["dossier", "revision", "kind", "state", "attempts", "next_attempt_at"]
    list_filter = ["state", "kind"]
    search_fields = ["dossier__code"]
    readonly_fields = [f.name for f in OutboxEntry._meta.fields]
    actions = ["send_again"]

    @admin.action(description="Send again (dead letters)")
    def send_again(self, request, queryset):
        from dossiers.sync.relay import retry_dead

        count = retry_dead(
            entry_ids=list(queryset.values_list("pk", flat=True)), scope=self.get_queryset(request)
        )
        self.message_user(request, f"{count} back in line")

    def has_add_permission(self, request):
        return False


from dossiers.payments import admin as payments_admin  # noqa: E402,F401  (registers its models)

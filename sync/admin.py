"""The sync outbox in Django's admin."""

from django.contrib import admin

from sync.models import OutboxEntry
from sync.relay import retry_dead


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
        count = retry_dead(
            entry_ids=list(queryset.values_list("pk", flat=True)), scope=self.get_queryset(request)
        )
        self.message_user(request, f"{count} back in line")

    def has_add_permission(self, request):
        return False

from django.contrib import admin, messages
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procedures.errors import CatalogueError
from procedures.forms import ImportForm
from procedures.importing import catalogue_import
from procedures.models import Assignment, CatalogueEvent, Procedure, ReassignmentBatch


class ReadOnly(admin.ModelAdmin):
    """The catalogue changes through imports and the reassignment tool, which keep history."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Procedure)
class ProcedureAdmin(ReadOnly):
    list_display = ["code", "name", "field", "online_level", "former_level"]
    list_filter = ["online_level", "former_level", "field"]
    search_fields = ["code", "name", "search_text"]
    change_list_template = "admin/procedures/procedure/change_list.html"

    def get_urls(self):
        own = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="procedures_procedure_import",
            )
        ]
        return own + super().get_urls()

    def import_view(self, request):
        """Upload a catalogue file: a dry run first by default, then the real import."""
        form = ImportForm(request.POST or None, request.FILES or None)
        report, errors = None, []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = catalogue_import(
                    content=upload.read(),
                    filename=upload.name,
                    dry_run=form.cleaned_data["dry_run"],
                    actor=request.user,
                )
            except CatalogueError as exc:
                errors = [str(exc.message), *exc.details]
            else:
                if not report.dry_run:
                    messages.success(request, _("The catalogue was imported."))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext_lazy("Import procedures"),
            "form": form,
            "report": report,
            "errors": errors,
            "opts": self.model._meta,
        }
        return render(request, "admin/procedures/procedure/import.html", context)


@admin.register(Assignment)
class AssignmentAdmin(ReadOnly):
    list_display = ["procedure", "level", "scope", "agency", "valid_from", "valid_to", "batch"]
    list_filter = ["level"]
    search_fields = ["procedure__code", "procedure__name", "scope__name"]


@admin.register(ReassignmentBatch)
class ReassignmentBatchAdmin(ReadOnly):
    list_display = ["id", "province", "target", "effective_on", "status", "created_by"]
    list_filter = ["status", "target"]


@admin.register(CatalogueEvent)
class CatalogueEventAdmin(ReadOnly):
    list_display = ["at", "action", "procedure", "batch", "actor", "reason"]
    list_filter = ["action"]
    search_fields = ["procedure__code", "reason"]

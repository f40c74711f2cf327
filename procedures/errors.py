"""Domain errors of the catalogue, each with a stable code for the API."""

from django.utils.translation import gettext_lazy as _


class CatalogueError(Exception):
    code = "catalogue_error"
    field: str | None = None
    default_message = _("The catalogue could not be changed.")

    def __init__(self, message=None, *, field: str | None = None, details: list | None = None):
        self.message = message or self.default_message
        self.details = details or []
        if field:
            self.field = field
        super().__init__(str(self.message))

    def __str__(self) -> str:
        if not self.details:
            return str(self.message)
        return "\n".join([str(self.message), *(f"  - {d}" for d in self.details)])


class ImportFileError(CatalogueError):
    """The file cannot be imported; ``details`` lists every row error with its line."""

    code = "import_invalid"
    default_message = _("The file has errors; nothing was imported.")


class WorkflowTooLongError(CatalogueError):
    code = "workflow_too_long"
    field = "workflow"


class VersionImmutableError(CatalogueError):
    code = "version_published"
    default_message = _("A published version cannot be changed; make a new version.")


class AssignmentOverlapError(CatalogueError):
    code = "assignment_overlap"
    field = "effective_on"


class ReassignmentError(CatalogueError):
    code = "reassignment_invalid"

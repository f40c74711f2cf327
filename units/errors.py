"""Domain errors of the unit registry, each with a stable code."""

from django.utils.translation import gettext_lazy as _


class UnitsError(Exception):
    code = "units_error"
    default_message = _("The unit registry could not be changed.")

    def __init__(self, message=None, *, details: list[str] | None = None):
        self.message = message or self.default_message
        self.details = details or []
        super().__init__(str(self.message))

    def __str__(self) -> str:
        if not self.details:
            return str(self.message)
        return "\n".join([str(self.message), *(f"  - {d}" for d in self.details)])


class UnitSourceError(UnitsError):
    """The source of the registry cannot be read or does not hang together."""

    code = "unit_source_invalid"
    default_message = _("The source of administrative units is unreadable or inconsistent.")


class FormerDistrictFileError(UnitsError):
    code = "former_district_file_invalid"
    default_message = _("The file of former districts has errors; nothing was loaded.")

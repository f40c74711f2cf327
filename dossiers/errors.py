"""Domain errors of dossiers, each with a stable code and, where it applies, the field."""

from django.utils.translation import gettext_lazy as _


class DossierError(Exception):
    code = "dossier_error"
    default_message = _("The dossier could not be changed.")

    def __init__(self, message=None, *, field: str | None = None, errors: dict | None = None):
        self.message = message or self.default_message
        self.field = field
        # Field-level errors, {field: [messages]}, for forms and the API.
        self.errors = errors or ({field: [str(self.message)]} if field else {})
        super().__init__(str(self.message))


class SubmissionInvalid(DossierError):
    code = "submission_invalid"
    default_message = _("The dossier cannot be submitted yet: see the marked fields.")


class NoCompetentAgency(DossierError):
    code = "no_competent_agency"


class TransitionNotAllowed(DossierError):
    code = "transition_not_allowed"

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


class NotPermitted(DossierError):
    """The user holds no role that allows the action (403); logged."""

    code = "not_permitted"
    default_message = _("You may not do this on this dossier.")


class Conflict(DossierError):
    """Someone else holds the dossier (409): never overwritten silently."""

    code = "conflict"


class StaleDossier(DossierError):
    """The page was made before someone else acted (409): ``events`` says what changed."""

    code = "stale"
    default_message = _("Someone acted on this dossier after your page was opened.")

    def __init__(self, message=None, *, dossier=None, events=()):
        super().__init__(message)
        self.dossier = dossier
        self.events = list(events)

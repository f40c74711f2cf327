"""The citizen's rating of a service (one per dossier, once the result is ready).

A dossier's state changes only in ``dossiers.lifecycle``; the rating is not a change of state.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from dossiers import hooks, lifecycle
from dossiers.errors import NotPermitted, TransitionNotAllowed
from dossiers.models import Dossier, Status
from dossiers.models_documents import DossierRating, Rating

RATEABLE = (Status.RESULT_READY, Status.RETURNED)


def dossier_rate(*, dossier: Dossier, actor, rating: str, comment: str = ""):
    """The applicant rates the service once the result is ready; one rating per dossier.

    Anyone else is refused (403) and the attempt logged, like every lifecycle action.
    """
    try:
        return _rate(dossier=dossier, actor=actor, rating=rating, comment=comment)
    except NotPermitted as exc:
        lifecycle.log_denial(actor, "rating", dossier, str(exc.message))
        raise


@transaction.atomic
def _rate(*, dossier: Dossier, actor, rating: str, comment: str):
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if locked.applicant_id != getattr(actor, "pk", None):
        raise NotPermitted(_("Only the applicant can rate the service."))
    if locked.status not in RATEABLE:
        raise TransitionNotAllowed(_("The service can be rated once the result is ready."))
    if DossierRating.objects.filter(dossier=locked).exists():
        raise TransitionNotAllowed(_("This dossier has already been rated."))
    if rating not in Rating.values:
        raise TransitionNotAllowed(_("Choose one of the ratings."))
    stored = DossierRating.objects.create(dossier=locked, rating=rating, comment=comment.strip())
    hooks.rated(locked)  # the satisfaction figures count it
    return stored

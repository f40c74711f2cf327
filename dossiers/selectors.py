"""Read paths of dossiers and the one visibility filter (STYLE.md rule 4)."""

from django.db.models import Q, QuerySet

from dossiers.models import Dossier, Status
from units.models import Membership


def dossier_visible_to(user) -> QuerySet[Dossier]:
    """Every dossier ``user`` may see: their own as applicant; as staff, those received,
    settled or held (handed over) by the agencies where they work dossiers. A province
    administrator sees statistics, not files, unless they also hold a working role. Pages, the
    API, exports and file downloads all start from this."""
    if not user.is_authenticated:
        return Dossier.objects.none()
    from dossiers.queues import WORKING_ROLES

    agencies = Membership.objects.filter(user=user, is_active=True, role__in=WORKING_ROLES).values(
        "agency_id"
    )
    return Dossier.objects.filter(
        Q(applicant=user)
        | Q(agency_id__in=agencies)
        | Q(reception_agency_id__in=agencies)
        | Q(holder_agency_id__in=agencies)
    )


def dossiers_of_applicant(user) -> QuerySet[Dossier]:
    """A citizen's own dossiers (My dossiers), newest first."""
    return (
        dossier_visible_to(user)
        .filter(applicant=user)
        .select_related("procedure", "agency", "reception_agency")
        .order_by("-submitted_at", "-id")
    )


def result_visible(dossier: Dossier) -> bool:
    """The applicant sees result documents once the result is ready (status 9 or 10)."""
    return dossier.status in (Status.RESULT_READY, Status.RETURNED)

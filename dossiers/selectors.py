"""Read paths of dossiers and the one visibility filter (STYLE.md rule 4)."""

from django.db.models import Q, QuerySet

from dossiers.models import Dossier
from units.models import Membership


def dossier_visible_to(user) -> QuerySet[Dossier]:
    """Every dossier ``user`` may see: their own as applicant; as staff, those received or
    settled by their agencies. Pages, the API and exports all start from this."""
    if not user.is_authenticated:
        return Dossier.objects.none()
    agencies = Membership.objects.filter(user=user, is_active=True).values("agency_id")
    return Dossier.objects.filter(
        Q(applicant=user) | Q(agency_id__in=agencies) | Q(reception_agency_id__in=agencies)
    )


def dossiers_of_applicant(user) -> QuerySet[Dossier]:
    """A citizen's own dossiers (My dossiers), newest first."""
    return (
        dossier_visible_to(user)
        .filter(applicant=user)
        .select_related("procedure", "agency", "reception_agency")
        .order_by("-submitted_at", "-id")
    )

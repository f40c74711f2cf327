"""Helpers for dossier tests: the staff who act on a dossier."""

from tests.factories.units import MembershipFactory
from units.models import Membership, Role


def staff_of(agency, role: str):
    """A user holding ``role`` at ``agency`` (the demo's, or a new one)."""
    membership = (
        Membership.objects.filter(agency=agency, role=role, is_active=True)
        .select_related("user")
        .order_by("id")
        .first()
    )
    if membership is None:
        membership = MembershipFactory(agency=agency, role=role)
    return membership.user


def receiver_of(dossier):
    """A one-stop receiver of the dossier's reception agency."""
    return staff_of(dossier.reception_agency, Role.RECEIVER)

"""Helpers for dossier tests: the staff who act on a dossier, a dossier at a counter."""

from django.test import Client

from dossiers.lifecycle import dossier_submit
from dossiers.models import Dossier
from procedures.models import Procedure
from tests.factories.units import MembershipFactory
from units.models import Membership, Role

BIRTH = "1.001193"


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


def new_dossier(agency, *, name="Lê Văn Tám", cccd="068200000111") -> Dossier:
    """A birth registration submitted at ``agency`` (status 1), as the services make one."""
    procedure = Procedure.objects.select_related("current_version").get(code=BIRTH)
    return dossier_submit(
        version=procedure.current_version,
        agency=agency,
        reception_agency=agency,
        level="commune",
        applicant_name=name,
        applicant_id_number=cccd,
        applicant_commune=agency.unit,
        case=procedure.current_version.cases.first(),
    )


def as_user(user) -> Client:
    """A browser signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return client

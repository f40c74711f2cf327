import io

import pytest
from django.core.management import CommandError, call_command

from portal.demo import COMMUNE_ROLES, PROVINCE_ROLES
from portal.models import CitizenProfile, User
from units.models import Agency, AgencyKind, Membership, Unit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("registry")]


def state():
    return (
        sorted(User.objects.values_list("username", "password")),
        sorted(Membership.objects.values_list("user__username", "agency__identifier", "role")),
        sorted(Agency.objects.values_list("identifier", "name", "unit_id", "kind")),
        sorted(CitizenProfile.objects.values_list("cccd", "full_name")),
    )


def test_load_demo_gives_every_demo_agency_one_user_per_role_and_is_idempotent():
    out = io.StringIO()
    call_command("load_demo", "--password", "demo-pass-123", stdout=out)
    first = state()
    call_command("load_demo", "--password", "demo-pass-123", stdout=io.StringIO())

    assert state() == first
    agencies = Agency.objects.filter(memberships__isnull=False).distinct()
    assert agencies.count() == 8
    assert {a.unit_id if len(a.unit_id) == 2 else a.unit.parent_id for a in agencies} == {
        "68",
        "01",
    }
    # Every commune of the demo provinces has its People's Committee to receive dossiers.
    communes = Unit.objects.filter(parent_id__in=["68", "01"], level="commune")
    assert Agency.objects.filter(unit__in=communes).values("unit").distinct().count() == (
        communes.count()
    )
    for agency in agencies:
        roles = set(Membership.objects.filter(agency=agency).values_list("role", flat=True))
        expected = (
            PROVINCE_ROLES if agency.kind == AgencyKind.PROVINCE_SERVICE_CENTRE else COMMUNE_ROLES
        )
        assert roles == {r.value for r in expected}
    assert User.objects.get(username="leader.p68").check_password("demo-pass-123")
    assert "demo-pass-123" in out.getvalue() and "leader.p68" in out.getvalue()
    assert CitizenProfile.objects.count() == 3  # two e-ID test identities, one walk-in


def test_load_demo_has_a_dossier_in_every_status_made_through_the_lifecycle():
    from dossiers.models import Dossier, DossierEvent, Status, Step
    from sync.models import OutboxEntry

    call_command("load_demo", "--password", "demo-pass-123", stdout=io.StringIO())
    mine = Dossier.objects.filter(applicant__citizen_profile__cccd="001085000789")
    count = mine.count()
    call_command("load_demo", "--password", "demo-pass-123", stdout=io.StringIO())

    assert mine.count() == count  # idempotent
    assert set(mine.values_list("status", flat=True)) == set(Status.values)
    assert {Step.SPECIALIST, Step.LEADER} <= set(mine.values_list("step", flat=True))
    for dossier in mine:
        events = DossierEvent.objects.filter(dossier=dossier)
        assert events.order_by("at", "id").last().new_status == dossier.status
        assert OutboxEntry.objects.filter(dossier=dossier).exists()


def test_load_demo_without_units_says_what_to_do_and_creates_nothing():
    Unit.objects.filter(parent_id="01").delete()
    Unit.objects.filter(code="01").delete()

    with pytest.raises(CommandError, match="run load_units first"):
        call_command("load_demo", stdout=io.StringIO())

    assert not Agency.objects.exists()
    assert not User.objects.exists()

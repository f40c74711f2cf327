"""Open dossiers of dissolved districts follow their procedures to the successor communes."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from dossiers.models import Dossier, DossierEvent, Status
from procedures.errors import ReassignmentError
from procedures.selectors import former_district_report
from procedures.services import reassignment_commit, reassignment_preview, reassignment_revert
from units.models import Agency, AgencyKind, Succession, Unit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo", "english")]

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def admin_user():
    return get_user_model().objects.get(username="province_admin.p68")


def arguments(**overrides):
    province = Unit.objects.get(code="68")
    remaining = former_district_report(province=province, on=TODAY).remaining
    values = dict(
        province=province,
        procedure_ids=[p.pk for p in remaining],
        target="all_communes",
        effective_on=TODAY,
    )
    values.update(overrides)
    return values


def holdings():
    return sorted(Dossier.objects.values_list("code", "agency__identifier", "status"))


def test_open_dossiers_move_to_the_applicants_successor_commune_with_an_event(admin_user):
    held = list(Dossier.objects.filter(agency__kind=AgencyKind.FORMER_DISTRICT_COMMITTEE))
    assert len(held) == 12
    closed = held[0]
    Dossier.objects.filter(pk=closed.pk).update(status=Status.RETURNED)  # finished: stays put
    expected = {}
    for dossier in held[1:]:
        successors = set(
            Succession.objects.filter(predecessor_id=dossier.agency.unit_id).values_list(
                "successor_id", flat=True
            )
        )
        assert dossier.applicant_commune_id in successors
        expected[dossier.code] = dossier.applicant_commune_id
    before = holdings()

    preview = reassignment_preview(**arguments())
    batch = reassignment_commit(**arguments(), reason="NĐ 151/2025", actor=admin_user)

    assert preview.dossier_count == batch.summary["dossiers_rerouted"] == 11
    assert sum(preview.dossiers_by_commune.values()) == 11
    for dossier in Dossier.objects.filter(code__in=expected).select_related("agency"):
        assert dossier.agency.unit_id == expected[dossier.code]
        assert dossier.agency.kind == AgencyKind.COMMUNE_COMMITTEE
        event = dossier.events.get(kind=DossierEvent.Kind.REROUTED)
        assert event.data["batch"] == batch.pk and event.actor == admin_user
        assert event.note == "NĐ 151/2025"
    closed.refresh_from_db()
    assert closed.agency.kind == AgencyKind.FORMER_DISTRICT_COMMITTEE
    assert not closed.events.filter(kind=DossierEvent.Kind.REROUTED).exists()
    per_commune = {}
    for unit in expected.values():
        per_commune[unit] = per_commune.get(unit, 0) + 1
    assert preview.dossiers_by_commune == per_commune

    reassignment_revert(batch=batch, actor=admin_user, reason="nhầm")

    assert holdings() == [(c, a, Status.RETURNED if c == closed.code else s) for c, a, s in before]
    assert DossierEvent.objects.filter(kind=DossierEvent.Kind.REROUTE_REVERTED).count() == 11


def test_to_a_province_agency_every_open_dossier_goes_there(admin_user):
    centre = Agency.objects.get(identifier="000.00.01.H68")

    batch = reassignment_commit(
        **arguments(target="province_agency", target_agency=centre),
        reason="QĐ 5/QĐ-UBND",
        actor=admin_user,
    )

    assert batch.summary["dossiers_rerouted"] == 12
    assert not Dossier.objects.filter(agency__kind=AgencyKind.FORMER_DISTRICT_COMMITTEE).exists()
    assert Dossier.objects.filter(agency=centre).count() == 12


def test_a_successor_without_an_agency_stops_the_preview_and_nothing_moves(admin_user):
    dossier = Dossier.objects.filter(agency__kind=AgencyKind.FORMER_DISTRICT_COMMITTEE).first()
    Agency.objects.filter(unit_id=dossier.applicant_commune_id).delete()
    before = holdings()

    with pytest.raises(ReassignmentError, match="has no commune agency to receive dossiers"):
        reassignment_commit(**arguments(), reason="NĐ 151", actor=admin_user)

    assert holdings() == before
    assert not DossierEvent.objects.filter(kind=DossierEvent.Kind.REROUTED).exists()

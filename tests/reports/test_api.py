"""The reports API and pages: figures, exports, drill-down, and who may see them."""

import csv
import io
import itertools

import pytest
from django.utils import timezone

from dossiers import lifecycle
from reports import rollups
from tests.factories import AgencyFactory, MembershipFactory
from tests.factories.dossiers import receiver_of
from units.models import AgencyKind, Role, Unit

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.reports.urls")]


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.STAFF_OTP_REQUIRED = False  # the second factor has its own tests


@pytest.fixture
def withdrawn(submitted, applicant):
    """One dossier received and withdrawn minutes later (early), refreshed into the rollups."""
    d = lifecycle.receive(dossier=submitted, actor=receiver_of(submitted))
    lifecycle.withdraw(dossier=d, actor=applicant)
    rollups.refresh_changed()
    return d


NUMBERS = itertools.count(1)


def agency_in(unit, kind):
    # Identifiers of our own: the factory's sequence can meet the demo's agencies.
    return AgencyFactory(unit=unit, kind=kind, identifier=f"990.{next(NUMBERS):02d}.00.X99")


def admin_of(code: str):
    agency = agency_in(Unit.objects.get(code=code), AgencyKind.PROVINCE_SERVICE_CENTRE)
    return MembershipFactory(agency=agency, role=Role.PROVINCE_ADMIN).user


def year() -> int:
    return timezone.localdate().year


def test_a_province_administrator_sees_the_indicators_index_and_ranking(client, withdrawn):
    client.force_login(admin_of("68"))

    got = client.get(f"/api/v1/reports/indicators/?province=68&year={year()}&group_by=agency")
    assert got.status_code == 200
    (row,) = got.json()["results"]
    assert (row["key"], row["received"], row["early"], row["ended"]) == (
        withdrawn.agency_id,
        1,
        1,
        0 + 1,
    )
    # 1 of 1 early → progress 100%, 20 points.
    index = client.get(f"/api/v1/reports/index/?province=68&year={year()}").json()
    progress = next(r for r in index["results"] if r["indicator"] == "progress")
    assert (progress["rate"], progress["score"], progress["needed_for_full"]) == (100.0, 20.0, 0)
    ranking = client.get(f"/api/v1/reports/ranking/?province=68&year={year()}&level=commune")
    assert [r["rank"] for r in ranking.json()["results"]] == [1]


def test_exports_in_csv_and_xlsx(client, withdrawn):
    client.force_login(admin_of("68"))
    url = f"/api/v1/reports/indicators/?province=68&year={year()}&group_by=commune"

    got = client.get(url + "&format=csv")
    assert got.status_code == 200 and got["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert [(r["key"], r["received"]) for r in rows] == [(withdrawn.agency.unit_id, "1")]
    got = client.get(url + "&format=xlsx")
    assert got.status_code == 200 and got.content[:2] == b"PK"
    assert "indicators.xlsx" in got["Content-Disposition"]


def test_drill_down_lists_the_dossiers_behind_a_number(client, withdrawn):
    client.force_login(admin_of("68"))
    base = f"/api/v1/reports/dossiers/?province=68&year={year()}"

    early = client.get(base + "&indicator=early").json()
    late = client.get(base + "&indicator=overdue").json()

    assert [d["code"] for d in early["results"]] == [withdrawn.code] and early["count"] == 1
    assert late["count"] == 0
    assert client.get(base + "&indicator=nonsense").status_code == 400


def test_someone_outside_the_province_gets_403_and_an_unknown_province_404(client, withdrawn):
    client.force_login(admin_of("01"))
    for url in (
        f"/api/v1/reports/indicators/?province=68&year={year()}",
        f"/api/v1/reports/index/?province=68&year={year()}",
        f"/api/v1/reports/dossiers/?province=68&year={year()}&indicator=received",
    ):
        assert client.get(url).status_code == 403
    assert client.get(f"/api/v1/reports/index/?province=99&year={year()}").status_code == 404
    client.logout()
    assert client.get(f"/api/v1/reports/index/?province=68&year={year()}").status_code == 403


def test_staff_of_another_agency_see_only_their_agencies(client, withdrawn):
    other = agency_in(withdrawn.agency.unit, AgencyKind.COMMUNE_SERVICE_CENTRE)
    client.force_login(MembershipFactory(agency=other, role=Role.LEADER).user)

    got = client.get(f"/api/v1/reports/indicators/?province=68&year={year()}")
    drill = client.get(f"/api/v1/reports/dossiers/?province=68&year={year()}&indicator=received")

    assert got.status_code == 200 and got.json()["results"] == []
    assert drill.json()["count"] == 0


def test_public_statistics_and_pages(client, withdrawn):
    got = client.get(f"/api/v1/reports/public/?province=68&year={year()}")
    assert got.status_code == 200
    (row,) = got.json()["results"]
    assert row["received"] == 1 and "code" not in row

    page = client.get(f"/statistics/?province=68&year={year()}")
    assert page.status_code == 200 and b'data-testid="statistics"' in page.content

    client.force_login(admin_of("68"))
    page = client.get(f"/reports/?province=68&year={year()}")
    assert page.status_code == 200 and b'data-testid="indicators"' in page.content

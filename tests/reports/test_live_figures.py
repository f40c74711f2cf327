"""A province administrator's figures after ``load_demo``: never zero, never stale.

``load_demo`` writes a year of dossiers in the demo provinces and builds the rollups at its end;
in embedded mode (no broker, so no beat) every change made through the lifecycle brings the
rollups up to date once it commits. Here the history is smaller than ``make run``'s (the same
generator, fewer dossiers) to keep the test quick.
"""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from dossiers import lifecycle
from dossiers.models import Dossier, DossierEvent, Status
from portal.models import User
from reports import selectors
from reports.models import DossierRollup, PeriodRollup
from reports.views import number
from units.models import Membership, Role

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.reports.urls")]

HISTORY = 600


@pytest.fixture(autouse=True)
def _embedded(settings):
    settings.STAFF_OTP_REQUIRED = False  # the second factor has its own tests
    settings.EMBEDDED_TASKS = True  # as make run: no broker, no beat


@pytest.fixture
def demo_with_history(registry, db, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    call_command(
        "load_units",
        "--former-districts",
        "units/data/former_districts_68.csv",
        stdout=io.StringIO(),
    )
    out = io.StringIO()
    call_command(
        "load_demo",
        "--password",
        "demo-password-1",
        "--quiet-logins",
        "--history",
        str(HISTORY),
        stdout=out,
    )
    return out.getvalue()


def admin_of(province: str) -> User:
    return User.objects.get(username=f"province_admin.p{province}")


def year() -> selectors.Period:
    return selectors.Period.year(timezone.localdate().year)


def test_load_demo_writes_a_year_of_history_in_every_status_and_builds_the_rollups(
    demo_with_history,
):
    history = Dossier.objects.filter(
        events__kind=DossierEvent.Kind.SUBMITTED, events__data__demo="history"
    )
    assert history.count() == HISTORY
    assert "report rollups of" in demo_with_history
    # Every dossier is counted, the lifecycle demo's and the history's alike.
    assert DossierRollup.objects.count() == Dossier.objects.count()
    statuses = set(history.values_list("status", flat=True))
    assert {Status.RETURNED, Status.RESULT_READY, Status.REFUSED, Status.IN_PROCESSING} <= statuses
    oldest = history.order_by("submitted_at").first().submitted_at
    assert oldest < timezone.now() - dt.timedelta(days=200)
    # Consistent with the lifecycle: a finished dossier has its end, appointments follow receipt.
    for dossier in history.filter(status=Status.RETURNED)[:50]:
        assert dossier.received_at < dossier.appointment_at
        assert dossier.finished_at <= dossier.returned_at
        assert dossier.original_appointment_at <= dossier.appointment_at
    assert history.filter(supplement_requests__isnull=False).exists()
    assert history.filter(channel=1).exists() and history.filter(channel=2).exists()
    # Later submissions continue after the generated code numbers.
    codes = list(history.values_list("code", flat=True))
    assert len(set(codes)) == len(codes)


def test_a_province_administrator_sees_non_zero_figures_from_the_demo(demo_with_history, client):
    client.force_login(admin_of("68"))
    scope = selectors.Scope(province="68", admin=True)
    whole = selectors.report(scope, year(), None)[0]
    assert whole.totals["received"] > 100
    assert whole.index_total > 20

    page = client.get("/reports/")
    assert page.status_code == 200
    assert page.context["total"] == number(whole.index_total) != "0,00"
    assert page.context["received"] == number(whole.totals["received"])
    assert len(page.context["communes"]) > 50 and len(page.context["agencies"]) > 50
    assert number(whole.index_total) in page.content.decode()

    index = client.get("/api/v1/reports/index/").json()
    assert index["province"] == "68"
    assert float(index["total"]) == float(whole.index_total) > 20

    ranking = selectors.ranking(scope, year(), "commune")
    assert len(ranking) > 50 and all(row.totals["received"] > 0 for row in ranking)
    agencies = selectors.ranking(scope, year(), "agency")
    assert len(agencies) > 50
    api_ranking = client.get("/api/v1/reports/ranking/").json()
    assert api_ranking["results"]

    client.logout()
    public = client.get("/statistics/", {"province": "68"})
    assert public.status_code == 200
    figures = public.context["figures"]
    assert figures["received"] == number(whole.totals["received"])
    assert figures["score"] == number(whole.index_total)
    assert figures["on_time"] not in ("—", "0,00")


def test_a_dossier_taken_through_the_lifecycle_counts_at_once(
    demo_with_history, client, django_capture_on_commit_callbacks
):
    """Embedded mode: the rollups follow each change after commit (no beat to wait for)."""
    submitted = (
        Dossier.objects.filter(status=Status.SUBMITTED, agency__memberships__role=Role.RECEIVER)
        .select_related("agency")
        .first()
    )
    agency = submitted.agency
    province = agency.unit.parent_id or agency.unit_id
    scope = selectors.Scope(province=province, admin=True)
    month = selectors.Period.month(timezone.localdate().year, timezone.localdate().month)
    before = selectors.report(scope, month, None)[0].totals
    receiver = Membership.objects.get(agency=agency, role=Role.RECEIVER).user
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.receive(dossier=submitted, actor=receiver)
    after = selectors.report(scope, month, None)[0].totals
    assert after["received"] == before["received"] + 1
    assert DossierRollup.objects.get(pk=submitted.pk).status == Status.RECEIVED

    # A result handed back: its rollup says so at once, and the month's figures still add up.
    ready = Dossier.objects.filter(status=Status.RESULT_READY, reception_agency=agency).first()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.return_result(dossier=ready, actor=receiver)
    assert DossierRollup.objects.get(pk=ready.pk).status == Status.RETURNED

    client.force_login(admin_of(province))
    index = client.get("/api/v1/reports/index/", {"province": province}).json()
    assert float(index["total"]) > 0
    # The period rows and the per-dossier rows agree (nothing counted twice).
    received = sum(
        PeriodRollup.objects.filter(province_id=province).values_list("received", flat=True)
    )
    assert (
        received
        == DossierRollup.objects.filter(province_id=province, received_at__isnull=False).count()
    )


def test_one_refresh_per_transaction_however_many_changes(
    demo_with_history, django_capture_on_commit_callbacks, monkeypatch
):
    from django.db import transaction

    from reports import tasks

    runs = []
    real = tasks.refresh_rollups_now
    monkeypatch.setattr(tasks, "refresh_rollups_now", lambda: runs.append(real()))
    dossier = (
        Dossier.objects.filter(status=Status.SUBMITTED, agency__memberships__role=Role.RECEIVER)
        .select_related("agency")
        .first()
    )
    receiver = Membership.objects.get(agency=dossier.agency, role=Role.RECEIVER).user
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        dossier = lifecycle.receive(dossier=dossier, actor=receiver)
        dossier = lifecycle.forward(dossier=dossier, actor=receiver)
    assert len(runs) == 1 and runs[0] >= 1  # one refresh after the commit, of both changes
    assert DossierRollup.objects.get(pk=dossier.pk).status == Status.IN_PROCESSING


def test_changes_are_not_followed_with_a_broker(
    demo_with_history, settings, django_capture_on_commit_callbacks
):
    """With a broker, beat refreshes every 30 s: a change schedules no refresh of its own."""
    settings.EMBEDDED_TASKS = False
    submitted = Dossier.objects.filter(
        status=Status.SUBMITTED, agency__memberships__role=Role.RECEIVER
    ).first()
    receiver = Membership.objects.get(agency=submitted.agency, role=Role.RECEIVER).user
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.receive(dossier=submitted, actor=receiver)
    assert DossierRollup.objects.get(pk=submitted.pk).status == Status.SUBMITTED

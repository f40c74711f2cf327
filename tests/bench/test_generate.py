"""bench.generate: a national-scale data set that behaves like the portal's own dossiers."""

import datetime as dt
import itertools
import re
from collections import Counter, defaultdict

import pytest
from django.apps import apps
from django.db import transaction
from django.utils import timezone

from bench.generate import (
    DOSSIER_COLUMNS,
    CopyTable,
    delete_generated,
    ensure_agencies,
    ensure_procedures,
    ensure_units,
    generate_dossiers,
)
from dossiers.models import Channel, Dossier, DossierEvent, Status
from dossiers.services import dossier_code_allocate, dossier_submit
from units.models import Agency, AgencyKind, Unit, UnitLevel

PROVINCES = ("68", "01")
SINCE, UNTIL = dt.date(2026, 1, 5), dt.date(2026, 11, 20)
COUNT = 2000
CODE = re.compile(r"^[0-9A-Z.]+-\d{6}-\d{4}$")
FINISHED = {Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RESULT_READY, Status.RETURNED}

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def generated(registry, django_db_blocker):
    """2,000 dossiers in Lâm Đồng and Hà Nội, made once for the module and rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        ensure_units()
        created = ensure_agencies(provinces=PROVINCES)
        ensure_procedures(count=30)
        lines: list[str] = []
        written = generate_dossiers(
            COUNT,
            seed=5,
            since=SINCE,
            until=UNTIL,
            provinces=PROVINCES,
            batch=700,
            progress=lines.append,
        )
        yield {"written": written, "created": created, "progress": lines}
        transaction.set_rollback(True)


def dossiers():
    return Dossier.objects.filter(applicant_email__endswith="@bench.invalid")


def test_agencies_for_every_commune_and_province(generated):
    communes = Unit.objects.filter(parent_id__in=PROVINCES, level=UnitLevel.COMMUNE)
    centres = Agency.objects.filter(kind=AgencyKind.COMMUNE_SERVICE_CENTRE, unit__in=communes)
    assert centres.count() == communes.count()
    for code in PROVINCES:
        assert Agency.objects.filter(unit_id=code, kind=AgencyKind.PROVINCE_SERVICE_CENTRE).exists()
        assert Agency.objects.filter(unit_id=code, kind=AgencyKind.PROVINCE_DEPARTMENT).count() >= 5
    assert generated["created"] == communes.count() + 2 * 6
    assert ensure_agencies(provinces=PROVINCES) == 0  # a second run changes nothing
    for agency in centres[:5]:
        agency.full_clean()  # the identifier passes the model's own validator


def test_count_and_progress(generated):
    assert generated["written"] == COUNT
    assert dossiers().count() == COUNT
    assert len(generated["progress"]) == 3  # batches of 700, 700, 600
    assert generated["progress"][-1].split()[0] == "2,000"


def test_codes_are_unique_national_codes_of_the_receiving_day(generated):
    rows = list(dossiers().values_list("code", "submitted_at", "reception_agency__identifier"))
    codes = [code for code, _at, _agency in rows]
    assert len(set(codes)) == COUNT
    for code, submitted_at, identifier in rows:
        assert CODE.match(code), code
        agency, day, _number = code.rsplit("-", 2)
        assert agency == identifier
        assert day == timezone.localtime(submitted_at).strftime("%y%m%d")
        assert SINCE <= timezone.localtime(submitted_at).date() <= UNTIL
    per_day = defaultdict(list)
    for code in codes:
        agency_day, number = code.rsplit("-", 1)
        per_day[agency_day].append(int(number))
    # Numbered from 1 without gaps in a fresh database, in the order of submission.
    assert all(sorted(numbers) == list(range(1, len(numbers) + 1)) for numbers in per_day.values())


def test_a_real_submission_continues_after_the_generated_codes(generated):
    busiest = Counter(
        (d.reception_agency_id, timezone.localtime(d.submitted_at).date())
        for d in dossiers().only("reception_agency_id", "submitted_at")
    ).most_common(1)[0][0]
    agency = Agency.objects.get(pk=busiest[0])
    codes = set(dossiers().values_list("code", flat=True))
    taken = [c for c in codes if c.startswith(f"{agency.identifier}-{busiest[1]:%y%m%d}-")]

    code = dossier_code_allocate(agency=agency, day=busiest[1])

    assert code not in codes
    assert code == f"{agency.identifier}-{busiest[1]:%y%m%d}-{len(taken) + 1:04d}"


def test_every_history_starts_with_submission_and_ends_at_the_status(generated):
    events = defaultdict(list)
    for event in DossierEvent.objects.filter(dossier__in=dossiers()).order_by("dossier_id", "id"):
        events[event.dossier_id].append(event)
    for dossier in dossiers():
        history = events[dossier.pk]
        assert history, dossier.code
        first = history[0]
        assert (first.kind, first.old_status, first.new_status) == ("submitted", None, 1)
        assert first.at == dossier.submitted_at
        assert first.agency_id == dossier.reception_agency_id
        times = [e.at for e in history]
        assert times == sorted(times)
        assert times[-1] <= dossier.updated_at
        for before, after in itertools.pairwise(history):
            assert after.kind == "transition"
            assert after.old_status == before.new_status
            assert after.role
        assert history[-1].new_status == dossier.status
        assert history[-1].data == {}


def test_timestamps_are_present_exactly_when_the_status_implies_them(generated):
    for d in dossiers():
        assert (d.finished_at is not None) == (d.status in FINISHED), d.code
        assert (d.returned_at is not None) == (d.status == Status.RETURNED), d.code
        assert (d.received_at is None) == (d.appointment_at is None), d.code
        if d.status in (Status.RECEIVED, Status.IN_PROCESSING, Status.RESULT_READY):
            assert d.received_at is not None
        if d.status in (Status.SUBMITTED, Status.REFUSED):
            assert d.received_at is None
        if d.received_at:
            assert d.submitted_at <= d.received_at <= d.appointment_at
        if d.finished_at:
            assert d.finished_at >= d.submitted_at
        if d.returned_at:
            assert d.returned_at >= d.finished_at
        assert d.created_at == d.submitted_at


def test_a_realistic_mix(generated):
    rows = list(dossiers().values("status", "channel", "level", "agency__kind", "submitted_at"))
    channels = Counter(r["channel"] for r in rows)
    assert 0.50 < channels[Channel.ONLINE] / COUNT < 0.70
    assert 0.25 < channels[Channel.DIRECT] / COUNT < 0.45
    for r in rows:
        expected = (
            AgencyKind.COMMUNE_SERVICE_CENTRE
            if r["level"] == "commune"
            else AgencyKind.PROVINCE_DEPARTMENT
        )
        assert r["agency__kind"] == expected
    cut = timezone.make_aware(dt.datetime(2026, 9, 1))
    old = Counter(r["status"] for r in rows if r["submitted_at"] < cut)
    assert old[Status.RETURNED] / sum(old.values()) > 0.75
    assert not {Status.SUBMITTED, Status.RECEIVED} & set(old)
    recent = Counter(
        r["status"]
        for r in rows
        if r["submitted_at"] > timezone.make_aware(dt.datetime(2026, 11, 18))
    )
    assert recent[Status.IN_PROCESSING] > 0
    assert dossiers().values("agency").distinct().count() > 100
    assert dossiers().values("procedure").distinct().count() > 15
    finished = dossiers().filter(finished_at__isnull=False, appointment_at__isnull=False)
    late = sum(d.finished_at > d.appointment_at for d in finished)
    assert 0.03 < late / finished.count() < 0.20


def test_supplement_requests_follow_the_events(generated):
    if not apps.is_installed("dossiers") or "supplementrequest" not in apps.all_models["dossiers"]:
        pytest.skip("no supplement requests in this tree")
    requested = set(
        DossierEvent.objects.filter(dossier__in=dossiers(), new_status=5).values_list(
            "dossier_id", flat=True
        )
    )
    SupplementRequest = apps.get_model("dossiers", "SupplementRequest")
    requests = SupplementRequest.objects.filter(dossier__in=dossiers())
    assert requested
    assert set(requests.values_list("dossier_id", flat=True)) == requested
    for request in requests.select_related("dossier"):
        assert request.old_appointment is not None
        if request.dossier.status == Status.SUPPLEMENT_REQUESTED:
            assert request.supplied_at is None
        if request.supplied_at:
            assert request.new_appointment >= request.old_appointment


def test_the_copy_fills_every_column_of_the_models(generated):
    table = CopyTable(Dossier, DOSSIER_COLUMNS, timezone.now())
    assert set(table.columns) == {f.column for f in Dossier._meta.concrete_fields}
    dossier = dossiers().first()
    for f in Dossier._meta.concrete_fields:
        if f.has_default() and not f.null:
            assert getattr(dossier, f.attname) not in (None,), f.name


def test_delete_generated_keeps_real_dossiers(generated):
    dossier = dossiers().first()
    real = dossier_submit(
        version=dossier.version,
        agency=dossier.agency,
        reception_agency=dossier.reception_agency,
        level=dossier.level,
        applicant_name="Nguyễn Văn An",
        applicant_email="an@example.com",
    )

    assert delete_generated() == COUNT

    assert not dossiers().exists()
    assert list(Dossier.objects.values_list("pk", flat=True)) == [real.pk]
    assert DossierEvent.objects.filter(dossier_id=real.pk).count() == 1
    assert DossierEvent.objects.count() == 1

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
    BUSY_STAFF,
    DOSSIER_COLUMNS,
    STAFF,
    CopyTable,
    delete_generated,
    ensure_agencies,
    ensure_procedures,
    ensure_staff,
    ensure_units,
    generate_dossiers,
)
from dossiers.codes import dossier_code_allocate
from dossiers.lifecycle import dossier_submit, processing_path
from dossiers.models import Channel, Dossier, DossierEvent, Status, Step
from units.models import Agency, AgencyKind, Membership, Unit, UnitLevel

PROVINCES = ("68", "01")
SINCE, UNTIL = dt.date(2026, 1, 5), dt.date(2026, 11, 20)
COUNT = 2000
HOT, HOT_SHARE = "68", 0.25  # a commune of Lâm Đồng: its code is found in the fixture
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
        hot = Unit.objects.filter(parent_id=HOT, level=UnitLevel.COMMUNE).order_by("code")[3]
        officers = ensure_staff(provinces=PROVINCES, busy=[hot.code])
        lines: list[str] = []
        written = generate_dossiers(
            COUNT,
            seed=5,
            since=SINCE,
            until=UNTIL,
            provinces=PROVINCES,
            batch=700,
            progress=lines.append,
            hot={hot.code: HOT_SHARE},
        )
        yield {
            "written": written,
            "created": created,
            "progress": lines,
            "hot": Agency.objects.get(unit=hot, kind=AgencyKind.COMMUNE_SERVICE_CENTRE),
            "officers": officers,
        }
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


def test_officers_in_every_agency_and_more_in_the_busy_one(generated):
    hot = generated["hot"]
    agencies = Agency.objects.filter(
        kind__in=STAFF, identifier__in=Dossier.objects.values("agency__identifier")
    )
    for agency in agencies:
        roles = Counter(
            Membership.objects.filter(
                agency=agency, user__username__startswith="bench."
            ).values_list("role", flat=True)
        )
        expected = BUSY_STAFF if agency == hot else STAFF[agency.kind]
        assert roles == {str(role): n for role, n in expected}, agency.identifier
    assert (
        generated["officers"]
        == Membership.objects.filter(user__username__startswith="bench.").count()
    )
    assert ensure_staff(provinces=PROVINCES, busy=[hot.unit_id]) == 0  # idempotent


def test_the_hot_commune_takes_its_share_of_commune_dossiers(generated):
    commune = dossiers().filter(level="commune")
    share = commune.filter(agency=generated["hot"]).count() / commune.count()
    assert HOT_SHARE - 0.05 < share < HOT_SHARE + 0.05


def test_dossiers_in_hand_stand_at_a_step_of_their_workflow(generated):
    in_processing = 0
    for d in dossiers().select_related("version"):
        if d.status not in (
            Status.IN_PROCESSING,
            Status.SUPPLEMENT_REQUESTED,
            Status.FINANCIAL_OBLIGATION,
        ):
            assert (d.step, d.step_index, d.assignee_id) == ("", None, None), d.code
            continue
        path = [p.step for p in processing_path(d.version)]
        if d.status != Status.IN_PROCESSING:
            assert (d.step, d.step_index) == (Step.SPECIALIST, 0), d.code
        elif d.step == Step.SIGNATURE:
            in_processing += 1
            assert d.version.written_result_required
            assert d.step_index == len(path) - 1
        else:
            in_processing += 1
            assert path[d.step_index] == d.step, d.code
    assert in_processing > 0
    steps = Counter(dossiers().filter(status=Status.IN_PROCESSING).values_list("step", flat=True))
    assert steps[Step.SPECIALIST] > steps[Step.LEADER] > 0


def test_assignees_are_officers_of_the_agency_in_the_role_of_the_step(generated):
    held = dossiers().filter(assignee__isnull=False)
    assert held.count() > 0.5 * dossiers().filter(status__in=(4, 5, 6)).count()
    for d in held:
        role = "leader" if d.step == Step.SIGNATURE else d.step
        assert Membership.objects.filter(user=d.assignee_id, agency=d.agency_id, role=role).exists()
    assert held.filter(agency=generated["hot"]).values("assignee").distinct().count() > 1


def test_the_revision_counts_the_transitions(generated):
    events = defaultdict(list)
    for dossier_id, revision in (
        DossierEvent.objects.filter(dossier__in=dossiers())
        .order_by("dossier_id", "id")
        .values_list("dossier_id", "revision")
    ):
        events[dossier_id].append(revision)
    for pk, revision in dossiers().values_list("pk", "revision"):
        assert events[pk] == list(range(revision + 1))


def test_the_original_appointment_is_the_one_given_at_reception(generated):
    SupplementRequest = apps.get_model("dossiers", "SupplementRequest")
    first = dict(
        SupplementRequest.objects.filter(dossier__in=dossiers()).values_list(
            "dossier_id", "old_appointment"
        )
    )
    for d in dossiers():
        assert (d.original_appointment_at is None) == (d.received_at is None), d.code
        if d.pk in first:
            assert d.original_appointment_at == first[d.pk]
        elif d.received_at:
            assert d.original_appointment_at == d.appointment_at

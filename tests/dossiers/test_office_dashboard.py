"""The leader's dashboard and the officers' notices, odd addresses and the staff menu.

Django's test client against the demo (real units, catalogue, agencies and staff), in
Vietnamese as the portal answers by default, at the committee of Phường Mũi Né
(229.18.01.H68).
"""

import datetime as dt

import pytest
from django.utils import timezone

from dossiers.models import Dossier, Status, Step
from dossiers.models_work import Notice
from dossiers.office.dashboard import month_start
from tests.dossiers.conftest import HOME
from tests.dossiers.office_helpers import (
    _no_second_factor,  # noqa: F401 (autouse)
)
from tests.factories.dossiers import as_user, new_dossier, staff_of
from units.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


# --- Dashboard ---------------------------------------------------------------------------------


@pytest.fixture
def month_of_three(home):
    """Three dossiers received this month: one resolved late, one late in progress, one on time."""
    now = timezone.now()
    start = month_start(now)
    span = now - start
    received, due, finished = (start + span * k for k in (0.25, 0.5, 0.75))
    resolved, late, on_time = (new_dossier(home) for _ in range(3))
    Dossier.objects.filter(pk=resolved.pk).update(
        status=Status.RESULT_READY, received_at=received, appointment_at=due, finished_at=finished
    )
    Dossier.objects.filter(pk=late.pk).update(
        status=Status.IN_PROCESSING, step=Step.SPECIALIST, received_at=received, appointment_at=due
    )
    Dossier.objects.filter(pk=on_time.pk).update(
        status=Status.IN_PROCESSING,
        step=Step.SPECIALIST,
        received_at=received,
        appointment_at=now + dt.timedelta(days=3),
    )
    return {"resolved": resolved, "late": late, "on_time": on_time}


def test_the_dashboard_counts_the_month_and_its_on_time_rate(home, month_of_three):
    response = as_user(staff_of(home, Role.LEADER)).get("/office/dashboard/")

    board = response.context["board"]
    html = response.content.decode()
    assert response.status_code == 200
    assert (board.received, board.carried_over, board.late_resolved, board.late_in_progress) == (
        3,
        0,
        1,
        1,
    )
    assert board.on_time_rate == 33.33 and "33,33 %" in html
    assert dict(response.context["by_status"])[Status.IN_PROCESSING.label] == 2
    late = month_of_three["late"]
    assert [d.code for d in board.overdue] == [late.code]
    assert f'href="/office/dossiers/{late.code}/"' in html  # the leader may open it


def test_a_province_admin_sees_the_figures_but_no_work_page_links(home, month_of_three):
    from django.contrib.auth import get_user_model

    admin = as_user(get_user_model().objects.get(username="province_admin.p68"))
    late = month_of_three["late"]

    province = admin.get("/office/dashboard/")
    narrowed = admin.get("/office/dashboard/", {"agency": HOME})
    unknown = admin.get("/office/dashboard/", {"agency": "000.00.01.H01"})

    assert province.status_code == 200 and len(province.context["chosen"]) > 2
    assert province.context["board"].on_time_rate == 33.33
    # Statistics, not files: the overdue dossier is counted for its agency, not listed.
    assert late.code not in province.content.decode()
    assert late.applicant_name not in province.content.decode()
    assert [(r.agency, r.count) for r in province.context["board"].overdue_elsewhere] == [
        (home.name, 1)
    ]
    assert [a.identifier for a in narrowed.context["chosen"]] == [HOME]
    assert unknown.status_code == 400 and unknown.context["form"].errors["agency"]
    assert as_user(staff_of(home, Role.RECEIVER)).get("/office/dashboard/").status_code == 403


def test_an_empty_month_shows_a_dash_for_the_rate(home):
    response = as_user(staff_of(home, Role.LEADER)).get("/office/dashboard/")

    assert response.context["board"].on_time_rate is None
    assert 'data-testid="on-time-rate">—</p>' in response.content.decode()


def test_the_dashboard_shows_the_workload_per_officer(home, month_of_three):
    specialist = staff_of(home, Role.SPECIALIST)
    Dossier.objects.filter(pk=month_of_three["late"].pk).update(assignee=specialist)

    response = as_user(staff_of(home, Role.LEADER)).get("/office/dashboard/")

    workload = response.context["board"].workload
    assert [(w.user_id, w.open, w.overdue) for w in workload] == [(specialist.pk, 1, 1)]
    assert specialist.get_full_name() in response.content.decode()


# --- Notices -----------------------------------------------------------------------------------


def test_notices_newest_first_with_the_unread_count_and_mark_all_read(home):
    receiver = staff_of(home, Role.RECEIVER)
    other = staff_of(home, Role.LEADER)
    old = Notice.objects.create(user=receiver, kind="due_soon:1", text="Một hồ sơ sắp đến hạn.")
    Notice.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    Notice.objects.create(
        user=receiver, kind="overdue:2", text="Hai hồ sơ quá hạn.", url="/office/?queue=overdue"
    )
    Notice.objects.create(user=other, kind="overdue:2", text="Của người khác.")
    client = as_user(receiver)

    page = client.get("/office/notices/")
    html = page.content.decode()
    assert [n.text for n in page.context["notices"]] == [
        "Hai hồ sơ quá hạn.",
        "Một hồ sơ sắp đến hạn.",
    ]
    assert "Của người khác." not in html
    assert page.context["office"]["unread"] == 2 and 'data-testid="unread-count">2' in html
    assert 'href="/office/?queue=overdue"' in html

    marked = client.post("/office/notices/")
    assert marked.status_code == 302
    assert not Notice.objects.filter(user=receiver, read_at__isnull=True).exists()
    assert Notice.objects.get(user=other).read_at is None
    assert client.get("/office/").context["office"]["unread"] == 0


def test_odd_addresses_never_answer_500(home, submitted):
    client = as_user(staff_of(home, Role.RECEIVER))

    assert client.get("/office/", {"queue": "khong-co"}).status_code == 404
    assert client.get("/office/", {"q": "x" * 5000}).status_code == 200
    assert client.get("/office/notices/", {"page": "abc"}).status_code == 200
    unknown = client.get("/office/intake/", {"procedure": "9.999999"})
    assert unknown.status_code == 200 and unknown.context["unknown"] == "9.999999"
    assert client.get("/office/intake/").status_code == 200
    assert client.get(f"/office/dossiers/{submitted.code}/forms/x.pdf").status_code == 404
    assert client.post(f"/office/dossiers/{submitted.code}/act/claim/", {}).status_code == 400
    assert client.get(f"/office/dossiers/{submitted.code}/act/claim/").status_code == 405


def test_the_menu_links_staff_to_their_work(home):
    html = as_user(staff_of(home, Role.RECEIVER)).get("/staff/").content.decode()

    assert 'href="/office/"' in html and "portal/office.css" in html

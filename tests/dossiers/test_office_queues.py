"""The officers' pages of the back office: who may open them, and the work queues (tabs, counts,
search, keyset pages, saved filters).

Django's test client against the demo (real units, catalogue, agencies and staff), in
Vietnamese as the portal answers by default. The dossiers are the demo citizen's birth
registrations (1.001193) at the committee of Phường Mũi Né (229.18.01.H68), and the same at the
other demo commune of Lâm Đồng, whose staff must never see ours.
"""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dossiers import lifecycle
from dossiers.models import Dossier, Status, Step
from dossiers.models_work import DeniedAction, SavedFilter
from dossiers.office.queues import PAGE_SIZE, visible_queues
from tests.dossiers.office_helpers import (
    _no_second_factor,  # noqa: F401 (autouse)
    act,
    codes,
    snapshot,
    tab_counts,
    to_step,
)
from tests.factories.dossiers import as_user, new_dossier, staff_of
from units.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


# --- Who may open the pages ------------------------------------------------------------------


def test_the_office_asks_for_a_sign_in_and_refuses_citizens(client, submitted, applicant):
    anonymous = client.get("/office/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/?next=/office/")

    assert client.get("/office/queues/counts/").status_code == 302

    citizen = as_user(applicant)
    refused = citizen.get("/office/")
    assert refused.status_code == 403 and refused.context["reason"]
    counts = citizen.get("/office/queues/counts/")
    assert counts.status_code == 403 and "tabs" not in counts.context
    # Even their own dossier: the applicant has their own pages, the office is not one.
    assert citizen.get(f"/office/dossiers/{submitted.code}/").status_code == 404
    assert citizen.get(f"/office/dossiers/{submitted.code}/receipt.pdf").status_code == 404
    assert list(DeniedAction.objects.filter(user=applicant).values_list("action", "reason")) == [
        ("page:receipt", "not a staff member"),
        ("page:dossier", "not a staff member"),
    ]


def test_a_dossier_of_another_agency_is_not_found_and_the_attempt_is_kept(home, elsewhere):
    ours = new_dossier(home)
    stranger = staff_of(elsewhere, Role.RECEIVER)
    before = snapshot(ours)

    page = as_user(stranger).get(f"/office/dossiers/{ours.code}/")
    posted = act(as_user(stranger), ours, "receive")

    assert page.status_code == 404 and posted.status_code == 404
    assert snapshot(ours) == before
    denied = DeniedAction.objects.filter(user=stranger, dossier_code=ours.code)
    assert sorted(denied.values_list("action", flat=True)) == ["page:act", "page:dossier"]
    assert set(denied.values_list("reason", flat=True)) == {"not visible to the user"}


# --- Queues ----------------------------------------------------------------------------------


def test_a_receiver_lands_on_the_reception_queue_of_their_agency_only(home, elsewhere):
    ours = new_dossier(home, name="Nguyễn Thị Mai")
    theirs = new_dossier(elsewhere, name="Trần Văn Hùng")

    response = as_user(staff_of(home, Role.RECEIVER)).get("/office/")

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["queue"].name == "reception"
    assert codes(response) == [ours.code]
    assert "Nguyễn Thị Mai" in html and theirs.code not in html and "Trần Văn Hùng" not in html
    assert f'href="/office/dossiers/{ours.code}/"' in html
    # Live refresh: the table reloads every 30 seconds; the tabs load their counts at once, then
    # every 30 seconds, and what comes back goes on refreshing (without loading again at once).
    assert 'id="queue-live"' in html and 'hx-trigger="every 30s"' in html
    assert 'hx-get="/office/queues/counts/"' in html and 'hx-trigger="load, every 30s"' in html
    assert 'data-testid="count-reception"' not in html
    tabs = as_user(staff_of(home, Role.RECEIVER)).get("/office/queues/counts/")
    assert tab_counts(tabs)["reception"] == 1 and tab_counts(tabs)["overdue"] == 0
    fragment = tabs.content.decode()
    assert fragment.lstrip().startswith('<nav id="queue-tabs"') and "<html" not in fragment
    assert 'hx-trigger="every 30s"' in fragment and "load," not in fragment
    assert 'data-testid="count-reception">1</span>' in fragment
    unknown = as_user(staff_of(home, Role.RECEIVER)).get("/office/queues/counts/?queue=all")
    assert unknown.status_code == 404


def test_each_queue_lists_what_waits_in_it_and_nothing_of_other_agencies(home, elsewhere):
    made = {}
    for agency in (home, elsewhere):
        specialist = staff_of(agency, Role.SPECIALIST)
        leader = staff_of(agency, Role.LEADER)
        receiver = staff_of(agency, Role.RECEIVER)
        waiting = new_dossier(agency)
        mine = to_step(new_dossier(agency), Step.SPECIALIST)
        mine = lifecycle.claim(dossier=mine, actor=specialist)
        supplement = lifecycle.receive(dossier=new_dossier(agency), actor=receiver)
        lifecycle.request_supplement(dossier=supplement, actor=receiver, reason="Thiếu tờ khai")
        late = lifecycle.receive(dossier=new_dossier(agency), actor=receiver)
        Dossier.objects.filter(pk=late.pk).update(
            appointment_at=timezone.now() - dt.timedelta(days=2)
        )
        at_leader = to_step(new_dossier(agency), Step.LEADER)
        signing = lifecycle.approve(dossier=to_step(new_dossier(agency), Step.LEADER), actor=leader)
        # Issuing a written result needs the leader's certificate (tested with the work page).
        ready = lifecycle.receive(dossier=new_dossier(agency), actor=receiver)
        Dossier.objects.filter(pk=ready.pk).update(
            status=Status.RESULT_READY, finished_at=timezone.now()
        )
        made[agency.pk] = {
            "reception": [waiting.code],
            "mine": [mine.code],
            "supplement": [supplement.code],
            "overdue": [late.code],
            "leader": [at_leader.code],
            "signature": [signing.code],
            "return": [ready.code],
        }
    expected = made[home.pk]
    viewers = {
        "reception": Role.RECEIVER,
        "mine": Role.SPECIALIST,
        "supplement": Role.RECEIVER,
        "overdue": Role.LEADER,
        "leader": Role.LEADER,
        "signature": Role.LEADER,
        "return": Role.RECEIVER,
    }

    for queue, role in viewers.items():
        response = as_user(staff_of(home, role)).get("/office/", {"queue": queue})
        assert response.status_code == 200
        assert codes(response) == expected[queue], queue
    overdue = as_user(staff_of(home, Role.LEADER)).get("/office/", {"queue": "overdue"})
    assert [row["overdue"] for row in overdue.context["rows"]] == [True]
    assert "Quá hạn" in overdue.content.decode()
    # A leader's default queue is the one awaiting the leader; a specialist's their own.
    assert as_user(staff_of(home, Role.LEADER)).get("/office/").context["queue"].name == "leader"
    assert as_user(staff_of(home, Role.SPECIALIST)).get("/office/").context["queue"].name == "mine"


def test_a_handed_over_dossier_waits_where_it_is_held_and_every_count_matches_its_rows(
    home, elsewhere
):
    past = timezone.now() - dt.timedelta(days=1)
    ours_late = lifecycle.receive(dossier=new_dossier(home), actor=staff_of(home, Role.RECEIVER))
    Dossier.objects.filter(pk=ours_late.pk).update(appointment_at=past - dt.timedelta(hours=1))
    theirs_here, ours_there = new_dossier(elsewhere), new_dossier(home)
    Dossier.objects.filter(pk=theirs_here.pk).update(
        status=Status.IN_PROCESSING, step=Step.LEADER, holder_agency=home, appointment_at=past
    )
    Dossier.objects.filter(pk=ours_there.pk).update(
        status=Status.IN_PROCESSING, step=Step.LEADER, holder_agency=elsewhere, appointment_at=past
    )

    for agency, overdue, at_leader in (
        (home, [ours_late.code, theirs_here.code], [theirs_here.code]),
        (elsewhere, [ours_there.code], [ours_there.code]),
    ):
        client = as_user(staff_of(agency, Role.LEADER))
        assert codes(client.get("/office/", {"queue": "overdue"})) == overdue
        assert codes(client.get("/office/", {"queue": "leader"})) == at_leader
        counts = tab_counts(client.get("/office/queues/counts/"))
        assert set(counts) == set(visible_queues({Role.LEADER}))  # the leader's tabs
        for queue, count in counts.items():  # every queue is shorter than a page here
            assert count == len(codes(client.get("/office/", {"queue": queue}))), queue


def test_search_finds_a_dossier_by_code_cccd_or_name(home):
    mai = new_dossier(home, name="Nguyễn Thị Mai", cccd="068195000321")
    new_dossier(home, name="Phạm Văn Long", cccd="068188000654")
    client = as_user(staff_of(home, Role.RECEIVER))

    for query in (mai.code, f"  {mai.code.lower()} ", "068195000321", "thị mai"):
        response = client.get("/office/", {"queue": "reception", "q": query})
        assert codes(response) == [mai.code], query
    nothing = client.get("/office/", {"queue": "reception", "q": "Không Có Ai"})
    assert codes(nothing) == [] and nothing.status_code == 200
    both = client.get("/office/", {"queue": "reception", "q": mai.code[:-4]})
    assert len(codes(both)) == 2  # the start of a code: that agency's dossiers of that day


def test_keyset_pages_follow_the_next_link_without_gaps_or_repeats(home):
    made = [new_dossier(home).code for _ in range(PAGE_SIZE + 5)]
    client = as_user(staff_of(home, Role.RECEIVER))

    first = client.get("/office/", {"queue": "reception"})
    link = re.search(r'href="/office/\?([^"]+)" rel="next"', first.content.decode()).group(1)
    second = client.get(f"/office/?{link.replace('&amp;', '&')}")

    assert len(codes(first)) == PAGE_SIZE and len(codes(second)) == 5
    assert codes(first) + codes(second) == made  # oldest submission first
    assert second.context["next_query"] == "" and "Trang sau" in first.content.decode()
    mangled = client.get("/office/", {"queue": "reception", "cursor": "not-a-cursor"})
    assert mangled.status_code == 400 and codes(mangled) == codes(first)


def test_the_next_page_of_my_queue_keeps_the_dossiers_without_an_appointment(home):
    receiver = staff_of(home, Role.RECEIVER)
    soon = timezone.now() + dt.timedelta(days=3)
    dated = [new_dossier(home).pk for _ in range(PAGE_SIZE + 1)]
    Dossier.objects.filter(pk__in=dated).update(
        status=Status.RECEIVED, assignee=receiver, appointment_at=soon
    )
    claimed = [lifecycle.claim(dossier=new_dossier(home), actor=receiver).code for _ in range(2)]
    client = as_user(receiver)

    first = client.get("/office/", {"queue": "mine"})
    second = client.get(f"/office/?{first.context['next_query']}")

    assert codes(second)[-2:] == claimed


def test_htmx_gets_only_the_table(home):
    ours = new_dossier(home)

    response = as_user(staff_of(home, Role.RECEIVER)).get(
        "/office/", {"queue": "reception"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<div id="queue-live"')
    assert ours.code in html and "HX-Request" in response["Vary"]


def test_the_queue_page_makes_the_same_queries_for_3_and_for_40_dossiers(home):
    specialist = staff_of(home, Role.SPECIALIST)
    client = as_user(specialist)
    soon = timezone.now() + dt.timedelta(days=3)

    def hand_over(count):
        made = [new_dossier(home).pk for _ in range(count)]
        Dossier.objects.filter(pk__in=made).update(
            status=Status.IN_PROCESSING,
            step=Step.SPECIALIST,
            assignee=specialist,
            appointment_at=soon,
        )

    def measured():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/office/", {"queue": "mine"})
        rows = [
            q["sql"]
            for q in queries
            if 'FROM "dossiers_dossier"' in q["sql"] and "LIMIT" in q["sql"]
        ]
        return response, len(queries), rows

    hand_over(3)
    client.get("/office/", {"queue": "mine"})  # sessions and caches warmed up
    few, few_queries, few_rows = measured()
    hand_over(37)
    many, many_queries, many_rows = measured()

    assert len(few.context["page"].rows) == 3 and len(many.context["page"].rows) == PAGE_SIZE
    assert few_queries == many_queries
    assert len(few_rows) == len(many_rows) == 1  # one query for the rows, whatever the size
    assert specialist.get_full_name() in many.content.decode()


def test_saved_filters_keep_the_queue_and_search_and_the_same_name_replaces(home):
    receiver = staff_of(home, Role.RECEIVER)
    client = as_user(receiver)

    saved = client.post("/office/filters/", {"name": "Khai sinh", "queue": "reception", "q": "Mai"})
    again = client.post("/office/filters/", {"name": "Khai sinh", "queue": "supplement", "q": ""})
    page = client.get("/office/")
    tabs = client.get("/office/queues/counts/")
    blank = client.post("/office/filters/", {"name": " ", "queue": "reception", "q": ""})

    assert saved.status_code == 302 and saved["Location"] == "/office/?queue=reception&q=Mai"
    assert again.status_code == 302
    assert list(SavedFilter.objects.filter(user=receiver).values_list("name", "query")) == [
        ("Khai sinh", "queue=supplement&q=")
    ]
    # Under the tabs, which come with their counts right after the page.
    assert 'href="/office/?queue=supplement&amp;q="' in tabs.content.decode()
    assert 'data-testid="saved-filters"' not in page.content.decode()
    assert blank.status_code == 400 and blank.context["filter_form"].errors["name"]
    assert 'href="/office/?queue=supplement' in blank.content.decode()  # tabs still lead home

"""One search box for all the officer's queues; tabs and default tab that fit the role."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers import lifecycle
from dossiers.models import Status, Step
from tests.factories.dossiers import as_user, new_dossier, staff_of
from tests.factories.units import MembershipFactory
from units.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_no_second_factor")]


@pytest.fixture
def _no_second_factor(settings):
    settings.STAFF_OTP_REQUIRED = False


def tabs(response) -> list[str]:
    return [tab["queue"].name for tab in response.context["tabs"]]


def counts(client, **params) -> dict[str, int]:
    response = client.get("/office/queues/counts/", params)
    assert response.status_code == 200
    return {tab["queue"].name: tab["count"] for tab in response.context["tabs"]}


def test_a_search_finds_the_dossier_in_whichever_queue_holds_it(home):
    receiver = staff_of(home, Role.RECEIVER)
    waiting = new_dossier(home, name="Trần Thị Bé", cccd="068200000777")
    other = new_dossier(home, name="Ngô Văn Khác", cccd="068200000888")
    lifecycle.receive(dossier=other, actor=receiver)
    client = as_user(receiver)

    # On the reception tab, search a dossier that is no longer awaiting reception.
    response = client.get("/office/", {"queue": "reception", "q": other.code})

    hits = response.context["hits"]
    assert [h["code"] for h in hits] == [other.code]
    names = [q["name"] for q in hits[0]["queues"]]
    assert names and "reception" not in names  # found elsewhere, and labelled with where
    html = response.content.decode()
    assert f'href="/office/dossiers/{other.code}/"' in html
    assert 'data-testid="search-hits"' in html
    assert waiting.code not in [h["code"] for h in hits]


def test_a_name_search_lists_each_dossier_once_with_all_its_queues(home):
    receiver = staff_of(home, Role.RECEIVER)
    dossier = new_dossier(home, name="Phạm Thị Tìm Thấy", cccd="068200000999")
    client = as_user(receiver)

    response = client.get("/office/", {"q": "Tìm Thấy"})

    hits = response.context["hits"]
    assert [h["code"] for h in hits] == [dossier.code]
    assert [q["name"] for q in hits[0]["queues"]] == ["reception"]


def test_the_tab_counts_follow_the_search(home):
    receiver = staff_of(home, Role.RECEIVER)
    found = new_dossier(home, name="Đỗ Văn Đếm", cccd="068200000555")
    client = as_user(receiver)
    everything = counts(client)

    searched = counts(client, q=found.code)

    assert everything["reception"] >= 1
    assert searched["reception"] == 1
    assert all(n == 0 for name, n in searched.items() if name != "reception")


def test_what_is_forwarded_to_a_specialist_is_under_mine(home):
    receiver = staff_of(home, Role.RECEIVER)
    specialist = staff_of(home, Role.SPECIALIST)
    dossier = lifecycle.receive(dossier=new_dossier(home), actor=receiver)
    dossier = lifecycle.forward(dossier=dossier, actor=receiver)
    assert (dossier.status, dossier.step, dossier.assignee_id) == (
        Status.IN_PROCESSING,
        Step.SPECIALIST,
        None,
    )
    client = as_user(specialist)

    page = client.get("/office/")

    assert page.context["queue"].name == "mine"
    assert dossier.code in [row["code"] for row in page.context["rows"]]


@pytest.mark.parametrize(
    ("role", "default", "absent"),
    [
        (Role.RECEIVER, "reception", {"leader", "signature"}),
        (Role.SPECIALIST, "mine", {"reception", "return", "leader", "signature"}),
        (Role.LEADER, "leader", {"reception", "return", "to_take"}),
    ],
)
def test_each_role_sees_the_tabs_of_its_work(home, role, default, absent):
    client = as_user(staff_of(home, role))

    page = client.get("/office/")

    assert page.context["queue"].name == default
    assert not absent & set(tabs(page))
    assert not absent & set(counts(client))


def test_searching_all_queues_costs_one_query_however_many_queues(home):
    """The hits of every visible queue come from one statement, not one per queue."""
    receiver = MembershipFactory(agency=home, role=Role.RECEIVER).user  # seven queues
    both = MembershipFactory(agency=home, role=Role.RECEIVER).user
    MembershipFactory(agency=home, role=Role.LEADER, user=both)  # all nine
    for user in (receiver, both):
        client = as_user(user)
        client.get("/office/", {"q": "Không Ai Có"})  # warm the per-process caches
        with CaptureQueriesContext(connection) as plain:
            client.get("/office/", {"queue": "mine"})
        with CaptureQueriesContext(connection) as searched:
            response = client.get("/office/", {"queue": "mine", "q": "Không Ai Có"})
        assert response.context["hits"] == []
        assert len(searched) == len(plain) + 1, [q["sql"][:80] for q in searched]


def test_too_many_hits_shows_the_most_urgent_and_says_so(home, monkeypatch):
    receiver = staff_of(home, Role.RECEIVER)
    made = [new_dossier(home, name="Lê Thị Trùng Tên", cccd=f"06820000012{n}") for n in range(3)]
    monkeypatch.setattr("dossiers.office.queues.HITS", 2)
    client = as_user(receiver)

    response = client.get("/office/", {"q": "Trùng Tên"})

    assert [h["code"] for h in response.context["hits"]] == [d.code for d in made[:2]]
    assert response.context["more_hits"] is True
    assert 'data-testid="more-hits"' in response.content.decode()
    everything = client.get("/office/", {"q": made[2].code})
    assert [h["code"] for h in everything.context["hits"]] == [made[2].code]
    assert everything.context["more_hits"] is False

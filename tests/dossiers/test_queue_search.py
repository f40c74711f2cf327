"""One search box for all the officer's queues; tabs and default tab that fit the role."""

import html
import re

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
    page = client.get("/office/", {"queue": "reception", "q": other.code})
    response = client.get(hits_url(page), headers={"HX-Request": "true"})

    hits = response.context["hits"]
    assert [h["code"] for h in hits] == [other.code]
    names = [q["name"] for q in hits[0]["queues"]]
    assert names and "reception" not in names  # found elsewhere, and labelled with where
    html = response.content.decode()
    assert f'href="/office/dossiers/{other.code}/"' in html
    assert 'data-testid="search-hits"' in html
    assert "<html" not in html  # the panel alone, for htmx to put in the page
    assert waiting.code not in [h["code"] for h in hits]


def test_a_name_search_lists_each_dossier_once_with_all_its_queues(home):
    receiver = staff_of(home, Role.RECEIVER)
    dossier = new_dossier(home, name="Phạm Thị Tìm Thấy", cccd="068200000999")
    client = as_user(receiver)

    response = client.get("/office/queues/search/", {"q": "Tìm Thấy"})

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


def hits_url(page) -> str:
    """Where the queue page asks for its search's hits (htmx, as soon as it is shown)."""
    match = re.search(r'id="search-hits"[^>]*hx-get="([^"]+)"', page.content.decode())
    assert match, "the queue page does not ask for the search's hits"
    return html.unescape(match.group(1))


def test_the_queue_page_shows_its_own_list_and_asks_for_the_hits_of_all_queues(home):
    receiver = staff_of(home, Role.RECEIVER)
    dossier = new_dossier(home, name="Hồ Thị Đợi", cccd="068200000666")
    client = as_user(receiver)

    page = client.get("/office/", {"queue": "reception", "q": "Thị Đợi"})

    assert page.status_code == 200
    assert [row["code"] for row in page.context["rows"]] == [dossier.code]
    assert "hits" not in page.context  # not searched everywhere in this request
    url = hits_url(page)
    assert url.startswith("/office/queues/search/?") and "q=Th%E1%BB%8B+%C4%90%E1%BB%A3i" in url
    # Without JavaScript the link in <noscript> opens the hits as a page of its own.
    alone = client.get(url)
    assert alone.status_code == 200
    text = alone.content.decode()
    assert "<html" in text and f'data-testid="hit-{dossier.code}"' in text


def test_searching_all_queues_costs_one_query_however_many_queues(home):
    """The hits of every visible queue come from one statement, not one per queue."""
    receiver = MembershipFactory(agency=home, role=Role.RECEIVER).user  # seven queues
    both = MembershipFactory(agency=home, role=Role.RECEIVER).user
    MembershipFactory(agency=home, role=Role.LEADER, user=both)  # all nine
    spent = []
    for user in (receiver, both):
        client = as_user(user)
        client.get("/office/queues/search/", {"q": "x"})  # warm the per-process caches
        with CaptureQueriesContext(connection) as searched:
            response = client.get(
                "/office/queues/search/", {"q": "Không Ai Có"}, headers={"HX-Request": "true"}
            )
        assert response.context["hits"] == []
        on_dossiers = [q for q in searched if 'FROM "dossiers_dossier"' in q["sql"]]
        assert len(on_dossiers) == 1, [q["sql"][:80] for q in searched]
        spent.append(len(searched))
    assert spent[0] == spent[1]


def test_too_many_hits_shows_the_most_urgent_and_says_so(home, monkeypatch):
    receiver = staff_of(home, Role.RECEIVER)
    made = [new_dossier(home, name="Lê Thị Trùng Tên", cccd=f"06820000012{n}") for n in range(3)]
    monkeypatch.setattr("dossiers.office.search.HITS", 2)
    client = as_user(receiver)

    response = client.get("/office/queues/search/", {"q": "Trùng Tên"})

    assert [h["code"] for h in response.context["hits"]] == [d.code for d in made[:2]]
    assert response.context["more_hits"] is True
    assert 'data-testid="more-hits"' in response.content.decode()
    everything = client.get("/office/queues/search/", {"q": made[2].code})
    assert [h["code"] for h in everything.context["hits"]] == [made[2].code]
    assert everything.context["more_hits"] is False


def test_the_search_of_all_queues_is_for_staff_only(home, django_user_model):
    citizen = django_user_model.objects.create_user(username="citizen-hits", password="x-1234567")
    new_dossier(home, name="Vũ Văn Riêng Tư", cccd="068200000444")
    client = as_user(citizen)

    response = client.get("/office/queues/search/", {"q": "Riêng Tư"})

    assert response.status_code == 403
    assert 'data-testid="search-hits"' not in response.content.decode()

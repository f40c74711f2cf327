"""The authorisation matrix of the administrators' pages: every actor on every page and action.

Actors: the province administrators of province A (Lâm Đồng, 68) and of province B (Hà Nội,
01), the leader and the receiver of commune A (the demo committee 229.18.01.H68), the receiver
of the other demo commune of province A, a citizen, nobody signed in, and the superuser (the
operator, who sees everything). Items: one of each kind at commune A ("a"), at the other commune
of province A ("a2") and at a commune of province B ("b").

Pages: the sync overview (dead letters, figures, reconciliation reports), the retry POST and a
dossier's sync history (findings 3); the leader's dashboard, with and without ``?agency=``
(finding 4); job positions, certificate revocation and renewal and re-issue batches; the
reassignment pages, batch revert and the catalogue history; the reports pages; the office queue;
the Django admin. A list page must not show the other province's items; a refused action answers
403 or 404 and changes nothing. The expected outcome of every cell comes from the tables below,
never from the code's own selectors (the tables are in ``admin_pages_world.py``).

The demo and the items are built once for the module (``world``, in ``admin_pages_world.py``);
each case runs in a savepoint that is rolled back.
"""

import pytest
from django.utils import translation
from django.utils.html import escape

from dossiers.models_work import DeniedAction
from dossiers.office.forms_pages import DashboardFilterForm
from portal.models import User
from procedures.models import ReassignmentBatch
from signatures.models import Certificate
from sync.models import OutboxEntry
from tests.dossiers.admin_pages_world import (
    ACTORS,
    ADMINISTERS,
    ADMINS,
    AGENCY_PARAMS,
    DASHBOARD_SCOPE,
    ITEMS,
    NON_ADMINS,
    OPENS,
    PROVINCE_OF,
    assert_sent_to_sign_in,
    cases,
    client_of,
    entry_state,
    name_of,
    world,
)

__all__ = ["world"]  # the module's fixture, for pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(world):
    """The module's files stay in its own temporary folder (replaces the suite's fixture)."""


@pytest.fixture(autouse=True)
def _signed_in_directly(settings):
    """The actors are signed in with ``force_login``: no second factor, and no sign-in
    throttling (it has no request address to read; sign-in has its own tests)."""
    settings.STAFF_OTP_REQUIRED = False
    settings.AXES_ENABLED = False


# --- The sync pages (finding 3) -----------------------------------------------------------------


@pytest.mark.parametrize("actor", ACTORS)
def test_sync_overview_lists_only_the_viewers_provinces(world, actor):
    response = client_of(world, actor).get("/sync/")

    if actor == "anonymous":
        return assert_sent_to_sign_in(response)
    if actor not in ADMINISTERS:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    html = response.content.decode()
    mine = ADMINISTERS[actor]
    listed = [e.pk for e in response.context["dead"]]
    assert sorted(listed) == sorted(world.entries[item] for item in mine)
    assert response.context["figures"]["dead_letters"] == len(mine)
    for item in ITEMS:
        code, error = world.dossiers[item].code, f"LOI-DONG-BO-{item.upper()}"
        # The dead letter's code, its error and the reconciliation's mention of it.
        assert (code in html, error in html) == (item in mine, item in mine), item
    run = response.context["runs"][0]
    assert sorted(run.codes) == sorted(world.dossiers[item].code for item in mine)
    assert run.differences == len(mine)
    # The number of dossiers a run checked covers every province: the operator's figure.
    assert run.checked == (40 if actor == "superuser" else None)
    # No link to a sync history the viewer may not open (province administrators see files
    # of no dossier).
    for item in mine:
        link = f'href="/sync/dossiers/{world.dossiers[item].code}/"'
        assert (link in html) == (item in OPENS.get(actor, set()))


@pytest.mark.parametrize(("actor", "item"), cases(ITEMS))
def test_sync_retry(world, actor, item):
    pk = world.entries[item]
    before = entry_state(pk)
    denied = DeniedAction.objects.count()

    response = client_of(world, actor).post("/sync/retry/", {"entry": [pk]})

    if item in ADMINISTERS.get(actor, set()):
        assert response.status_code == 302 and response["Location"] == "/sync/"
        after = entry_state(pk)
        assert (after["state"], after["attempts"]) == ("pending", 0)
        return
    if actor == "anonymous":
        assert_sent_to_sign_in(response)
    elif actor in ADMINISTERS:  # an administrator, of another province
        assert response.status_code == 404
        assert list(DeniedAction.objects.order_by("id")[denied:].values_list("action", "user")) == [
            ("sync:retry", world.users[actor].pk)
        ]
    else:
        assert response.status_code == 403
    assert entry_state(pk) == before


@pytest.mark.parametrize("actor", list(ADMINS))
def test_a_retry_naming_one_entry_outside_the_scope_retries_nothing(world, actor):
    """All or nothing: an own dead letter sent with another province's is not retried either."""
    own = next(i for i in ITEMS if PROVINCE_OF[i] == ADMINS[actor])
    other = next(i for i in ITEMS if PROVINCE_OF[i] != ADMINS[actor])
    before = {i: entry_state(world.entries[i]) for i in ITEMS}

    response = client_of(world, actor).post(
        "/sync/retry/", {"entry": [world.entries[own], world.entries[other]]}
    )

    assert response.status_code == 404
    assert {i: entry_state(world.entries[i]) for i in ITEMS} == before


@pytest.mark.parametrize(("actor", "item"), cases(ITEMS))
def test_dossier_sync_history_follows_the_dossier_visibility(world, actor, item):
    code = world.dossiers[item].code

    response = client_of(world, actor).get(f"/sync/dossiers/{code}/")

    if actor == "anonymous":
        return assert_sent_to_sign_in(response)
    if item in OPENS.get(actor, set()):
        assert response.status_code == 200
        assert code in response.content.decode()
    else:
        assert response.status_code == 404


# --- The dashboard (finding 4) ------------------------------------------------------------------


def _agency_param(world, value: str) -> dict:
    if value == "none":
        return {}
    if value == "garbage":
        return {"agency": "'; DROP TABLE--"}
    if value == "number":  # the database id of an agency of province B, not its identifier
        return {"agency": str(world.agencies["b"].pk)}
    return {"agency": world.agencies[value].identifier}


@pytest.mark.parametrize(("actor", "param"), cases(AGENCY_PARAMS))
def test_dashboard(world, actor, param):
    response = client_of(world, actor).get("/office/dashboard/", _agency_param(world, param))

    if actor == "anonymous":
        return assert_sent_to_sign_in(response)
    html = response.content.decode()
    if actor not in DASHBOARD_SCOPE:
        # Receivers, other officers, citizens and the operator have no dashboard.
        assert response.status_code == 403 and 'data-testid="on-time-rate"' not in html
        return
    scope = DASHBOARD_SCOPE[actor]
    if param not in ("none", *scope):
        # Another commune, another province, a number or garbage: 400, the message, no board.
        assert response.status_code == 400
        with translation.override("vi"):
            message = str(
                DashboardFilterForm.base_fields["agency"].error_messages["invalid_choice"]
            )
        assert response.context["form"].errors["agency"] == [message]
        assert escape(message) in html
        for part in ("on-time-rate", "rate-figures", "by-status", "overdue", "workload"):
            assert f'data-testid="{part}' not in html, part
        for item in ITEMS:
            assert world.dossiers[item].code not in html and name_of(item) not in html
        return
    assert response.status_code == 200
    chosen = scope if param == "none" else {param}
    board = response.context["board"]
    assert board.late_in_progress >= len(chosen)  # the figures are there …
    assert 'data-testid="on-time-rate"' in html
    opens = OPENS.get(actor, set())
    for item in ITEMS:
        shown = item in chosen and item in opens
        # … names, codes and links only where the viewer holds a working role.
        assert (name_of(item) in html) == shown, item
        assert (world.dossiers[item].code in html) == shown, item
        link = f'href="/office/dossiers/{world.dossiers[item].code}/"'
        assert (link in html) == shown, item
    counted = {row.agency: row.count for row in board.overdue_elsewhere}
    for item in chosen - opens:
        assert counted[world.agencies[item].name] >= 1
    assert not {world.agencies[i].name for i in set(ITEMS) - chosen} & set(counted)


# --- Positions, certificates and their re-issue -------------------------------------------------


def _managed(actor: str) -> set[str]:
    return {i for i in ("a", "b") if i in ADMINISTERS.get(actor, set())}


@pytest.mark.parametrize(("actor", "item"), cases(("a", "b")))
def test_positions_page(world, actor, item):
    response = client_of(world, actor).get(
        "/signatures/positions/", {"agency": world.agencies[item].identifier}
    )

    if actor == "anonymous":
        return assert_sent_to_sign_in(response)
    if not _managed(actor):
        assert response.status_code == 403
    elif item in _managed(actor):
        assert response.status_code == 200
        assert f"Chức danh thử {item.upper()}" in response.content.decode()
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("actor", ["province_admin@A", "province_admin@B"])
def test_positions_page_offers_only_the_own_provinces_agencies(world, actor):
    response = client_of(world, actor).get("/signatures/positions/")

    offered = {a.identifier for a in response.context["agencies"]}
    html = response.content.decode()
    for item in ITEMS:
        mine = item in ADMINISTERS[actor]
        assert (world.agencies[item].identifier in offered) == mine
        assert (world.agencies[item].identifier in html) == mine


@pytest.mark.parametrize(("actor", "item"), cases(("a", "b")))
def test_reissue_batch_page(world, actor, item):
    response = client_of(world, actor).get(f"/signatures/reissues/{world.reissues[item]}/")

    if actor == "anonymous":
        return assert_sent_to_sign_in(response)
    assert response.status_code == (200 if item in _managed(actor) else 404)


def _certificate_state(serial: str) -> tuple:
    certificate = Certificate.objects.get(serial=serial)
    return (
        certificate.revoked_at,
        certificate.revocation_reason,
        Certificate.objects.filter(renewed_from=certificate).count(),
    )


@pytest.mark.parametrize(("actor", "item", "action"), cases(("a", "b"), ("revoke", "renew")))
def test_certificate_actions(world, actor, item, action):
    serial = world.certificates[item]
    before = _certificate_state(serial)

    response = client_of(world, actor).post(
        f"/signatures/certificates/{serial}/{action}/", {"reason": "key_compromise"}
    )

    if item in _managed(actor):
        assert response.status_code == 302
        revoked, _reason, renewals = _certificate_state(serial)
        # Renewing supersedes the old certificate (revoked too), with one successor.
        assert (revoked is not None, renewals) == (True, 0 if action == "revoke" else 1)
        return
    if actor == "anonymous":
        assert_sent_to_sign_in(response)
    else:
        assert response.status_code == 404
    assert _certificate_state(serial) == before


# --- Reassignment batches and the catalogue history ---------------------------------------------


def _province_param(item: str) -> str:
    return PROVINCE_OF[item]


@pytest.mark.parametrize(("actor", "item"), cases(("a", "b")))
def test_reassign_page(world, actor, item):
    response = client_of(world, actor).get(
        "/catalogue/reassign/", {"province": _province_param(item)}
    )

    if actor == "anonymous":
        return assert_sent_to_sign_in(response)
    if not _managed(actor):
        assert response.status_code == 403
        return
    if item not in _managed(actor):
        assert response.status_code == 404
        return
    html = response.content.decode()
    assert response.status_code == 200
    assert [b.pk for b in response.context["batches"]] == [world.batches[item]]
    for other in ("a", "b"):
        link = f'href="/catalogue/reassign/{world.batches[other]}/"'
        assert (link in html) == (other == item)


@pytest.mark.parametrize(("actor", "item"), cases(("a", "b")))
def test_reassignment_batch_page_and_revert(world, actor, item):
    pk = world.batches[item]
    client = client_of(world, actor)
    before = ReassignmentBatch.objects.filter(pk=pk).values("status", "reverted_at")[0]

    page = client.get(f"/catalogue/reassign/{pk}/")
    # An empty reason: even an allowed administrator's revert stops at the form (400).
    revert = client.post(f"/catalogue/reassign/{pk}/revert/", {"reason": ""})

    if actor == "anonymous":
        assert_sent_to_sign_in(page)
        assert_sent_to_sign_in(revert)
    elif item in _managed(actor):
        assert (page.status_code, revert.status_code) == (200, 400)
    else:
        assert (page.status_code, revert.status_code) == (404, 404)
    assert ReassignmentBatch.objects.filter(pk=pk).values("status", "reverted_at")[0] == before


@pytest.mark.parametrize("actor", ACTORS)
def test_catalogue_history(world, actor):
    response = client_of(world, actor).get("/catalogue/history/")

    if actor == "anonymous":
        return assert_sent_to_sign_in(response)
    if not _managed(actor):
        assert response.status_code == 403
        return
    html = response.content.decode()
    for item in ("a", "b"):
        assert (f"Sự kiện lô thử {item.upper()}" in html) == (item in _managed(actor))


# --- Reports, the office queue, the Django admin ------------------------------------------------

REPORT_PAGES = ("/reports/", "/reports/self-check/", "/reports/dossiers/")


ONE_PROVINCE_STAFF = ("province_admin@A", "province_admin@B", "leader@A", "receiver@A")


@pytest.mark.parametrize(
    ("actor", "page"),
    [pytest.param(a, p, id=f"{a}-{p}") for a in ONE_PROVINCE_STAFF for p in REPORT_PAGES],
)
def test_reports_of_the_other_province_are_refused(world, actor, page):
    """Staff of province A and the administrator of A may not read province B's reports, and
    B's administrator not A's (the operator reads every province)."""
    other = "68" if actor == "province_admin@B" else "01"
    params = {"province": other}
    if page == "/reports/dossiers/":
        params["indicator"] = "received"

    response = client_of(world, actor).get(page, params)

    assert response.status_code == 403
    for item in ITEMS:
        assert world.dossiers[item].code not in response.content.decode()


@pytest.mark.parametrize("actor", ["province_admin@A", "province_admin@B"])
def test_province_administrators_queues_list_no_dossier(world, actor):
    response = client_of(world, actor).get("/office/", {"queue": "overdue"})

    html = response.content.decode()
    for item in ITEMS:
        assert world.dossiers[item].code not in html and name_of(item) not in html


ADMIN_PAGES = ("/admin/", "/admin/sync/outboxentry/", "/admin/units/membership/")


@pytest.mark.parametrize(("actor", "page"), cases(ADMIN_PAGES))
def test_django_admin_is_for_the_operators_only(world, actor, page):
    response = client_of(world, actor).get(page)

    if actor == "superuser":
        assert response.status_code == 200
        return
    # Province administrators are not staff of the Django admin: sent to sign in.
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_tables_cover_every_actor():
    assert set(ADMINISTERS) | set(OPENS) | set(NON_ADMINS) | {"anonymous"} == set(ACTORS)
    assert set(DASHBOARD_SCOPE) <= set(ACTORS)


def test_the_dead_letter_digest_mails_each_administrator_only_their_provinces(world, mailoutbox):
    """The morning e-mail lists what the sync page lists: each recipient their own share."""
    from sync.reconcile import dead_letter_digest

    for actor in ADMINISTERS:
        User.objects.filter(pk=world.users[actor].pk).update(email=f"{actor}@example.vn")
    User.objects.exclude(pk__in=[world.users[a].pk for a in ADMINISTERS]).update(email="")

    assert dead_letter_digest() == OutboxEntry.objects.filter(state="dead").count()

    mails = {tuple(m.to): m.body for m in mailoutbox}
    assert set(mails) == {(f"{actor}@example.vn",) for actor in ADMINISTERS}
    for actor, items in ADMINISTERS.items():
        body = mails[(f"{actor}@example.vn",)]
        for item in ITEMS:
            assert (world.dossiers[item].code in body) == (item in items), (actor, item)
            assert (f"LOI-DONG-BO-{item.upper()}" in body) == (item in items), (actor, item)

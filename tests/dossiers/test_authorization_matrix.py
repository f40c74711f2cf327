"""The authorisation matrix: every actor, on every lifecycle action and every file download.

Actors: the five working roles (receiver, specialist, department head, leader, auditor) at the
dossier's own agency (the commune committee 229.18.01.H68, its reception and competent agency),
at another commune of the same province and at a commune of another province; the province
administrators of both provinces; the applicant, another citizen, and nobody signed in.

The expected outcome of every cell comes from the hand-written tables ``MATRIX``
(``authorization_table.py``) and ``DOWNLOADS`` below (read from DOMAIN.md and the issue), never
from ``lifecycle.RULES``: the test fails when the rules are wrong. A cell that succeeds changes
the dossier as the table says; a refused cell answers 403 when the caller may see the dossier
(and a DeniedAction is logged), 404 when they may not (logged too), and changes nothing at all.
Cells where the code disagrees with the table are marked ``xfail(strict=True)`` with the line
to fix (``KNOWN_GAPS``).

The demo and one dossier per state (``authorization_world.py``) are built once for the module;
each case runs in a savepoint that is rolled back, so every case starts from the same fresh
dossier.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import override_settings

from dossiers import lifecycle
from dossiers.models import Dossier, DossierEvent, Status
from dossiers.models_documents import DocumentKind
from portal.models import CitizenProfile, User
from tests.conftest import _load_demo
from tests.dossiers.authorization_table import (
    ACTORS,
    APPLICANT_CCCD,
    CITIZEN_ACTIONS,
    HOLDER,
    KNOWN_GAPS,
    MATRIX,
    NOT_REPORTED,
    OTHER_CITIZEN_CCCD,
    OWN,
    OWN_STAFF,
    SEES,
    STATES,
    WORKING,
    Cell,
    _action_cases,
    expected_answer,
)
from tests.dossiers.authorization_world import (
    _demo_communes,
    _test_procedure,
    api_client,
    call,
    denials,
    dossier_at,
    page_client,
    snapshot,
)
from tests.factories.dossiers import staff_of
from units.models import Agency

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(registry, django_db_blocker, tmp_path_factory):
    """The demo, the actors and one dossier per state, in a transaction rolled back at the end
    of the module (each test adds its own savepoint)."""
    media = tmp_path_factory.mktemp("matrix-media")
    settings = override_settings(MEDIA_ROOT=media, STAFF_OTP_REQUIRED=False)
    with settings, django_db_blocker.unblock(), transaction.atomic():
        _load_demo()
        _test_procedure()
        own = Agency.objects.get(identifier=OWN)
        agencies = {
            "own": own,
            "commune": next(a for a in _demo_communes("68") if a != own),
            "province": _demo_communes("01")[0],
            "holder": Agency.objects.get(identifier=HOLDER),
        }
        users: dict[str, User | None] = {
            f"{role}@{relation}": staff_of(agency, role)
            for relation, agency in agencies.items()
            for role in WORKING
        }
        users["province_admin@68"] = User.objects.get(username="province_admin.p68")
        users["province_admin@01"] = User.objects.get(username="province_admin.p01")
        users["applicant"] = CitizenProfile.objects.get(cccd=APPLICANT_CCCD).user
        users["other_citizen"] = CitizenProfile.objects.get(cccd=OTHER_CITIZEN_CCCD).user
        users["anonymous"] = None
        dossiers = {state: dossier_at(state).pk for state in STATES}
        yield SimpleNamespace(users=users, dossiers=dossiers, agencies=agencies)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _private_media(world):
    """Replaces the suite's per-test media folder: the module's dossiers keep their files in
    the module's own temporary folder (never var/media)."""


# --- The matrix of actions ----------------------------------------------------------------------


@pytest.mark.parametrize(("action", "state", "actor"), list(_action_cases()))
def test_action(world, action, state, actor):
    dossier = Dossier.objects.get(pk=world.dossiers[state])
    before = snapshot(dossier.pk)
    denied_before = denials(dossier.code)

    response = call(world, action, actor, dossier)

    expected = expected_answer(action, state, actor)
    assert response.status_code == expected, response.content[:300]
    after = snapshot(dossier.pk)
    logged = denials(dossier.code)[len(denied_before) :]
    if expected in (200, 201):
        assert logged == []
        _assert_done(world, MATRIX[(action, state)], action, actor, before, after, response)
        return
    assert after == before
    if expected == 400:
        assert MATRIX[(action, state)].blocked_at in response.json() and logged == []
    elif actor == "anonymous":
        assert logged == []
    elif expected == 403:
        # Seen but not theirs to do: the lifecycle refuses and logs the action.
        assert logged == [action]
    else:
        # Not theirs to see: the API answers as if the dossier did not exist, and logs the look.
        assert logged == [f"api:{action}"]


def _assert_done(world, cell: Cell, action, actor, before, after, response):
    user, old, new = world.users[actor], before["dossier"], after["dossier"]
    assert (new["status"], new["step"]) == (cell.to_status, cell.to_step)
    if action == "rating":
        assert response.json() == {"rating": "satisfied", "comment": "Nhanh"}
        assert after == {**before, "ratings": before["ratings"] + 1}
        return
    body = response.json()
    assert (body["code"], body["status"]) == (old["code"], cell.to_status)
    if action not in CITIZEN_ACTIONS:
        assert (body["step"], body["revision"]) == (cell.to_step, old["revision"] + 1)
    assert new["revision"] == old["revision"] + 1
    assert after["events"] == before["events"] + 1
    event = DossierEvent.objects.filter(dossier__code=old["code"]).latest("id")
    assert (event.actor, event.old_status, event.new_status) == (
        user,
        old["status"],
        cell.to_status,
    )
    assert after["outbox"] == before["outbox"] + (0 if action in NOT_REPORTED else 1)
    assert after["documents"] == before["documents"] + (1 if "document" in cell.effects else 0)
    if "assignee" in cell.effects:
        assert new["assignee_id"] == user.pk
    if "assignee:to" in cell.effects:
        assert new["assignee_id"] == world.users["specialist@own"].pk
    if "holder" in cell.effects:
        assert new["holder_agency_id"] == world.agencies["holder"].pk
        assert new["assignee_id"] is None
    elif "no_holder" in cell.effects:
        assert old["holder_agency_id"] is not None and new["holder_agency_id"] is None
    else:
        assert new["holder_agency_id"] == old["holder_agency_id"]
    if "appointment" in cell.effects:
        assert new["appointment_at"] == old["appointment_at"] + dt.timedelta(days=3)
        assert after["extensions"] == before["extensions"] + 1
    elif "appointment:set" in cell.effects:
        assert old["appointment_at"] is None and new["appointment_at"] is not None
    elif action != "supplement":  # a supplement moves it by the time the clock stood still
        assert new["appointment_at"] == old["appointment_at"]
    if action == "request_supplement":
        assert after["supplement_requests"] == before["supplement_requests"] + 1


# --- The matrix of file downloads ---------------------------------------------------------------

# Downloads are tried on the dossier at status 5: it has submitted documents, a receipt (it was
# received) and a supplement request (form 02).
DOWNLOAD_STATE = "5"
# kind → who gets the file. Every other signed-in caller gets 404; nobody signed in is sent to
# sign in (pages) or refused (API).
DOWNLOADS: dict[str, frozenset] = {
    # The citizen's pages serve the applicant only; staff have the office pages.
    "my_document": frozenset({"applicant"}),
    "my_receipt": frozenset({"applicant"}),
    # The API detail: whoever may see the dossier …
    "api_detail": SEES,
    # … and every document URL the detail lists opens for whoever was given it.
    "api_detail_documents": SEES,
    # The office pages: staff with a working role at the agency.
    "office_document": OWN_STAFF,
    "office_receipt": OWN_STAFF,
    "office_notice": OWN_STAFF,
}
CITIZEN_PAGES = {
    "my_document": "/my/dossiers/{code}/documents/{pk}/",
    "my_receipt": "/my/dossiers/{code}/receipt.pdf",
}
OFFICE_PAGES = {
    "office_document": "/office/dossiers/{code}/documents/{pk}/",
    "office_receipt": "/office/dossiers/{code}/receipt.pdf",
    "office_notice": "/office/dossiers/{code}/forms/02.pdf",
}
# The office answers a citizen 404 for any dossier page or file, like any caller who may
# not see the dossier (logged as page:<name>): no gap left.
DOWNLOAD_GAPS: dict[tuple[str, str], str] = {}


def _download_cases():
    for kind in DOWNLOADS:
        for actor in ACTORS:
            gap = DOWNLOAD_GAPS.get((kind, actor))
            marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
            yield pytest.param(kind, actor, id=f"{kind}-{actor}", marks=marks)


def _content(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize(("kind", "actor"), list(_download_cases()))
def test_download(world, kind, actor):
    dossier = Dossier.objects.get(pk=world.dossiers[DOWNLOAD_STATE])
    document = dossier.documents.filter(kind=DocumentKind.SUBMITTED).order_by("id").first()
    before = snapshot(dossier.pk)
    denied_before = denials(dossier.code)
    allowed = actor in DOWNLOADS[kind]

    if kind.startswith("api_"):
        response = api_client(world, actor).get(f"/api/v1/dossiers/{dossier.code}/")
        logged = denials(dossier.code)[len(denied_before) :]
        if allowed:
            assert response.status_code == 200
            body = response.json()
            assert (body["code"], body["status"]) == (dossier.code, Status.SUPPLEMENT_REQUESTED)
            urls = [d["url"] for d in body["documents"]]
            assert len(urls) == before["documents"] > 0
            if kind == "api_detail_documents":
                client = page_client(world, actor)
                answers = [client.get(url) for url in urls]
                assert [a.status_code for a in answers] == [200] * len(urls)
                assert all(_content(a).startswith(b"%PDF") for a in answers)
        elif actor == "anonymous":
            assert response.status_code == 403 and logged == []
        else:
            assert response.status_code == 404 and logged == ["api:retrieve"]
    else:
        path = (CITIZEN_PAGES | OFFICE_PAGES)[kind].format(code=dossier.code, pk=document.pk)
        response = page_client(world, actor).get(path)
        logged = denials(dossier.code)[len(denied_before) :]
        if allowed:
            assert response.status_code == 200
            assert response["Content-Disposition"].startswith("attachment")
            assert _content(response).startswith(b"%PDF")
        elif actor == "anonymous":
            sign_in = "/eid/login/" if kind in CITIZEN_PAGES else "/accounts/login/"
            assert response.status_code == 302 and response["Location"].startswith(sign_in)
        else:
            assert response.status_code == 404
            if kind in OFFICE_PAGES:  # the office keeps every refused look for audits
                assert logged == [f"page:{kind.removeprefix('office_')}"]
    assert snapshot(dossier.pk) == before


def test_the_tables_cover_every_action_and_state():
    """A new lifecycle action (or citizen action) must get its rows in the matrix."""
    assert {action for action, _state in MATRIX} == {*lifecycle.Action.values, "rating"}
    assert {state for _action, state in MATRIX} == set(STATES)
    for action, state, actor in KNOWN_GAPS:
        assert (action, state) in MATRIX and actor in ACTORS
    assert len(list(_action_cases())) + len(list(_download_cases())) >= 250

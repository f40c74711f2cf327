"""The authorisation matrix: every actor, on every lifecycle action and every file download.

Actors: the five working roles (receiver, specialist, department head, leader, auditor) at the
dossier's own agency (the commune committee 229.18.01.H68, its reception and competent agency),
at another commune of the same province and at a commune of another province; the province
administrators of both provinces; the applicant, another citizen, and nobody signed in.

The expected outcome of every cell comes from the hand-written tables ``MATRIX`` and
``DOWNLOADS`` below (read from DOMAIN.md and the issue), never from ``lifecycle.RULES``: the test
fails when the rules are wrong. A cell that succeeds changes the dossier as the table says; a
refused cell answers 403 when the caller may see the dossier (and a DeniedAction is logged), 404
when they may not (logged too), and changes nothing at all. Cells where the code disagrees with
the table are marked ``xfail(strict=True)`` with the line to fix (``KNOWN_GAPS``).

The demo and one dossier per state are built once for the module; each case runs in a savepoint
that is rolled back, so every case starts from the same fresh dossier.
"""

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import Client, override_settings
from rest_framework.test import APIClient

from dossiers import lifecycle
from dossiers.models import Dossier, DossierEvent, Status, Step
from dossiers.models_documents import (
    DocumentKind,
    DossierDocument,
    DossierRating,
    SupplementRequest,
)
from dossiers.models_work import DeniedAction, Extension
from dossiers.submission import dossier_submit_online
from portal.models import CitizenProfile, User
from procedures.models import Level, Procedure
from procedures.records import WorkflowStepRecord
from procedures.services import assignment_create
from sync.models import OutboxEntry
from tests.conftest import _load_demo
from tests.dossiers.conftest import pdf
from tests.factories.dossiers import staff_of
from tests.factories.procedures import make_procedure
from units.models import Agency, Role, Unit, UnitLevel
from units.services import REFORM_DATE

pytestmark = pytest.mark.django_db

# --- The actors ---------------------------------------------------------------------------------

OWN = "229.18.01.H68"  # the dossier's reception and competent agency (commune 22918)
HOLDER = "000.00.02.H68"  # the province department a dossier is handed over to (liên thông)
WORKING = ("receiver", "specialist", "department_head", "leader", "auditor")
# The dossier's own agency / the other demo commune of province 68 / a demo commune of 01.
RELATIONS = ("own", "commune", "province")
STAFF = tuple(f"{role}@{relation}" for relation in RELATIONS for role in WORKING)
ACTORS = (
    *STAFF,
    "province_admin@68",
    "province_admin@01",
    "applicant",
    "other_citizen",
    "anonymous",
)
# Staff of the department holding a handed-over dossier: actors of that state only.
HOLDERS = tuple(f"{role}@holder" for role in WORKING)
OWN_STAFF = frozenset(f"{role}@own" for role in WORKING)
APPLICANT_CCCD = "068190000123"
OTHER_CITIZEN_CCCD = "001301000456"

# Who may see a dossier (DOMAIN.md, dossiers.selectors): the applicant their own; staff with a
# working role at its reception, competent or holding agency. A province administrator sees
# statistics, not files (no working role at a commune); other communes, other provinces and
# other citizens do not see it at all.
SEES = frozenset({*OWN_STAFF, "applicant"})
SEES_HANDED_OVER = frozenset({*SEES, *HOLDERS})

# --- The states a dossier is put in -------------------------------------------------------------
# "1" submitted · "2" received · "4:<step>" in processing at that step · "5" supplement requested
# at the desk after reception · "6" financial obligation · "9" result ready · "handed_over" in
# processing, held by the province department for its part.
STATES = (
    "1",
    "2",
    "4:specialist",
    "4:department_head",
    "4:leader",
    "4:signature",
    "5",
    "6",
    "9",
    "handed_over",
)
# A commune procedure of the tests' own for "4:department_head" and "9": its workflow passes
# through a department head, and its result needs no signature (the leader's approval makes it
# ready; signing has its own tests). The other states use birth registration (1.001193), whose
# workflow is specialist → leader and whose written result is signed.
TEST_PROCEDURE = "1.999193"


# --- The table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """Who succeeds with an action taken at a state, and what the dossier becomes."""

    who: frozenset
    to_status: int
    to_step: str
    # What else the action sets: "assignee" (the actor), "assignee:to" (the specialist
    # assigned), "holder" (the department), "no_holder", "appointment" (moved by 3 days),
    # "appointment:set", "document" (one more), "rating".
    effects: tuple
    # The allowed actors pass the role check but the dossier's state refuses them: 400 at
    # this field, and nothing changes.
    blocked_at: str


def allow(*who: str, to: int, step: str = "", effects=(), blocked_at: str = "") -> Cell:
    return Cell(frozenset(who), to, step, tuple(effects), blocked_at)


S = Status
# (action, state) → who succeeds there and what the dossier becomes. Everyone else is refused.
MATRIX: dict[tuple[str, str], Cell] = {
    # --- At the one-stop desk (status 1): the receiver checks what was submitted. ------------
    # Only the desk receives a submitted dossier (1 → 2; the appointment is set) …
    ("receive", "1"): allow("receiver@own", to=S.RECEIVED, effects=["appointment:set"]),
    # … or refuses it, with the reason (1 → 3, form 03).
    ("refuse", "1"): allow("receiver@own", to=S.REFUSED),
    # At the desk the receiver asks for missing documents (form 02); nobody else does there.
    ("request_supplement", "1"): allow("receiver@own", to=S.SUPPLEMENT_REQUESTED),
    # Taking in hand: the role working the current step (at the desk, the receiver).
    ("claim", "1"): allow("receiver@own", to=S.SUBMITTED, effects=["assignee"]),
    # The applicant, and only the applicant, withdraws while nothing is decided.
    ("withdraw", "1"): allow("applicant", to=S.WITHDRAWN),
    # --- Received (status 2), still at the desk. ---------------------------------------------
    # The desk passes the received dossier on to processing, with the specialist (2 → 4).
    ("forward", "2"): allow("receiver@own", to=S.IN_PROCESSING, step=Step.SPECIALIST),
    # A supplement at the desk: the receiver only (the specialist asks during processing).
    ("request_supplement", "2"): allow("receiver@own", to=S.SUPPLEMENT_REQUESTED),
    # Stopping the processing (form 05) is the leader's decision.
    ("stop", "2"): allow("leader@own", to=S.STOPPED),
    # The apology and new appointment (form 04) are the leader's.
    ("extend", "2"): allow("leader@own", to=S.RECEIVED, effects=["appointment"]),
    # --- In processing, with the specialist (4 / specialist). --------------------------------
    # The specialist sends it on (to the leader: birth registration has no department head).
    ("forward", "4:specialist"): allow("specialist@own", to=S.IN_PROCESSING, step=Step.LEADER),
    # During processing, the specialist asks for a supplement.
    ("request_supplement", "4:specialist"): allow(
        "specialist@own", to=S.SUPPLEMENT_REQUESTED, step=Step.SPECIALIST
    ),
    ("claim", "4:specialist"): allow(
        "specialist@own", to=S.IN_PROCESSING, step=Step.SPECIALIST, effects=["assignee"]
    ),
    # The department head assigns the dossier to a specialist; so does the leader, for the many
    # communes that have no department head between the specialists and the leader.
    ("assign", "4:specialist"): allow(
        "department_head@own",
        "leader@own",
        to=S.IN_PROCESSING,
        step=Step.SPECIALIST,
        effects=["assignee:to"],
    ),
    # The specialist hands the dossier over to another agency for its part.
    ("hand_over", "4:specialist"): allow(
        "specialist@own", to=S.IN_PROCESSING, step=Step.SPECIALIST, effects=["holder"]
    ),
    # The specialist asks for the financial obligation (4 → 6).
    ("request_payment", "4:specialist"): allow(
        "specialist@own", to=S.FINANCIAL_OBLIGATION, step=Step.SPECIALIST
    ),
    # Those who process the dossier (specialist, department head, leader) may attach the result
    # document at any step of processing; the desk and the auditor may not.
    ("attach_result", "4:specialist"): allow(
        "specialist@own",
        "department_head@own",
        "leader@own",
        to=S.IN_PROCESSING,
        step=Step.SPECIALIST,
        effects=["document"],
    ),
    ("stop", "4:specialist"): allow("leader@own", to=S.STOPPED, step=Step.SPECIALIST),
    ("extend", "4:specialist"): allow(
        "leader@own", to=S.IN_PROCESSING, step=Step.SPECIALIST, effects=["appointment"]
    ),
    # --- With the department head (4 / department_head). --------------------------------------
    # The department head forwards it to the leader …
    ("forward", "4:department_head"): allow(
        "department_head@own", to=S.IN_PROCESSING, step=Step.LEADER
    ),
    # … or sends it back to the specialist: whoever holds the step sends it back.
    ("send_back", "4:department_head"): allow(
        "department_head@own", to=S.IN_PROCESSING, step=Step.SPECIALIST
    ),
    ("claim", "4:department_head"): allow(
        "department_head@own",
        to=S.IN_PROCESSING,
        step=Step.DEPARTMENT_HEAD,
        effects=["assignee"],
    ),
    ("attach_result", "4:department_head"): allow(
        "specialist@own",
        "department_head@own",
        "leader@own",
        to=S.IN_PROCESSING,
        step=Step.DEPARTMENT_HEAD,
        effects=["document"],
    ),
    # --- Awaiting the leader (4 / leader). -------------------------------------------------
    # The leader approves; a written result then awaits the leader's signature.
    ("approve", "4:leader"): allow(
        "leader@own", to=S.IN_PROCESSING, step=Step.SIGNATURE, effects=["assignee"]
    ),
    # The leader, who holds the step, sends it back (to the specialist: no department head).
    ("send_back", "4:leader"): allow("leader@own", to=S.IN_PROCESSING, step=Step.SPECIALIST),
    ("claim", "4:leader"): allow(
        "leader@own", to=S.IN_PROCESSING, step=Step.LEADER, effects=["assignee"]
    ),
    # --- Awaiting signature (4 / signature): the leader's. ------------------------------------
    # The leader issues the result (4 → 9). A written result must be signed first, and signing
    # issues it (signatures.services): here the leader passes the role check and is refused on
    # the unsigned result (400 at "result"); nobody else gets that far.
    ("issue_result", "4:signature"): allow(
        "leader@own", to=S.IN_PROCESSING, step=Step.SIGNATURE, blocked_at="result"
    ),
    # The leader sends it back to the approval step.
    ("send_back", "4:signature"): allow("leader@own", to=S.IN_PROCESSING, step=Step.LEADER),
    ("attach_result", "4:signature"): allow(
        "specialist@own",
        "department_head@own",
        "leader@own",
        to=S.IN_PROCESSING,
        step=Step.SIGNATURE,
        effects=["document"],
    ),
    # --- Supplement requested (status 5; asked at the desk after reception). ------------------
    # Only the applicant supplies documents; the dossier returns to where it was (2).
    ("supplement", "5"): allow("applicant", to=S.RECEIVED, effects=["document"]),
    ("withdraw", "5"): allow("applicant", to=S.WITHDRAWN),
    ("stop", "5"): allow("leader@own", to=S.STOPPED),
    ("extend", "5"): allow("leader@own", to=S.SUPPLEMENT_REQUESTED, effects=["appointment"]),
    # --- Financial obligation requested (status 6). ------------------------------------------
    # The payment is confirmed by the desk (which collects fees) or the specialist who asked.
    ("confirm_payment", "6"): allow(
        "receiver@own", "specialist@own", to=S.IN_PROCESSING, step=Step.SPECIALIST
    ),
    ("withdraw", "6"): allow("applicant", to=S.WITHDRAWN, step=Step.SPECIALIST),
    ("stop", "6"): allow("leader@own", to=S.STOPPED, step=Step.SPECIALIST),
    ("extend", "6"): allow(
        "leader@own", to=S.FINANCIAL_OBLIGATION, step=Step.SPECIALIST, effects=["appointment"]
    ),
    # --- Result ready (status 9), back at the desk. --------------------------------------------
    # The desk returns the result (9 → 10).
    ("return_result", "9"): allow("receiver@own", to=S.RETURNED),
    ("claim", "9"): allow("receiver@own", to=S.RESULT_READY, effects=["assignee"]),
    # Only the applicant rates the service (not a transition: the dossier stays at 9).
    ("rating", "9"): allow("applicant", to=S.RESULT_READY, effects=["rating"]),
    # --- Handed over to the province department for its part. ---------------------------------
    # Those who process dossiers at the holding department hand it back; the commune no longer
    # holds it, so its own staff may not.
    ("hand_back", "handed_over"): allow(
        "specialist@holder",
        "department_head@holder",
        "leader@holder",
        to=S.IN_PROCESSING,
        step=Step.SPECIALIST,
        effects=["no_holder"],
    ),
}
# The auditor reads only: no row lets an auditor act. A province administrator acts only where
# they hold a working role: none at a commune, so they do not even see these dossiers.

# Internal moves, not progress on the national record: no outbox row.
NOT_REPORTED = {"claim", "assign"}
# The citizen's endpoints; every other action is a back-office endpoint.
CITIZEN_ACTIONS = {"withdraw", "supplement", "rating"}

# --- Where the code disagrees with the table: to fix in the code, not in the table -------------
# (The first run found five: supplement requests and send-backs not tied to the step's role,
# the desk extending, the leader assigning — kept on purpose, see the table — and a refused
# rating answered 409 unlogged. All fixed in the code.)
KNOWN_GAPS: dict[tuple[str, str, str], str] = {}


def expected_answer(action: str, state: str, actor: str) -> int:
    cell = MATRIX[(action, state)]
    if actor in cell.who:
        if cell.blocked_at:
            return 400
        return 201 if action == "rating" else 200
    if actor == "anonymous":
        # 403, not 401: session authentication has no challenge to send with a 401.
        return 403
    sees = SEES_HANDED_OVER if state == "handed_over" else SEES
    return 403 if actor in sees else 404


def _action_cases():
    for action, state in MATRIX:
        actors = (*ACTORS, *HOLDERS) if state == "handed_over" else ACTORS
        for actor in actors:
            gap = KNOWN_GAPS.get((action, state, actor))
            marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
            yield pytest.param(action, state, actor, id=f"{action}({state})-{actor}", marks=marks)


# --- Building the world once --------------------------------------------------------------------


def dossier_at(state: str) -> Dossier:
    """A new online submission of the demo citizen at commune 22918, taken to ``state`` by the
    commune's own staff through the lifecycle services."""
    code = TEST_PROCEDURE if state in ("4:department_head", "9") else "1.001193"
    procedure = Procedure.objects.select_related("current_version").get(code=code)
    case = procedure.current_version.cases.first()
    d = dossier_submit_online(
        applicant=CitizenProfile.objects.get(cccd=APPLICANT_CCCD).user,
        procedure=procedure,
        files={c.pk: pdf() for c in case.components.all() if c.originals or c.copies},
        data={"applicant_commune": "22918", "applicant_phone": "0912345678"},
    )
    assert (d.reception_agency.identifier, d.agency.identifier) == (OWN, OWN)

    def staff(role: str):
        return staff_of(d.reception_agency, role)

    if state == "1":
        return d
    d = lifecycle.receive(dossier=d, actor=staff(Role.RECEIVER))
    if state == "2":
        return d
    if state == "5":
        lifecycle.request_supplement(
            dossier=d, actor=staff(Role.RECEIVER), reason="Thiếu bản sao giấy tờ tùy thân."
        )
        return Dossier.objects.get(pk=d.pk)
    d = lifecycle.forward(dossier=d, actor=staff(Role.RECEIVER))
    if state == "6":
        return lifecycle.request_payment(dossier=d, actor=staff(Role.SPECIALIST), amount=8000)
    if state == "handed_over":
        holder = Agency.objects.get(identifier=HOLDER)
        return lifecycle.hand_over(dossier=d, actor=staff(Role.SPECIALIST), to=holder)
    target = {"4:specialist": Step.SPECIALIST, "4:department_head": Step.DEPARTMENT_HEAD}
    while d.step != target.get(state, Step.LEADER):
        d = lifecycle.forward(dossier=d, actor=staff(d.step))
    if state.startswith("4:") and state != "4:signature":
        return d
    d = lifecycle.approve(dossier=d, actor=staff(Role.LEADER))
    if state == "4:signature":
        lifecycle.attach_result(dossier=d, actor=staff(Role.LEADER))
        return Dossier.objects.get(pk=d.pk)
    assert (state, d.status) == ("9", Status.RESULT_READY)
    return d


def _test_procedure() -> None:
    """TEST_PROCEDURE, settled by the communes of province 68."""
    procedure = make_procedure(
        TEST_PROCEDURE,
        "Thủ tục thử nghiệm có bước trưởng phòng",
        written_result_required=False,
        workflow=(
            WorkflowStepRecord(name="Tiếp nhận", role="receiver", budget_hours=1),
            WorkflowStepRecord(name="Thẩm định", role="specialist", budget_hours=8),
            WorkflowStepRecord(name="Trưởng phòng xem xét", role="department_head", budget_hours=4),
            WorkflowStepRecord(name="Phê duyệt", role="leader", budget_hours=4),
            WorkflowStepRecord(name="Trả kết quả", role="receiver", budget_hours=1),
        ),
    )
    assignment_create(
        procedure=procedure,
        level=Level.COMMUNE,
        scope=Unit.objects.get(code="68"),
        valid_from=REFORM_DATE,
        note="authorisation matrix",
    )


def _demo_communes(province: str) -> list[Agency]:
    """The committees of the province's first two communes, which the demo staffs."""
    communes = Unit.objects.filter(parent_id=province, level=UnitLevel.COMMUNE).order_by("code")
    return [
        Agency.objects.get(identifier=f"{c.code[:3]}.{c.code[3:]}.01.H{province}")
        for c in communes[:2]
    ]


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


# --- Looking at a dossier, calling as an actor --------------------------------------------------


WATCHED = (
    "code",
    "status",
    "step",
    "revision",
    "assignee_id",
    "holder_agency_id",
    "appointment_at",
)


def snapshot(pk: int) -> dict:
    """Everything a refused action must leave as it was."""
    return {
        "dossier": Dossier.objects.filter(pk=pk).values(*WATCHED).get(),
        "events": DossierEvent.objects.filter(dossier_id=pk).count(),
        "outbox": OutboxEntry.objects.filter(dossier_id=pk).count(),
        "documents": DossierDocument.objects.filter(dossier_id=pk).count(),
        "supplement_requests": SupplementRequest.objects.filter(dossier_id=pk).count(),
        "extensions": Extension.objects.filter(dossier_id=pk).count(),
        "ratings": DossierRating.objects.filter(dossier_id=pk).count(),
    }


def denials(code: str) -> list[str]:
    """The DeniedAction rows of the dossier, oldest first (their action names)."""
    rows = DeniedAction.objects.filter(dossier_code=code).order_by("id")
    return list(rows.values_list("action", flat=True))


def api_client(world, actor: str) -> APIClient:
    client = APIClient()
    if world.users[actor] is not None:
        client.force_authenticate(world.users[actor])
    return client


def page_client(world, actor: str) -> Client:
    client = Client()
    if world.users[actor] is not None:
        client.force_login(world.users[actor])
    return client


def payload(world, action: str, dossier: Dossier) -> dict:
    if action == "extend":
        later = dossier.appointment_at + dt.timedelta(days=3)
        return {"new_appointment": later.isoformat(), "reason": "Cần xác minh thêm."}
    return {
        "refuse": {"reason": "Hồ sơ không thuộc thẩm quyền giải quyết."},
        "request_supplement": {"reason": "Thiếu bản sao giấy tờ.", "items": ["Bản sao CCCD"]},
        "assign": {"to_user": world.users["specialist@own"].pk},
        "send_back": {"note": "Cần thẩm định lại."},
        "hand_over": {"to_agency": HOLDER, "note": "Xin ý kiến Sở Tư pháp."},
        "request_payment": {"amount": 8000, "note": "Lệ phí"},
        "confirm_payment": {"method": "counter"},
        "stop": {"reason": "Người yêu cầu đề nghị dừng."},
        "return_result": {"method": "counter"},
        "withdraw": {"reason": "Nộp nhầm thủ tục."},
        "rating": {"rating": "satisfied", "comment": "Nhanh"},
    }.get(action, {})


def call(world, action: str, actor: str, dossier: Dossier):
    """POST /api/v1/dossiers/{code}/<action-with-dashes>/ as ``actor``."""
    client = api_client(world, actor)
    url = f"/api/v1/dossiers/{dossier.code}/{action.replace('_', '-')}/"
    if action == "supplement":
        files = {"file": pdf("bo-sung.pdf"), "note": "Đã bổ sung"}
        return client.post(url, files, format="multipart")
    if action == "attach_result":  # the API takes the result as a file, multipart only
        data = {**payload(world, action, dossier), "file": pdf("ket-qua.pdf")}
        return client.post(url, data, format="multipart")
    return client.post(url, payload(world, action, dossier), format="json")


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

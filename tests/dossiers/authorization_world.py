"""The world of the authorisation matrix (``test_authorization_matrix.py``): one dossier per
state, taken there through the lifecycle services, and the calls and snapshots of a case.
"""

import datetime as dt

from django.test import Client
from rest_framework.test import APIClient

from dossiers import lifecycle
from dossiers.models import Dossier, DossierEvent, Status, Step
from dossiers.models_documents import DossierDocument, DossierRating, SupplementRequest
from dossiers.models_work import DeniedAction, Extension
from dossiers.submission import dossier_submit_online
from portal.models import CitizenProfile
from procedures.models import Level, Procedure
from procedures.records import WorkflowStepRecord
from procedures.services import assignment_create
from sync.models import OutboxEntry
from tests.dossiers.authorization_table import APPLICANT_CCCD, HOLDER, OWN, TEST_PROCEDURE
from tests.dossiers.conftest import pdf
from tests.factories.dossiers import staff_of
from tests.factories.procedures import make_procedure
from units.models import Agency, Role, Unit, UnitLevel
from units.services import REFORM_DATE

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

"""The tables and the world of the administrators' pages matrix (``test_admin_pages_matrix.py``):
the actors and items, who administers and opens what, and the demo with one item of each kind
at commune A, the other commune of province A and a commune of province B.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from dossiers.models import Dossier, Status, Step
from portal.models import CitizenProfile, User
from procedures.models import CatalogueEvent, Procedure, ReassignmentBatch
from signatures import ca
from signatures.models import Position, ReissueBatch
from sync.models import OutboxEntry, ReconciliationRun
from tests.conftest import _load_demo
from tests.dossiers.authorization_table import APPLICANT_CCCD
from tests.dossiers.authorization_world import _demo_communes
from tests.factories.dossiers import new_dossier, staff_of
from units.models import Agency, Role, Unit

ACTORS = (
    "province_admin@A",
    "province_admin@B",
    "leader@A",
    "receiver@A",
    "officer@other_commune",
    "citizen",
    "anonymous",
    "superuser",
)
ITEMS = ("a", "a2", "b")  # commune A, the other commune of province A, a commune of province B
PROVINCE_OF = {"a": "68", "a2": "68", "b": "01"}
ADMINS = {"province_admin@A": "68", "province_admin@B": "01"}
NON_ADMINS = ("leader@A", "receiver@A", "officer@other_commune", "citizen")

# Who administers which items (sync, positions, certificates, batches): a province's
# administrator its own province's, the operator all, nobody else any.
ADMINISTERS = {
    "province_admin@A": {"a", "a2"},
    "province_admin@B": {"b"},
    "superuser": set(ITEMS),
}
# Who may open a dossier (its sync history, the work page): a working role at its agency. The
# province administrators see statistics, not files; the operator has no working role either.
OPENS = {
    "leader@A": {"a"},
    "receiver@A": {"a"},
    "officer@other_commune": {"a2"},
}
# The dashboard: which ``?agency=`` each dashboard reader may choose.
DASHBOARD_SCOPE = {
    "province_admin@A": {"a", "a2"},
    "province_admin@B": {"b"},
    "leader@A": {"a"},
}
AGENCY_PARAMS = ("none", "a", "a2", "b", "garbage", "number")


def name_of(item: str) -> str:
    return f"Người Nộp Thử {item.upper()}"


# --- Building the world once --------------------------------------------------------------------


def _overdue(agency: Agency, item: str, cccd: str) -> Dossier:
    """A counter dossier at ``agency``, received this month and past its appointment."""
    dossier = new_dossier(agency, name=name_of(item), cccd=cccd)
    now = timezone.now()
    Dossier.objects.filter(pk=dossier.pk).update(
        status=Status.IN_PROCESSING,
        step=Step.SPECIALIST,
        received_at=now - dt.timedelta(hours=2),
        appointment_at=now - dt.timedelta(hours=1),
    )
    return Dossier.objects.get(pk=dossier.pk)


@pytest.fixture(scope="module")
def world(registry, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("admin-matrix-media")
    settings = override_settings(MEDIA_ROOT=media, STAFF_OTP_REQUIRED=False)
    with settings, django_db_blocker.unblock(), transaction.atomic():
        _load_demo()
        own, other = _demo_communes("68")
        agencies = {"a": own, "a2": other, "b": _demo_communes("01")[0]}
        assert own.identifier == "229.18.01.H68"
        users: dict[str, User | None] = {
            "province_admin@A": User.objects.get(username="province_admin.p68"),
            "province_admin@B": User.objects.get(username="province_admin.p01"),
            "leader@A": staff_of(own, Role.LEADER),
            "receiver@A": staff_of(own, Role.RECEIVER),
            "officer@other_commune": staff_of(other, Role.RECEIVER),
            "citizen": CitizenProfile.objects.get(cccd=APPLICANT_CCCD).user,
            "anonymous": None,
            "superuser": User.objects.get(username="admin"),
        }
        dossiers = {
            item: _overdue(agencies[item], item, f"0682000001{n:02d}")
            for n, item in enumerate(ITEMS)
        }
        # Each dossier's first change was refused by the national portal: a dead letter.
        entries = {}
        for item, dossier in dossiers.items():
            entry = OutboxEntry.objects.filter(dossier=dossier).order_by("revision").first()
            OutboxEntry.objects.filter(pk=entry.pk).update(
                state=OutboxEntry.State.DEAD, attempts=3, last_error=f"LOI-DONG-BO-{item.upper()}"
            )
            entries[item] = entry.pk
        ReconciliationRun.objects.create(
            checked=40,
            differences=3,
            resent=3,
            report={"differences": [{"MaHoSo": d.code} for d in dossiers.values()]},
        )
        positions, certificates, reissues, batches = {}, {}, {}, {}
        for item in ("a", "b"):
            leader = staff_of(agencies[item], Role.LEADER)
            positions[item] = Position.objects.create(
                agency=agencies[item],
                code=f"CT-{item.upper()}",
                title=f"Chức danh thử {item.upper()}",
                holder=leader,
            )
            certificates[item] = ca.issue(holder=leader, position=positions[item]).serial
            reissues[item] = ReissueBatch.objects.create(
                agency=agencies[item], positions=[], status="done", total=1, done=1
            ).pk
            province = Unit.objects.get(code=PROVINCE_OF[item])
            batch = ReassignmentBatch.objects.create(
                province=province,
                target=ReassignmentBatch.Target.ALL_COMMUNES,
                effective_on=dt.date(2025, 7, 1),
                reason=f"Quyết định thử {item.upper()}",
                status=ReassignmentBatch.Status.APPLIED,
                created_by=users[
                    "province_admin@A" if PROVINCE_OF[item] == "68" else "province_admin@B"
                ],
            )
            batch.procedures.add(Procedure.objects.get(code="1.001193"))
            CatalogueEvent.objects.create(
                action=CatalogueEvent.Action.values[0],
                batch=batch,
                reason=f"Sự kiện lô thử {item.upper()}",
            )
            batches[item] = batch.pk
        yield SimpleNamespace(
            users=users,
            agencies=agencies,
            dossiers=dossiers,
            entries=entries,
            certificates=certificates,
            reissues=reissues,
            batches=batches,
        )
        transaction.set_rollback(True)


def client_of(world, actor: str) -> Client:
    client = Client()
    if world.users[actor] is not None:
        client.force_login(world.users[actor])
    return client


def cases(*dimensions):
    """Every combination of ACTORS with the given dimensions, as pytest params."""
    combos = [(actor,) for actor in ACTORS]
    for dimension in dimensions:
        combos = [(*c, value) for c in combos for value in dimension]
    return [pytest.param(*c, id="-".join(c)) for c in combos]


def assert_sent_to_sign_in(response, prefix: str = "/accounts/login/"):
    assert response.status_code == 302 and response["Location"].startswith(prefix)


def entry_state(pk: int) -> dict:
    return OutboxEntry.objects.filter(pk=pk).values(
        "state", "attempts", "next_attempt_at", "leased_until", "last_error"
    )[0]

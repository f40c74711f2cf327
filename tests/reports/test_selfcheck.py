"""The self-check against the national portal: the stand-in runs as its own process and is
read over HTTP through the sync adapter; dossiers reach it through the real relay.

Four dossiers of the demo citizen at the committee of Phường Mũi Né (229.18.01.H68):

* A and B received now and withdrawn minutes later: early;
* C received now, still at the desk: in progress, on time;
* D received 30 days ago and in processing: its appointment has passed, in progress overdue.

Processing progress = 20 x (early + on time + in progress on time) / received
= 20 x 3/4 = 75.00% → 15.00 points, ours and the portal's alike. Then the portal is made to
hold A as stopped a day after its deadline (late) and to lose B: it counts 3 received, of which
only C is early/on time/in progress on time: 1/3 = 33.33% → 20 x 33.33 / 100 = 6.666 → 6.67
points; ours stays 15.00, a gap of 8.33.
"""

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.utils import timezone

from dossiers import lifecycle
from dossiers.models import Status
from dossiers.submission import dossier_submit_online
from procedures.models import Procedure
from reports import rollups, selfcheck
from sync import client as portal
from sync import relay
from sync.models import OutboxEntry
from sync.shape import format_time
from sync.standin import StandIn
from tests.dossiers.conftest import pdf
from tests.factories import AgencyFactory, MembershipFactory
from tests.factories.dossiers import staff_of
from tests.sync.conftest import start_standin
from units.models import Agency, AgencyKind, Role, Unit

# The demo comes with ``four`` (through the demo citizen); the tests without dossiers need
# only the provinces (``registry``).
pytestmark = pytest.mark.django_db

HOME = "229.18.01.H68"
SAME = {
    "received": 4,
    "early": 2,
    "on_time": 0,
    "late": 0,
    "in_progress": 1,
    "in_progress_late": 1,
    "rate": 75.0,
    "score": 15.0,
}


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.STAFF_OTP_REQUIRED = False  # the second factor has its own tests


@pytest.fixture(scope="module")
def standin_server():
    server = start_standin()
    yield server
    server.process.terminate()
    server.process.wait(timeout=10)


@pytest.fixture
def standin(standin_server, settings):
    """The stand-in, emptied and well-behaved, with the portal pointed at it."""
    standin_server.reset()
    standin_server.control(
        fail_rate=0, timeout_rate=0, latency_ms=0, drop_rate=0, duplicate_rate=0, seed=1
    )
    settings.NATIONAL_PORTAL_URL = standin_server.url + "/"
    settings.NATIONAL_PORTAL_READ_TIMEOUT = 2
    portal._token.update(value="", until=0.0)  # a fresh session for each test
    cache.delete_many([relay.BREAKER_FAILURES, relay.BREAKER_OPEN_UNTIL])
    return standin_server


def admin_of(code: str, identifier: str):
    agency = AgencyFactory(
        unit=Unit.objects.get(code=code),
        kind=AgencyKind.PROVINCE_SERVICE_CENTRE,
        identifier=identifier,
    )
    return MembershipFactory(agency=agency, role=Role.PROVINCE_ADMIN).user


def submit(applicant):
    procedure = Procedure.objects.get(code="1.001193")
    case = procedure.current_version.cases.first()
    return dossier_submit_online(
        applicant=applicant,
        procedure=procedure,
        files={c.pk: pdf() for c in case.components.all() if c.originals or c.copies},
        data={"applicant_commune": "22918", "applicant_phone": "0912345678"},
    )


@pytest.fixture
def four(applicant):
    """A, B (early), C (in progress) and D (in progress overdue), synced through the relay and
    counted in our rollups."""
    home = Agency.objects.get(identifier=HOME)
    receiver = staff_of(home, Role.RECEIVER)
    made = {}
    for name in ("A", "B", "C"):
        made[name] = lifecycle.receive(dossier=submit(applicant), actor=receiver)
    for name in ("A", "B"):
        made[name] = lifecycle.withdraw(dossier=made[name], actor=applicant)
    d = lifecycle.receive(
        dossier=submit(applicant),
        actor=receiver,
        received_at=timezone.now() - dt.timedelta(days=30),
    )
    made["D"] = lifecycle.forward(dossier=d, actor=receiver)
    assert made["D"].appointment_at < timezone.now()
    assert [made[n].status for n in "ABCD"] == [7, 7, 2, Status.IN_PROCESSING]
    for d in made.values():
        relay.process_dossier(d.pk)
        assert set(OutboxEntry.objects.filter(dossier=d).values_list("state", flat=True)) == {
            "sent"
        }
    rollups.refresh_changed()
    return made


def period() -> str:
    today = timezone.localdate()
    return f"from={today - dt.timedelta(days=40)}&to={today}"


def english(client):
    client.cookies["django_language"] = "en"
    return client


def test_what_the_portal_holds_gives_our_score_then_names_the_two_dossiers_that_differ(
    client, standin, four, monkeypatch
):
    client.force_login(admin_of("68", "990.01.00.X99"))
    english(client)
    api = f"/api/v1/reports/self-check/?province=68&{period()}"
    monkeypatch.setattr(selfcheck, "PAGE_SIZE", 1)  # the four records come a page at a time

    same = client.get(api)

    assert same.status_code == 200, same.content
    body = same.json()
    assert body["ours"] == SAME and body["portal"] == SAME
    assert (body["differences"], body["score_difference"], body["points"]) == ([], 0.0, 20.0)
    page = client.get(f"/reports/self-check/?province=68&{period()}").content.decode()
    assert 'data-testid="self-check-same"' in page and 'data-testid="difference"' not in page

    # The portal now holds A as stopped a day after its deadline, and has lost B.
    a, b = four["A"], four["B"]
    held = portal.lookup(a.code)
    assert held.outcome == "ok"
    revision = held.body["PhienBan"] + 1
    changed = {
        **held.body["HoSo"],
        "PhienBan": revision,
        "TrangThaiHoSo": Status.STOPPED,
        "NgayKetThucXuLy": format_time(a.original_appointment_at + dt.timedelta(days=1)),
    }
    written = portal.call(
        "api/DongBoHoSoMC", {"HoSo": changed}, idempotency_key=f"{a.code}:{revision}"
    )
    assert written.outcome == "ok"
    assert standin.forget(b.code)["message"] == "forgotten"

    got = client.get(api)

    assert got.status_code == 200
    body = got.json()
    assert body["ours"] == SAME
    assert body["portal"] == {
        "received": 3,
        "early": 0,
        "on_time": 0,
        "late": 1,
        "in_progress": 1,
        "in_progress_late": 1,
        "rate": 33.33,
        "score": 6.67,
    }
    assert body["score_difference"] == 8.33
    by_code = {d["code"]: d for d in body["differences"]}
    assert sorted(by_code) == sorted([a.code, b.code])
    assert [r["code"] for r in by_code[a.code]["reasons"]] == ["status", "end_at", "counted"]
    assert by_code[a.code]["reasons"][0] | {"message": ""} == {
        "code": "status",
        "ours": Status.WITHDRAWN,
        "portal": Status.STOPPED,
        "message": "",
    }
    assert (by_code[a.code]["ours_class"], by_code[a.code]["portal_class"]) == ("early", "late")
    assert [r["code"] for r in by_code[b.code]["reasons"]] == ["missing"]
    assert (by_code[b.code]["ours_class"], by_code[b.code]["portal_class"]) == ("early", None)

    page = client.get(f"/reports/self-check/?province=68&{period()}")
    assert page.status_code == 200
    html = page.content.decode()
    assert sorted(d.code for d in page.context["differences"]) == sorted([a.code, b.code])
    assert html.count('data-testid="difference"') == 2
    assert f'data-code="{a.code}"' in html and f'data-code="{b.code}"' in html
    for code in (four["C"].code, four["D"].code):
        assert code not in html
    score = next(r for r in page.context["rows"] if r["key"] == "score")
    assert (score["ours"], score["portal"], score["gap"]) == ("15,00", "6,67", "8,33")
    assert "Not held by the portal for this scope and period." in html

    # Past the self-check's limit (here 3 of our 4 dossiers): a shorter period, at its field.
    monkeypatch.setattr(selfcheck, "MAX_DOSSIERS", 3)
    too_many = client.get(api)
    assert too_many.status_code == 400 and "to" in too_many.json()
    page = client.get(f"/reports/self-check/?province=68&{period()}")
    assert page.status_code == 400 and "choose a shorter period" in page.content.decode()


def test_staff_of_another_agency_check_only_their_agency(client, standin, four):
    """The portal holds four dossiers of the commune; a leader of another agency of the
    province reads only their own agency's, and neither side counts any."""
    other = AgencyFactory(
        unit=four["A"].agency.unit,
        kind=AgencyKind.COMMUNE_SERVICE_CENTRE,
        identifier="990.02.00.X99",
    )
    client.force_login(MembershipFactory(agency=other, role=Role.LEADER).user)

    got = client.get(f"/api/v1/reports/self-check/?province=68&{period()}")

    assert got.status_code == 200
    body = got.json()
    assert body["ours"]["received"] == 0 and body["portal"]["received"] == 0
    assert body["differences"] == []


def test_a_portal_that_cannot_be_read_gives_503_and_a_message(client, registry, standin, settings):
    client.force_login(admin_of("68", "990.03.00.X99"))
    english(client)
    standin.control(fail_rate=1)

    api = client.get(f"/api/v1/reports/self-check/?province=68&{period()}")
    page = client.get(f"/reports/self-check/?province=68&{period()}")

    assert api.status_code == 503
    assert api.json()["detail"].startswith("The National Public Service Portal cannot be read")
    assert page.status_code == 503
    html = page.content.decode()
    assert 'data-testid="self-check-error"' in html
    assert "The National Public Service Portal cannot be read now" in html

    settings.NATIONAL_PORTAL_URL = "http://127.0.0.1:9/secret-path/"  # nothing listens there
    down = client.get(f"/api/v1/reports/self-check/?province=68&{period()}")
    down_page = client.get(f"/reports/self-check/?province=68&{period()}")
    assert down.status_code == 503 and down_page.status_code == 503
    assert down.json() == {"detail": api.json()["detail"], "error": "unreachable"}
    assert api.json()["error"] == "http_503"
    # The portal's internal address is for the operators' log, never for the answer.
    for body in (api.content, down.content, page.content, down_page.content):
        text = body.decode()
        assert standin.url.split("//")[1] not in text
        assert "127.0.0.1" not in text and "secret-path" not in text


def test_another_province_gets_403_and_nothing_is_read_or_shown(client, standin, four):
    client.force_login(admin_of("01", "990.04.00.X99"))
    calls = standin.state()["calls"]

    api = client.get(f"/api/v1/reports/self-check/?province=68&{period()}")
    page = client.get(f"/reports/self-check/?province=68&{period()}")

    assert api.status_code == 403 and page.status_code == 403
    assert "detail" in api.json()
    for code in (d.code for d in four.values()):
        assert code not in api.content.decode() and code not in page.content.decode()
    assert standin.state()["calls"] == calls  # the portal was not even asked


def test_a_bad_period_is_refused_at_its_field(client, registry, standin):
    client.force_login(admin_of("68", "990.05.00.X99"))

    api = client.get("/api/v1/reports/self-check/?province=68&from=2026-03-01&to=2026-02-01")
    page = client.get("/reports/self-check/?province=68&from=2026-03-01")

    assert api.status_code == 400 and "to" in api.json()
    assert page.status_code == 400 and 'data-testid="self-check-error"' in page.content.decode()


def test_the_stand_ins_reconciliation_read_filters_pages_and_checks_its_body():
    """DoiSoatHoSo on the framework-free stand-in: by processing agency and reception time,
    ordered by code, a page at a time; a bad body answers 400 "99" naming the field."""
    standin = StandIn()
    _status, session = standin.handle(
        "POST", "/api/token", {}, b'{"username": "portal", "password": "standin-secret"}'
    )
    auth = {"Authorization": f"Bearer {session['token']}"}
    held = [
        ("C-3", "000.00.01.H68", "20260105080000"),
        ("C-1", "000.00.01.H68", "20260131235959"),
        ("C-2", "000.00.02.H68", "20260110090000"),  # another agency
        ("C-4", "000.00.01.H68", "20260201000000"),  # the next period
        ("C-5", "000.00.01.H68", ""),  # never received
    ]
    for code, agency, received in held:
        record = {"MaHoSo": code, "PhienBan": 1, "MaTTHC": "1.001193", "TrangThaiHoSo": 2,
                  "KenhThucHien": 2, "MaDonViXuLy": agency, "NgayTiepNhan": received}  # fmt: skip
        status, _ = standin.handle(
            "POST",
            "/api/DongBoHoSoMC",
            {**auth, "Idempotency-Key": f"{code}:1"},
            json.dumps({"HoSo": record}).encode(),
        )
        assert status == 200

    def read(**body):
        query = {"MaDonViXuLy": ["000.00.01.H68"], "TuNgay": "20260101000000",
                 "DenNgay": "20260201000000", **body}  # fmt: skip
        return standin.handle("POST", "/api/DoiSoatHoSo", auth, json.dumps(query).encode())

    pages = [read(Trang=page, SoBanGhi=1)[1] for page in (1, 2, 3)]
    assert [p["TongSo"] for p in pages] == [2, 2, 2]
    assert [[r["HoSo"]["MaHoSo"] for r in p["DanhSachHoSo"]] for p in pages] == [
        ["C-1"],
        ["C-3"],
        [],
    ]
    assert read()[1]["DanhSachHoSo"][0] == {"PhienBan": 1, "HoSo": held_record(standin, "C-1")}
    for bad, field in (
        ({"MaDonViXuLy": []}, "MaDonViXuLy"),
        ({"TuNgay": "2026-01-01"}, "TuNgay"),
        ({"SoBanGhi": 5000}, "SoBanGhi"),
    ):
        status, answer = read(**bad)
        assert (status, answer["error_code"]) == (400, "99")
        assert answer["message"].startswith(field)
    assert standin.handle("POST", "/api/DoiSoatHoSo", {}, b"{}")[0] == 401
    status, answer = standin.handle("POST", "/_forget", {}, b'{"MaHoSo": "C-1"}')
    assert (status, answer["message"]) == (200, "forgotten")
    assert [r["HoSo"]["MaHoSo"] for r in read()[1]["DanhSachHoSo"]] == ["C-3"]


def held_record(standin: StandIn, code: str) -> dict:
    return standin.state()["dossiers"][code]["HoSo"]

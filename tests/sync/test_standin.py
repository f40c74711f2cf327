"""The stand-in national portal (sync/standin.py) keeps the contract and fails on demand.

These tests talk HTTP to the stand-in running as its own process, exactly as the sync client
will (``python -m sync.standin --port 0``); ``test_standin_handle.py`` drives ``StandIn.handle``
directly, with a fake clock and sleep where waiting would otherwise be needed.
"""

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.http import Http404

from sync.standin import embedded_view
from tests.sync.standin_helpers import (
    CODE,
    MISSING,
    ROOT,
    Portal,
    record,
    running,
    step,
    stop,
    wait_for,
)


@pytest.fixture(scope="module")
def standin_url() -> Iterator[str]:
    with running() as (url, _):
        yield url


@pytest.fixture
def portal(standin_url) -> Portal:
    """A client of a stand-in emptied and back to its start-up controls, with a token."""
    client = Portal(standin_url)
    assert client.call("POST", "/_reset", b"") == (200, {"error_code": "00", "message": "reset"})
    client.login()
    return client


# --- Over HTTP, the stand-in in its own process ------------------------------------------------


def test_the_cli_starts_fast_and_takes_its_controls_from_flags():
    with running("--fail-rate", "1", "--latency-ms", "20", "--seed", "3") as (url, seconds):
        client = Portal(url)
        client.login()  # the session is never failed, only the data calls
        status, answer = client.lookup()
        state = client.state()

    assert seconds < 1.0
    assert (status, answer["error_code"]) == (503, "503")
    assert state["control"] == {
        "fail_rate": 1.0, "timeout_rate": 0.0, "drop_rate": 0.0, "duplicate_rate": 0.0,
        "latency_ms": 20.0, "timeout_sleep_s": 5.0, "token_ttl_s": 3600, "seed": 3,
    }  # fmt: skip


def test_a_token_is_needed_and_an_expired_one_answers_401(portal):
    old = portal.bearer
    wrong = portal.call("POST", "/api/token", {"username": "portal", "password": "guess"})
    without = portal.call("POST", "/api/TraCuuHoSo", {"MaHoSo": CODE})
    portal.bearer = "made-up"
    unknown = portal.lookup()
    portal.bearer = old
    portal.control(expire_tokens=True)
    expired = portal.lookup()
    portal.login()
    fresh = portal.lookup()

    assert wrong == (401, {"error_code": "401", "message": "wrong username or password"})
    for status, answer in (without, unknown, expired):
        assert (status, answer["error_code"]) == (401, "401")
    assert fresh == (200, {"error_code": "00", "message": "ok", "HoSo": None, "PhienBan": None})
    assert portal.state()["rejected"] == 4


def test_an_upsert_is_stored_and_looked_up_as_sent(portal):
    sent = record()

    assert portal.upsert(sent) == (200, {"error_code": "00", "message": "ok"})
    status, answer = portal.lookup()
    assert (status, answer["HoSo"], answer["PhienBan"]) == (200, sent, 1)
    assert portal.lookup("H29.68-250101-0002")[1]["HoSo"] is None
    state = portal.state()
    assert state["dossiers"] == {CODE: {"PhienBan": 1, "HoSo": sent}}
    assert state["received"] == {CODE: [1]}
    assert (state["applied"], state["keys_seen"]) == (1, 1)


def test_progress_steps_are_appended_apart_from_the_upserts(portal):
    portal.upsert(record(revision=1))

    assert portal.progress(step(revision=2)) == (200, {"error_code": "00", "message": "ok"})
    assert portal.progress(step(revision=3, TrangThai=4))[1]["message"] == "ok"
    state = portal.state()
    assert state["progress"] == {CODE: [2, 3]}
    assert [s["TrangThai"] for s in state["steps"][CODE]] == [3, 4]
    assert state["received"] == {CODE: [1]}


def test_the_same_idempotency_key_twice_is_applied_once(portal):
    first = portal.upsert(record(revision=4))
    second = portal.upsert(record(revision=4, ChuHoSo="Someone else"))

    assert first == (200, {"error_code": "00", "message": "ok"})
    assert second == (200, {"error_code": "00", "message": "duplicate"})
    assert portal.lookup()[1]["HoSo"]["ChuHoSo"] == "Nguyễn Thị Ánh Tuyết"
    state = portal.state()
    assert (state["received"], state["applied"], state["deduplicated"]) == ({CODE: [4]}, 1, 1)


def test_an_older_revision_is_acknowledged_as_stale_and_ignored(portal):
    portal.upsert(record(revision=3, TrangThaiHoSo=4))

    assert portal.upsert(record(revision=2)) == (200, {"error_code": "00", "message": "stale"})
    _, answer = portal.lookup()
    assert (answer["PhienBan"], answer["HoSo"]["TrangThaiHoSo"]) == (3, 4)
    assert portal.state()["received"] == {CODE: [3]}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"MaHoSo": MISSING}, "MaHoSo"),
        ({"MaHoSo": ""}, "MaHoSo"),
        ({"MaHoSo": "X" * 31}, "MaHoSo"),
        ({"MaHoSo": 42}, "MaHoSo"),
        ({"PhienBan": MISSING}, "PhienBan"),
        ({"PhienBan": -1}, "PhienBan"),
        ({"PhienBan": "2"}, "PhienBan"),
        ({"PhienBan": True}, "PhienBan"),
        ({"PhienBan": 1.5}, "PhienBan"),
        ({"MaTTHC": ""}, "MaTTHC"),
        ({"TrangThaiHoSo": 0}, "TrangThaiHoSo"),
        ({"TrangThaiHoSo": 11}, "TrangThaiHoSo"),
        ({"TrangThaiHoSo": "3"}, "TrangThaiHoSo"),
        ({"KenhThucHien": 0}, "KenhThucHien"),
        ({"KenhThucHien": 4}, "KenhThucHien"),
        ({"NgayNopHoSo": "2025-01-01 08:30"}, "NgayNopHoSo"),
        ({"NgayTiepNhan": "2025010109000"}, "NgayTiepNhan"),
        ({"NgayTra": "20250101090000\n"}, "NgayTra"),
        ({"NgayHenTra": 20250106170000}, "NgayHenTra"),
        ({"XacThucVNeID": "yes"}, "XacThucVNeID"),
        ({"ChuHoSo": {"ten": "A"}}, "ChuHoSo"),
        ({"TaiLieuNop": {"TenTepDinhKem": "a.pdf"}}, "TaiLieuNop"),
        ({"TaiLieuNop": ["a.pdf"]}, "TaiLieuNop[0]"),
        ({"TaiLieuNop": [{"DuocSoHoa": 1}]}, "TaiLieuNop[0].DuocSoHoa"),
        ({"DanhSachLePhi": "miễn phí"}, "DanhSachLePhi"),
        ({"DanhSachHoSoBoSung": [{"NgayYeuCau": "hôm qua"}]}, "DanhSachHoSoBoSung[0].NgayYeuCau"),
        ({"DanhSachGiayToKetQua": 1}, "DanhSachGiayToKetQua"),
    ],
)
def test_an_invalid_upsert_answers_400_99_naming_the_field(portal, changes, field):
    data = record(**changes)
    key = f"{data.get('MaHoSo')}:{data.get('PhienBan')}"

    status, answer = portal.api("DongBoHoSoMC", {"HoSo": data}, key=key)

    assert (status, answer["error_code"]) == (400, "99")
    assert answer["message"].startswith(f"{field}: ")
    state = portal.state()
    assert (state["dossiers"], state["keys_seen"], state["rejected"]) == ({}, 0, 1)


@pytest.mark.parametrize(
    ("endpoint", "body", "key", "field"),
    [
        ("DongBoHoSoMC", {"HoSo": [record()]}, f"{CODE}:1", "HoSo"),
        ("DongBoHoSoMC", b"{HoSo:", f"{CODE}:1", "body"),
        ("DongBoHoSoMC", {"HoSo": record()}, None, "Idempotency-Key"),
        ("DongBoHoSoMC", {"HoSo": record()}, f"{CODE}:2", "Idempotency-Key"),
        ("DongBoHoSoMC", {"HoSo": record()}, f"{CODE}:12", "Idempotency-Key"),
        ("DongBoHoSoMC", {"HoSo": record()}, "H29.68-250101-0002:1", "Idempotency-Key"),
        ("CapNhatTienDoHoSoMC", step(TrangThai=11), f"{CODE}:2", "TrangThai"),
        ("CapNhatTienDoHoSoMC", step(PhienBan=-2), f"{CODE}:-2", "PhienBan"),
        ("CapNhatTienDoHoSoMC", step(ThoiDiemXuLy="now"), f"{CODE}:2", "ThoiDiemXuLy"),
        ("CapNhatTienDoHoSoMC", step(HanXuLy="2025"), f"{CODE}:2", "HanXuLy"),
        ("CapNhatTienDoHoSoMC", step(NguoiXuLy=["17"]), f"{CODE}:2", "NguoiXuLy"),
        ("TraCuuHoSo", {}, None, "MaHoSo"),
    ],
)
def test_other_invalid_calls_answer_400_99_naming_the_field(portal, endpoint, body, key, field):
    status, answer = portal.api(endpoint, body, key=key)

    assert (status, answer["error_code"]) == (400, "99")
    assert answer["message"].startswith(f"{field}: ")
    state = portal.state()
    assert (state["dossiers"], state["progress"], state["keys_seen"]) == ({}, {}, 0)


def test_injected_failures_answer_503_and_store_nothing(portal):
    portal.control(fail_rate=1)

    assert portal.upsert(record()) == (
        503,
        {"error_code": "503", "message": "injected 503 Service Unavailable"},
    )
    portal.login()  # the session itself is spared: only the data calls fail
    state = portal.state()
    assert (state["dossiers"], state["received"], state["keys_seen"]) == ({}, {}, 0)
    assert (state["calls"], state["failed_injected"], state["applied"]) == (3, 1, 0)


def test_an_injected_timeout_stores_nothing_even_after_it_answers(portal):
    portal.control(timeout_rate=1, timeout_sleep_s=0.5)

    with pytest.raises(TimeoutError):
        portal.upsert(record(), timeout=0.2)
    wait_for(lambda: portal.state()["failed_injected"] == 1)  # its 504 has been given
    state = portal.state()
    assert (state["dossiers"], state["received"], state["keys_seen"]) == ({}, {}, 0)
    portal.control(timeout_rate=0)
    assert portal.upsert(record())[1]["message"] == "ok"  # the key was not used up


def test_a_dropped_write_answers_00_but_is_not_stored(portal):
    portal.control(drop_rate=1)

    assert portal.upsert(record()) == (200, {"error_code": "00", "message": "ok"})
    assert portal.lookup()[1]["HoSo"] is None
    state = portal.state()
    assert (state["received"], state["keys_seen"], state["dropped"]) == ({}, 0, 1)
    portal.control(drop_rate=0)
    # Reconciliation re-sends under a fresh key, in case the portal kept the lost one's.
    resend = portal.api("DongBoHoSoMC", {"HoSo": record()}, key=f"{CODE}:1:r1")
    assert resend == (200, {"error_code": "00", "message": "ok"})
    assert portal.state()["received"] == {CODE: [1]}
    assert portal.upsert(record())[1]["message"] == "stale"  # applied: the old key now is late


def test_a_duplicated_delivery_is_applied_once(portal):
    portal.control(duplicate_rate=1)

    assert portal.upsert(record()) == (200, {"error_code": "00", "message": "ok"})
    state = portal.state()
    assert state["received"] == {CODE: [1]}
    assert (state["calls"], state["duplicated"], state["deduplicated"]) == (3, 1, 1)
    assert (state["applied"], state["keys_seen"]) == (1, 1)


def test_latency_delays_every_answer_and_slow_calls_overlap(portal):
    portal.control(latency_ms=250)
    started = time.monotonic()
    assert portal.lookup()[0] == 200
    one = time.monotonic() - started

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: portal.lookup()[0], range(8)))
    eight = time.monotonic() - started

    assert one >= 0.25
    assert statuses == [200] * 8
    assert eight < 1.0  # one after another they would take 2 s: the sleep is outside the lock


@pytest.mark.parametrize(
    "controls",
    [{}, {"fail_rate": 0.3, "duplicate_rate": 0.3, "seed": 7}],
    ids=["clean", "failing-and-duplicating"],
)
def test_200_concurrent_upserts_arrive_each_once_and_in_order(portal, controls):
    portal.control(**controls)
    codes = [f"H29.68-250101-{n:04d}" for n in range(1, 21)]
    start_together = threading.Barrier(len(codes))

    def send_in_order(code: str) -> int:
        """Revisions 1..10 of one dossier, each re-sent on 503 as the sync client will."""
        start_together.wait()
        attempts = 0
        for revision in range(1, 11):
            while True:
                attempts += 1
                status, answer = portal.upsert(record(code, revision))
                if status != 503:
                    assert (status, answer["error_code"]) == (200, "00")
                    break
        return attempts

    with ThreadPoolExecutor(max_workers=len(codes)) as pool:
        attempts = sum(pool.map(send_in_order, codes))

    state = portal.state()
    assert state["received"] == {code: list(range(1, 11)) for code in codes}
    latest = {code: entry["PhienBan"] for code, entry in state["dossiers"].items()}
    assert latest == dict.fromkeys(codes, 10)
    assert (state["applied"], state["keys_seen"]) == (200, 200)
    assert state["calls"] == 1 + attempts + state["duplicated"]  # the token, sends, doubles
    if controls:
        assert state["failed_injected"] == attempts - 200 > 0
        assert state["duplicated"] == state["deduplicated"] > 0


def test_reset_empties_the_state_and_restores_the_controls(portal):
    portal.upsert(record())
    portal.control(fail_rate=0.5, latency_ms=10)

    assert portal.call("POST", "/_reset", b"")[0] == 200
    state = portal.state()
    stored = [state[name] for name in ("dossiers", "received", "progress", "steps")]
    assert stored == [{}, {}, {}, {}]
    assert (state["calls"], state["applied"], state["keys_seen"]) == (0, 0, 0)
    assert (state["control"]["fail_rate"], state["control"]["latency_ms"]) == (0.0, 0)
    assert portal.lookup()[0] == 200  # the token survives a reset


# --- The control endpoints answer only to the stand-in's token ---------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/_state"), ("POST", "/_control"), ("POST", "/_reset"), ("POST", "/_forget")],
)
def test_control_endpoints_refuse_a_caller_without_the_token(portal, method, path):
    portal.upsert(record())
    before = portal.state()

    for headers in ({"X-Standin-Token": ""}, {"X-Standin-Token": "guess"}):
        status, answer = portal.call(
            method, path, {"fail_rate": 1, "MaHoSo": CODE}, headers=headers
        )
        assert (status, answer["error_code"]) == (403, "403")

    after = portal.state()
    assert after["dossiers"] == before["dossiers"]  # nothing reset or forgotten
    assert after["control"] == before["control"]  # nothing broken


def test_a_process_without_a_given_token_makes_one_up_and_prints_it():
    process = subprocess.Popen(
        [sys.executable, "-m", "sync.standin", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "STANDIN_CONTROL_TOKEN"},
    )
    try:
        url = process.stdout.readline().split()[-1]
        token = process.stdout.readline().split()[-1]
        client = Portal(url)
        assert client.call("GET", "/_state", headers={"X-Standin-Token": ""})[0] == 403
        status, _answer = client.call("GET", "/_state", headers={"X-Standin-Token": token})
        assert status == 200
        assert len(token) >= 24
    finally:
        stop(process)


def test_the_embedded_view_answers_404_unless_the_stand_in_is_mounted(rf, settings):
    settings.NATIONAL_PORTAL_STANDIN = False
    request = rf.get("/_standin/national/_state", HTTP_X_STANDIN_TOKEN="anything")

    with pytest.raises(Http404):
        embedded_view(request, "_state")

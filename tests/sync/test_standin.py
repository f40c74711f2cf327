"""The stand-in national portal (sync/standin.py) keeps the contract and fails on demand.

Most tests talk HTTP to the stand-in running as its own process, exactly as the sync client
will (``python -m sync.standin --port 0``); the last ones drive ``StandIn.handle``
directly, with a fake clock and sleep where waiting would otherwise be needed.
"""

import contextlib
import io
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.http import Http404

from sync.standin import Invalid, StandIn, embedded_view, make_wsgi_app, serve

ROOT = Path(__file__).resolve().parents[2]
CODE = "H29.68-250101-0001"
CONTROL_TOKEN = "test-control"
MISSING = object()  # a field taken out of the body
# Our own 127.0.0.1 only: never through a proxy the environment may name.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def record(code: str = CODE, revision: int = 1, **changes) -> dict:
    """A complete DongBoHoSoMC ``HoSo``, as the sync client sends it."""
    data = {
        "MaHoSo": code,
        "PhienBan": revision,
        "MaTTHC": "1.001193",
        "TenTTHC": "Đăng ký khai sinh",
        "MaLinhVuc": "HT",
        "KenhThucHien": 2,
        "ChuHoSo": "Nguyễn Thị Ánh Tuyết",
        "LoaiDoiTuong": 1,
        "MaDoiTuong": "068190000123",
        "SoDienThoai": "0912345678",
        "Email": "tuyet.nguyen@example.vn",
        "DiaChi": "12 Trần Phú, Phường Xuân Hương - Đà Lạt, Lâm Đồng",
        "MaDonViTiepNhan": "H29.68",
        "MaDonViXuLy": "H29.68",
        "NgayNopHoSo": "20250101083000",
        "NgayTiepNhan": "20250101090000",
        "NgayHenTra": "20250106170000",
        "NgayHenTraBanDau": "20250106170000",
        "NgayKetThucXuLy": "",
        "NgayTra": "",
        "TrangThaiHoSo": 2,
        "XacThucVNeID": True,
        "KenhThanhToan": "",
        "TaiLieuNop": [
            {
                "TenTepDinhKem": "To khai.pdf",
                "MaThanhPhanHoSo": "12",
                "DuongDanTaiTepTin": "http://127.0.0.1/tep/abc",
                "DuocSoHoa": True,
                "DuocTaiSuDung": False,
                "DuocLayTuKhoDMQG": False,
            }
        ],
        "DanhSachLePhi": [{"TenPhiLePhi": "Lệ phí", "MucPhi": 8000}],
        "DanhSachHoSoBoSung": [],
        "DanhSachGiayToKetQua": [],
    }
    for name, value in changes.items():
        if value is MISSING:
            del data[name]
        else:
            data[name] = value
    return data


def step(code: str = CODE, revision: int = 2, **changes) -> dict:
    """A CapNhatTienDoHoSoMC body."""
    data = {
        "MaHoSo": code,
        "PhienBan": revision,
        "NguoiXuLy": "17",
        "ChucDanh": "specialist",
        "PhongBan": "",
        "ThoiDiemXuLy": "20250102100000",
        "NoiDungXuLy": "Chuyển lãnh đạo",
        "TrangThai": 3,
        "HanXuLy": "20250103170000",
    }
    data.update(changes)
    return data


class Portal:
    """A plain HTTP client of the stand-in (urllib: the standard library, nothing of ours)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.bearer = ""

    def call(self, method: str, path: str, body=None, *, headers=None, timeout=5.0):
        data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
        control = {"X-Standin-Token": CONTROL_TOKEN} if path.startswith("/_") else {}
        headers = {"Content-Type": "application/json", **control, **(headers or {})}
        # S310: the URL is always our stand-in's http://127.0.0.1:<port>.
        request = urllib.request.Request(self.url + path, data, headers, method=method)  # noqa: S310
        try:
            with OPENER.open(request, timeout=timeout) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read())

    def login(self) -> str:
        credentials = {"username": "portal", "password": "standin-secret"}
        status, answer = self.call("POST", "/api/token", credentials)
        assert (status, answer["error_code"], answer["expires_in"]) == (200, "00", 3600)
        self.bearer = answer["token"]
        return self.bearer

    def api(self, endpoint: str, body, *, key: str | None = None, timeout=5.0):
        headers = {"Authorization": f"Bearer {self.bearer}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.call("POST", f"/api/{endpoint}", body, headers=headers, timeout=timeout)

    def upsert(self, data: dict, *, timeout=5.0):
        key = f"{data['MaHoSo']}:{data['PhienBan']}"
        return self.api("DongBoHoSoMC", {"HoSo": data}, key=key, timeout=timeout)

    def progress(self, data: dict):
        return self.api("CapNhatTienDoHoSoMC", data, key=f"{data['MaHoSo']}:{data['PhienBan']}")

    def lookup(self, code: str = CODE):
        return self.api("TraCuuHoSo", {"MaHoSo": code})

    def state(self) -> dict:
        status, answer = self.call("GET", "/_state")
        assert status == 200
        return answer

    def control(self, **changes) -> dict:
        status, answer = self.call("POST", "/_control", changes)
        assert status == 200, answer
        return answer["control"]


@contextlib.contextmanager
def running(
    *flags: str, token: tuple[str, ...] = ("--control-token", "test-control")
) -> Iterator[tuple[str, float]]:
    """The stand-in's CLI in its own process: its URL and the seconds it took to be ready."""
    with tempfile.TemporaryFile() as errors:
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "sync.standin", "--port", "0", *token, *flags],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            ready, _, _ = select.select([process.stdout], [], [], 10)
            line = process.stdout.readline() if ready else ""
            seconds = time.monotonic() - started
            if not line.startswith("STANDIN READY http://127.0.0.1:"):
                errors.seek(0)
                pytest.fail(f"stand-in did not start: {line!r} {errors.read().decode()}")
            yield line.split()[-1], seconds
        finally:
            stop(process)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Poll until ``condition`` holds: a server thread still sleeping cannot be joined."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


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


# --- StandIn.handle directly -----------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def core(**controls) -> tuple[StandIn, Clock, list[float]]:
    clock, sleeps = Clock(), []
    return StandIn(clock=clock, sleep=sleeps.append, **controls), clock, sleeps


def login(standin: StandIn) -> dict:
    body = json.dumps({"username": "portal", "password": "standin-secret"}).encode()
    status, answer = standin.handle("POST", "api/token", {}, body)
    assert status == 200
    return {"authorization": f"bearer {answer['token']}"}


def send(standin: StandIn, endpoint: str, data: dict, auth: dict) -> tuple[int, dict]:
    body = {"HoSo": data} if endpoint == "DongBoHoSoMC" else data
    headers = {**auth, "IDEMPOTENCY-KEY": f"{data['MaHoSo']}:{data['PhienBan']}"}
    return standin.handle("POST", f"/api/{endpoint}", headers, json.dumps(body).encode())


def test_handle_expires_a_token_after_its_time_to_live():
    standin, clock, _ = core(token_ttl_s=60)
    auth = login(standin)
    lookup = json.dumps({"MaHoSo": CODE}).encode()

    clock.now += 59
    assert standin.handle("POST", "/api/TraCuuHoSo", auth, lookup)[0] == 200
    clock.now += 2
    assert standin.handle("POST", "/api/TraCuuHoSo", auth, lookup)[0] == 401


def test_handle_keeps_upsert_and_progress_revisions_apart():
    standin, _, _ = core()
    auth = login(standin)

    assert send(standin, "DongBoHoSoMC", record(revision=2), auth)[1]["message"] == "ok"
    assert send(standin, "CapNhatTienDoHoSoMC", step(revision=2), auth)[1]["message"] == "ok"
    assert send(standin, "CapNhatTienDoHoSoMC", step(revision=1), auth)[1]["message"] == "stale"
    state = standin.state()
    assert (state["received"], state["progress"], state["stale"]) == ({CODE: [2]}, {CODE: [2]}, 1)


def test_handle_sleeps_latency_after_the_write_and_timeouts_before_nothing():
    standin, _, sleeps = core(latency_ms=50)
    auth = login(standin)
    assert send(standin, "DongBoHoSoMC", record(), auth)[0] == 200
    standin.configure(latency_ms=0, timeout_rate=1, timeout_sleep_s=2)

    status, answer = send(standin, "DongBoHoSoMC", record(revision=2), auth)

    assert (status, answer["error_code"]) == (504, "504")
    assert sleeps == [0.05, 0.05, 2]  # the token call and the upsert waited too
    assert standin.state()["received"] == {CODE: [1]}


def test_handle_draws_the_same_failures_from_the_same_seed():
    def statuses(standin: StandIn) -> list[int]:
        auth, body = login(standin), json.dumps({"MaHoSo": CODE}).encode()
        return [standin.handle("POST", "/api/TraCuuHoSo", auth, body)[0] for _ in range(30)]

    first, second = (
        statuses(core(fail_rate=0.5, seed=5)[0]),
        statuses(core(fail_rate=0.5, seed=5)[0]),
    )

    assert first == second
    assert set(first) == {200, 503}


def test_handle_refuses_a_bad_control_and_changes_nothing():
    standin, _, _ = core()

    status, answer = standin.handle("POST", "/_control", {}, b'{"drop_rate": 0.1, "fial_rate": 1}')
    assert (status, answer["error_code"], answer["message"].split(":")[0]) == (
        400,
        "99",
        "fial_rate",
    )
    assert standin.handle("POST", "/_control", {}, b'{"latency_ms": -1}')[0] == 400
    assert standin.state()["control"]["drop_rate"] == 0.0
    with pytest.raises(Invalid, match="fail_rate"):
        StandIn(fail_rate=2)


def test_handle_answers_404_and_405_outside_the_contract():
    standin, _, _ = core()

    assert standin.handle("POST", "/api/XoaHoSo", {}, b"{}")[0] == 404
    assert standin.handle("GET", "/api/TraCuuHoSo", {}, b"")[0] == 405
    assert standin.handle("POST", "/_state", {}, b"")[0] == 405
    assert standin.state()["calls"] == 0


def test_the_wsgi_app_answers_with_the_stand_in():
    app = make_wsgi_app(StandIn(username="u", password="p"))
    body = b'{"username": "u", "password": "p"}'
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/token",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    started = []

    answer = json.loads(b"".join(app(environ, lambda status, headers: started.append(status))))

    assert (started, answer["error_code"]) == (["200 OK"], "00")


def test_serve_runs_a_stand_in_in_a_thread_on_a_free_port():
    server, thread = serve(username="u", password="p")
    try:
        credentials = {"username": "u", "password": "p"}
        status, answer = Portal(server.url).call("POST", "/api/token", credentials)
    finally:
        server.shutdown()
        server.server_close()
    thread.join(timeout=5)

    assert server.port > 0 and server.url == f"http://127.0.0.1:{server.port}"
    assert (status, answer["error_code"]) == (200, "00")
    assert not thread.is_alive()


def test_the_embedded_view_forwards_to_one_process_wide_stand_in(rf, settings):
    settings.NATIONAL_PORTAL_STANDIN = True  # as in development (DEBUG on, no portal URL)
    login_body = {
        "username": settings.NATIONAL_PORTAL_USERNAME,
        "password": settings.NATIONAL_PORTAL_PASSWORD,
    }
    request = rf.post("/_standin/national/api/token", login_body, content_type="application/json")

    response = embedded_view(request, "api/token")
    token = json.loads(response.content)["token"]
    lookup = rf.post(
        "/_standin/national/api/TraCuuHoSo",
        {"MaHoSo": CODE},
        content_type="application/json",
        headers={"authorization": f"Bearer {token}"},
    )

    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert embedded_view(lookup, "api/TraCuuHoSo").status_code == 200  # same instance knows it
    assert embedded_view.csrf_exempt is True


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

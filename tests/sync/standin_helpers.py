"""Helpers of the stand-in tests (``test_standin*.py``): the contract's records, an HTTP client
of the stand-in (``Portal``) and the stand-in's CLI in its own process (``running``).
"""

import contextlib
import json
import select
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

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

"""The stand-in national portal's side of docs/national-portal-contract.md: its constants and the
checks of what it receives (``validate_upsert``, ``validate_progress``, ``validate_reconcile``).

Framework-free, like the rest of the stand-in (``sync.standin``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

DEFAULT_USERNAME = "portal"
DEFAULT_PASSWORD = "standin-secret"  # noqa: S105 - the development stand-in's well-known secret
CODE_MAX_LENGTH = 30
# [0-9], not \d (which takes any Unicode digit), and fullmatch, as "$" accepts a trailing "\n".
TIME_PATTERN = re.compile(r"[0-9]{14}")
LOG_ENV = "STANDIN_LOG"
CONTROL_TOKEN_ENV = "STANDIN_CONTROL_TOKEN"  # noqa: S105 - a variable name
CONTROL_HEADER = "x-standin-token"
JSON_TYPE = ("Content-Type", "application/json; charset=utf-8")
RATES = ("fail_rate", "timeout_rate", "drop_rate", "duplicate_rate")
DURATIONS = ("latency_ms", "timeout_sleep_s", "token_ttl_s")
# A timeout injection sleeps 5 s: past any sane client timeout in tests, short enough to wait.
CONTROL_DEFAULTS: dict[str, float | None] = {
    **dict.fromkeys(RATES, 0.0), "latency_ms": 0, "timeout_sleep_s": 5.0, "token_ttl_s": 3600,
    "seed": None,
}  # fmt: skip
UPSERT, PROGRESS = "DongBoHoSoMC", "CapNhatTienDoHoSoMC"
# The reconciliation read (stand-in only, see docs/national-portal-contract.md): the dossiers
# held for some agencies, received in a period, a page at a time.
RECONCILE = "DoiSoatHoSo"
RECONCILE_PAGE_MAX = 1000
RECONCILE_AGENCIES_MAX = 5000
# Scalar fields of the upsert that the index reads but whose format the contract leaves open.
UPSERT_SCALARS = (
    "TenTTHC", "MaLinhVuc", "ChuHoSo", "LoaiDoiTuong", "MaDoiTuong", "SoDienThoai", "Email",
    "DiaChi", "MaDonViTiepNhan", "MaDonViXuLy", "KenhThanhToan",
)  # fmt: skip
UPSERT_TIMES = (
    "NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "NgayHenTraBanDau", "NgayKetThucXuLy", "NgayTra",
)  # fmt: skip
# Each list of the upsert: (time fields, yes/no flags) of its items.
UPSERT_LISTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "TaiLieuNop": ((), ("DuocSoHoa", "DuocTaiSuDung", "DuocLayTuKhoDMQG")),
    "DanhSachLePhi": ((), ()),
    "DanhSachHoSoBoSung": (("NgayYeuCau", "NgayBoSung", "NgayHenTraTruoc", "NgayHenTraMoi"), ()),
    "DanhSachGiayToKetQua": ((), ()),
}  # fmt: skip
PROGRESS_SCALARS = ("NguoiXuLy", "ChucDanh", "PhongBan", "NoiDungXuLy")
SCALARS = (str, int, float, bool)

Answer = tuple[int, dict[str, Any]]


class Invalid(ValueError):
    """A request the portal refuses for good (HTTP 400, "99"); the message names the field."""

    def __init__(self, field: str, what: str) -> None:
        super().__init__(f"{field}: {what}")


def _code(data: dict, field: str, longest: int = CODE_MAX_LENGTH) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip() or len(value) > longest:
        raise Invalid(field, f"required, a non-empty string of at most {longest} characters")
    return value


def _integer(data: dict, field: str, low: int, high: int | None = None) -> int:
    value = data.get(field)
    # bool is an int in Python but never in the contract.
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        upper = "" if high is None else f" to {high}"
        raise Invalid(field, f"required, an integer from {low}{upper}")
    return value


def _times(data: dict, fields: Iterable[str], prefix: str = "") -> None:
    # Absent, null and "" all mean "not yet" (the client writes "" for a time it does not have).
    for field in fields:
        value = data.get(field)
        if value not in (None, "") and not (
            isinstance(value, str) and TIME_PATTERN.fullmatch(value)
        ):
            raise Invalid(prefix + field, "a time as yyyyMMddHHmmss (14 digits)")


def _typed(data: dict, fields: Iterable[str], types: type | tuple, prefix: str = "") -> None:
    # Absent and null pass: the contract leaves these fields' presence to the sender.
    for field in fields:
        if data.get(field) is not None and not isinstance(data[field], types):
            what = "true or false" if types is bool else "a string, number or null"
            raise Invalid(prefix + field, what)


def validate_upsert(body: dict) -> dict:
    """The ``HoSo`` of a DongBoHoSoMC body, or :class:`Invalid` naming the first bad field."""
    record = body.get("HoSo")
    if not isinstance(record, dict):
        raise Invalid("HoSo", "required, an object")
    _code(record, "MaHoSo")
    _integer(record, "PhienBan", 0)
    _code(record, "MaTTHC", 100)  # the index counts dossiers per procedure
    _integer(record, "TrangThaiHoSo", 1, 10)
    _integer(record, "KenhThucHien", 1, 3)
    _typed(record, UPSERT_SCALARS, SCALARS)
    _times(record, UPSERT_TIMES)
    _typed(record, ("XacThucVNeID",), bool)
    for name, (times, flags) in UPSERT_LISTS.items():
        items = record.get(name)
        if items is None:
            continue  # an absent list is an empty one
        if not isinstance(items, list):
            raise Invalid(name, "a list")
        for index, item in enumerate(items):
            where = f"{name}[{index}]"
            if not isinstance(item, dict):
                raise Invalid(where, "an object")
            _times(item, times, where + ".")
            _typed(item, flags, bool, where + ".")
    return record


def validate_progress(body: dict) -> dict:
    """A CapNhatTienDoHoSoMC body, or :class:`Invalid` naming the first bad field."""
    _code(body, "MaHoSo")
    _integer(body, "PhienBan", 0)
    _integer(body, "TrangThai", 1, 10)
    _typed(body, PROGRESS_SCALARS, SCALARS)
    _times(body, ("ThoiDiemXuLy", "HanXuLy"))
    return body


def validate_reconcile(body: dict) -> dict:
    """A DoiSoatHoSo body (the reconciliation read), or :class:`Invalid` naming the field."""
    agencies = body.get("MaDonViXuLy")
    if (
        not isinstance(agencies, list)
        or not 0 < len(agencies) <= RECONCILE_AGENCIES_MAX
        or not all(isinstance(a, str) and a.strip() for a in agencies)
    ):
        raise Invalid("MaDonViXuLy", f"required, 1 to {RECONCILE_AGENCIES_MAX} agency codes")
    for field in ("TuNgay", "DenNgay"):
        if not (isinstance(body.get(field), str) and TIME_PATTERN.fullmatch(body[field])):
            raise Invalid(field, "required, a time as yyyyMMddHHmmss (14 digits)")
    page = body.get("Trang", 1)
    size = body.get("SoBanGhi", RECONCILE_PAGE_MAX)
    _integer({"Trang": page}, "Trang", 1)
    _integer({"SoBanGhi": size}, "SoBanGhi", 1, RECONCILE_PAGE_MAX)
    return {**body, "Trang": page, "SoBanGhi": size}

"""A stand-in National Public Service Portal (Cổng DVCQG) for development and tests only.

It speaks docs/national-portal-contract.md, validates and stores what it receives, and can be
told to fail (503s, timeouts, slow answers, duplicate deliveries, "00" answers whose write it
drops), so the sync client can be shown to deliver every change exactly once and in order. The
framework-free core, :class:`StandIn`, is served as a process (tests; it prints
``STANDIN READY http://127.0.0.1:<port>`` once listening, ``STANDIN_LOG=1`` logs requests)::

    python -m sync.standin --port 0 [--latency-ms 50] [--fail-rate 0.3] ...

or in a thread (:func:`serve`), under WSGI (:func:`make_wsgi_app`), or inside the development
server (:func:`embedded_view`, mounted only with DEBUG on: see ``portal/checks.py``).

Its state and control endpoints (``/_state``, ``/_control``, ``/_reset``, ``/_forget``) answer
only to the stand-in's control token in the ``X-Standin-Token`` header: the process takes it from
``--control-token`` or ``STANDIN_CONTROL_TOKEN`` (else makes one up and prints it as a second
line, ``STANDIN CONTROL TOKEN <token>``); the embedded one uses
``settings.NATIONAL_PORTAL_STANDIN_TOKEN``.
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import random
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

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


class StandIn:
    """The stand-in portal's state and rules; :meth:`handle` answers one HTTP request.

    ``controls`` are the starting values of :data:`CONTROL_DEFAULTS` (``fail_rate=0.3``, ...).
    One lock guards all state, so concurrent requests see each write whole; injected sleeps
    (latency, timeouts) happen outside it, so slow calls overlap as on a real server. ``clock``
    and ``sleep`` are there for unit tests that must not wait.
    """

    def __init__(
        self,
        *,
        username: str = DEFAULT_USERNAME,
        password: str = DEFAULT_PASSWORD,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        control_token: str | None = None,
        **controls: float | None,
    ) -> None:
        self._credentials = (username, password)
        # None leaves the control endpoints open: for an instance a unit test calls directly.
        # Every served stand-in (process, embedded view) is given a token.
        self._control_token = control_token
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}  # token -> expiry on the clock
        self._control: dict[str, Any] = {}
        self._rng = random.Random()
        self._defaults = {**CONTROL_DEFAULTS, **controls}
        self.reset()  # also sets the controls, refusing an unknown or bad one

    # --- Controls (tests and development only) --------------------------------------------

    def configure(self, **changes: Any) -> dict[str, Any]:
        """Change the failure controls (all checked before any applies); the controls now."""
        for name, value in changes.items():
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if name in RATES and not (number and 0 <= value <= 1):
                raise Invalid(name, "a number from 0 to 1")
            if name in DURATIONS and not (number and value >= 0):
                raise Invalid(name, "a number from 0")
            if name == "seed" and not (value is None or (number and isinstance(value, int))):
                raise Invalid(name, "an integer or null")
            if name == "expire_tokens" and not isinstance(value, bool):
                raise Invalid(name, "true or false")
            if name not in (*RATES, *DURATIONS, "seed", "expire_tokens"):
                raise Invalid(name, "not a control of the stand-in")
        with self._lock:
            if changes.pop("expire_tokens", False):
                self._tokens.clear()  # lets a test see the client fetch a new token once
            if "seed" in changes:
                self._rng.seed(changes["seed"])
            self._control.update(changes)
            return dict(self._control)

    def reset(self) -> None:
        """Forget every dossier, step, key and counter; restore the constructor's controls.

        Tokens survive, so a client holding one is not told 401 because a test started.
        """
        with self._lock:
            self._dossiers: dict[str, dict[str, Any]] = {}  # code -> {"PhienBan", "HoSo"}
            self._received: dict[str, list[int]] = {}  # code -> upserts applied, in order
            self._progress: dict[str, list[int]] = {}  # code -> progress steps applied
            self._steps: dict[str, list[dict]] = {}  # code -> the steps themselves
            self._latest: dict[str, dict[str, int]] = {UPSERT: {}, PROGRESS: {}}
            self._keys: set[tuple[str, str]] = set()  # (endpoint, Idempotency-Key)
            self._stats = dict.fromkeys(
                ("calls", "applied", "rejected", "failed_injected", "stale", "deduplicated",
                 "dropped", "duplicated"), 0,
            )  # fmt: skip
        self.configure(**self._defaults)

    def forget(self, code: str) -> bool:
        """Lose everything about one dossier, as a portal that lost a record would (tests of
        the self-check and reconciliation); its keys go too, so a re-send is applied."""
        with self._lock:
            held = code in self._dossiers or code in self._steps
            for store in (self._dossiers, self._received, self._progress, self._steps,
                          *self._latest.values()):  # fmt: skip
                store.pop(code, None)
            self._keys = {(e, k) for e, k in self._keys if not k.startswith(code + ":")}
            return held

    def state(self) -> dict[str, Any]:
        """A copy of what was stored and counted, safe to serialise while writes go on."""
        with self._lock:
            return {
                "dossiers": {code: dict(entry) for code, entry in self._dossiers.items()},
                "received": {code: list(revs) for code, revs in self._received.items()},
                "progress": {code: list(revs) for code, revs in self._progress.items()},
                "steps": {code: list(steps) for code, steps in self._steps.items()},
                "keys_seen": len(self._keys),
                **self._stats,
                "control": dict(self._control),
            }

    # --- Requests -------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict, body: bytes) -> Answer:
        """Answer one request: ``(HTTP status, JSON body)``. Paths may come with or without
        the leading slash (the embedded view gets them without)."""
        path = "/" + path.split("?", 1)[0].strip("/")
        headers = {str(name).lower(): value for name, value in headers.items()}
        method = method.upper()
        if path.startswith("/_"):
            if not self._may_control(headers.get(CONTROL_HEADER, "")):
                return _answer(403, "the stand-in's control token is needed", "403")
            return self._handle_control(method, path, body)
        endpoints = ("token", "TraCuuHoSo", UPSERT, PROGRESS, RECONCILE)
        if path not in {f"/api/{name}" for name in endpoints}:
            return _answer(404, f"no endpoint {path}")
        if method != "POST":
            return _answer(405, "POST only")
        endpoint = path[len("/api/") :]
        with self._lock:
            # Each data call takes every draw, so one seed gives one sequence of failures. The
            # session is spared (only slowed): a failing login would hide the delivery's retries.
            self._stats["calls"] += 1
            data_call = endpoint != "token"
            draws = {name: data_call and self._rng.random() < self._control[name] for name in RATES}
            latency = self._control["latency_ms"] / 1000
            timeout_s = self._control["timeout_sleep_s"]
            timed_out = draws["timeout_rate"] and not draws["fail_rate"]
            if draws["fail_rate"]:
                self._stats["failed_injected"] += 1
                answer = _answer(503, "injected 503 Service Unavailable")
            elif not timed_out:
                answer = self._api(endpoint, headers, body, draws)
        if timed_out:
            # The client gave up long ago; it must not find the write stored when it retries.
            self._sleep(timeout_s)
            with self._lock:
                self._stats["failed_injected"] += 1
            answer = _answer(504, "injected 504 Gateway Timeout")
        if latency:
            self._sleep(latency)  # after the work: a slow answer, not a late write
        return answer

    def _may_control(self, presented: str) -> bool:
        if self._control_token is None:
            return True
        return hmac.compare_digest(presented.encode(), self._control_token.encode())

    def _handle_control(self, method: str, path: str, body: bytes) -> Answer:
        if path == "/_state" and method == "GET":
            return _answer(200, "ok", **self.state())
        if path == "/_control" and method in ("GET", "POST"):
            try:
                control = self.configure(**(_json_object(body) if method == "POST" else {}))
            except Invalid as exc:
                return _answer(400, str(exc), "99")
            return _answer(200, "ok", control=control)
        if path == "/_reset" and method == "POST":
            self.reset()
            return _answer(200, "reset")
        if path == "/_forget" and method == "POST":
            try:
                code = _code(_json_object(body), "MaHoSo")
            except Invalid as exc:
                return _answer(400, str(exc), "99")
            return _answer(200, "forgotten" if self.forget(code) else "not held")
        known = path in ("/_state", "/_control", "/_reset", "/_forget")
        return _answer(405, "wrong method") if known else _answer(404, f"no endpoint {path}")

    def _api(self, endpoint: str, headers: dict, body: bytes, draws: dict[str, bool]) -> Answer:
        """One call to the portal's API, under the lock."""
        if endpoint != "token" and not self._authorised(headers.get("authorization", "")):
            self._stats["rejected"] += 1
            return _answer(401, "unknown or expired token")
        try:
            data = _json_object(body)
            if endpoint == "token":
                return self._token(data)
            if endpoint == "TraCuuHoSo":
                stored = self._dossiers.get(_code(data, "MaHoSo"), {})
                return _answer(200, "ok", HoSo=stored.get("HoSo"), PhienBan=stored.get("PhienBan"))
            if endpoint == RECONCILE:
                return self._held(validate_reconcile(data))
            record = validate_upsert(data) if endpoint == UPSERT else validate_progress(data)
            key = str(headers.get("idempotency-key") or "").strip()
            expected = f"{record['MaHoSo']}:{record['PhienBan']}"
            # A suffix is allowed: a reconciliation re-send of a lost write uses a fresh key
            # ("<code>:<revision>:r1") in case the portal kept the key of the write it lost.
            if key != expected and not key.startswith(expected + ":"):
                raise Invalid("Idempotency-Key", f"required, {expected}[:<suffix>]")
        except Invalid as exc:
            self._stats["rejected"] += 1
            return _answer(400, str(exc), "99")
        answer = self._write(endpoint, key, record, drop=draws["drop_rate"])
        if draws["duplicate_rate"]:
            # The same delivery arrives a second time; its key must make it a no-op.
            self._stats["calls"] += 1
            self._stats["duplicated"] += 1
            self._write(endpoint, key, record, drop=draws["drop_rate"])
        return answer

    def _authorised(self, header: str) -> bool:
        scheme, _, token = header.partition(" ")
        expiry = self._tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        return expiry is not None and expiry > self._clock()

    def _token(self, data: dict) -> Answer:
        username, password = data.get("username"), data.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            raise Invalid("username/password", "required, strings")
        given = f"{username}\0{password}".encode()
        if not secrets.compare_digest(given, "\0".join(self._credentials).encode()):
            self._stats["rejected"] += 1
            return _answer(401, "wrong username or password")
        now, ttl = self._clock(), self._control["token_ttl_s"]
        self._tokens = {t: e for t, e in self._tokens.items() if e > now}  # forget expired ones
        token = secrets.token_urlsafe(24)
        self._tokens[token] = now + ttl
        return _answer(200, "ok", token=token, expires_in=int(ttl))

    def _held(self, query: dict) -> Answer:
        """DoiSoatHoSo: the stored dossiers whose processing agency is one of ``MaDonViXuLy``
        and whose reception time is in [TuNgay, DenNgay), by code, one page of them. Times of
        the contract are local and fixed-width, so comparing the strings compares the times."""
        agencies = set(query["MaDonViXuLy"])
        start, end = query["TuNgay"], query["DenNgay"]
        found = sorted(
            (code, entry)
            for code, entry in self._dossiers.items()
            if entry["HoSo"].get("MaDonViXuLy") in agencies
            and start <= (entry["HoSo"].get("NgayTiepNhan") or "") < end
        )
        page, size = query["Trang"], query["SoBanGhi"]
        chosen = found[(page - 1) * size : page * size]
        return _answer(
            200,
            "ok",
            TongSo=len(found),
            Trang=page,
            SoBanGhi=size,
            DanhSachHoSo=[
                {"PhienBan": entry["PhienBan"], "HoSo": entry["HoSo"]} for _code, entry in chosen
            ],
        )

    def _write(self, endpoint: str, key: str, record: dict, *, drop: bool) -> Answer:
        """Apply an upsert or a progress step once, never over a later revision."""
        code, revision = record["MaHoSo"], record["PhienBan"]
        if (endpoint, key) in self._keys:
            self._stats["deduplicated"] += 1
            return _answer(200, "duplicate")
        latest = self._latest[endpoint].get(code)
        if latest is not None and revision <= latest:
            self._keys.add((endpoint, key))
            self._stats["stale"] += 1
            return _answer(200, "stale")
        if drop:
            # Lost after the answer: the key is not kept, so a re-send can still repair it.
            self._stats["dropped"] += 1
            return _answer(200, "ok")
        self._keys.add((endpoint, key))
        self._latest[endpoint][code] = revision
        if endpoint == UPSERT:
            self._dossiers[code] = {"PhienBan": revision, "HoSo": record}
            self._received.setdefault(code, []).append(revision)
        else:
            self._steps.setdefault(code, []).append(record)
            self._progress.setdefault(code, []).append(revision)
        self._stats["applied"] += 1
        return _answer(200, "ok")


def _json_object(body: bytes) -> dict:
    try:
        data = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError) as exc:
        raise Invalid("body", "not JSON in UTF-8") from exc
    if not isinstance(data, dict):
        raise Invalid("body", "required, a JSON object")
    return data


def _answer(status: int, message: str, code: str = "", **extra: Any) -> Answer:
    """An answer as the portal gives them: ``error_code`` ("00" on success) and ``message``."""
    body = {"error_code": code or ("00" if status == 200 else str(status)), "message": message}
    return status, {**body, **extra}


def _encode(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


# --- Serving ----------------------------------------------------------------------------------


def make_wsgi_app(standin: StandIn) -> Callable:
    """A WSGI application that answers every request with ``standin``."""

    def app(environ: dict, start_response: Callable) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        headers = {k[5:].replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO") or "/"
        status, data = standin.handle(method, path, headers, body)
        payload = _encode(data)
        length_header = ("Content-Length", str(len(payload)))
        start_response(f"{status} {HTTPStatus(status).phrase}", [JSON_TYPE, length_header])
        return [payload]

    return app


class _Handler(BaseHTTPRequestHandler):
    server: StandInServer
    server_version = "StandIn/1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = dict(self.headers.items())
        status, data = self.server.standin.handle(self.command, self.path, headers, body)
        payload = _encode(data)
        try:
            self.send_response(status)
            self.send_header(*JSON_TYPE)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out and left, which is what a timeout injection is for

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        if os.environ.get(LOG_ENV):
            super().log_message(format, *args)


class StandInServer(ThreadingHTTPServer):
    """An HTTP server for one :class:`StandIn`; ``port`` and ``url`` tell where it listens."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default 5 drops connections when 20 clients start at once

    def __init__(self, address: tuple[str, int], standin: StandIn) -> None:
        super().__init__(address, _Handler)
        self.standin = standin

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.server_address[0]}:{self.port}"


def serve(
    host: str = "127.0.0.1", port: int = 0, **standin_kwargs: Any
) -> tuple[StandInServer, threading.Thread]:
    """Serve a new stand-in in a daemon thread; ``server.port`` is the bound port (port 0
    picks a free one). Stop it with ``server.shutdown(); server.server_close()``."""
    server = StandInServer((host, port), StandIn(**standin_kwargs))
    # A short poll lets shutdown() return at once instead of after half a second.
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="standin", daemon=True
    )
    thread.start()
    return server, thread


_embedded: StandIn | None = None  # the one process-wide stand-in of embedded mode
_embedded_lock = threading.Lock()


def embedded_view(request: HttpRequest, path: str) -> HttpResponse:
    """Django view for embedded mode: mount at ``_standin/national/<path:path>``.

    Development only: ``portal/urls.py`` mounts it only when ``NATIONAL_PORTAL_STANDIN`` (DEBUG
    on, no NATIONAL_PORTAL_URL), and it answers 404 should it be reached otherwise."""
    from django.conf import settings
    from django.http import Http404, HttpResponse

    if not settings.NATIONAL_PORTAL_STANDIN:
        raise Http404
    global _embedded
    with _embedded_lock:  # the development server answers in threads
        if _embedded is None:
            _embedded = StandIn(
                username=settings.NATIONAL_PORTAL_USERNAME,
                password=settings.NATIONAL_PORTAL_PASSWORD,
                control_token=settings.NATIONAL_PORTAL_STANDIN_TOKEN,
            )
        standin = _embedded
    headers = dict(request.headers.items())
    status, data = standin.handle(request.method or "GET", path, headers, request.body)
    return HttpResponse(_encode(data), status=status, content_type=JSON_TYPE[1])


# What django.views.decorators.csrf.csrf_exempt sets, without importing Django here: the sync
# client posts JSON with a bearer token, never a CSRF cookie.
embedded_view.csrf_exempt = True  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9800, help="0 picks a free port")
    parser.add_argument("--username", default=DEFAULT_USERNAME)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--control-token",
        default=os.environ.get(CONTROL_TOKEN_ENV, ""),
        help="the token /_state, /_control, /_reset and /_forget ask for (X-Standin-Token)",
    )
    for name in (*RATES, *DURATIONS):  # --fail-rate 0.3, --latency-ms 50, ...
        parser.add_argument("--" + name.replace("_", "-"), type=float, dest=name)
    options = vars(parser.parse_args(argv))
    host, port = options.pop("host"), options.pop("port")
    given_token = options.pop("control_token")
    control_token = given_token or secrets.token_urlsafe(24)
    # Only the flags given, so the constructor's defaults stay the one source of them.
    standin = StandIn(
        control_token=control_token,
        **{name: value for name, value in options.items() if value is not None},
    )
    server = StandInServer((host, port), standin)
    # Bound and listening already: connections made from now on wait in the backlog.
    print(f"STANDIN READY {server.url}", flush=True)
    if not given_token:
        print(f"STANDIN CONTROL TOKEN {control_token}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

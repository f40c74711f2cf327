"""The HTTP client of the national portal (docs/national-portal-contract.md).

Session token fetched on first use and again on a 401; explicit connect and read timeouts;
every answer classified as ``ok``, ``retry`` (5xx, timeouts, connection errors, a 401 that
survives a fresh token) or ``permanent`` (the portal says the payload is invalid: never
retried). One ``requests.Session`` per thread keeps connections alive.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

import requests
from django.conf import settings

from sync.shape import SUCCESS, format_time

_local = threading.local()
_token_lock = threading.Lock()
_token: dict = {"value": "", "until": 0.0}


@dataclass(frozen=True)
class Answer:
    outcome: str  # "ok" | "retry" | "permanent"
    http_status: int | None
    body: dict
    error: str = ""
    duration_ms: int = 0


def _session() -> requests.Session:
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=16)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        _local.session = session
    return session


def _url(path: str) -> str:
    return f"{settings.NATIONAL_PORTAL_URL.rstrip('/')}/{path.lstrip('/')}"


def _timeouts() -> tuple[float, float]:
    return (settings.NATIONAL_PORTAL_CONNECT_TIMEOUT, settings.NATIONAL_PORTAL_READ_TIMEOUT)


def token(*, refresh: bool = False) -> str:
    """The session token, shared by the process's threads, renewed a minute before expiry."""
    with _token_lock:
        if not refresh and _token["value"] and _token["until"] > time.monotonic():
            return _token["value"]
        response = _session().post(
            _url("api/token"),
            json={
                "username": settings.NATIONAL_PORTAL_USERNAME,
                "password": settings.NATIONAL_PORTAL_PASSWORD,
            },
            timeout=_timeouts(),
        )
        body = response.json()
        if response.status_code != 200 or body.get("error_code") != SUCCESS:
            raise requests.HTTPError(f"token refused: {response.status_code} {body}")
        _token["value"] = body["token"]
        _token["until"] = time.monotonic() + max(int(body.get("expires_in", 3600)) - 60, 30)
        return _token["value"]


def call(path: str, body: dict, *, idempotency_key: str = "") -> Answer:
    """POST ``body`` to ``path``; never raises for the portal's or the network's failures."""
    start = time.monotonic()
    for attempt in (1, 2):
        try:
            headers = {"Authorization": f"Bearer {token(refresh=attempt == 2)}"}
            if idempotency_key:
                headers["Idempotency-Key"] = idempotency_key
            response = _session().post(_url(path), json=body, headers=headers, timeout=_timeouts())
        except requests.Timeout as exc:
            return _answer("retry", None, {}, f"timeout: {exc}", start)
        except (requests.ConnectionError, requests.HTTPError, ValueError) as exc:
            return _answer("retry", None, {}, f"{type(exc).__name__}: {exc}", start)
        if response.status_code == 401 and attempt == 1:
            continue
        try:
            data = response.json()
        except ValueError:
            data = {"raw": response.text[:300]}
        if response.status_code == 200 and data.get("error_code") == SUCCESS:
            return _answer("ok", 200, data, "", start)
        if 400 <= response.status_code < 500 and response.status_code not in (401, 408, 429):
            return _answer("permanent", response.status_code, data, _message(data), start)
        return _answer("retry", response.status_code, data, _message(data), start)
    return _answer("retry", 401, {}, "token refused twice", start)


def _message(data: dict) -> str:
    return str(data.get("message") or data.get("error_code") or data)[:500]


def _answer(outcome, status, body, error, start) -> Answer:
    return Answer(outcome, status, body, error, int((time.monotonic() - start) * 1000))


def lookup(code: str) -> Answer:
    """TraCuuHoSo: what the portal holds for dossier ``code``."""
    return call("api/TraCuuHoSo", {"MaHoSo": code})


RECONCILE_PATH = "api/DoiSoatHoSo"


def held_dossiers(
    *, agencies: list[str], start: dt.datetime, end: dt.datetime, page: int = 1, size: int = 500
) -> Answer:
    """DoiSoatHoSo, the reconciliation read (a stand-in extension of the contract, see
    docs/national-portal-contract.md): one page of the dossiers the portal holds whose
    processing agency is one of ``agencies`` and which were received in [start, end).
    The body has ``TongSo`` (how many in all) and ``DanhSachHoSo`` (``PhienBan``, ``HoSo``)."""
    return call(
        RECONCILE_PATH,
        {
            "MaDonViXuLy": list(agencies),
            "TuNgay": format_time(start),
            "DenNgay": format_time(end),
            "Trang": page,
            "SoBanGhi": size,
        },
    )

"""The stand-in national portal's framework-free core, :class:`StandIn`: its state and rules, one
HTTP request at a time. Served by ``sync.standin`` (process, thread, WSGI, embedded view).
"""

from __future__ import annotations

import hmac
import json
import random
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from sync.standin_contract import (
    CONTROL_DEFAULTS,
    CONTROL_HEADER,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    DURATIONS,
    PROGRESS,
    RATES,
    RECONCILE,
    UPSERT,
    Answer,
    Invalid,
    _code,
    validate_progress,
    validate_reconcile,
    validate_upsert,
)


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

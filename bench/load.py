"""The mixed load of the soak (bench/soak.py) and the production-shape test: citizens, readers
and officers driving a running portal over HTTP, each client with its own session and its own
address (``X-Forwarded-For``, read by a portal run with ``PROXY_COUNT=1`` as behind nginx), so
the per-address and per-account throttles see a crowd, not one machine.

The mix (shares of the requests; 22% submissions makes the issue's 77 requests/s the national
peak of ~1.7 dossiers/s times 10):

- 22% **submissions**: ``POST /api/v1/dossiers/`` multipart with one PDF per required
  component and an ``Idempotency-Key`` (a connection error is retried with the same key);
  a citizen signs in through the e-ID (OpenID Connect stand-in) before her first, and submits
  at most ``SUBMISSIONS_PER_CITIZEN`` (under the per-account submission throttle).
- 48% **reads**: the catalogue page, a procedure's page, the procedures API, public tracking
  (``POST /api/v1/track/`` with a dossier's code and secret), a citizen's list (API and page)
  and a dossier's detail.
- 30% **officers** (password then TOTP at sign-in): each step of an officer is one request:
  read a queue, read a dossier's allowed actions, take the action (receive, forward, approve,
  attach the result, return it) or, for a leader, sign the results awaiting signature in a
  batch with a fresh TOTP code (``POST /api/v1/signatures/batch/``).

Latency is measured from the moment the request was due (an open-loop schedule), so a client
that falls behind shows as latency, never as a lower rate.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import itertools
import queue
import random
import statistics
import struct
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

MIX = {"submit": 0.22, "read": 0.48, "officer": 0.30}
NATIONAL_PEAK = 1.7  # dossier submissions per second, the national portal's peak
SUBMISSIONS_PER_CITIZEN = 5
TIMEOUT = 30


def small_pdf(padding: int = 20_000) -> bytes:
    """A well-formed one-page PDF (objects, cross-reference table, trailer) of about
    ``padding`` bytes: what a scan weighs to the upload check, and signable as a result."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.7\n%" + b"x" * padding + b"\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


PDF = small_pdf()


@dataclasses.dataclass(frozen=True)
class Officer:
    username: str
    role: str
    agency: str
    totp_key: str  # hex, as django-otp stores it


@dataclasses.dataclass
class World:
    base_url: str
    password: str
    procedure: str
    case: int
    components: list[int]
    communes: list[str]
    officers: list[Officer]
    catalogue: list[str]


def rate_for(peak_multiple: float) -> float:
    """Requests per second of the mix that carries ``peak_multiple`` times the national peak."""
    return peak_multiple * NATIONAL_PEAK / MIX["submit"]


def totp(key_hex: str, step: int) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits: django-otp's defaults) for time step ``step``."""
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


class Stats:
    """Latencies by kind of request and errors by kind (``5xx:503``, ``connection``…)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.errors: Counter = Counter()
        self.retries = 0

    def record(self, kind: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            if error:
                self.errors[f"{kind} {error}"] += 1

    def summary(self) -> dict:
        every = [s for samples in self.latencies.values() for s in samples]
        return {
            "requests": len(every),
            "p50_ms": _quantile(every, 0.5),
            "p95_ms": _quantile(every, 0.95),
            "by_kind": {
                kind: {"n": len(s), "p50_ms": _quantile(s, 0.5), "p95_ms": _quantile(s, 0.95)}
                for kind, s in sorted(self.latencies.items())
            },
            "errors": dict(self.errors),
            "server_errors": sum(n for what, n in self.errors.items() if " 5xx:" in what),
            "retries": self.retries,
        }


def _quantile(samples: list[float], q: float) -> float:
    if len(samples) < 2:
        return round(samples[0] * 1000, 1) if samples else 0.0
    return round(statistics.quantiles(samples, n=100)[int(q * 100) - 1] * 1000, 1)


class Client:
    """One browser or system: a session, a made-up client address, timed requests."""

    addresses = itertools.count(1)

    def __init__(self, world: World, stats: Stats):
        self.world = world
        self.stats = stats
        self.session = requests.Session()
        # A citizen's session may serve her reads while she submits (two tabs).
        self.session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=32))
        n = next(self.addresses)
        self.session.headers["X-Forwarded-For"] = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"

    def csrf(self) -> dict:
        return {"X-CSRFToken": self.session.cookies.get("csrftoken", "")}

    def call(self, kind, method, path, *, due=None, ok=(200,), retry_key=None, **kwargs):
        """The response, or None after recording what went wrong. ``retry_key``: retry a
        connection error (up to 3 times) with the same Idempotency-Key."""
        due = time.monotonic() if due is None else due
        kwargs.setdefault("timeout", TIMEOUT)
        for attempt in range(4 if retry_key else 1):
            error = None
            try:
                response = self.session.request(method, self.world.base_url + path, **kwargs)
            except requests.Timeout:
                error, response = "timeout", None
            except requests.ConnectionError:
                error, response = "connection", None
            if error and retry_key and attempt < 3:
                self.stats.retries += 1
                time.sleep(0.5)
                continue
            if response is not None and response.status_code not in ok:
                family = "5xx" if response.status_code >= 500 else "4xx"
                error = f"{family}:{response.status_code}"
            self.stats.record(kind, time.monotonic() - due, error)
            return None if error else response
        return None


class Citizen(Client):
    """Signs in through the e-ID stand-in with her own CCCD (a made-up identity)."""

    def __init__(self, world, stats, rng: random.Random):
        super().__init__(world, stats)
        self.cccd = f"001190{rng.randrange(10**6):06d}"
        self.submitted = 0
        self.dossiers: list[str] = []
        self.keys: list[str] = []  # every Idempotency-Key sent (one per submission)

    def sign_in(self) -> bool:
        path = f"/oidc/authenticate/?login_hint={self.cccd}&next=/my/dossiers/"
        if self.call("sign_in", "GET", path) is None:
            return False
        # The submission page sets the CSRF cookie the API asks of a session.
        return self.call("read", "GET", f"/procedures/{self.world.procedure}/submit/") is not None

    def submit(self, due: float, rng: random.Random) -> str | None:
        world = self.world
        data = {
            "procedure": world.procedure,
            "case": str(world.case),
            "applicant_commune": rng.choice(world.communes),
            "applicant_phone": "0912345678",
            "result_delivery": "counter",
        }
        document = ("giay-to.pdf", PDF, "application/pdf")
        files = {f"component_{c}": document for c in world.components}
        key = str(uuid.uuid4())
        self.keys.append(key)
        response = self.call(
            "submit", "POST", "/api/v1/dossiers/", due=due, ok=(201, 200), retry_key=key,
            data=data, files=files, headers={**self.csrf(), "Idempotency-Key": key},
        )  # fmt: skip
        self.submitted += 1
        if response is None:
            return None
        code = response.json()["code"]
        self.dossiers.append(code)
        return code


class OfficerClient(Client):
    """An officer working the queues one request at a time (a small state machine)."""

    QUEUES = {
        "receiver": ["reception", "mine", "return"],
        "specialist": ["mine", "to_take"],
        "department_head": ["mine", "to_take"],
        "leader": ["leader", "signature"],
    }
    # The first of these the officer may take (claim last: it is possible in many states).
    ORDER = ("receive", "return_result", "approve", "forward", "claim")

    def __init__(self, world, stats, officer: Officer):
        super().__init__(world, stats)
        self.officer = officer
        self.last_step = 0
        self.worklist: list[str] = []
        self.pending: tuple[str, str] | None = None  # (code, action) to take next
        self.attached: set[str] = set()
        self.to_sign: set[str] = set()
        self.queues = itertools.cycle(self.QUEUES[officer.role])

    def code(self) -> str | None:
        """A TOTP code never used before, within django-otp's tolerance of one step."""
        now = int(time.time() // 30)
        step = max(now, self.last_step + 1)
        if step > now + 1:
            return None
        self.last_step = step
        return totp(self.officer.totp_key, step)

    def sign_in(self) -> bool:
        if self.call("sign_in", "GET", "/accounts/login/") is None:
            return False
        form = {"username": self.officer.username, "password": self.world.password}
        form["csrfmiddlewaretoken"] = self.session.cookies.get("csrftoken", "")
        if self.call("sign_in", "POST", "/accounts/login/", data=form) is None:
            return False
        token = {"token": self.code(), "csrfmiddlewaretoken": self.session.cookies["csrftoken"]}
        response = self.call("sign_in", "POST", "/accounts/otp/", data=token)
        return response is not None and "/accounts/" not in response.url

    def step(self, due: float) -> None:
        if self.to_sign and self.officer.role == "leader" and (otp := self.code()):
            self._sign(due, otp)
        elif self.pending:
            self._act(due)
        elif self.worklist:
            self._choose(due, self.worklist.pop())
        else:
            name = next(self.queues)
            response = self.call("officer_read", "GET", f"/api/v1/queues/{name}/", due=due)
            if response is not None:
                self.worklist = [row["code"] for row in response.json()["results"]][::-1]

    def _choose(self, due: float, code: str) -> None:
        response = self.call("officer_read", "GET", f"/api/v1/dossiers/{code}/actions/", due=due)
        if response is None:
            return
        allowed = response.json()["actions"]
        if "attach_result" in allowed and "issue_result" in allowed:
            if code in self.attached:
                self.to_sign.add(code)
            else:
                self.pending = (code, "attach_result")
            return
        action = next((a for a in self.ORDER if a in allowed), None)
        if action:
            self.pending = (code, action)

    def _act(self, due: float) -> None:
        code, action = self.pending
        self.pending = None
        path = f"/api/v1/dossiers/{code}/{action.replace('_', '-')}/"
        if action == "attach_result":
            files = {"file": ("ket-qua.pdf", PDF, "application/pdf")}
            answer = self.call("officer_action", "POST", path, due=due, files=files,
                               headers=self.csrf())  # fmt: skip
            if answer is not None:
                self.attached.add(code)
            return
        self.call("officer_action", "POST", path, due=due, json={}, headers=self.csrf())

    def _sign(self, due: float, otp: str) -> None:
        codes = sorted(self.to_sign)[:50]
        self.to_sign.difference_update(codes)
        body = {"codes": codes, "otp_token": otp}
        self.call("officer_sign", "POST", "/api/v1/signatures/batch/", due=due, json=body,
                  headers=self.csrf())  # fmt: skip


class Load:
    """Drives ``world`` at a rate; the clients are kept between steps of rate."""

    def __init__(self, world: World, *, seed: int = 18, threads: int = 96):
        self.world = world
        self.rng = random.Random(seed)
        self.stats = Stats()
        self.citizens: queue.Queue[Citizen] = queue.Queue()
        self.officers: queue.Queue[OfficerClient] = queue.Queue()
        self.tracked: list[tuple[str, str]] = []  # (code, secret) seen by their citizens
        self.known: list[Citizen] = []
        self.pool = ThreadPoolExecutor(max_workers=threads)

    def sign_in_officers(self) -> int:
        """Every officer signed in (password, then a TOTP code), four at a time."""
        clients = [OfficerClient(self.world, self.stats, o) for o in self.world.officers]
        with ThreadPoolExecutor(max_workers=4) as pool:
            signed = list(pool.map(OfficerClient.sign_in, clients))
        for client, ok in zip(clients, signed, strict=True):
            if ok:
                self.officers.put(client)
        return sum(signed)

    def run(self, rate: float, seconds: float, stop: threading.Event | None = None) -> dict:
        """Requests at ``rate`` per second for ``seconds`` (Poisson arrivals); the summary."""
        self.stats = Stats()
        for client in [*self.known, *self.officers.queue]:
            client.stats = self.stats
        kinds, weights = zip(*MIX.items(), strict=True)
        start = due = time.monotonic()
        futures = []
        while due < start + seconds and not (stop and stop.is_set()):
            due += self.rng.expovariate(rate)
            time.sleep(max(0.0, due - time.monotonic()))
            kind = self.rng.choices(kinds, weights)[0]
            futures.append(self.pool.submit(getattr(self, f"_{kind}"), due))
        # Requests still waiting for a client thread at the end are not sent: a client that
        # fell that far behind counts them as errors ("not sent"), never as a lower rate.
        time.sleep(1.0)  # the last requests due get their second to start
        unsent = sum(1 for future in futures if future.cancel())
        for future in futures:
            if not future.cancelled():
                future.result()
        if unsent:
            self.stats.errors["not sent (client backlog)"] += unsent
        summary = self.stats.summary()
        summary.update(rate=rate, seconds=round(time.monotonic() - start, 1))
        return summary

    def _citizen(self) -> Citizen | None:
        try:
            return self.citizens.get_nowait()
        except queue.Empty:
            pass
        citizen = Citizen(self.world, self.stats, random.Random(self.rng.random()))
        if not citizen.sign_in():
            return None
        self.known.append(citizen)
        return citizen

    def _submit(self, due: float) -> None:
        citizen = self._citizen()
        if citizen is None:
            return
        citizen.submit(due, random.Random(due))
        if citizen.submitted < SUBMISSIONS_PER_CITIZEN:
            self.citizens.put(citizen)

    def _read(self, due: float) -> None:
        rng = random.Random(due)
        choice = rng.random()
        reader = Client(self.world, self.stats)
        code = rng.choice(self.world.catalogue)
        if choice < 0.2:
            reader.call("read", "GET", f"/procedures/?q=&page={rng.randint(1, 5)}", due=due)
        elif choice < 0.4:
            reader.call("read", "GET", f"/procedures/{code}/", due=due)
        elif choice < 0.5:
            reader.call("read", "GET", f"/api/v1/procedures/?page={rng.randint(1, 3)}", due=due)
        elif choice < 0.65 and self.tracked:
            code, secret = rng.choice(self.tracked)
            body = {"code": code, "secret": secret}
            reader.call("read", "POST", "/api/v1/track/", due=due, json=body)
        else:
            self._citizen_read(due, rng)

    def _citizen_read(self, due: float, rng: random.Random) -> None:
        owners = [c for c in self.known[-200:] if c.dossiers]
        if not owners:
            Client(self.world, self.stats).call("read", "GET", "/procedures/", due=due)
            return
        citizen = rng.choice(owners)
        choice = rng.random()
        if choice < 0.4:
            citizen.call("read", "GET", "/api/v1/dossiers/", due=due)
        elif choice < 0.6:
            citizen.call("read", "GET", "/my/dossiers/", due=due)
        else:
            code = rng.choice(citizen.dossiers)
            answer = citizen.call("read", "GET", f"/api/v1/dossiers/{code}/", due=due)
            if answer is not None and (secret := answer.json().get("secret")):
                self.tracked.append((code, secret))

    def _officer(self, due: float) -> None:
        officer = self.officers.get()
        try:
            officer.step(due)
        finally:
            self.officers.put(officer)

    def close(self) -> None:
        self.pool.shutdown(wait=True)

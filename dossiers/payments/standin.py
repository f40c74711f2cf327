"""A stand-in national payment platform (nền tảng thanh toán) for development and tests only.

It speaks docs/payment-gateway-contract.md: it takes signed payment orders, shows the citizen a
page to pay, decline or cancel, sends the signed result callback to the portal and redirects the
browser to the portal's return page, and lists a day's transactions as a statement. It can be
told to fail: declines, timeouts on order creation, duplicate callbacks, callbacks after the
return (or never), extra statement lines. Served as a process (tests; it prints
``PAYMENT STANDIN READY http://127.0.0.1:<port>`` once listening)::

    python -m dossiers.payments.standin --port 0 --secret S --control-token T

or inside the development server (:func:`embedded_view`, mounted only with DEBUG on and no
PAYMENT_GATEWAY_URL: see ``portal/urls.py`` and ``portal/checks.py``, portal.E005).

Its state and control endpoints (``/_state``, ``/_control``, ``/_reset``, ``/_settle``,
``/_statement_extra``) answer only to the control token in the ``X-Standin-Token`` header.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hmac
import html
import json
import os
import random
import secrets
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from dossiers.payments.signing import signed, verify

CONTROL_HEADER = "x-standin-token"
LOG_ENV = "PAYMENT_STANDIN_LOG"
LOCAL = dt.timezone(dt.timedelta(hours=7))  # Asia/Ho_Chi_Minh, no daylight saving
TIME_FORMAT = "%Y%m%d%H%M%S"
ORDER_FIELDS = ("merchant_id", "order_ref", "dossier_code", "amount", "account", "return_url",
                "callback_url", "expires_at")  # fmt: skip
CALLBACK_MODES = ("before_return", "after_return", "none")
CONTROL_DEFAULTS: dict[str, Any] = {
    "decline_rate": 0.0, "timeout_rate": 0.0, "timeout_sleep_s": 5.0,
    "callback_mode": "before_return", "callback_delay_ms": 300, "duplicate_callbacks": 0,
    "seed": None,
}  # fmt: skip

Response = tuple[int, str, bytes, list[tuple[str, str]]]
JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"


def now_local() -> dt.datetime:
    return dt.datetime.now(LOCAL)


def _json(status: int, data: dict) -> Response:
    return status, JSON, json.dumps(data, ensure_ascii=False).encode("utf-8"), []


def _answer(status: int, code: str, message: str, **extra: Any) -> Response:
    return _json(status, {"error_code": code, "message": message, **extra})


class StandInGateway:
    """The framework-free stand-in: ``handle`` answers one HTTP request."""

    def __init__(self, *, secret: str, control_token: str, merchant_id: str = "portal") -> None:
        self.secret = secret
        self.control_token = control_token
        self.merchant_id = merchant_id
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.orders: dict[str, dict] = {}  # by order_ref
            self.by_gateway_id: dict[str, str] = {}
            self.deliveries: list[dict] = []  # callbacks sent: status code answered
            self.extra_statement: list[dict] = []
            self.control = dict(CONTROL_DEFAULTS)
            self.rng = random.Random()

    # --- dispatch -------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict, body: bytes, base_url: str) -> Response:
        parts = urlsplit(path)
        route = "/" + parts.path.lstrip("/")
        headers = {k.lower(): v for k, v in headers.items()}
        try:
            if route.startswith("/_"):
                if not hmac.compare_digest(headers.get(CONTROL_HEADER, ""), self.control_token):
                    return _answer(403, "403", "control token required")
                return self._control(route, _object(body))
            if method == "POST" and route == "/api/orders":
                return self._create(_object(body), base_url)
            if method == "POST" and route == "/api/orders/cancel":
                return self._cancel(_object(body))
            if method == "POST" and route == "/api/statement":
                return self._statement(_object(body))
            if route.startswith("/pay/"):
                gateway_id = route.removeprefix("/pay/").strip("/")
                if method == "GET":
                    return self._page(gateway_id)
                if method == "POST":
                    choice = parse_qs(body.decode("utf-8")).get("action", [""])[0]
                    return self._pay(gateway_id, choice)
        except ValueError as exc:
            return _answer(400, "99", str(exc))
        return _answer(404, "404", "no such endpoint")

    # --- merchant API ---------------------------------------------------------------------

    def _signed_in(self, data: dict) -> Response | None:
        if data.get("merchant_id") != self.merchant_id or not verify(data, self.secret):
            return _answer(401, "97", "signature does not verify")
        return None

    def _create(self, data: dict, base_url: str) -> Response:
        refused = self._signed_in(data)
        if refused:
            return refused
        for name in ORDER_FIELDS:
            if data.get(name) in (None, ""):
                raise ValueError(f"{name}: required")
        if not isinstance(data["amount"], int) or isinstance(data["amount"], bool):
            raise ValueError("amount: an integer number of VND")
        if data["amount"] <= 0:
            raise ValueError("amount: above 0")
        with self._lock:
            if self.rng.random() < self.control["timeout_rate"]:
                sleep = self.control["timeout_sleep_s"]
            else:
                sleep = 0
            if data["order_ref"] in self.orders:
                return _answer(409, "94", "order_ref already used")
            gateway_id = secrets.token_hex(8)
            order = {
                **{k: data[k] for k in ORDER_FIELDS},
                "description": data.get("description", ""),
                "gateway_order_id": gateway_id,
                "state": "pending",
                "gateway_txn_id": "",
                "paid_at": "",
            }
            self.orders[data["order_ref"]] = order
            self.by_gateway_id[gateway_id] = data["order_ref"]
        if sleep:
            time.sleep(sleep)
        answer = signed(
            {
                "error_code": "00",
                "order_ref": order["order_ref"],
                "gateway_order_id": gateway_id,
                "pay_url": f"{base_url.rstrip('/')}/pay/{gateway_id}",
            },
            self.secret,
        )
        return _json(200, answer)

    def _cancel(self, data: dict) -> Response:
        refused = self._signed_in(data)
        if refused:
            return refused
        with self._lock:
            order = self.orders.get(str(data.get("order_ref")))
            if order is None:
                return _answer(404, "91", "unknown order")
            if order["state"] == "paid":
                return _answer(409, "95", "already paid")
            order["state"] = "cancelled"
        return _answer(200, "00", "cancelled")

    def _statement(self, data: dict) -> Response:
        refused = self._signed_in(data)
        if refused:
            return refused
        day = str(data.get("date", ""))
        with self._lock:
            lines = [
                {
                    k: o[k]
                    for k in ("order_ref", "gateway_txn_id", "dossier_code", "amount", "paid_at")
                }
                for o in self.orders.values()
                if o["state"] == "paid" and o["paid_at"].startswith(day)
            ]
            lines += [line for line in self.extra_statement if line["paid_at"].startswith(day)]
        return _answer(200, "00", "ok", date=day, transactions=lines)

    # --- the citizen's page ---------------------------------------------------------------

    def _page(self, gateway_id: str) -> Response:
        order = self.orders.get(self.by_gateway_id.get(gateway_id, ""))
        if order is None:
            return 404, HTML, _html("Không tìm thấy giao dịch", "<p>Unknown order.</p>"), []
        if order["state"] != "pending" or self._expired(order):
            body = "<p>Giao dịch không còn hiệu lực (order no longer payable).</p>"
            return 410, HTML, _html("Giao dịch hết hiệu lực", body), []
        amount = f"{order['amount']:,}".replace(",", ".")
        body = (
            f"<p>Hồ sơ / dossier: <b>{html.escape(order['dossier_code'])}</b></p>"
            f"<p>Số tiền / amount: <b id='amount'>{amount} đ</b></p>"
            f"<p>Tài khoản thụ hưởng / account: {html.escape(order['account'])}</p>"
            f"<p>{html.escape(order['description'])}</p>"
            f"<form method='post'>"
            f"<button name='action' value='pay'>Thanh toán</button> "
            f"<button name='action' value='cancel'>Hủy giao dịch</button></form>"
        )
        return 200, HTML, _html("Cổng thanh toán (stand-in)", body), []

    def _pay(self, gateway_id: str, choice: str) -> Response:
        with self._lock:
            order = self.orders.get(self.by_gateway_id.get(gateway_id, ""))
            if order is None or order["state"] != "pending" or self._expired(order):
                body = "<p>Giao dịch không còn hiệu lực (order no longer payable).</p>"
                return 410, HTML, _html("Giao dịch hết hiệu lực", body), []
            if choice == "pay":
                declined = self.rng.random() < self.control["decline_rate"]
                status = "failed" if declined else "paid"
            else:
                status = "cancelled"
            callback = self._settle(order, status)
            mode = self.control["callback_mode"]
            copies = 1 + int(self.control["duplicate_callbacks"])
            delay = self.control["callback_delay_ms"] / 1000
        if mode == "before_return":
            for _ in range(copies):
                self._deliver(order["callback_url"], callback)
        elif mode == "after_return":
            threading.Thread(
                target=self._deliver_later,
                args=(order["callback_url"], callback, copies, delay),
                daemon=True,
            ).start()
        query = urlencode({"order_ref": order["order_ref"], "status": status})
        separator = "&" if "?" in order["return_url"] else "?"
        return 302, HTML, b"", [("Location", f"{order['return_url']}{separator}{query}")]

    def _settle(self, order: dict, status: str) -> dict:
        order["state"] = status
        if status == "paid":
            order["gateway_txn_id"] = "GW" + secrets.token_hex(6).upper()
            order["paid_at"] = now_local().strftime(TIME_FORMAT)
        return signed(
            {
                "merchant_id": order["merchant_id"],
                "callback_id": secrets.token_hex(12),
                "order_ref": order["order_ref"],
                "gateway_txn_id": order["gateway_txn_id"],
                "dossier_code": order["dossier_code"],
                "amount": order["amount"],
                "status": status,
                "paid_at": order["paid_at"] or now_local().strftime(TIME_FORMAT),
            },
            self.secret,
        )

    def _expired(self, order: dict) -> bool:
        return order["expires_at"] < now_local().strftime(TIME_FORMAT)

    def _deliver_later(self, url: str, callback: dict, copies: int, delay: float) -> None:
        time.sleep(delay)
        for _ in range(copies):
            self._deliver(url, callback)

    def _deliver(self, url: str, callback: dict) -> None:
        request = urllib.request.Request(  # noqa: S310 - the portal's own callback URL
            url,
            data=json.dumps(callback).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                status = answer.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = 0
        with self._lock:
            self.deliveries.append({"order_ref": callback["order_ref"], "answered": status})

    # --- control ----------------------------------------------------------------------------

    def _control(self, route: str, data: dict) -> Response:
        with self._lock:
            if route == "/_state":
                return _json(200, {"orders": self.orders, "deliveries": self.deliveries,
                                   "control": self.control})  # fmt: skip
            if route == "/_reset":
                self.reset()
                return _answer(200, "00", "reset")
            if route == "/_control":
                for key, value in data.items():
                    if key not in CONTROL_DEFAULTS:
                        raise ValueError(f"{key}: unknown control")
                    if key == "callback_mode" and value not in CALLBACK_MODES:
                        raise ValueError(f"callback_mode: one of {CALLBACK_MODES}")
                    self.control[key] = value
                if "seed" in data:
                    self.rng = random.Random(data["seed"])
                return _json(200, {"control": self.control})
            if route == "/_settle":
                # As if the citizen paid (or not) on the page: the signed callback is returned,
                # and sent to the portal too when "deliver" is true.
                order = self.orders.get(str(data.get("order_ref")))
                if order is None:
                    return _answer(404, "91", "unknown order")
                callback = self._settle(order, data.get("status", "paid"))
            elif route == "/_statement_extra":
                self.extra_statement.append(dict(data))
                return _answer(200, "00", "added")
            else:
                return _answer(404, "404", "no such control")
        if data.get("deliver"):
            self._deliver(order["callback_url"], callback)
        return _json(200, {"callback": callback})


def _object(body: bytes) -> dict:
    try:
        data = json.loads(body.decode("utf-8")) if body else {}
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError("body: not JSON in UTF-8") from exc
    if not isinstance(data, dict):
        raise ValueError("body: a JSON object")
    return data


def _html(title: str, body: str) -> bytes:
    page = (
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<link rel='icon' href='data:,'>"
        f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>"
        f"{body}</body></html>"
    )
    return page.encode("utf-8")


# --- Serving ----------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server: GatewayServer
    server_version = "PaymentStandIn/1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        status, kind, payload, extra = self.server.gateway.handle(
            self.command, self.path, dict(self.headers.items()), body, self.server.url
        )
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in extra:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out and left, which is what a timeout injection is for

    do_GET = do_POST = _serve

    def log_message(self, format: str, *args: Any) -> None:
        if os.environ.get(LOG_ENV):
            super().log_message(format, *args)


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], gateway: StandInGateway) -> None:
        super().__init__(address, _Handler)
        self.gateway = gateway

    @property
    def url(self) -> str:
        return f"http://{self.server_address[0]}:{self.server_address[1]}"


_embedded: StandInGateway | None = None
_embedded_lock = threading.Lock()


def embedded_view(request, path: str):
    """Django view for development: mount at ``_standin/payment/<path:path>``; 404 unless
    ``settings.PAYMENT_GATEWAY_STANDIN`` (DEBUG on and no PAYMENT_GATEWAY_URL)."""
    from django.conf import settings
    from django.http import Http404, HttpResponse

    if not settings.PAYMENT_GATEWAY_STANDIN:
        raise Http404
    global _embedded
    with _embedded_lock:
        if _embedded is None:
            _embedded = StandInGateway(
                secret=settings.PAYMENT_GATEWAY_SECRET,
                control_token=settings.PAYMENT_GATEWAY_STANDIN_TOKEN,
                merchant_id=settings.PAYMENT_MERCHANT_ID,
            )
    base = settings.PAYMENT_GATEWAY_URL.rstrip("/")
    query = request.META.get("QUERY_STRING", "")
    status, kind, payload, extra = _embedded.handle(
        request.method or "GET",
        path + (f"?{query}" if query else ""),
        dict(request.headers.items()),
        request.body,
        base,
    )
    response = HttpResponse(payload, status=status, content_type=kind)
    for name, value in extra:
        response[name] = value
    return response


# The citizen's page posts a plain form with no CSRF token, as the real platform's would.
embedded_view.csrf_exempt = True  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9810, help="0 picks a free port")
    parser.add_argument("--merchant-id", default="portal")
    parser.add_argument("--secret", default=os.environ.get("PAYMENT_STANDIN_SECRET", ""))
    parser.add_argument(
        "--control-token", default=os.environ.get("PAYMENT_STANDIN_CONTROL_TOKEN", "")
    )
    options = parser.parse_args(argv)
    secret = options.secret or secrets.token_urlsafe(24)
    token = options.control_token or secrets.token_urlsafe(24)
    gateway = StandInGateway(secret=secret, control_token=token, merchant_id=options.merchant_id)
    server = GatewayServer((options.host, options.port), gateway)
    print(f"PAYMENT STANDIN READY {server.url}", flush=True)
    if not options.control_token:
        print(f"PAYMENT STANDIN CONTROL TOKEN {token}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

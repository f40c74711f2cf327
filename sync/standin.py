"""A stand-in National Public Service Portal (Cổng DVCQG) for development and tests only.

It speaks docs/national-portal-contract.md, validates and stores what it receives, and can be
told to fail (503s, timeouts, slow answers, duplicate deliveries, "00" answers whose write it
drops), so the sync client can be shown to deliver every change exactly once and in order. The
framework-free core, :class:`StandIn` (``sync.standin_core``; the contract's checks are in
``sync.standin_contract``), is served as a process (tests; it prints
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
import os
import secrets
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from sync.standin_contract import (
    CONTROL_TOKEN_ENV,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    DURATIONS,
    JSON_TYPE,
    LOG_ENV,
    RATES,
    Invalid,  # noqa: F401 - re-exported: the tests import it from here
)
from sync.standin_core import StandIn, _encode

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


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

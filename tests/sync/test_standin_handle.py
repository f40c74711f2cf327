"""The stand-in national portal (sync/standin.py) driven through ``StandIn.handle`` directly, with
a fake clock and sleep where waiting would otherwise be needed; then its WSGI app, ``serve`` and
the embedded view. The tests over HTTP to its own process are in ``test_standin.py``.
"""

import io
import json

import pytest

from sync.standin import Invalid, StandIn, embedded_view, make_wsgi_app, serve
from tests.sync.standin_helpers import CODE, Portal, record, step

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

"""The API's rate limits counted in Redis (``portal.throttles.CountedRateThrottle``): the same
limits as DRF's, at one round trip per request whatever the rate."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from rest_framework.test import APIRequestFactory

from portal.throttles import ScopedThrottle

pytestmark = pytest.mark.django_db  # the cache is emptied around each test (tests/conftest.py)


class View:
    throttle_scope = "verification"


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def limited(monkeypatch):
    """``ask()``: one request from 198.51.100.7 to a 3-a-minute scope, at the clock's time."""
    monkeypatch.setattr(
        ScopedThrottle, "THROTTLE_RATES", {**ScopedThrottle.THROTTLE_RATES, "verification": "3/m"}
    )
    clock = Clock(6_000_000.0)  # the start of a minute
    monkeypatch.setattr(ScopedThrottle, "timer", clock)
    request = APIRequestFactory().post("/", REMOTE_ADDR="198.51.100.7")
    request.user = AnonymousUser()

    def ask() -> tuple[bool, float | None]:
        throttle = ScopedThrottle()
        allowed = throttle.allow_request(request, View())
        return allowed, None if allowed else throttle.wait()

    ask.clock = clock
    return ask


def counters() -> dict[str, int]:
    client = caches["default"]._cache.get_client(write=True)
    return {
        key.decode(): int(client.get(key))
        for key in client.scan_iter(match="*throttle_verification*")
    }


def test_the_rate_is_kept_and_a_refusal_says_how_long_to_wait(limited):
    answers = [limited()[0] for _ in range(3)]
    allowed, wait = limited()

    assert answers == [True, True, True]
    assert allowed is False
    # Three served at the start of the minute: the fourth fits once the sliding window has
    # let a third of them go, 20 s after the minute ends.
    assert wait == 80
    assert list(counters().values()) == [3]  # one counter per window, the refusal not counted


def test_after_the_announced_wait_the_request_is_served_and_not_a_second_before(limited):
    for _ in range(3):
        limited()
    limited.clock.now += 30
    _, wait = limited()

    limited.clock.now += wait - 1
    assert limited()[0] is False
    limited.clock.now += 1
    assert limited()[0] is True
    assert limited()[0] is False  # and the window is full again


def test_the_last_window_counts_for_its_part_still_inside_the_sliding_window(limited):
    for _ in range(3):
        limited()
    limited.clock.now += 60 + 30  # half-way through the next minute: 1.5 of the 3 still count

    answers = [limited()[0] for _ in range(3)]

    assert answers == [True, False, False]


def test_other_clients_have_their_own_count(limited, monkeypatch):
    for _ in range(4):
        limited()
    other = APIRequestFactory().post("/", REMOTE_ADDR="198.51.100.8")
    other.user = AnonymousUser()

    assert ScopedThrottle().allow_request(other, View()) is True
    assert sorted(counters().values()) == [1, 3]

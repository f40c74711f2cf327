"""API throttles: per client address (from the trusted proxy chain) or per account, and scoped
limits for the expensive or abusable endpoints (submission, tracking, signature verification,
the national portal's inbound pushes). A refusal is 429 with ``Retry-After`` and a message in the
visitor's language (Vietnamese first)."""

import logging
import math

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import exceptions, throttling

from portal.clientip import client_ip

logger = logging.getLogger(__name__)


class AddressMixin:
    """Per client address; and without the cache (Redis down) the limit fails open: the request
    is served and the outage logged, since a throttle that answered 500 would refuse everyone
    (docs/deployment.md, "Without Redis")."""

    def get_ident(self, request) -> str:
        return client_ip(request)

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception as exc:
            logger.warning(
                "throttle %s not applied, cache unavailable: %s",
                type(self).__name__,
                type(exc).__name__,
            )
            return True


class CountedRateThrottle(throttling.SimpleRateThrottle):
    """DRF's rate limit counted in Redis: one round trip per request, whatever the rate.

    DRF keeps the time of every request of the window in one cached list, read, unpickled,
    trimmed, pickled and written back on each request: at 1,200 a minute that list is 1,200
    floats for every API call of a busy client. Here a window is two counters (this one and the
    last, ``INCR`` with an expiry), and the last one counts for the part of it still inside a
    sliding window, the usual estimate of a sliding log. A refused request is taken off again,
    so, as in DRF, only served requests count. Without Redis (the embedded mode's memory cache)
    DRF's own list is used.
    """

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        backend = caches["default"]
        if not isinstance(backend, RedisCache):
            return super().allow_request(request, view)
        now = self.timer()
        window, elapsed = divmod(now, self.duration)
        current = backend.make_and_validate_key(f"{self.key}:{int(window)}")
        previous = backend.make_and_validate_key(f"{self.key}:{int(window) - 1}")
        client = backend._cache.get_client(current, write=True)
        pipe = client.pipeline(transaction=False)
        pipe.incr(current)
        pipe.expire(current, 2 * self.duration)
        pipe.get(previous)
        count, _expiry, before = pipe.execute()
        before = int(before or 0)
        share = 1 - elapsed / self.duration  # how much of the last window still counts
        if before * share + count <= self.num_requests + 1e-9:  # (float rounding)
            return True
        client.decr(current)
        self._wait = self._until_allowed(count - 1, before, elapsed)
        return self.throttle_failure()

    def _until_allowed(self, count: int, before: int, elapsed: float) -> float:
        """Seconds until one more request fits: the last window's share shrinks as time goes,
        and once this window is over its own count becomes the shrinking one."""
        room = self.num_requests - 1 - count
        if room >= 0 and before:
            return max(0.0, self.duration * (1 - room / before) - elapsed)
        left = self.duration - elapsed
        if count <= 0:
            return left
        return left + self.duration * max(0.0, 1 - (self.num_requests - 1) / count)

    def wait(self) -> float | None:
        if getattr(self, "_wait", None) is not None:
            return math.ceil(round(self._wait, 6)) or 1
        return super().wait()


class AnonThrottle(AddressMixin, throttling.AnonRateThrottle, CountedRateThrottle):
    """Anonymous callers, per address."""


class UserThrottle(AddressMixin, throttling.UserRateThrottle, CountedRateThrottle):
    """Signed-in callers, per account."""


class ScopedThrottle(AddressMixin, throttling.ScopedRateThrottle, CountedRateThrottle):
    """A view's ``throttle_scope``: per account when signed in, else per address."""


def throttled(exc: exceptions.Throttled) -> exceptions.Throttled:
    """DRF's refusal with the portal's message; ``wait`` (and so ``Retry-After``) is kept. A
    refusal raised with a message of its own (tracking's) keeps that message."""
    if not str(exc.detail).startswith(str(exceptions.Throttled.default_detail)):
        return exc
    if exc.wait is None:
        message = _("Too many requests. Please wait a moment and try again.")
        return exceptions.Throttled(detail=str(message))
    wait = int(exc.wait)
    message = ngettext(
        "Too many requests. Please try again in %(wait)d second.",
        "Too many requests. Please try again in %(wait)d seconds.",
        wait,
    ) % {"wait": wait}
    refusal = exceptions.Throttled(detail=message)
    refusal.wait = wait
    return refusal

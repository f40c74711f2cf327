"""API throttles: per client address (from the trusted proxy chain) or per account, and scoped
limits for the expensive or abusable endpoints (submission, tracking, signature verification,
the national portal's inbound pushes). A refusal is 429 with ``Retry-After`` and a message in the
visitor's language (Vietnamese first)."""

import logging

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


class AnonThrottle(AddressMixin, throttling.AnonRateThrottle):
    """Anonymous callers, per address."""


class UserThrottle(AddressMixin, throttling.UserRateThrottle):
    """Signed-in callers, per account."""


class ScopedThrottle(AddressMixin, throttling.ScopedRateThrottle):
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

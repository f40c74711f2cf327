"""The client's address, read from the trusted proxy chain: one rule for every limit.

Sign-in lockout, tracking limits, API throttles and the sign-in log all ask :func:`client_ip`.
``PROXY_COUNT`` is the number of reverse proxies of ours in front of the portal (0: clients
connect directly). Each proxy appends the address it saw to ``X-Forwarded-For``, so the entry
``PROXY_COUNT`` places from the right is the one our outermost proxy saw: the client. Entries to
its left were written by the client and are never trusted; without proxies the header is ignored
(a client cannot pick its own address to escape a limit).
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address, or ``None`` when the request carries none (an internal call)."""
    remote = _valid(request.META.get("REMOTE_ADDR", "")) or None
    proxies = getattr(settings, "PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [part for part in chain if part]
    if len(chain) < proxies:
        # Fewer entries than proxies: the request did not come through all of them.
        return remote
    return _valid(chain[-proxies]) or remote


def _valid(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return ""

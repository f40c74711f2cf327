"""Public tracking (tra cứu hồ sơ): anyone holding the receipt looks a dossier up.

The code alone is printed on notices and said at the counter, so it is not enough: the short
secret printed on the receipt goes with it. An unknown code and a wrong secret get the same
answer in the same time, so codes cannot be enumerated; attempts are counted per client
address and refused past a limit. What is shown is what the receipt already says, with the
applicant's name masked.
"""

import hmac
import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from dossiers.models import SECRET_ALPHABET, SECRET_LENGTH, Dossier, Status
from dossiers.selectors import public_timeline
from portal.clientip import client_ip

logger = logging.getLogger(__name__)

# Compared against when the code is unknown, so both answers cost the same.
_ABSENT = "!" * SECRET_LENGTH
SETTLED = (Status.RESULT_READY, Status.RETURNED, Status.REFUSED, Status.WITHDRAWN, Status.STOPPED)


def normalise_code(code: str) -> str:
    return "".join((code or "").split()).upper()


def normalise_secret(secret: str) -> str:
    """As typed from paper: spaces, hyphens and case do not matter."""
    cleaned = "".join(ch for ch in (secret or "").upper() if ch.isalnum())
    return cleaned if all(ch in SECRET_ALPHABET for ch in cleaned) else ""


def dossier_track(*, code: str, secret: str) -> Dossier | None:
    """The dossier with ``code`` if ``secret`` is its tracking secret, else ``None``."""
    dossier = (
        Dossier.objects.select_related("version", "agency", "reception_agency")
        .filter(code=normalise_code(code)[:30])
        .first()
    )
    expected = dossier.tracking_secret if dossier is not None else _ABSENT
    given = normalise_secret(secret)
    matches = hmac.compare_digest(expected.encode(), given.encode())
    return dossier if dossier is not None and matches else None


def tracking_attempt_allowed(client: str) -> bool:
    """Count one lookup by ``client`` (an address); ``False`` once past the limit in the window.

    A fixed window in the shared cache (Redis in production), so every web process counts
    together. Without the cache (Redis down) the limit fails open, logged: the lookup still
    needs the receipt's secret, and guessing one across the whole alphabet within an outage is
    hopeless, whereas refusing would stop every citizen tracking (docs/deployment.md).
    """
    limit, window = settings.TRACKING_RATE_LIMIT
    key = f"track:{client}"
    try:
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
            count = 1
    except Exception as exc:
        logger.warning("tracking limit not applied, cache unavailable: %s", type(exc).__name__)
        return True
    return count <= limit


def tracking_path(dossier: Dossier) -> str:
    """The tracking page of ``dossier`` with its secret: what the receipt's QR code opens."""
    query = urlencode({"code": dossier.code, "secret": dossier.tracking_secret})
    return f"{reverse('dossiers:track')}?{query}"


def client_address(request) -> str:
    """The client's address from the trusted proxy chain (one rule: portal.clientip)."""
    return client_ip(request) or "unknown"


def masked_name(name: str) -> str:
    """``Nguyễn Văn An`` → ``N***** V** An``: enough to recognise one's own dossier."""
    words = name.split()
    if len(words) <= 1:
        return (name[:1] + "***") if name else ""
    return " ".join([*(w[0] + "*" * (len(w) - 1) for w in words[:-1]), words[-1]])


@dataclass(frozen=True)
class TrackedStep:
    at: object
    status: int | None
    status_name: str
    agency: str


@dataclass(frozen=True)
class Tracked:
    dossier: Dossier
    applicant: str
    overdue: bool
    steps: list[TrackedStep]


def tracked(dossier: Dossier) -> Tracked:
    """What public tracking shows of ``dossier``: status changes, not officers' notes."""
    events = public_timeline(dossier, with_notes=False)
    steps = [
        TrackedStep(
            at=event.at,
            status=event.new_status,
            status_name=str(event.get_new_status_display() or ""),
            agency=event.agency.name if event.agency else "",
        )
        for event in events
    ]
    overdue = bool(
        dossier.appointment_at
        and dossier.appointment_at < timezone.now()
        and dossier.status not in SETTLED
    )
    return Tracked(
        dossier=dossier,
        applicant=masked_name(dossier.applicant_name),
        overdue=overdue,
        steps=steps,
    )

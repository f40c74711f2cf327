"""API clients and tokens: who may issue them, issuing, revoking, and checking a presented token.

Who issues: a province administrator for the clients of the agencies of their provinces
(``units.selectors.agencies_administered_by``, the rule every admin page of the portal follows),
a superuser for any, and an operator at the command line (``manage.py api_token``, actor
``None``: whoever runs it already holds the server). A token acts as its client's owner account,
so that account's roles decide everything it may do; to keep a person from using a token to
skip their own second factor, the owner may not be the issuer, a superuser or an admin-site
user, and must hold an active role in the client's agency (a dedicated system account is the
intended owner).

The secret is ``ptk_`` + a 10-character key + ``_`` + 43 characters (256 random bits). Only its
SHA-256 is stored: the secret has full entropy, so a slow password hash would add nothing but
latency to every call. A presented token is found by its prefix (``ptk_`` and the key) and its
hash compared in constant time.
"""

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.clientip import client_ip
from portal.models_tokens import ApiClient, ApiToken, ApiTokenEvent, TokenScope
from units.models import Agency, Membership
from units.selectors import agencies_administered_by

logger = logging.getLogger(__name__)

PREFIX = "ptk_"
KEY_LENGTH = 10
SECRET_LENGTH = 43  # secrets.token_urlsafe(32)
KEY_ALPHABET = string.ascii_lowercase + string.digits
# last_used_at/last_used_ip are written at most this often per token (and on a new address).
TOUCH_EVERY = dt.timedelta(minutes=1)
# A refused use is written to the audit once per token, reason and address in this window;
# the rest only to the log, so a client stuck in a retry loop cannot flood the table.
REFUSAL_AUDIT_EVERY = 60
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class TokenError(Exception):
    """A token could not be issued or revoked; ``code`` is stable, ``message`` translatable."""

    code = "api_token_error"

    def __init__(self, message, *, code: str | None = None):
        self.message = message
        self.code = code or self.code
        super().__init__(str(message))


class TokenRefused(Exception):
    """A presented token is not accepted: 401 (``status``) or 403 when out of scope."""

    def __init__(self, message, *, code: str, status: int = 401):
        self.message, self.code, self.status = message, code, status
        super().__init__(str(message))


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the whole token, shown once and never stored


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_prefix(raw: str) -> str | None:
    """The lookup prefix of a well-formed token, else ``None``."""
    if len(raw) != len(PREFIX) + KEY_LENGTH + 1 + SECRET_LENGTH or not raw.startswith(PREFIX):
        return None
    key, separator = raw[len(PREFIX) : -SECRET_LENGTH - 1], raw[-SECRET_LENGTH - 1]
    if separator != "_" or any(c not in KEY_ALPHABET for c in key):
        return None
    return PREFIX + key


def scope_allows(scopes: Iterable[str], method: str, required: str | None = None) -> bool:
    """``required`` names a scope an endpoint demands (the national portal's); otherwise safe
    methods need ``read`` or ``write`` and every other method ``write``."""
    scopes = set(scopes)
    if required:
        return required in scopes
    if method.upper() in SAFE_METHODS:
        return bool(scopes & {TokenScope.READ, TokenScope.WRITE})
    return TokenScope.WRITE in scopes


# --- Who administers what -------------------------------------------------------------------


def clients_administered_by(user) -> QuerySet[ApiClient]:
    """The API clients ``user`` may manage: superusers all, province administrators those of
    their provinces' agencies, anyone else none."""
    clients = ApiClient.objects.select_related("agency", "owner")
    if not user.is_authenticated:
        return clients.none()
    if user.is_superuser:
        return clients
    return clients.filter(agency__in=agencies_administered_by(user))


def tokens_administered_by(user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(client__in=clients_administered_by(user)).select_related(
        "client", "client__agency"
    )


def _require_administers(actor, agency: Agency) -> None:
    if actor is None or actor.is_superuser:
        return
    if not agencies_administered_by(actor).filter(pk=agency.pk).exists():
        raise TokenError(
            _("Only an administrator of the agency's province may manage its API clients."),
            code="api_client_not_administered",
        )


def _check_owner(*, actor, owner, agency: Agency) -> None:
    if not owner.is_active:
        raise TokenError(_("The owner account is disabled."), code="api_owner_inactive")
    if owner.is_superuser or owner.is_staff:
        raise TokenError(
            _("An administrator account cannot own an API client."), code="api_owner_admin"
        )
    if actor is not None and owner.pk == actor.pk:
        raise TokenError(
            _("You cannot own an API client you manage: choose a system account."),
            code="api_owner_is_issuer",
        )
    if not Membership.objects.filter(user=owner, agency=agency, is_active=True).exists():
        raise TokenError(
            _("The owner account needs an active role in the client's agency."),
            code="api_owner_not_in_agency",
        )


# --- Services -------------------------------------------------------------------------------


@transaction.atomic
def api_client_create(
    *, actor, agency: Agency, owner, name: str, description: str = ""
) -> ApiClient:
    """Register a system of ``agency`` acting as ``owner``."""
    _require_administers(actor, agency)
    _check_owner(actor=actor, owner=owner, agency=agency)
    if ApiClient.objects.filter(agency=agency, name=name).exists():
        raise TokenError(_("The agency already has a client of this name."), code="api_client_name")
    return ApiClient.objects.create(
        name=name, agency=agency, owner=owner, description=description, created_by=actor
    )


def _new_secret() -> tuple[str, str]:
    key = "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))
    secret = f"{PREFIX}{key}_{secrets.token_urlsafe(32)}"
    return PREFIX + key, secret


@transaction.atomic
def api_token_issue(
    *,
    actor,
    client: ApiClient,
    scopes: Iterable[str],
    expires_at: dt.datetime | None = None,
    note: str = "",
    request=None,
) -> IssuedToken:
    """A new token for ``client``; the secret is in the answer only. Audited (``issued``)."""
    _require_administers(actor, client.agency)
    if not client.is_active:
        raise TokenError(_("The API client is disabled."), code="api_client_inactive")
    _check_owner(actor=actor, owner=client.owner, agency=client.agency)
    scopes = sorted(set(scopes))
    if not scopes or not set(scopes) <= set(TokenScope.values):
        raise TokenError(_("Choose the token's scopes."), code="api_token_scopes")
    if expires_at is not None and expires_at <= timezone.now():
        raise TokenError(_("The expiry must be in the future."), code="api_token_expiry")
    for _attempt in range(3):
        prefix, secret = _new_secret()
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    client=client,
                    prefix=prefix,
                    secret_hash=token_hash(secret),
                    scopes=" ".join(scopes),
                    note=note,
                    created_by=actor,
                    expires_at=expires_at,
                )
            break
        except IntegrityError:  # the key was taken (36**10 keys): draw again
            continue
    else:
        raise TokenError(_("The token could not be issued; try again."), code="api_token_issue")
    _event(token, ApiTokenEvent.Kind.ISSUED, actor=actor, request=request, detail=token.scopes)
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken, reason: str = "", request=None) -> ApiToken:
    """Revoke ``token`` at once; revoking a revoked token changes nothing. Audited."""
    _require_administers(actor, token.client.agency)
    now = timezone.now()
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor
    )
    token.refresh_from_db(fields=["revoked_at", "revoked_by"])
    if changed:
        _event(token, ApiTokenEvent.Kind.REVOKED, actor=actor, request=request, detail=reason)
    return token


def _event(token, kind, *, actor=None, request=None, detail: str = "") -> ApiTokenEvent:
    return ApiTokenEvent.objects.create(
        token=token,
        kind=kind,
        actor=actor,
        ip_address=client_ip(request) if request is not None else None,
        method=request.method[:10] if request is not None else "",
        path=request.path[:200] if request is not None else "",
        detail=detail[:300],
    )


# --- Checking a presented token -------------------------------------------------------------

INVALID = _("Invalid or unknown API token.")


def api_token_authenticate(*, raw: str, request, required_scope: str | None = None) -> ApiToken:
    """The token ``raw`` names, if it may make ``request``; else :class:`TokenRefused`.

    Unknown and malformed tokens are only logged (no row to hang an audit on, and writing one
    per guess would let anyone fill the table); refusals of a real token are audited."""
    prefix = token_prefix(raw)
    token = None
    if prefix is not None:
        token = (
            ApiToken.objects.select_related("client", "client__owner").filter(prefix=prefix).first()
        )
    if token is None:
        logger.warning("API token refused: unknown or malformed (%s)", client_ip(request))
        raise TokenRefused(INVALID, code="token_invalid")
    if not hmac.compare_digest(token.secret_hash, token_hash(raw)):
        _refuse(token, request, ApiTokenEvent.Kind.REFUSED_SECRET, INVALID, "token_invalid")
    if token.revoked_at is not None:
        message = _("This API token has been revoked.")
        _refuse(token, request, ApiTokenEvent.Kind.REFUSED_REVOKED, message, "token_revoked")
    if token.is_expired():
        message = _("This API token has expired.")
        _refuse(token, request, ApiTokenEvent.Kind.REFUSED_EXPIRED, message, "token_expired")
    if not (token.client.is_active and token.client.owner.is_active):
        message = _("This API token's client or owner account is disabled.")
        _refuse(token, request, ApiTokenEvent.Kind.REFUSED_INACTIVE, message, "token_inactive")
    if not scope_allows(token.scope_set, request.method, required_scope):
        message = _("This API token's scope does not allow this request.")
        kind = ApiTokenEvent.Kind.REFUSED_SCOPE
        _refuse(token, request, kind, message, "token_scope", status=403)
    _touch(token, request)
    return token


def _refuse(token, request, kind, message, code: str, status: int = 401):
    logger.warning("API token %s refused: %s", token.prefix, kind)
    ip = client_ip(request)
    try:
        first = cache.add(f"apitoken:refused:{token.pk}:{kind}:{ip}", 1, REFUSAL_AUDIT_EVERY)
    except Exception:  # without the cache every refusal is written (fail towards the audit)
        first = True
    if first:
        _event(token, kind, request=request, detail=f"{request.method} {request.path}")
    raise TokenRefused(message, code=code, status=status)


def _touch(token: ApiToken, request) -> None:
    """Record the use cheaply: one conditional UPDATE at most once a minute per token."""
    now, ip = timezone.now(), client_ip(request)
    fresh = token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY
    if fresh and token.last_used_ip == ip:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_EVERY) | ~Q(last_used_ip=ip)
    ).update(last_used_at=now, last_used_ip=ip)
    token.last_used_at, token.last_used_ip = now, ip

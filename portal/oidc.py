"""Citizen sign-in with the national e-ID (VNeID) over OpenID Connect.

mozilla-django-oidc runs the authorization-code flow (``/oidc/authenticate/`` →
provider → ``/oidc/callback/``); this module decides who signs in. The provider's claims
become the citizen's profile through :func:`portal.services.citizen_upsert`, the citizen
being found by the CCCD number of the profile, never by e-mail. Claims without a valid CCCD
and staff accounts are refused; a refused or failed sign-in sends the visitor back with a
message and leaves nothing behind. Settings: ``OIDC_*`` (see README, Configuration).
"""

import datetime as dt
import logging

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from portal.models import CitizenProfile, IdentityLevel, User
from portal.services import citizen_upsert
from portal.validators import validate_cccd
from units.models import Membership

logger = logging.getLogger(__name__)

_PHONE_MAX = CitizenProfile._meta.get_field("phone").max_length
_NAME_MAX = CitizenProfile._meta.get_field("full_name").max_length
_ADDRESS_MAX = CitizenProfile._meta.get_field("address").max_length


class ClaimsRefused(Exception):
    """The provider's claims cannot make a citizen profile; ``reason`` has no personal data."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _cccd(claims: dict) -> str:
    name = settings.OIDC_CCCD_CLAIM
    value = claims.get(name)
    if value is None or value == "":
        # Some providers put the CCCD number in the subject; accept it only if it is one.
        sub = claims.get("sub")
        try:
            validate_cccd(sub if isinstance(sub, str) else "")
        except ValidationError:
            raise ClaimsRefused(f"no {name!r} claim and 'sub' is not a CCCD number") from None
        return sub
    if not isinstance(value, str):
        raise ClaimsRefused(f"the {name!r} claim is not a string")
    return value.strip()


def _birthdate(value) -> dt.date | None:
    """OIDC ``birthdate``: ISO ``YYYY-MM-DD``; a year alone or ``0000-MM-DD`` counts as unknown."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _full_name(claims: dict) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        # Vietnamese order: family, middle, given (Nguyễn Văn An).
        parts = [claims.get(key) for key in ("family_name", "middle_name", "given_name")]
        name = " ".join(part.strip() for part in parts if isinstance(part, str))
    return " ".join(name.split())[:_NAME_MAX]


def _identity_level(claims: dict) -> int:
    value = claims.get(settings.OIDC_IDENTITY_LEVEL_CLAIM)
    if value is None or str(value).strip() == str(IdentityLevel.LEVEL_1.value):
        return IdentityLevel.LEVEL_1
    if str(value).strip() == str(IdentityLevel.LEVEL_2.value):
        return IdentityLevel.LEVEL_2
    logger.warning("e-ID sign-in: unrecognised identity level value, taken as level 1")
    return IdentityLevel.LEVEL_1


def _optional_text(value, max_length: int) -> str:
    return value.strip()[:max_length] if isinstance(value, str) else ""


def citizen_fields(claims: dict) -> dict:
    """The keyword arguments of :func:`citizen_upsert` for the provider's claims.

    Raises :class:`ClaimsRefused` without a valid CCCD (shape, place code, and birth year when
    the birthdate is given) or a name. Optional claims that do not fit are left out rather
    than refusing the citizen.
    """
    cccd = _cccd(claims)
    date_of_birth = _birthdate(claims.get("birthdate"))
    try:
        validate_cccd(cccd, date_of_birth=date_of_birth)
    except ValidationError as exc:
        raise ClaimsRefused(f"invalid CCCD number ({exc.code})") from None
    full_name = _full_name(claims)
    if not full_name:
        raise ClaimsRefused("no name in the claims")

    phone = _optional_text(claims.get("phone_number"), 100)
    email = _optional_text(claims.get("email"), 254)
    try:
        validate_email(email)
    except ValidationError:
        email = ""
    address = claims.get("address")
    if isinstance(address, dict):
        address = address.get("formatted")
    level = _identity_level(claims)
    return {
        "cccd": cccd,
        "full_name": full_name,
        "date_of_birth": date_of_birth,
        "phone": phone if len(phone) <= _PHONE_MAX else "",
        "email": email,
        "address": _optional_text(address, _ADDRESS_MAX),
        "identity_level": level,
        "vneid_verified": level == IdentityLevel.LEVEL_2,
    }


def is_staff_account(user: User) -> bool:
    """Back-office accounts (any membership, even inactive, or admin flags) never use e-ID."""
    return user.is_staff or user.is_superuser or Membership.objects.filter(user=user).exists()


class EidOIDCBackend(OIDCAuthenticationBackend):
    """Signs citizens in from the e-ID provider's claims; refuses everyone else.

    Failures never raise out of :meth:`authenticate`: they are logged (without personal data)
    and the sign-in fails, so the callback sends the visitor back with a message.
    """

    def authenticate(self, request, **kwargs):
        try:
            return super().authenticate(request, **kwargs)
        except SuspiciousOperation as exc:
            logger.warning("e-ID sign-in refused: %s", exc)
        except requests.RequestException as exc:
            status = getattr(exc.response, "status_code", None)
            logger.warning(
                "e-ID sign-in failed: the provider's answer was %s",
                f"HTTP {status}" if status else type(exc).__name__,
            )
        except jwt.PyJWTError as exc:
            logger.warning("e-ID sign-in refused: invalid id_token (%s)", exc)
        except (KeyError, ValueError) as exc:
            logger.warning("e-ID sign-in failed: unreadable answer (%s)", type(exc).__name__)
        return None

    def get_or_create_user(self, access_token, id_token, payload):
        self._check_id_token(payload)
        return super().get_or_create_user(access_token, id_token, payload)

    def _check_id_token(self, payload: dict) -> None:
        """What the library leaves out: the token is for us, from our provider, and expires."""
        issuer = settings.OIDC_OP_ISSUER
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("id_token issuer is not OIDC_OP_ISSUER")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("id_token audience is not OIDC_RP_CLIENT_ID")
        if "exp" not in payload or not payload.get("sub"):
            raise SuspiciousOperation("id_token without exp or sub")

    def get_userinfo(self, access_token, id_token, payload):
        claims = super().get_userinfo(access_token, id_token, payload)
        if not isinstance(claims, dict) or claims.get("sub") != payload.get("sub"):
            # OpenID Connect Core 5.3.2: the UserInfo sub must be the id_token's.
            raise SuspiciousOperation("userinfo sub differs from the id_token sub")
        return claims

    def verify_claims(self, claims):
        try:
            citizen_fields(claims)
        except ClaimsRefused as exc:
            logger.warning("e-ID sign-in refused: %s", exc.reason)
            return False
        return True

    def filter_users_by_claims(self, claims):
        cccd = citizen_fields(claims)["cccd"]
        return User.objects.filter(citizen_profile__cccd=cccd)

    def describe_user_by_claims(self, claims):
        return "the citizen of the claims"

    def create_user(self, claims):
        return self._upsert(claims)

    def update_user(self, user, claims):
        if is_staff_account(user):
            raise SuspiciousOperation(f"user {user.pk} is a staff account; staff use passwords")
        if not user.is_active:
            raise SuspiciousOperation(f"user {user.pk} is inactive")
        return self._upsert(claims)

    @staticmethod
    def _upsert(claims: dict) -> User:
        try:
            return citizen_upsert(**citizen_fields(claims)).user
        except ValidationError as exc:
            fields = ", ".join(getattr(exc, "error_dict", {})) or "cccd"
            raise SuspiciousOperation(
                f"claims rejected by the citizen profile ({fields})"
            ) from None
        except IntegrityError:
            raise SuspiciousOperation("the citizen's account conflicts with another") from None


class EidOIDCAuthenticationRequestView(OIDCAuthenticationRequestView):
    """``/oidc/authenticate/``: off (404) unless e-ID over OpenID Connect is configured."""

    def get(self, request):
        if not settings.EID_OIDC_ENABLED:
            raise Http404
        return super().get(request)

    def get_extra_params(self, request):
        params = dict(super().get_extra_params(request))
        hint = request.GET.get("login_hint", "")
        if hint and len(hint) <= 64:  # a standard hint the provider may use to pre-fill
            params["login_hint"] = hint
        return params


class EidOIDCCallbackView(OIDCAuthenticationCallbackView):
    """``/oidc/callback/``: citizens land on ``next`` or OIDC_LOGIN_REDIRECT_URL."""

    def get(self, request):
        if not settings.EID_OIDC_ENABLED:
            raise Http404
        return super().get(request)

    @property
    def success_url(self):
        next_url = self.request.session.get("oidc_login_next")
        return next_url or resolve_url(settings.OIDC_LOGIN_REDIRECT_URL)

    def login_failure(self):
        messages.error(self.request, _("Sign-in with VNeID did not succeed. Please try again."))
        return super().login_failure()

"""Token authentication of the REST API for systems (``Authorization: Bearer <token>``; the
``Token <token>`` form of DRF's own token scheme is accepted too).

The request acts as the client's owner account, so every permission and visibility rule of the
API applies to it as to that account; a token out of its scope answers 403 before the view runs,
a revoked, expired or unknown one 401. Requests without such a header fall through to the
session (people: password, TOTP, and CSRF on every unsafe request, unchanged). Token requests
need no CSRF token: a browser never adds this header by itself, so a forged cross-site request
cannot carry it.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from portal.tokens import PREFIX, TokenRefused, api_token_authenticate

SCHEMES = ("bearer", "token")
REALM = 'Bearer realm="api"'


def presented_token(request) -> str | None:
    """The credential of a ``Bearer``/``Token`` Authorization header, ``""`` when the header
    names the scheme but is malformed, ``None`` when there is no such header."""
    header = authentication.get_authorization_header(request)
    scheme, _sep, rest = header.partition(b" ")
    if scheme.lower().decode("latin-1") not in SCHEMES:
        return None
    credential = rest.strip()
    if not credential or b" " in credential:
        return ""
    try:
        return credential.decode("ascii")
    except UnicodeDecodeError:
        return ""


def token_check(request, required_scope: str | None = None):
    """The token of ``request`` if accepted, raising DRF's 401/403 otherwise."""
    raw = presented_token(request)
    try:
        return api_token_authenticate(raw=raw or "", request=request, required_scope=required_scope)
    except TokenRefused as refused:
        body = {"detail": refused.message, "code": refused.code}
        if refused.status == 403:
            raise exceptions.PermissionDenied(body) from None
        raise exceptions.AuthenticationFailed(body) from None


def national_token_check(request, scope: str):
    """For ``sync.inbound.API_TOKEN_CHECKS``: the API token of ``request`` if it has ``scope``,
    ``None`` when the header holds another kind of bearer token (the shared national tokens)."""
    raw = presented_token(request)
    if not raw or not raw.startswith(PREFIX):
        return None
    return token_check(request, required_scope=scope)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``request.user`` is the client's owner, ``request.auth`` the ApiToken."""

    def authenticate(self, request):
        if presented_token(request) is None:
            return None
        token = token_check(request)
        owner = token.client.owner
        # No second factor was confirmed in this request: anything that asks gets "no" (the
        # leader's signature still needs the code in the request body, token or not).
        owner.is_verified = lambda: False
        return owner, token

    def authenticate_header(self, request):
        # Only a caller that tried a token is told to use one: requests without one keep the
        # session's answer (403), as before tokens existed.
        return REALM if presented_token(request) is not None else None


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The token in the OpenAPI schema (``apiToken``), beside the session's ``cookieAuth``."""

    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API client's token (ptk_…), acting as the client's owner account; "
            "scopes read, write, national. ``Token <token>`` is accepted too.",
        }

"""A stand-in OpenID provider for development and tests (never for production).

It plays the national e-ID (VNeID) in the OpenID Connect authorization-code flow, without any
login page: ``/authorize`` at once sends the browser back with a code for a test identity,
chosen by ``login_hint=<cccd>`` (a known identity, or a new one made up for that number) or the
default identity. Run it with::

    python -m portal.oidc_standin --port 9900

and set the ``OIDC_*`` variables it prints. Endpoints: ``/.well-known/openid-configuration``,
``/authorize``, ``/token`` (an RS256 id_token signed with a key generated at start, and an
access token), ``/userinfo`` (the identity's claims) and ``/jwks`` (the public key).

Tests drive it in a thread (:meth:`StandinProvider.start`) and change its state directly:
``identities`` (claims by CCCD), ``default_cccd``, and ``signing_key`` (set it to another key
to issue tokens whose signature the published key does not verify).
"""

import argparse
import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

DEFAULT_CLIENT_ID = "portal-dev"
DEFAULT_CLIENT_SECRET = "portal-dev-secret"  # noqa: S105 - a development stand-in's secret
CODE_TTL = 120  # seconds
TOKEN_TTL = 600  # seconds

# 068 = born in (former) Lâm Đồng; 1 = female, 20th century; 90 = born 1990.
DEFAULT_IDENTITY = {
    "cccd": "068190000123",
    "name": "Nguyễn Thị Ánh Tuyết",
    "birthdate": "1990-05-12",
    "phone_number": "0912345678",
    "email": "tuyet.nguyen@example.vn",
    "address": {"formatted": "12 Trần Phú, Phường Xuân Hương - Đà Lạt, Lâm Đồng"},
    "identity_level": 2,
}


def generate_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _subject(cccd: str) -> str:
    """An opaque, stable subject identifier for a CCCD (as a real provider would issue)."""
    return "vneid-" + hashlib.sha256(cccd.encode()).hexdigest()[:24]


class StandinProvider:
    """The provider's state: its key, test identities, and the codes and tokens it issued."""

    def __init__(
        self,
        *,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        identities: list[dict] | None = None,
    ):
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = generate_key()
        self.kid = secrets.token_hex(8)
        self.signing_key = self.key  # replace to sign with a key /jwks does not publish
        self.identities: dict[str, dict] = {}
        for claims in identities or [DEFAULT_IDENTITY]:
            self.add_identity(claims)
        self.default_cccd = next(iter(self.identities))
        self.issuer = ""
        self._codes: dict[str, dict] = {}
        self._tokens: dict[str, tuple[dict, float]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- Identities ------------------------------------------------------------------------

    def add_identity(self, claims: dict, *, key: str | None = None) -> dict:
        """Register (or replace) a test identity, found by ``login_hint=<key>``.

        ``key`` defaults to the claims' ``cccd``; the ``sub`` defaults to an opaque value
        derived from it.
        """
        key = key or claims["cccd"]
        claims = {"sub": _subject(key), **claims}
        self.identities[key] = claims
        return claims

    def identity(self, hint: str | None) -> dict:
        if hint and hint in self.identities:
            return self.identities[hint]
        if hint:  # an unknown number: a made-up level-2 citizen with it
            name = "Công dân thử nghiệm " + hint[-4:]
            return self.add_identity({"cccd": hint, "name": name, "identity_level": 2})
        return self.identities[self.default_cccd]

    # --- Tokens ----------------------------------------------------------------------------

    def public_jwk(self) -> dict:
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}

    def id_token(self, claims: dict, *, nonce: str | None) -> str:
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "sub": claims["sub"],
            "aud": self.client_id,
            "iat": now,
            "auth_time": now,
            "exp": now + TOKEN_TTL,
        }
        if nonce:
            payload["nonce"] = nonce
        return jwt.encode(payload, self.signing_key, algorithm="RS256", headers={"kid": self.kid})

    def authorize(self, params: dict[str, str]) -> tuple[int, dict, str]:
        """Answer /authorize: a redirect back with a code, or an error page."""
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") != self.client_id or not redirect_uri.startswith(
            ("http://", "https://")
        ):
            return 400, {}, "unknown client_id or missing redirect_uri"
        if params.get("response_type") != "code" or "openid" not in params.get("scope", ""):
            return _redirect(redirect_uri, error="unsupported_response_type", **_state(params))
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = {
                "claims": dict(self.identity(params.get("login_hint"))),
                "nonce": params.get("nonce"),
                "redirect_uri": redirect_uri,
                "challenge": params.get("code_challenge"),
                "challenge_method": params.get("code_challenge_method", "plain"),
                "expires": time.time() + CODE_TTL,
            }
        return _redirect(redirect_uri, code=code, **_state(params))

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict]:
        """Answer /token: exchange a code (once) for an id_token and an access token."""
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if authorization.startswith("Basic "):
            try:
                decoded = base64.b64decode(authorization[6:]).decode()
            except ValueError:  # also UnicodeDecodeError
                return 401, {"error": "invalid_client"}
            client_id, _, client_secret = decoded.partition(":")
        if (client_id, client_secret) != (self.client_id, self.client_secret):
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)
        if (
            grant is None
            or grant["expires"] < time.time()
            or grant["redirect_uri"] != form.get("redirect_uri")
            or not _pkce_ok(grant, form.get("code_verifier"))
        ):
            return 400, {"error": "invalid_grant"}
        access_token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[access_token] = (grant["claims"], time.time() + TOKEN_TTL)
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_TTL,
            "id_token": self.id_token(grant["claims"], nonce=grant["nonce"]),
        }

    def userinfo(self, authorization: str) -> tuple[int, dict]:
        token = authorization[7:] if authorization.startswith("Bearer ") else ""
        with self._lock:
            claims, expires = self._tokens.get(token, (None, 0.0))
        if claims is None or expires < time.time():
            return 401, {"error": "invalid_token"}
        return 200, claims

    def configuration(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email", "phone", "address"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256", "plain"],
            "claims_supported": ["sub", *DEFAULT_IDENTITY],
        }

    def settings(self) -> dict:
        """The portal's ``OIDC_*`` settings that point at this provider."""
        return {
            "OIDC_OP_ISSUER": self.issuer,
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.issuer}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.issuer}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.issuer}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.issuer}/jwks",
        }

    # --- Serving ---------------------------------------------------------------------------

    def make_server(self, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
        """Bind (port 0: any free port) and set the issuer to the bound address."""
        handler = type("Handler", (_Handler,), {"provider": self})
        server = ThreadingHTTPServer((host, port), handler)
        server.daemon_threads = True
        self.issuer = f"http://{host}:{server.server_address[1]}"
        return server

    def start(self, host: str = "127.0.0.1", port: int = 0) -> "StandinProvider":
        """Serve in a background thread; :meth:`stop` ends it."""
        self._server = self.make_server(host, port)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def _state(params: dict[str, str]) -> dict[str, str]:
    return {"state": params["state"]} if "state" in params else {}


def _redirect(uri: str, **params: str) -> tuple[int, dict, str]:
    parts = urlsplit(uri)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return 302, {"Location": urlunsplit(parts._replace(query=query))}, ""


def _pkce_ok(grant: dict, verifier: str | None) -> bool:
    if not grant["challenge"]:
        return True
    if not verifier:
        return False
    if grant["challenge_method"] == "S256":
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        verifier = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return secrets.compare_digest(verifier, grant["challenge"])


class _Handler(BaseHTTPRequestHandler):
    provider: StandinProvider
    quiet = True

    def do_GET(self):
        url = urlsplit(self.path)
        params = {key: values[0] for key, values in parse_qs(url.query).items()}
        auth = self.headers.get("Authorization", "")
        if url.path == "/.well-known/openid-configuration":
            self._json(200, self.provider.configuration())
        elif url.path == "/jwks":
            self._json(200, {"keys": [self.provider.public_jwk()]})
        elif url.path == "/authorize":
            status, headers, body = self.provider.authorize(params)
            self._send(status, body.encode(), "text/plain; charset=utf-8", headers)
        elif url.path == "/userinfo":
            self._json(*self.provider.userinfo(auth))
        else:
            self._json(404, {"error": "not_found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if urlsplit(self.path).path == "/token":
            self._json(*self.provider.token(form, self.headers.get("Authorization", "")))
        elif urlsplit(self.path).path == "/userinfo":
            self._json(*self.provider.userinfo(self.headers.get("Authorization", "")))
        else:
            self._json(404, {"error": "not_found"})

    def _json(self, status: int, body: dict) -> None:
        headers = {"Cache-Control": "no-store"}
        self._send(status, json.dumps(body).encode(), "application/json", headers)

    def _send(self, status: int, body: bytes, content_type: str, headers: dict) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        if not self.quiet:
            super().log_message(format, *args)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9900)
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    parser.add_argument("--cccd", help="CCCD of the default identity (a made-up citizen)")
    args = parser.parse_args(argv)

    provider = StandinProvider(client_id=args.client_id, client_secret=args.client_secret)
    if args.cccd:
        provider.default_cccd = provider.identity(args.cccd)["cccd"]
    _Handler.quiet = False
    server = provider.make_server(args.host, args.port)
    print(f"Stand-in OpenID provider at {provider.issuer} (development only). Set:")
    for name, value in provider.settings().items():
        print(f"  export {name}={value}", flush=True)
    print(f"Default identity: CCCD {provider.default_cccd} (others: login_hint=<cccd>).")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

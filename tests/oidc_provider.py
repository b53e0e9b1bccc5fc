"""A small OpenID Connect provider on loopback, shaped like a Danish MitID broker, for tests.

A real HTTP server in a thread (127.0.0.1, a free port) that serves discovery, JWKS, an
authorization endpoint that approves at once, and a token endpoint that checks the code, the
client's secret and the PKCE verifier and hands out an RS256-signed ID token. Tests change what
it signs (`tamper`) to play a provider that lies, and rotate its key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

SUBSTANTIAL = "https://data.gov.dk/concept/core/nsis/Substantial"
LOW = "https://data.gov.dk/concept/core/nsis/Low"
CLIENT_ID = "townhall-test"
CLIENT_SECRET = "a-client-secret-for-tests"


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"})


class Provider:
    """The provider's state. Read `issuer`; change `person`, `tamper`, `keys`."""

    def __init__(self) -> None:
        self.signing_key = new_key("key-1")
        self.published_keys = [self.signing_key]
        # A citizen as a broker describes them: an opaque `sub`, the level, names, a CPR number.
        self.person: dict[str, Any] = {
            "sub": str(uuid.uuid4()),
            "loa": SUBSTANTIAL,
            "given_name": "Karen",
            "family_name": "Madsen",
            "name": "Karen Madsen",
            "dk.cpr": "0101701234",
        }
        # Claims or header fields to change in the next ID tokens; "sign_with" another key.
        self.tamper: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.jwks_fetches = 0
        self.logouts: list[dict[str, str]] = []
        self.offers_logout = True
        self.issuer_in_discovery: str | None = None
        # Entries of the discovery document to change (a provider that misdescribes itself).
        self.discovery_changes: dict[str, str] = {}
        self.issuer = ""

    def discovery(self) -> dict[str, Any]:
        metadata = {
            "issuer": self.issuer_in_discovery or self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }
        if self.offers_logout:
            metadata["end_session_endpoint"] = f"{self.issuer}/logout"
        return {**metadata, **self.discovery_changes}

    def jwks(self) -> dict[str, Any]:
        self.jwks_fetches += 1
        return {"keys": [key.as_dict(private=False) for key in self.published_keys]}

    def rotate_key(self) -> None:
        """A new signing key under a new kid; the old one is no longer published."""
        number = int(self.signing_key.kid.rsplit("-", 1)[1]) + 1
        self.signing_key = new_key(f"key-{number}")
        self.published_keys = [self.signing_key]

    def authorize(self, query: dict[str, str]) -> str:
        """Approve at once: the redirect back to the client with a code."""
        assert query["client_id"] == CLIENT_ID
        assert query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "nonce": query.get("nonce"),
            "challenge": query["code_challenge"],
            "redirect_uri": query["redirect_uri"],
            "used": False,
        }
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != f"Basic {expected}":
            return 401, {"error": "invalid_client"}
        grant = self.codes.get(form.get("code", ""))
        if grant is None or grant["used"] or form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant"}
        grant["used"] = True
        verifier = form.get("code_verifier", "")
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if challenge != grant["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        return 200, {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(grant["nonce"]),
        }

    def id_token(self, nonce: str | None) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            **self.person,
        }
        tamper = dict(self.tamper)
        key = tamper.pop("sign_with", self.signing_key)
        claims.update(tamper)
        header = {"alg": "RS256", "kid": self.signing_key.kid}
        return jwt.encode(header, claims, key)


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def _json(self, status: int, body: dict[str, Any]) -> None:
            encoded = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(encoded)))
            self.end_headers()
            self.wfile.write(encoded)

        def _redirect(self, location: str) -> None:
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/.well-known/openid-configuration":
                self._json(200, provider.discovery())
            elif parts.path == "/jwks":
                self._json(200, provider.jwks())
            elif parts.path == "/authorize":
                query = {name: values[0] for name, values in parse_qs(parts.query).items()}
                self._redirect(provider.authorize(query))
            elif parts.path == "/logout":
                # RP-initiated logout: the provider's session ends; back to the client.
                query = {name: values[0] for name, values in parse_qs(parts.query).items()}
                provider.logouts.append(query)
                self._redirect(query["post_logout_redirect_uri"])
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {
                name: values[0]
                for name, values in parse_qs(self.rfile.read(length).decode()).items()
            }
            if urlsplit(self.path).path != "/token":
                self._json(404, {"error": "not_found"})
                return
            status, body = provider.token(form, self.headers.get("Authorization", ""))
            self._json(status, body)

    return Handler


@contextmanager
def running_provider() -> Iterator[Provider]:
    provider = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

"""Bot Framework authentication without a network, for tests: a local RSA key, its OpenID metadata and JWKS
served on 127.0.0.1, and tokens signed the way the Bot Connector signs them.

botbuilder fetches the signing keys with a *blocking* `requests.get` from inside the event loop, so the
metadata server runs in a thread of its own (an aiohttp server on the test's loop would deadlock). The only
SDK touch is pointing ChannelValidation's documented class attribute at that server, through monkeypatch, so
the tests run the exact production validation path (public cloud, ChannelValidation, JwtTokenExtractor)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from botframework.connector.auth import ChannelValidation
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"  # AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER


class SigningKey:
    """An RSA key with a key id, as the Bot Connector's keys are published."""

    def __init__(self, kid: str | None = None) -> None:
        self.kid = kid or f"test-{uuid.uuid4().hex[:12]}"
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self, endorsements: list[str]) -> dict[str, Any]:
        key = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**key, "kid": self.kid, "use": "sig", "alg": "RS256", "endorsements": endorsements}


def mint_token(
    key: SigningKey,
    *,
    app_id: str,
    service_url: str,
    issuer: str = ISSUER,
    lifetime: float = 3600,
    issued_ago: float = 60,
) -> str:
    """A channel→bot token: iss, aud (the bot's app id), serviceurl, nbf/iat/exp, signed RS256 with a kid."""
    now = time.time()
    claims = {
        "iss": issuer,
        "aud": app_id,
        "serviceurl": service_url,
        "nbf": int(now - issued_ago),
        "iat": int(now - issued_ago),
        "exp": int(now - issued_ago + lifetime),
    }
    return jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": key.kid})


class OpenIdServer:
    """OpenID metadata and a JWKS for the given keys on 127.0.0.1, in a thread."""

    def __init__(self, *keys: SigningKey, endorsements: tuple[str, ...] = ("msteams",)) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server's naming
                base = f"http://127.0.0.1:{server.port}"
                body: dict[str, Any]
                if self.path == "/v1/.well-known/openidconfiguration":
                    body = {"issuer": ISSUER, "jwks_uri": f"{base}/v1/.well-known/keys"}
                elif self.path == "/v1/.well-known/keys":
                    body = {"keys": [key.jwk(list(endorsements)) for key in keys]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # quiet; the base's signature
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.metadata_url = f"http://127.0.0.1:{self.port}/v1/.well-known/openidconfiguration"
        self._thread = threading.Thread(target=self._server.serve_forever, name="openid", daemon=True)

    def __enter__(self) -> OpenIdServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def trust_openid_server(monkeypatch: pytest.MonkeyPatch, server: OpenIdServer) -> None:
    """Make botbuilder's channel token validation read its keys from `server` for this test only."""
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", server.metadata_url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # requests honours proxy variables
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")

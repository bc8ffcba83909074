"""A Web Push service on loopback, with the browser's side of it: `subscription()` makes a
browser key pair and auth secret and an endpoint here; each POST is checked as a push service
and a browser would — the VAPID token (RFC 8292: ES256 signature by the key in `k`, audience,
expiry, contact) — and its body decrypted with the subscription's private key (RFC 8291,
`aes128gcm`, http_ece). Endpoints marked gone answer 410, as after a browser unsubscribed."""

import base64
import http.server
import json
import os
import secrets
import threading
import time

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.support.servers import free_port


def b64decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64encode(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def verify_vapid(authorization, origin):
    """The claims of a valid `vapid t=<jwt>, k=<key>` header for `origin`; AssertionError
    otherwise."""
    scheme, _space, params = authorization.partition(" ")
    assert scheme == "vapid", authorization
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    header, claims, signature = fields["t"].split(".")
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64decode(fields["k"]))
    raw = b64decode(signature)
    assert len(raw) == 64, "ES256 signatures are r || s, 64 bytes"
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise AssertionError("the VAPID token's signature does not verify") from None
    assert json.loads(b64decode(header)) == {"typ": "JWT", "alg": "ES256"}
    claims = json.loads(b64decode(claims))
    assert claims["aud"] == origin, claims
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600, claims
    assert claims["sub"].startswith(("mailto:", "https://")), claims
    claims["k"] = fields["k"]
    return claims


class PushService:
    def __init__(self):
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.browsers = {}  # endpoint token -> (private key, auth secret)
        self.gone = set()
        self.messages = []
        self.errors = []
        self.lock = threading.Lock()
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                token = self.path.rsplit("/", 1)[-1]
                status = service.receive(token, dict(self.headers), body)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def subscription(self):
        """What a browser's PushSubscription.toJSON() gives: endpoint and keys."""
        token = secrets.token_urlsafe(12)
        private = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        self.browsers[token] = (private, auth)
        point = private.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        return {
            "endpoint": f"{self.origin}/push/{token}",
            "keys": {"p256dh": b64encode(point), "auth": b64encode(auth)},
        }

    def receive(self, token, headers, body):
        if token in self.gone or token not in self.browsers:
            return 410
        try:
            assert headers.get("Content-Encoding") == "aes128gcm", headers
            assert int(headers["TTL"]) > 0
            claims = verify_vapid(headers["Authorization"], self.origin)
            private, auth = self.browsers[token]
            plain = http_ece.decrypt(body, private_key=private, auth_secret=auth,
                                     version="aes128gcm")  # fmt: skip
            message = json.loads(plain)
        except Exception as exc:  # recorded for the test to show, answered as a service would
            with self.lock:
                self.errors.append(repr(exc))
            return 400
        with self.lock:
            self.messages.append({"token": token, "claims": claims, "message": message,
                                  "ciphertext": body})  # fmt: skip
        return 201

    def received(self, subscription):
        token = subscription["endpoint"].rsplit("/", 1)[-1]
        with self.lock:
            return [m["message"] for m in self.messages if m["token"] == token]
